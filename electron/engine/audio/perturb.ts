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

/**
 * Simulated room reverberation: convolution with a sparse random impulse response, the direct path
 * plus `taps` reflections at uniform random delays up to 1.5 * rt60, each with a random sign and the
 * amplitude of an exponential decay of 60 dB per rt60 (Polack's statistical model of late
 * reverberation, thinned to a few taps so the cost is taps * n). Output level matches the input RMS.
 * @param rt60Sec reverberation time, seconds (e.g. 0.2-0.6 for ordinary rooms)
 * @returns a new array of the same length
 */
export function reverberate(
  x: Float32Array,
  rateHz: number,
  rt60Sec: number,
  rand: () => number,
  taps = 48,
): Float32Array {
  const maxDelay = Math.max(1, Math.round(1.5 * rt60Sec * rateHz));
  const delays = new Int32Array(taps);
  const gains = new Float64Array(taps);
  for (let k = 0; k < taps; k++) {
    const d = 1 + Math.floor(rand() * maxDelay);
    delays[k] = d;
    // 60 dB down at rt60; 1/sqrt(taps) keeps the reverberant energy comparable to the direct path.
    gains[k] = (rand() < 0.5 ? -1 : 1) * 10 ** ((-3 * d) / (rt60Sec * rateHz)) * (2 / Math.sqrt(taps));
  }
  const out = new Float32Array(x.length);
  let inPower = 0;
  let outPower = 0;
  for (let i = 0; i < x.length; i++) {
    let v = x[i];
    for (let k = 0; k < taps; k++) {
      const j = i - delays[k];
      if (j >= 0) v += gains[k] * x[j];
    }
    out[i] = v;
    inPower += x[i] * x[i];
    outPower += v * v;
  }
  const g = outPower > 0 ? Math.sqrt(inPower / outPower) : 1;
  for (let i = 0; i < out.length; i++) out[i] *= g;
  return out;
}

/**
 * Band-limit a signal like a cheap microphone or a phone channel: a second-order high-pass at lowHz
 * and a second-order low-pass at highHz (Butterworth Q; biquad coefficients from R. Bristow-Johnson,
 * "Cookbook formulae for audio EQ biquad filter coefficients").
 * @param lowHz high-pass corner, Hz (0 = none); highHz low-pass corner, Hz (>= rateHz / 2: none)
 * @returns a new array of the same length
 */
export function bandLimit(x: Float32Array, rateHz: number, lowHz: number, highHz: number): Float32Array {
  let y: Float32Array = Float32Array.from(x);
  if (lowHz > 0) y = biquad(y, rateHz, lowHz, 'highpass');
  if (highHz < rateHz / 2) y = biquad(y, rateHz, highHz, 'lowpass');
  return y;
}

function biquad(x: Float32Array, rateHz: number, f0: number, kind: 'lowpass' | 'highpass'): Float32Array {
  const w0 = (2 * Math.PI * f0) / rateHz;
  const alpha = Math.sin(w0) / (2 * Math.SQRT1_2);
  const cos = Math.cos(w0);
  const b1 = kind === 'lowpass' ? 1 - cos : -(1 + cos);
  const b0 = kind === 'lowpass' ? (1 - cos) / 2 : (1 + cos) / 2;
  const a0 = 1 + alpha;
  const [nb0, nb1, nb2, na1, na2] = [b0 / a0, b1 / a0, b0 / a0, (-2 * cos) / a0, (1 - alpha) / a0];
  const y = new Float32Array(x.length);
  let x1 = 0;
  let x2 = 0;
  let y1 = 0;
  let y2 = 0;
  for (let i = 0; i < x.length; i++) {
    const v = nb0 * x[i] + nb1 * x1 + nb2 * x2 - na1 * y1 - na2 * y2;
    x2 = x1;
    x1 = x[i];
    y2 = y1;
    y1 = v;
    y[i] = v;
  }
  return y;
}
