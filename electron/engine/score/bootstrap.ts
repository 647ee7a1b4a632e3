/**
 * Paired bootstrap over utterances for a before/after WER comparison.
 * Source: M. Bisani and H. Ney, "Bootstrap estimates for confidence intervals in ASR performance
 * evaluation", ICASSP 2004; the same procedure as Kaldi's compute-wer-bootci.
 *
 * Each resample draws utterance indices with replacement (the same draw for both systems) and
 * computes pooled WER = sum(S + D + I) / sum(N) for before and after. Percentile intervals.
 */
import { seededRandom } from '../model/batch';
import type { ErrorCounts } from './align';

export interface BootstrapConfig {
  /** Default 10,000. */
  resamples: number;
  /** Default 1. */
  seed: number;
  /** Two-sided confidence level. Default 0.95. */
  level: number;
}

export const DEFAULT_BOOTSTRAP: BootstrapConfig = { resamples: 10_000, seed: 1, level: 0.95 };

export interface Interval {
  /** Point estimate on the full set. */
  value: number;
  lo: number;
  hi: number;
}

export type Verdict = 'better' | 'worse' | 'not distinguishable at this test-set size';

export interface Comparison {
  before: Interval;
  after: Interval;
  /** after - before (negative = fewer errors after adaptation). */
  change: Interval;
  /** Fraction of resamples in which after has a lower WER than before. */
  prob_after_better: number;
  verdict: Verdict;
  resamples: number;
  seed: number;
  level: number;
  utterances: number;
}

const errors = (c: ErrorCounts): number => c.substitutions + c.deletions + c.insertions;

function percentile(sorted: Float64Array, q: number): number {
  const pos = q * (sorted.length - 1);
  const i = Math.floor(pos);
  const f = pos - i;
  return i + 1 < sorted.length ? sorted[i] * (1 - f) + sorted[i + 1] * f : sorted[i];
}

/**
 * Paired bootstrap of two systems scored on the same utterances.
 * @param before per-utterance counts of the base system
 * @param after per-utterance counts of the adapted system, same utterance order
 * @returns null when the set has no reference words (WER undefined)
 * @throws Error when the two lists differ in length
 */
export function pairedBootstrap(
  before: ErrorCounts[],
  after: ErrorCounts[],
  cfg: BootstrapConfig = DEFAULT_BOOTSTRAP,
): Comparison | null {
  if (before.length !== after.length)
    throw new Error(`bootstrap: ${before.length} utterances before but ${after.length} after`);
  const n = before.length;
  const N = before.map((c) => c.referenceWords);
  const eb = before.map(errors);
  const ea = after.map(errors);
  const totalN = N.reduce((a, b) => a + b, 0);
  if (totalN === 0) return null;
  const werB = eb.reduce((a, b) => a + b, 0) / totalN;
  const werA = ea.reduce((a, b) => a + b, 0) / totalN;
  const rand = seededRandom(cfg.seed);
  const sb = new Float64Array(cfg.resamples);
  const sa = new Float64Array(cfg.resamples);
  const sd = new Float64Array(cfg.resamples);
  let better = 0;
  let kept = 0;
  for (let r = 0; r < cfg.resamples; r++) {
    let nn = 0;
    let b = 0;
    let a = 0;
    for (let k = 0; k < n; k++) {
      const i = Math.floor(rand() * n);
      nn += N[i];
      b += eb[i];
      a += ea[i];
    }
    if (nn === 0) continue; // a resample of only empty references has no WER
    sb[kept] = b / nn;
    sa[kept] = a / nn;
    sd[kept] = (a - b) / nn;
    if (a < b) better++;
    kept++;
  }
  const alpha = (1 - cfg.level) / 2;
  const ci = (xs: Float64Array, value: number): Interval => {
    const s = xs.slice(0, kept).sort();
    return { value, lo: percentile(s, alpha), hi: percentile(s, 1 - alpha) };
  };
  const change = ci(sd, werA - werB);
  const verdict: Verdict =
    change.hi < 0 ? 'better' : change.lo > 0 ? 'worse' : 'not distinguishable at this test-set size';
  return {
    before: ci(sb, werB),
    after: ci(sa, werA),
    change,
    prob_after_better: better / Math.max(1, kept),
    verdict,
    resamples: kept,
    seed: cfg.seed,
    level: cfg.level,
    utterances: n,
  };
}
