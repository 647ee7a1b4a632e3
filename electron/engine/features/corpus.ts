/** Feature extraction over a list of utterances (audio stage + features stage), with progress. */
import { loadAudio, STREAM_WAV_MIN_BYTES } from '../audio';
import { addNoise, speedPerturb } from '../audio/perturb';
import { seededRandom } from '../model/batch';
import type { Utterance } from '../corpus/manifest';
import type { ProgressFn } from '../progress';
import type { CmvnStats } from './cmvn';
import type { FeatureConfig } from './config';
import { extractFeatures } from './index';
import { computeFeatures, type FeatureMatrix } from './logmel';
import { normalizeFeatures } from './cmvn';
import { FeatureCache } from './cache';

/** An utterance with its model-ready features. */
export interface FeaturizedUtterance {
  utt: Utterance;
  feats: FeatureMatrix;
}

/**
 * Load, resample and featurise every utterance; raw features come from `cache` when it holds them
 * (see features/cache.ts) and are stored there otherwise.
 * @param cache null or omitted: no cache
 * @throws Error naming the audio file that failed
 */
export async function featurizeCorpus(
  utts: Utterance[],
  config: FeatureConfig,
  globalStats: CmvnStats | undefined,
  onProgress: ProgressFn,
  label: string,
  cache?: FeatureCache | null,
): Promise<FeaturizedUtterance[]> {
  const out: FeaturizedUtterance[] = [];
  for (let i = 0; i < utts.length; i++) {
    const u = utts[i];
    const segment = {
      offsetSec: u.offsetSec,
      durationSec: u.offsetSec !== undefined ? u.durationSec : undefined,
    };
    let raw: FeatureMatrix | null = null;
    let key = '';
    let bytes: Uint8Array | null = null;
    if (cache) {
      // A missing or unreadable file fails in loadAudio, with its message.
      const k = await FeatureCache.keyOfFile(u.audioPath, config, segment, STREAM_WAV_MIN_BYTES).catch(
        () => null,
      );
      if (k) {
        key = k.key;
        bytes = k.bytes;
        raw = await cache.get(key);
      }
    }
    if (!raw) {
      const audio = await loadAudio(u.audioPath, config.sampleRateHz, segment, bytes ?? undefined).catch(
        (err: Error) => {
          throw new Error(`${err.message} (utterance ${u.id}${u.source ? `, ${u.source}` : ''})`);
        },
      );
      raw = computeFeatures(audio.samples, config);
      if (cache && key) await cache.put(key, raw);
    }
    out.push({ utt: u, feats: normalizeFeatures(raw, config, globalStats) });
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
    const audio = await loadAudio(u.audioPath, config.sampleRateHz, {
      offsetSec: u.offsetSec,
      durationSec: u.offsetSec !== undefined ? u.durationSec : undefined,
    });
    const variants: [string, Float32Array][] = aug.speeds
      .filter((f) => f !== 1)
      .map((f) => [`sp${f}`, speedPerturb(audio.samples, config.sampleRateHz, f)]);
    if (aug.noiseSnrDb !== null)
      variants.push([`snr${aug.noiseSnrDb}`, addNoise(audio.samples, aug.noiseSnrDb, rand)]);
    for (const [tag, samples] of variants) {
      out.push({ utt: { ...u, id: `${u.id}~${tag}` }, feats: extractFeatures(samples, config, globalStats) });
    }
    onProgress({ phase: 'features', label: 'augmentation', done: i + 1, total: utts.length });
  }
  return out;
}
