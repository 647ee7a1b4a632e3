/**
 * Band-limited resampling by a rational-ratio polyphase windowed-sinc filter.
 *
 * Output sample n sits exactly at input time n * fin / fout (no drift: the ratio is kept as the
 * reduced fraction M / L of integers), and is the sum of the neighbouring input samples weighted by
 * a Kaiser-windowed sinc low-pass whose cut-off is `rolloff * min(fin, fout) / 2`.
 * Method: J. O. Smith, "Digital Audio Resampling Home Page" (bandlimited interpolation), the same
 * scheme as libsamplerate's sinc converters and torchaudio.functional.resample (kaiser_window).
 */

/** Resampler settings. */
export interface ResampleConfig {
  /** Zero crossings of the sinc on each side of the centre (filter half-length). Default 16. */
  zeroCrossings: number;
  /** Cut-off as a fraction of the lower Nyquist frequency, (0, 1]. Default 0.9. */
  rolloff: number;
  /** Kaiser window beta. Default 8.6 (about 90 dB stop-band attenuation). */
  kaiserBeta: number;
}

export const DEFAULT_RESAMPLE: ResampleConfig = { zeroCrossings: 16, rolloff: 0.9, kaiserBeta: 8.6 };

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** Zeroth-order modified Bessel function of the first kind (power series), for the Kaiser window. */
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  const q = (x * x) / 4;
  for (let k = 1; k < 50; k++) {
    term *= q / (k * k);
    sum += term;
    if (term < 1e-12 * sum) break;
  }
  return sum;
}

/**
 * Resample a mono signal from `fromHz` to `toHz`.
 *
 * @param input [numIn] float32 samples at fromHz
 * @param fromHz input sample rate, Hz (positive integer)
 * @param toHz output sample rate, Hz (positive integer)
 * @returns [ceil(numIn * toHz / fromHz)] float32 samples at toHz; the input itself when the rates are equal
 * @throws Error when a rate is not a positive integer
 */
export function resample(
  input: Float32Array,
  fromHz: number,
  toHz: number,
  config: ResampleConfig = DEFAULT_RESAMPLE,
): Float32Array {
  if (!Number.isInteger(fromHz) || fromHz <= 0 || !Number.isInteger(toHz) || toHz <= 0) {
    throw new Error(`resample: sample rates must be positive integers, got ${fromHz} -> ${toHz}`);
  }
  if (fromHz === toHz) return input;
  const g = gcd(fromHz, toHz);
  const L = toHz / g; // output steps per ...
  const M = fromHz / g; // ... this many input steps
  const numOut = Math.ceil((input.length * L) / M);
  // Cut-off in cycles per input sample.
  const fc = 0.5 * config.rolloff * Math.min(1, L / M);
  const halfWidth = config.zeroCrossings / (2 * fc); // in input samples
  const taps = 2 * Math.ceil(halfWidth) + 1;
  const left = Math.ceil(halfWidth); // taps before the integer position
  const i0Beta = besselI0(config.kaiserBeta);
  const coef = (dx: number): number => {
    // dx: distance in input samples from the output instant
    const r = dx / halfWidth;
    if (r <= -1 || r >= 1) return 0;
    const w = besselI0(config.kaiserBeta * Math.sqrt(1 - r * r)) / i0Beta;
    const a = 2 * fc * dx;
    const s = a === 0 ? 1 : Math.sin(Math.PI * a) / (Math.PI * a);
    return 2 * fc * s * w;
  };
  // Polyphase table: phase p (fractional position p / P) -> taps coefficients. For small L every
  // exact phase has a row (P = L); otherwise P = 4096 rows (plus one) and coefficients are linearly
  // interpolated between neighbouring rows, as libsamplerate's sinc converters do.
  const exact = L <= 4096;
  const P = exact ? L : 4096;
  const rows = exact ? P : P + 1;
  const table = new Float32Array(rows * taps);
  for (let p = 0; p < rows; p++) {
    const frac = p / P;
    for (let k = 0; k < taps; k++) table[p * taps + k] = coef(frac - (k - left));
  }
  const out = new Float32Array(numOut);
  const n = input.length;
  const row = new Float32Array(taps);
  for (let o = 0; o < numOut; o++) {
    const num = o * M;
    const i0 = Math.floor(num / L);
    const p = num - i0 * L;
    let w: Float32Array;
    let base = 0;
    if (exact) {
      w = table;
      base = p * taps;
    } else {
      const f = (p / L) * P;
      const r = Math.floor(f);
      const a = f - r;
      const r0 = r * taps;
      const r1 = r0 + taps;
      for (let k = 0; k < taps; k++) row[k] = table[r0 + k] + a * (table[r1 + k] - table[r0 + k]);
      w = row;
    }
    const start = i0 - left;
    let acc = 0;
    if (start >= 0 && start + taps <= n) {
      for (let k = 0; k < taps; k++) acc += input[start + k] * w[base + k];
    } else {
      for (let k = 0; k < taps; k++) {
        const idx = start + k;
        if (idx >= 0 && idx < n) acc += input[idx] * w[base + k];
      }
    }
    out[o] = acc;
  }
  return out;
}
