/** Feature extraction over a list of utterances (audio stage + features stage), with progress. */
import { loadAudio } from '../audio';
import { addNoise, speedPerturb } from '../audio/perturb';
import { seededRandom } from '../model/batch';
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

/** Waveform augmentation of an adaptation set. */
export interface AudioAugmentConfig {
  /** Speed factors for extra copies (1 is the original, never duplicated). Default [0.9, 1.1]. */
  speeds: number[];
  /** Add one noisy copy at this SNR, dB; null for none. */
  noiseSnrDb: number | null;
}

/**
 * Augmented copies of utterances (speed-perturbed and/or noisy), featurised like the originals.
 * The originals are not included.
 */
export async function featurizeAugmented(
  utts: Utterance[],
  config: FeatureConfig,
  globalStats: CmvnStats | undefined,
  aug: AudioAugmentConfig,
  seed: number,
  onProgress: ProgressFn,
): Promise<FeaturizedUtterance[]> {
  const rand = seededRandom(seed);
  const out: FeaturizedUtterance[] = [];
  for (let i = 0; i < utts.length; i++) {
    const u = utts[i];
    const audio = await loadAudio(u.audioPath, config.sampleRateHz, { offsetSec: u.offsetSec, durationSec: u.offsetSec !== undefined ? u.durationSec : undefined });
    const variants: [string, Float32Array][] = aug.speeds.filter((f) => f !== 1).map((f) => [`sp${f}`, speedPerturb(audio.samples, config.sampleRateHz, f)]);
    if (aug.noiseSnrDb !== null) variants.push([`snr${aug.noiseSnrDb}`, addNoise(audio.samples, aug.noiseSnrDb, rand)]);
    for (const [tag, samples] of variants) {
      out.push({ utt: { ...u, id: `${u.id}~${tag}` }, feats: extractFeatures(samples, config, globalStats), sourceRateHz: audio.sourceRateHz });
    }
    onProgress({ phase: 'features', label: 'augmentation', done: i + 1, total: utts.length });
  }
  return out;
}
