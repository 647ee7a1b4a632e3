/** Feature extraction over a list of utterances (audio stage + features stage), with progress. */
import { loadAudio } from '../audio';
import type { Utterance } from '../corpus/manifest';
import type { ProgressFn } from '../jobs/progress';
import type { CmvnStats } from './cmvn';
import type { FeatureConfig } from './config';
import { extractFeatures } from './index';
import type { FeatureMatrix } from './logmel';

/** An utterance with its model-ready features. */
export interface FeaturizedUtterance {
  utt: Utterance;
  feats: FeatureMatrix;
  /** The file's own sample rate, Hz. */
  sourceRateHz: number;
}

/**
 * Load, resample and featurise every utterance.
 * @throws Error naming the audio file that failed (and the manifest utterance id)
 */
export async function featurizeCorpus(
  utts: Utterance[],
  config: FeatureConfig,
  globalStats: CmvnStats | undefined,
  onProgress: ProgressFn,
  label: string,
): Promise<FeaturizedUtterance[]> {
  const out: FeaturizedUtterance[] = [];
  for (let i = 0; i < utts.length; i++) {
    const u = utts[i];
    const audio = await loadAudio(u.audioPath, config.sampleRateHz, { offsetSec: u.offsetSec, durationSec: u.offsetSec !== undefined ? u.durationSec : undefined });
    out.push({ utt: u, feats: extractFeatures(audio.samples, config, globalStats), sourceRateHz: audio.sourceRateHz });
    onProgress({ phase: 'features', label, done: i + 1, total: utts.length });
  }
  return out;
}
