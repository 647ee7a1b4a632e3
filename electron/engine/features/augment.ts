/**
 * SpecAugment-style masking of feature matrices (Park et al., "SpecAugment", Interspeech 2019):
 * a few random frequency bands and time spans are set to 0 (the mean after CMVN).
 */
import type { FeatureMatrix } from './logmel';

export interface SpecAugmentConfig {
  /** Number of frequency masks. Default 2. */
  freqMasks: number;
  /** Maximum width of a frequency mask, bins. Default 6. */
  maxFreqWidth: number;
  /** Number of time masks. Default 2. */
  timeMasks: number;
  /** Maximum width of a time mask, as a fraction of the utterance's frames. Default 0.1. */
  maxTimeFraction: number;
}

export const DEFAULT_SPECAUGMENT: SpecAugmentConfig = {
  freqMasks: 2,
  maxFreqWidth: 6,
  timeMasks: 2,
  maxTimeFraction: 0.1,
};

/** Return a masked copy; the input is not modified. `rand` returns numbers in [0, 1). */
export function specAugment(m: FeatureMatrix, c: SpecAugmentConfig, rand: () => number): FeatureMatrix {
  const data = m.data.slice();
  for (let k = 0; k < c.freqMasks; k++) {
    const w = Math.floor(rand() * (c.maxFreqWidth + 1));
    const f0 = Math.floor(rand() * Math.max(1, m.dim - w));
    for (let t = 0; t < m.numFrames; t++) data.fill(0, t * m.dim + f0, t * m.dim + f0 + w);
  }
  const maxT = Math.floor(c.maxTimeFraction * m.numFrames);
  for (let k = 0; k < c.timeMasks; k++) {
    const w = Math.floor(rand() * (maxT + 1));
    const t0 = Math.floor(rand() * Math.max(1, m.numFrames - w));
    data.fill(0, t0 * m.dim, (t0 + w) * m.dim);
  }
  return { data, numFrames: m.numFrames, dim: m.dim };
}
