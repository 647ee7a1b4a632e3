/**
 * Cepstral mean and variance normalisation (CMVN): x' = (x - mean) / max(std, floor), per feature bin.
 * Per-utterance CMVN uses the utterance's own statistics; global CMVN uses statistics accumulated over
 * a corpus (stored in the model card). Source: Viikki & Laurila (1998), Kaldi's apply-cmvn.
 */
import type { FeatureMatrix } from './logmel';
import type { FeatureConfig } from './config';

/** Mean and standard deviation per bin. */
export interface CmvnStats {
  /** [dim] */
  mean: number[];
  /** [dim] */
  std: number[];
}

const STD_FLOOR = 1e-3;

/** Accumulate CMVN statistics over one or more feature matrices (all of the same dim). */
export function cmvnStats(mats: FeatureMatrix[]): CmvnStats {
  if (mats.length === 0) throw new Error('cmvnStats: no feature matrices');
  const dim = mats[0].dim;
  const sum = new Float64Array(dim);
  const sumSq = new Float64Array(dim);
  let n = 0;
  for (const m of mats) {
    for (let t = 0; t < m.numFrames; t++) {
      for (let d = 0; d < dim; d++) {
        const v = m.data[t * dim + d];
        sum[d] += v;
        sumSq[d] += v * v;
      }
    }
    n += m.numFrames;
  }
  const mean: number[] = [];
  const std: number[] = [];
  for (let d = 0; d < dim; d++) {
    const mu = sum[d] / n;
    mean.push(mu);
    std.push(Math.sqrt(Math.max(sumSq[d] / n - mu * mu, 0)));
  }
  return { mean, std };
}

/** Return a new matrix normalised with the given statistics. */
export function applyCmvn(m: FeatureMatrix, stats: CmvnStats): FeatureMatrix {
  const out = new Float32Array(m.data.length);
  const inv = stats.std.map((s) => 1 / Math.max(s, STD_FLOOR));
  for (let t = 0; t < m.numFrames; t++) {
    for (let d = 0; d < m.dim; d++) {
      const i = t * m.dim + d;
      out[i] = (m.data[i] - stats.mean[d]) * inv[d];
    }
  }
  return { data: out, numFrames: m.numFrames, dim: m.dim };
}

/**
 * Apply the CMVN a feature config asks for to raw features.
 * @param globalStats required when config.cmvn === "global"
 * @throws Error when global CMVN is configured without statistics
 */
export function normalizeFeatures(
  raw: FeatureMatrix,
  config: FeatureConfig,
  globalStats?: CmvnStats,
): FeatureMatrix {
  if (config.cmvn === 'none') return raw;
  if (config.cmvn === 'utterance') return applyCmvn(raw, cmvnStats([raw]));
  if (!globalStats) throw new Error('features: cmvn is "global" but the model card has no CMVN statistics');
  return applyCmvn(raw, globalStats);
}
