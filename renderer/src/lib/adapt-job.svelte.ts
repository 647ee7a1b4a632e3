/**
 * State of the adaptation job started from the Adapt screen: progress, one ETA for the whole job (eta.ts),
 * training-loss points and the log. Lives in App (not in the screen) so that moving to another
 * screen while a job runs loses nothing.
 */
import type { AdaptRequest, JobProgress, Report } from '../../../electron/contract';
import { heldOutLoss, seriesName } from './loss';
import { JobEta } from './eta';
import { StudioJob } from './studio-job.svelte';

/** The engine's maximum epochs when the request gives none (DEFAULT_ADAPT.epochs). */
const DEFAULT_MAX_EPOCHS = 40;

export type { JobStatus } from './studio-job.svelte';

/** One point of the loss chart: per-step loss, an epoch's mean (events carrying a message), or an epoch's held-out loss. */
export interface LossPoint {
  /** Training stage, e.g. "fine-tune" or "refit on all". */
  label: string;
  /**
   * The chart series: the label, numbered from its second run ("lhuc (2)") when the stage starts
   * again (its step count falls, e.g. a second pseudo-label round), so runs never draw over each other.
   */
  series: string;
  step: number;
  loss: number;
  epochMean: boolean;
  /** The held-out loss the epoch's message reports (early stopping's measure). */
  heldOut?: boolean;
}

export class AdaptJob extends StudioJob {
  runName = $state('');
  /** What Compare selects the run by: `<project>/<run>` for a run in a project's runs/, else the run name. */
  runKey = $state('');
  losses = $state<LossPoint[]>([]);
  report = $state.raw<Report | null>(null);

  /** Seconds left (etaSec) for the whole job: training to its expected end, then scoring. */
  private eta = new JobEta(DEFAULT_MAX_EPOCHS);
  /** Per stage label: its last step and how many times it has (re)started. */
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- bookkeeping, not reactive state
  private runs = new Map<string, { last: number; n: number }>();

  /** Start a job; resolves when it has ended (successfully or not). */
  async start(req: Omit<AdaptRequest, 'jobId'>): Promise<void> {
    if (this.running) return;
    Object.assign(this, {
      runName: req.runName,
      runKey: req.fromProject ? `${req.fromProject}/${req.runName}` : req.runName,
      losses: [],
      report: null,
    });
    this.eta = new JobEta(req.method?.epochs ?? DEFAULT_MAX_EPOCHS);
    // eslint-disable-next-line svelte/prefer-svelte-reactivity -- bookkeeping, not reactive state
    this.runs = new Map();
    await this.run(
      'job',
      (jobId) => this.api.adapt({ ...req, jobId }),
      (report) => {
        this.report = report;
        this.log.push(`finished: report written to run "${req.runName}"`);
      },
      'Cancelled. The base model is unchanged and the unfinished run folder was removed.',
    );
  }

  protected onProgress(e: JobProgress): void {
    this.eta.update(e, performance.now() / 1000);
    this.etaSec = this.eta.remaining();
    this.progress = e;
    if (e.loss !== undefined && e.phase === 'train') {
      const run = this.runs.get(e.label) ?? { last: -1, n: 1 };
      if (e.done < run.last) run.n++;
      run.last = e.done;
      this.runs.set(e.label, run);
      const series = seriesName(e.label, run.n);
      this.losses.push({ label: e.label, series, step: e.done, loss: e.loss, epochMean: Boolean(e.message) });
      const ho = e.message ? heldOutLoss(e.message) : null;
      if (ho !== null)
        this.losses.push({ label: e.label, series, step: e.done, loss: ho, epochMean: true, heldOut: true });
    }
    if (e.message) this.log.push(`${e.label}: ${e.message}`);
  }
}
