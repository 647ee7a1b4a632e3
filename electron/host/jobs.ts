/**
 * Long-running engine jobs off the UI thread: each evaluate/adapt/vocabulary job runs in its own
 * worker_threads Worker (worker.ts) that calls the engine facade and posts progress; at most
 * MAX_RUNNING_JOBS (2) run at once, later ones wait in a queue. Cancelling terminates the worker
 * (or takes the job out of the queue). Used by the Electron main process and by the browser-mode server alike.
 *
 * The worker is TypeScript. Under tsx or vitest (development, browser mode, tests) a small bootstrap
 * registers tsx's ESM loader inside the worker thread and then imports worker.ts (Node 20 does not
 * apply `--import tsx` from a worker's execArgv to the worker's own imports); the electron-vite
 * build bundles the worker to out/main/worker.js, whose path the main process passes in `WorkerEntry`.
 */
import type { Worker } from 'node:worker_threads';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sourceEntry, startWorker, type WorkerEntry } from '../engine/util/module-worker';
import type {
  AdaptRequest as EngineAdaptRequest,
  EvaluateRequest as EngineEvaluateRequest,
  ProgressEvent,
  Report,
  VocabularyRequest as EngineVocabularyRequest,
} from '../engine';
import { MAX_RUNNING_JOBS, type QueuedEvent } from '../contract';

/**
 * What the worker receives as workerData: an engine request without its callback. `vocabulary`
 * answers with the model card; `sayWords` (a word list the synthesizer says once per entry, see
 * host/vocabulary.ts) with the problems found, `"<entry>" (line N): why` per entry.
 */
export type WorkerJob =
  | { op: 'evaluate'; request: Omit<EngineEvaluateRequest, 'onProgress'> }
  | { op: 'adapt'; request: Omit<EngineAdaptRequest, 'onProgress'> }
  | { op: 'vocabulary'; request: Omit<EngineVocabularyRequest, 'onProgress'> }
  | { op: 'sayWords'; request: { words: string; synth?: string; language: string } };

/** Messages from the worker; `report` is the job's answer (a Report for evaluate and adapt). */
export type WorkerMessage =
  | { type: 'progress'; event: ProgressEvent }
  | { type: 'done'; report: unknown }
  | { type: 'error'; message: string };

export type { WorkerEntry };

/** Thrown (and sent to the renderer) when a job is cancelled. */
export class JobCancelledError extends Error {
  constructor(jobId: string) {
    super(`job ${jobId}: cancelled`);
    this.name = 'JobCancelledError';
  }
}

/**
 * The development entry: worker.ts beside this file, loaded through tsx's ESM API.
 * @throws Error when this module is not running from source or tsx is not installed
 */
export function sourceWorkerEntry(): WorkerEntry {
  return sourceEntry(path.join(path.dirname(fileURLToPath(import.meta.url)), 'worker.ts'));
}

interface Running {
  worker: Worker;
  cancelled: boolean;
}

interface Waiting {
  jobId: string;
  start: () => void;
  cancel: () => void;
  onQueued: (e: QueuedEvent) => void;
  /** Last position reported (events only when it changes). */
  position: number;
}

/**
 * Runs jobs in worker threads, one worker per job, at most `maxRunning` at a time (default
 * MAX_RUNNING_JOBS: each job holds its model, features and decoder state, about 150 MB for an
 * evaluation and more for training, and the machine's cores are shared). Later jobs wait in a
 * first-come queue and get `queued` events with their place.
 */
export class JobRunner {
  private readonly running = new Map<string, Running>();
  private readonly queue: Waiting[] = [];

  constructor(
    private readonly entry: WorkerEntry = sourceWorkerEntry(),
    readonly maxRunning: number = MAX_RUNNING_JOBS,
  ) {
    if (!(Number.isInteger(maxRunning) && maxRunning >= 1))
      throw new Error(`JobRunner: maxRunning must be an integer >= 1, not ${maxRunning}`);
  }

  /** Ids of the jobs running now. */
  get jobIds(): string[] {
    return [...this.running.keys()];
  }

  /** Ids of the jobs waiting, next first. */
  get queuedIds(): string[] {
    return this.queue.map((w) => w.jobId);
  }

