/**
 * Progress events of long-running engine work (features, evaluation, adaptation, base-model
 * training), reported through a ProgressFn callback. Consumed by the CLI's progress bars
 * (cli/progress.ts) and by the host: host/worker.ts posts them from the job's worker thread, and the
 * host sends them on with the job's id as the contract's `JobProgress` events, which the Adapt screen
 * shows as a progress bar and a loss chart. Running a job off the UI thread and cancelling it is the
 * host's work (host/jobs.ts), not the engine's.
 */

export type Phase = 'features' | 'evaluate' | 'adapt' | 'train';

export interface ProgressEvent {
  phase: Phase;
  /** What is being processed, e.g. the test-set name. */
  label: string;
  done: number;
  total: number;
  /** Latest training loss (per token), when training. */
  loss?: number;
  /** Free-form line for the log (epoch summaries). */
  message?: string;
}

/** Called synchronously by the engine, on the thread doing the work. */
export type ProgressFn = (e: ProgressEvent) => void;

/** A ProgressFn that ignores every event (tests, benchmarks). */
export const noProgress: ProgressFn = () => {};
