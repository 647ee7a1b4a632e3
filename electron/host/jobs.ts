/**
 * Long-running engine jobs off the UI thread: each evaluate/adapt job runs in its own
 * worker_threads Worker (worker.ts) that calls the engine facade and posts progress. Cancelling
 * terminates the worker. Used by the Electron main process and by the browser-mode server alike.
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
import type { AdaptRequest as EngineAdaptRequest, EvaluateRequest as EngineEvaluateRequest, ProgressEvent, Report } from '../engine';

/** What the worker receives as workerData: an engine request without its callback. */
export type WorkerJob =
  | { op: 'evaluate'; request: Omit<EngineEvaluateRequest, 'onProgress'> }
  | { op: 'adapt'; request: Omit<EngineAdaptRequest, 'onProgress'> };

/** Messages from the worker. */
export type WorkerMessage = { type: 'progress'; event: ProgressEvent } | { type: 'done'; report: Report } | { type: 'error'; message: string };

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

/** Runs jobs in worker threads, one worker per job. */
export class JobRunner {
  private readonly running = new Map<string, Running>();

  constructor(private readonly entry: WorkerEntry = sourceWorkerEntry()) {}

  /** Ids of the jobs running now. */
  get jobIds(): string[] {
    return [...this.running.keys()];
  }

  /**
   * Run one job to its end.
   * @param onProgress called on the calling thread for each progress event of the job
   * @returns the job's report
   * @throws Error `job <id>: already running` for a duplicate id; JobCancelledError when cancelled;
   *   the engine's one-line error message when the job fails; `job <id>: worker stopped (exit code N)`
   *   when the worker dies without an answer
   */
  run(jobId: string, job: WorkerJob, onProgress: (e: ProgressEvent) => void): Promise<Report> {
    if (this.running.has(jobId)) return Promise.reject(new Error(`job ${jobId}: already running`));
    return new Promise<Report>((resolve, reject) => {
      const worker = startWorker(this.entry, job);
      const state: Running = { worker, cancelled: false };
      this.running.set(jobId, state);
      let settled = false;
      const finish = (f: () => void): void => {
        if (settled) return;
        settled = true;
        this.running.delete(jobId);
        f();
      };
      worker.on('message', (m: WorkerMessage) => {
        if (m.type === 'progress') {
          if (!state.cancelled) onProgress(m.event);
        } else if (m.type === 'done') {
          finish(() => resolve(m.report));
          void worker.terminate();
        } else {
          finish(() => reject(new Error(m.message)));
          void worker.terminate();
        }
      });
      worker.on('error', (err) => finish(() => reject(state.cancelled ? new JobCancelledError(jobId) : err)));
      worker.on('exit', (code) => finish(() => reject(state.cancelled ? new JobCancelledError(jobId) : new Error(`job ${jobId}: worker stopped (exit code ${code})`))));
    });
  }

  /**
   * Cancel a running job: its worker is terminated and `run` rejects with JobCancelledError.
   * @returns false when no job with this id is running
   */
  async cancel(jobId: string): Promise<boolean> {
    const r = this.running.get(jobId);
    if (!r) return false;
    r.cancelled = true;
    await r.worker.terminate();
    return true;
  }

  /** Terminate every running job (app shutdown). */
  async cancelAll(): Promise<void> {
    await Promise.all(this.jobIds.map((id) => this.cancel(id)));
  }
}