  /**
   * Run one job to its end: at once when fewer than `maxRunning` jobs run, else after the jobs
   * queued before it.
   * @param onProgress called on the calling thread for each progress event of the job, and with
   *   QueuedEvents while it waits (see QueuedEvent)
   * @returns the job's report
   * @throws Error `job <id>: already running` for a duplicate id (running or queued);
   *   JobCancelledError when cancelled (running or queued); the engine's one-line error message
   *   when the job fails; `job <id>: worker stopped (exit code N)` when the worker dies without an
   *   answer
   */
  run<T = Report>(
    jobId: string,
    job: WorkerJob,
    onProgress: (e: ProgressEvent | QueuedEvent) => void,
  ): Promise<T> {
    if (this.running.has(jobId) || this.queue.some((w) => w.jobId === jobId))
      return Promise.reject(new Error(`job ${jobId}: already running`));
    if (this.running.size < this.maxRunning && this.queue.length === 0)
      return this.start<T>(jobId, job, onProgress);
    return new Promise<T>((resolve, reject) => {
      this.queue.push({
        jobId,
        position: 0,
        onQueued: onProgress,
        start: () => {
          onProgress(this.queuedEvent(0));
          this.start<T>(jobId, job, onProgress).then(resolve, reject);
        },
        cancel: () => reject(new JobCancelledError(jobId)),
      });
      this.reportPositions();
    });
  }

  /**
   * A short job in a worker of its own, started at once: outside the queue and the job slots, not
   * cancellable, no progress (the word-list check, which must not wait behind long trainings).
   * @throws Error the engine's one-line message, or `job <id>: worker stopped (exit code N)`
   */
  runAside<T>(jobId: string, job: WorkerJob): Promise<T> {
    return this.start<T>(jobId, job, () => {}, false);
  }

  private start<T>(
    jobId: string,
    job: WorkerJob,
    onProgress: (e: ProgressEvent) => void,
    counted = true,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const worker = startWorker(this.entry, job);
      const state: Running = { worker, cancelled: false };
      if (counted) this.running.set(jobId, state);
      let settled = false;
      const finish = (f: () => void): void => {
        if (settled) return;
        settled = true;
        if (!counted) return f();
        this.running.delete(jobId);
        f();
        this.startNext();
      };
      worker.on('message', (m: WorkerMessage) => {
        if (m.type === 'progress') {
          if (!state.cancelled) onProgress(m.event);
        } else if (m.type === 'done') {
          finish(() => resolve(m.report as T));
          void worker.terminate();
        } else {
          finish(() => reject(new Error(m.message)));
          void worker.terminate();
        }
      });
      worker.on('error', (err) => finish(() => reject(state.cancelled ? new JobCancelledError(jobId) : err)));
      worker.on('exit', (code) =>
        finish(() =>
          reject(
            state.cancelled
              ? new JobCancelledError(jobId)
              : new Error(`job ${jobId}: worker stopped (exit code ${code})`),
          ),
        ),
      );
    });
  }

  /** Start queued jobs while slots are free, then tell the rest their new places. */
  private startNext(): void {
    while (this.running.size < this.maxRunning && this.queue.length > 0) this.queue.shift()!.start();
    this.reportPositions();
  }

  private reportPositions(): void {
    this.queue.forEach((w, i) => {
      if (w.position !== i + 1) {
        w.position = i + 1;
        w.onQueued(this.queuedEvent(i + 1));
      }
    });
  }

  /**
   * Cancel a job: a running job's worker is terminated, a queued job leaves the queue; either way
   * `run` rejects with JobCancelledError.
   * @returns false when no job with this id is running or queued
   */
  async cancel(jobId: string): Promise<boolean> {
    const i = this.queue.findIndex((w) => w.jobId === jobId);
    if (i >= 0) {
      const [w] = this.queue.splice(i, 1);
      w.cancel();
      this.reportPositions();
      return true;
    }
    const r = this.running.get(jobId);
    if (!r) return false;
    r.cancelled = true;
    await r.worker.terminate();
    return true;
  }

  private queuedEvent(position: number): QueuedEvent {
    const slots = this.maxRunning > 1 ? `${this.maxRunning} jobs run at a time` : 'one job runs at a time';
    return {
      phase: 'queued',
      label: position === 0 ? 'starting' : `waiting for a free job slot (${slots})`,
      done: 0,
      total: 0,
      queuePosition: position,
    };
  }

  /** Cancel every queued job, then terminate every running one (app shutdown). */
  async cancelAll(): Promise<void> {
    for (const w of this.queue.splice(0)) w.cancel();
    await Promise.all(this.jobIds.map((id) => this.cancel(id)));
  }
}
