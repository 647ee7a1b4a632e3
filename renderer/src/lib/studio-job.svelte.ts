/**
 * What every long job started from a screen shares (AdaptJob, VocabularyJob): its status, id, latest
 * progress event, time left, elapsed time, log and error, and the run itself: an elapsed-time ticker,
 * the job's progress events, and the end (done, failed, or cancelled by the user).
 */
import type { JobProgress, StudioApi } from '../../../electron/contract';
import { StudioError } from './api';

export type JobStatus = 'idle' | 'running' | 'done' | 'failed' | 'cancelled';

export abstract class StudioJob {
  status = $state<JobStatus>('idle');
  jobId = $state('');
  progress = $state<JobProgress | null>(null);
  /** Seconds left (each job says of what); null until measurable. */
  etaSec = $state<number | null>(null);
  elapsedSec = $state(0);
  log = $state<string[]>([]);
  error = $state('');

  private startedAt = 0;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(protected readonly api: StudioApi) {}

  get running(): boolean {
    return this.status === 'running';
  }

  async cancel(): Promise<void> {
    if (this.running) await this.api.cancel({ jobId: this.jobId });
  }

  /** One of this job's progress events (only those of the running job arrive). */
  protected abstract onProgress(e: JobProgress): void;

  /**
   * Run `call` as job `jobId` (the caller has reset its own state): status running, elapsed time
   * ticking every 0.5 s, progress events to onProgress; then status done (and `onDone`), failed (the
   * error's message) or cancelled (`cancelledMessage`).
   * @param prefix the job id's prefix (e.g. `job`, `vocab`)
   */
  protected async run<R>(
    prefix: string,
    call: (jobId: string) => Promise<R>,
    onDone: (result: R) => void,
    cancelledMessage: string,
  ): Promise<void> {
    const jobId = `${prefix}-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}`;
    Object.assign(this, {
      status: 'running',
      jobId,
      progress: null,
      etaSec: null,
      elapsedSec: 0,
      log: [],
      error: '',
    });
    this.startedAt = performance.now();
    this.timer = setInterval(() => (this.elapsedSec = (performance.now() - this.startedAt) / 1000), 500);
    const unsubscribe = this.api.onProgress((e) => e.jobId === jobId && this.onProgress(e));
    try {
      const result = await call(jobId);
      this.status = 'done';
      onDone(result);
    } catch (err) {
      const cancelled = err instanceof StudioError && err.cancelled;
      this.status = cancelled ? 'cancelled' : 'failed';
      this.error = cancelled ? cancelledMessage : (err as Error).message;
    } finally {
      unsubscribe();
      clearInterval(this.timer);
      this.elapsedSec = (performance.now() - this.startedAt) / 1000;
    }
  }
}
