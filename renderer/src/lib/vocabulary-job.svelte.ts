/**
 * State of the vocabulary job started from the Vocabulary screen: progress, time left
 * (vocabulary-eta.ts), the log and the new model. Lives in App (not in the screen) so that moving to
 * another screen while a job runs loses nothing.
 */
import type { JobProgress, ModelEntry, StudioApi, TrainVocabularyRequest } from '../../../electron/contract';
import { StudioError } from './api';
import { duration } from './format';
import type { JobStatus } from './adapt-job.svelte';
import { STAGE_LABEL, VocabularyEta } from './vocabulary-eta';

/** The recipe's maximum epochs when the request gives none (DEFAULT_VOCABULARY.epochs). */
export const DEFAULT_VOCABULARY_EPOCHS = 30;

export class VocabularyJob {
  status = $state<JobStatus>('idle');
  jobId = $state('');
  name = $state('');
  progress = $state<JobProgress | null>(null);
  /** Seconds left: of the current step, or (from training's first epoch) of the whole job; see etaText. */
  etaSec = $state<number | null>(null);
  /** The time left as JobProgress shows it. */
  etaText = $state('');
  elapsedSec = $state(0);
  log = $state<string[]>([]);
  model = $state.raw<ModelEntry | null>(null);
  error = $state('');

  private eta = new VocabularyEta(DEFAULT_VOCABULARY_EPOCHS);
  private startedAt = 0;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly api: StudioApi) {}

  get running(): boolean {
    return this.status === 'running';
  }

  /** Start a job; resolves when it has ended (successfully or not). */
  async start(req: Omit<TrainVocabularyRequest, 'jobId'>): Promise<void> {
    if (this.running) return;
    const jobId = `vocab-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}`;
    Object.assign(this, {
      status: 'running',
      jobId,
      name: req.name,
      progress: null,
      etaSec: null,
      etaText: '',
      elapsedSec: 0,
      log: [],
      model: null,
      error: '',
    });
    this.eta = new VocabularyEta(req.epochs ?? DEFAULT_VOCABULARY_EPOCHS);
    this.startedAt = performance.now();
    this.timer = setInterval(() => (this.elapsedSec = (performance.now() - this.startedAt) / 1000), 500);
    const unsubscribe = this.api.onProgress((e) => e.jobId === jobId && this.onProgress(e));
    try {
      this.model = await this.api.trainVocabulary({ ...req, jobId });
      this.status = 'done';
      this.log.push(`finished: model "${req.name}" written to ${this.model.dir}`);
    } catch (err) {
      const cancelled = err instanceof StudioError && err.cancelled;
      this.status = cancelled ? 'cancelled' : 'failed';
      this.error = cancelled
        ? 'Cancelled. Nothing was kept: the word list and the unfinished model were removed.'
        : (err as Error).message;
    } finally {
      unsubscribe();
      clearInterval(this.timer);
      this.elapsedSec = (performance.now() - this.startedAt) / 1000;
    }
  }

  async cancel(): Promise<void> {
    if (this.running) await this.api.cancel({ jobId: this.jobId });
  }

  private onProgress(e: JobProgress): void {
    if (e.message) this.log.push(e.label === STAGE_LABEL ? e.message : `${e.label}: ${e.message}`);
    if (e.label === STAGE_LABEL) return; // stage messages: log lines, not progress
    this.eta.update(e, performance.now() / 1000);
    const r = this.eta.remaining();
    this.etaSec = r?.sec ?? null;
    this.etaText = !r
      ? e.phase === 'train' || e.phase === 'evaluate'
        ? 'time left: estimating (after the first epoch)'
        : 'time left: estimating'
      : r.scope === 'job'
        ? `about ${duration(r.sec)} left for the whole job`
        : `about ${duration(r.sec)} left for ${r.step}; the whole job's time is known after the first epoch`;
    this.progress = e;
  }
}
