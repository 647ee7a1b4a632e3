/**
 * One estimate of the time left for a whole adaptation job (Adapt screen), from its progress events:
 * the training still to run plus the scoring passes after it, each at the rate measured so far.
 *
 * An adaptation job runs: features, the base model's scoring passes ("evaluate" on the test set,
 * and on the source-test set when given), training, then the same scoring passes with the adapted
 * model. So:
 * - training left = steps left x seconds per step so far. With early stopping (epoch messages carry
 *   a held-out loss) the job is assumed to stop `EARLY_STOP_PATIENCE` epochs after its best held-out
 *   loss so far (capped by the maximum epochs), not to run every maximum epoch; the estimate grows
 *   again when the held-out loss improves. Without early stopping the step total is exact.
 * - scoring left = every scoring pass seen before training, again, at its measured seconds per utterance.
 * Before the first epoch ends there is no training rate: `remaining` is null ("estimating").
 * Pseudo-label rounds (training again after decoding unlabelled audio) are not foreseen.
 */
import type { JobProgress } from '../../../electron/contract';

/** The engine's early-stopping patience in epochs (DEFAULT_ADAPT.patience; a test keeps them equal). */
export const EARLY_STOP_PATIENCE = 6;

interface Pass {
  label: string;
  total: number;
  secPerItem: number;
}

export class JobEta {
  private key = '';
  private start = { t: 0, done: 0 };
  private last: JobProgress | null = null;
  private rate: number | null = null;
  /** Scoring passes before training (label, utterances, seconds per utterance). */
  private before: Pass[] = [];
  /** Scoring passes begun after training. */
  private after = 0;
  private training: 'not yet' | 'running' | 'over' = 'not yet';
  private epochs = 0;
  private stepsPerEpoch = 0;
  private best = Infinity;
  private bestEpoch = 0;
  private earlyStopping = false;

  /** @param maxEpochs the job's maximum epochs (MethodSettings.epochs) */
  constructor(private readonly maxEpochs: number) {}

  /**
   * Take one progress event of the job.
   * @param nowSec the time it arrived, seconds (any fixed origin)
   */
  update(e: JobProgress, nowSec: number): void {
    if (e.phase === 'queued') return;
    const key = `${e.phase}\u0000${e.label}`;
    if (key !== this.key) {
      this.endStep();
      this.key = key;
      this.start = { t: nowSec, done: e.done };
      this.rate = null;
      if (this.training === 'running' && e.phase === 'evaluate') this.training = 'over';
      if (e.phase === 'evaluate' && this.training === 'over' && e.total > 1) this.after++;
    } else if (e.done > this.start.done) {
      this.rate = (nowSec - this.start.t) / (e.done - this.start.done);
    }
    // A stage may open with a 0 / 1 event before its real step count.
    if (e.phase === 'train' && e.total > 1) this.training = 'running';
    if (e.phase === 'train' && e.message) {
      const m = /^epoch (\d+): .*?(?:held-out loss ([\d.]+))?(?: \(|$)/.exec(e.message);
      if (m) {
        this.epochs = Number(m[1]);
        if (this.epochs === 1) this.stepsPerEpoch = e.done;
        if (m[2] !== undefined) {
          this.earlyStopping = true;
          const ho = Number(m[2]);
          if (ho < this.best - 1e-4) {
            this.best = ho;
            this.bestEpoch = this.epochs;
          }
        } else this.bestEpoch = this.epochs;
      }
    }
    this.last = e;
  }

  /** Seconds left for the whole job, or null while there is nothing to estimate training from. */
  remaining(): number | null {
    const e = this.last;
    if (!e || this.training === 'not yet') return null;
    const scoring = (passes: Pass[]): number => passes.reduce((s, p) => s + p.total * p.secPerItem, 0);
    if (this.training === 'running') {
      if (!this.stepsPerEpoch || this.rate === null || e.phase !== 'train') return null;
      const lastEpoch = this.earlyStopping
        ? Math.min(this.maxEpochs, Math.max(this.epochs + 1, this.bestEpoch + EARLY_STOP_PATIENCE))
        : Math.round(e.total / this.stepsPerEpoch);
      const stepsLeft = Math.max(0, lastEpoch * this.stepsPerEpoch - e.done);
      return stepsLeft * this.rate + scoring(this.before);
    }
    const current = this.before[this.after - 1];
    const rate = this.rate ?? current?.secPerItem ?? 0;
    return Math.max(0, e.total - e.done) * rate + scoring(this.before.slice(this.after));
  }

  /** A scoring pass before training ends: keep its size and rate. */
  private endStep(): void {
    const e = this.last;
    if (!e || e.phase !== 'evaluate' || this.training !== 'not yet' || e.total <= 1 || this.rate === null)
      return;
    this.before.push({ label: e.label, total: e.total, secPerItem: this.rate });
  }
}
