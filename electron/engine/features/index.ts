/** Features stage: canonical audio -> normalised feature matrix. */
import type { FeatureConfig } from './config';
import { computeFeatures, type FeatureMatrix } from './logmel';
import { normalizeFeatures, type CmvnStats } from './cmvn';

export * from './config';
export { computeFeatures, frameGeometry, numFramesFor, type FeatureMatrix } from './logmel';
export { applyCmvn, cmvnStats, normalizeFeatures, type CmvnStats } from './cmvn';

/**
 * Features exactly as the model consumes them: raw features, then CMVN as the config says.
 * @param samples [numSamples] float32 at c.sampleRateHz
 * @param globalStats required when c.cmvn === "global"
 * @throws Error when global CMVN is configured without statistics
 */
export function extractFeatures(
  samples: Float32Array,
  c: FeatureConfig,
  globalStats?: CmvnStats,
): FeatureMatrix {
  return normalizeFeatures(computeFeatures(samples, c), c, globalStats);
}
