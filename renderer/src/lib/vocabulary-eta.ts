/**
 * Time left of a vocabulary job (Vocabulary screen), from its progress events. The recipe
 * (electron/engine/recipes/vocabulary.ts on head-recipe.ts) runs: the synthetic speech (phase
 * "features", label "synthetic speech (<synthesizer>)", done / total = utterances; after a short
 * "check the words" step), the features ("training features"; the held-out ones send no events),
 * training (the same epoch events as an adaptation), then scoring the held-out utterances (seconds).
 *
 * How long training takes is not known before its first epoch has run, so:
 * - during the speech and the features: the current step's items left at its measured rate
 *   (`scope: 'step'`, with the step's name);
 * - from the first epoch on: JobEta's whole-job estimate (training to its expected end with early
 *   stopping; `scope: 'job'`).
 * Events labelled "recipe stages" (stage start and skip messages, 0 / 1) carry no progress and are ignored.
 */
import type { JobProgress } from '../../../electron/contract';
import { JobEta } from './eta';

/** The label of the recipe's stage messages (electron/engine/recipes/stages.ts). */
export const STAGE_LABEL = 'recipe stages';

export interface VocabularyEstimate {
  sec: number;
  scope: 'step' | 'job';
  /** What a step estimate covers, e.g. "the synthetic speech". */
  step: string;
}

export class VocabularyEta {
  private readonly training: JobEta;
  private key = '';
  private start = { t: 0, done: 0 };
  private rate: number | null = null;
  private last: JobProgress | null = null;
  private trained = false;

  /** @param maxEpochs the job's maximum epochs */
  constructor(maxEpochs: number) {
    this.training = new JobEta(maxEpochs);
  }

  /**
   * Take one progress event of the job.
   * @param nowSec the time it arrived, seconds (any fixed origin)
   */
  update(e: JobProgress, nowSec: number): void {
    if (e.phase === 'queued' || e.label === STAGE_LABEL) return;
    this.training.update(e, nowSec);
    if (e.phase === 'train') this.trained = true;
    const key = `${e.phase}\u0000${e.label}`;
    if (key !== this.key) {
      this.key = key;
      this.start = { t: nowSec, done: e.done };
      this.rate = null;
    } else if (e.done > this.start.done) {
      this.rate = (nowSec - this.start.t) / (e.done - this.start.done);
    }
    this.last = e;
  }

  /** The estimate, or null while there is none (a step's first items, training's first epoch). */
  remaining(): VocabularyEstimate | null {
    const e = this.last;
    if (!e) return null;
    if (this.trained) {
      const sec = this.training.remaining();
      return sec === null ? null : { sec, scope: 'job', step: '' };
    }
    if (this.rate === null) return null;
    const step = e.label.startsWith('synthetic speech') ? 'the synthetic speech' : 'the features';
    return { sec: Math.max(0, e.total - e.done) * this.rate, scope: 'step', step };
  }
}
