/** Feature extraction over a list of utterances (audio stage + features stage), with progress. */
import { loadAudio, STREAM_WAV_MIN_BYTES } from '../audio';
import { addNoise, speedPerturb } from '../audio/perturb';
import { seededRandom } from '../model/batch';
import type { Utterance } from '../corpus/manifest';
import type { ProgressFn } from '../progress';
import type { CmvnStats } from './cmvn';
import type { FeatureConfig } from './config';
import { extractFeatures } from './index';
import { computeFeaturesBatch, type FeatureMatrix } from './logmel';
import { EMBEDDING_BATCH_SAMPLES } from './speech-embedding';
import { normalizeFeatures } from './cmvn';
import { FeatureCache } from './cache';

/** An utterance with its model-ready features. */
export interface FeaturizedUtterance {
  utt: Utterance;
  feats: FeatureMatrix;
}

/** Audio held for one batched feature call: the speech-embedding front end's call size. */
const FEATURE_BATCH_SAMPLES = EMBEDDING_BATCH_SAMPLES;

/**
 * Load, resample and featurise every utterance; raw features come from `cache` when it holds them
 * (see features/cache.ts) and are stored there otherwise. Utterances not in the cache are featurised
 * in batches of up to FEATURE_BATCH_SAMPLES samples (computeFeaturesBatch: the same features as one
 * by one, fewer calls of the speech-embedding graphs); progress is reported per utterance, in order.
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
  const pending: { index: number; key: string; samples: Float32Array }[] = [];
  let pendingSamples = 0;
  let reported = 0;
  const report = () => {
    while (reported < utts.length && out[reported]) {
      reported++;
      onProgress({ phase: 'features', label, done: reported, total: utts.length });
    }
  };
  const flush = async () => {
    const raws = computeFeaturesBatch(
      pending.map((p) => p.samples),
      config,
    );
    for (let j = 0; j < pending.length; j++) {
      const { index, key } = pending[j];
      if (cache && key) await cache.put(key, raws[j]);
      out[index] = { utt: utts[index], feats: normalizeFeatures(raws[j], config, globalStats) };
    }
    pending.length = 0;
    pendingSamples = 0;
    report();
  };
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
    if (raw) {
      out[i] = { utt: u, feats: normalizeFeatures(raw, config, globalStats) };
      report();
      continue;
    }
    const audio = await loadAudio(u.audioPath, config.sampleRateHz, segment, bytes ?? undefined).catch(
      (err: Error) => {
        throw new Error(`${err.message} (utterance ${u.id}${u.source ? `, ${u.source}` : ''})`);
      },
    );
    if (pending.length > 0 && pendingSamples + audio.samples.length > FEATURE_BATCH_SAMPLES) await flush();
    pending.push({ index: i, key, samples: audio.samples });
    pendingSamples += audio.samples.length;
  }
  if (pending.length > 0) await flush();
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
