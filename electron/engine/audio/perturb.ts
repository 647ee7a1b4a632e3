/** Waveform augmentation: speed perturbation and additive noise (Ko et al. 2015; Kaldi's recipes). */
import { resample } from './resample';

/** A standard normal sample from two uniform ones (Box-Muller). */
export function gaussian(rand: () => number): number {
  const u = Math.max(rand(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

/**
 * Speed perturbation: play the signal `factor` times faster (tempo and pitch), by resampling it as if
 * it had been recorded at rateHz * factor.
 * @param factor e.g. 0.9 or 1.1; rateHz * factor is rounded to an integer rate
 * @returns [round(n / factor)] samples at rateHz
 */
export function speedPerturb(x: Float32Array, rateHz: number, factor: number): Float32Array {
  return resample(x, Math.round(rateHz * factor), rateHz);
}

/**
 * Add white Gaussian noise at a signal-to-noise ratio.
 * @param snrDb signal power / noise power, dB
 * @returns a new array; the input is not modified
 */
export function addNoise(x: Float32Array, snrDb: number, rand: () => number): Float32Array {
  let power = 0;
  for (let i = 0; i < x.length; i++) power += x[i] * x[i];
  power /= Math.max(1, x.length);
  const std = Math.sqrt(power / 10 ** (snrDb / 10));
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i] + std * gaussian(rand);
  return out;
}
