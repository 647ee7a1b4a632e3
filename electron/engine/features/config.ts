/** Feature settings: stored in every model card and checked when a model is loaded. */
import { z } from 'zod';

export const FeatureConfigSchema = z.object({
  /** "logmel": log mel filterbank energies; "mfcc": DCT-II of those (meyda's mfcc). */
  kind: z.enum(['logmel', 'mfcc']),
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

/** Feature dimension per frame for a config. */
export function featureDim(c: FeatureConfig): number {
  return c.kind === 'mfcc' ? c.numCeps : c.numMelBins;
}

/**
 * Names of settings that differ between two feature configs (empty when equal).
 * Used when loading a model to refuse features the model was not trained on.
 */
export function diffFeatureConfig(a: FeatureConfig, b: FeatureConfig): string[] {
  const out: string[] = [];
  for (const key of Object.keys(a) as (keyof FeatureConfig)[]) {
    if (a[key] !== b[key]) out.push(`${key}: ${String(a[key])} vs ${String(b[key])}`);
  }
  return out;
}
