/**
 * State of the vocabulary job started from the Vocabulary screen: progress, time left
 * (vocabulary-eta.ts), the log and the new model. Lives in App (not in the screen) so that moving to
 * another screen while a job runs loses nothing.
 */
import type { JobProgress, ModelEntry, TrainVocabularyRequest } from '../../../electron/contract';
import { duration } from './format';
import { StudioJob } from './studio-job.svelte';
import { STAGE_LABEL, VocabularyEta } from './vocabulary-eta';

/** The recipe's maximum epochs when the request gives none (DEFAULT_VOCABULARY.epochs). */
export const DEFAULT_VOCABULARY_EPOCHS = 30;

export class VocabularyJob extends StudioJob {
  name = $state('');
  /** The time left as JobProgress shows it (etaSec: of the current step, or from training's first epoch of the whole job). */
  etaText = $state('');
  model = $state.raw<ModelEntry | null>(null);

  private eta = new VocabularyEta(DEFAULT_VOCABULARY_EPOCHS);

  /** Start a job; resolves when it has ended (successfully or not). */
  async start(req: Omit<TrainVocabularyRequest, 'jobId'>): Promise<void> {
    if (this.running) return;
    Object.assign(this, { name: req.name, etaText: '', model: null });
    this.eta = new VocabularyEta(req.epochs ?? DEFAULT_VOCABULARY_EPOCHS);
    await this.run(
      'vocab',
      (jobId) => this.api.trainVocabulary({ ...req, jobId }),
      (model) => {
        this.model = model;
        this.log.push(`finished: model "${req.name}" written to ${model.dir}`);
      },
      'Cancelled. Nothing was kept: the word list and the unfinished model were removed.',
    );
  }

  protected onProgress(e: JobProgress): void {
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
