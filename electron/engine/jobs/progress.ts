/** Progress events of long-running engine work, consumed by the CLI (progress bar) and later the UI. */

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

export type ProgressFn = (e: ProgressEvent) => void;

export const noProgress: ProgressFn = () => {};
