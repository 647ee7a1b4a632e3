/** Features stage: canonical audio -> normalised feature matrix. */
import type { FeatureConfig } from './config';
import { computeFeatures, type FeatureMatrix } from './logmel';
import { applyCmvn, cmvnStats, type CmvnStats } from './cmvn';

export * from './config';
export { computeFeatures, frameGeometry, numFramesFor, type FeatureMatrix } from './logmel';
export { applyCmvn, cmvnStats, type CmvnStats } from './cmvn';

/**
 * Features exactly as the model consumes them: raw features, then CMVN as the config says.
 * @param samples [numSamples] float32 at c.sampleRateHz
 * @param globalStats required when c.cmvn === "global"
 * @throws Error when global CMVN is configured without statistics
 */
export function extractFeatures(samples: Float32Array, c: FeatureConfig, globalStats?: CmvnStats): FeatureMatrix {
  const raw = computeFeatures(samples, c);
  if (c.cmvn === 'none') return raw;
  if (c.cmvn === 'utterance') return applyCmvn(raw, cmvnStats([raw]));
  if (!globalStats) throw new Error('features: cmvn is "global" but the model card has no CMVN statistics');
  return applyCmvn(raw, globalStats);
}
