/**
 * Power spectrum of a real frame, fast: an N-point real FFT computed as an N/2-point complex
 * FFT of the even/odd samples packed as z[n] = x[2n] + i x[2n+1] (iterative radix-2, decimation in
 * time, twiddles and bit-reversal precomputed once per size, float64 throughout), then split into
 * the spectrum of x:
 *
 *   X[k] = (Z[k] + conj Z[N/2-k]) / 2 - i e^{-2 pi i k / N} (Z[k] - conj Z[N/2-k]) / 2.
 *
 * Sources: Cooley & Tukey (1965) for the radix-2 FFT; the packing of a real sequence into a
 * half-length complex one is Brigham, "The Fast Fourier Transform" (1974), ch. 10.
 * It replaces meyda's `amplitudeSpectrum` (meyda rounds the real parts to float32 at every stage; the
 * square root of ours agrees with it to its float32 precision and with a float64 DFT to ~1e-9 relative,
 * tested) at ~8x the speed.
 */

/** Precomputed tables of one FFT size. */
export class RealFft {
  /** FFT size N (a power of two). */
  readonly size: number;
  /** Bit reversal over N/2 points. */
  readonly rev: Int32Array;
  /** Twiddles of the N/2-point FFT, stage m (m = 2, 4, ..., N/2) at offset m/2 - 1, k < m/2. */
  readonly twRe: Float64Array;
  readonly twIm: Float64Array;
  /** e^{-2 pi i k / N}, k < N/2, for the split. */
  readonly splitRe: Float64Array;
  readonly splitIm: Float64Array;
  private readonly re: Float64Array;
  private readonly im: Float64Array;

  /**
   * @param size FFT size N in samples
   * @throws Error when size is not a power of two >= 8
   */
  constructor(size: number) {
    if (!(size >= 8) || 2 ** Math.round(Math.log2(size)) !== size)
      throw new Error(`fft: size ${size} is not a power of two >= 8`);
    this.size = size;
    const h = size / 2;
    const bits = Math.round(Math.log2(h));
    this.rev = new Int32Array(h);
    for (let i = 0; i < h; i++) {
      let r = 0;
      for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
      this.rev[i] = r;
    }
    this.twRe = new Float64Array(Math.max(1, h - 1));
    this.twIm = new Float64Array(Math.max(1, h - 1));
    for (let m = 2; m <= h; m *= 2) {
      for (let k = 0; k < m / 2; k++) {
        this.twRe[m / 2 - 1 + k] = Math.cos((-2 * Math.PI * k) / m);
        this.twIm[m / 2 - 1 + k] = Math.sin((-2 * Math.PI * k) / m);
      }
    }
    this.splitRe = new Float64Array(h);
    this.splitIm = new Float64Array(h);
    for (let k = 0; k < h; k++) {
      this.splitRe[k] = Math.cos((-2 * Math.PI * k) / size);
      this.splitIm[k] = Math.sin((-2 * Math.PI * k) / size);
    }
    this.re = new Float64Array(h);
    this.im = new Float64Array(h);
  }

  /** One radix-2 stage of size m: butterflies (s + k, s + k + m/2) with twiddle e^{-2 pi i k / m}. */
  private stage(m: number): void {
    const { re, im, twRe, twIm } = this;
    const h = this.size / 2;
    const half = m / 2;
    const tw = half - 1;
    for (let start = 0; start < h; start += m) {
      for (let k = 0; k < half; k++) {
        const e = start + k;
        const o = e + half;
        const tr = twRe[tw + k];
        const ti = twIm[tw + k];
        const pr = tr * re[o] - ti * im[o];
        const pi = tr * im[o] + ti * re[o];
        const er = re[e];
        const ei = im[e];
        re[o] = er - pr;
        im[o] = ei - pi;
        re[e] = er + pr;
        im[e] = ei + pi;
      }
    }
  }

  /**
   * Stages m and 2m in one pass: for points a, b, c, d = s + k + (0, m/2, m, 3m/2), stage m pairs
   * (a, b) and (c, d) with w_m^k, then stage 2m pairs (a, c) with w_2m^k and (b, d) with w_2m^(k+m/2).
   */
  private stagePair(m: number): void {
    const { re, im, twRe, twIm } = this;
    const h = this.size / 2;
    const half = m / 2;
    const t1 = half - 1; // stage m twiddles
    const t2 = m - 1; // stage 2m twiddles
    for (let s = 0; s < h; s += 2 * m) {
      for (let k = 0; k < half; k++) {
        const a = s + k;
        const b = a + half;
        const c = a + m;
        const d = c + half;
        const w1r = twRe[t1 + k];
        const w1i = twIm[t1 + k];
        // stage m
        const br = w1r * re[b] - w1i * im[b];
        const bi = w1r * im[b] + w1i * re[b];
        const dr = w1r * re[d] - w1i * im[d];
        const di = w1r * im[d] + w1i * re[d];
        const a1r = re[a] + br;
        const a1i = im[a] + bi;
        const b1r = re[a] - br;
        const b1i = im[a] - bi;
        const c1r = re[c] + dr;
        const c1i = im[c] + di;
        const d1r = re[c] - dr;
        const d1i = im[c] - di;
        // stage 2m
        const w2r = twRe[t2 + k];
        const w2i = twIm[t2 + k];
        const w3r = twRe[t2 + k + half];
        const w3i = twIm[t2 + k + half];
        const cr = w2r * c1r - w2i * c1i;
        const ci = w2r * c1i + w2i * c1r;
        const er = w3r * d1r - w3i * d1i;
        const ei = w3r * d1i + w3i * d1r;
        re[a] = a1r + cr;
        im[a] = a1i + ci;
        re[c] = a1r - cr;
        im[c] = a1i - ci;
        re[b] = b1r + er;
        im[b] = b1i + ei;
        re[d] = b1r - er;
        im[d] = b1i - ei;
      }
    }
  }

  /**
   * Power spectrum |X[k]|^2 for k = 0 .. N/2 - 1, float64.
   * @param frame [N] real samples
   * @param out [N / 2], written and returned
   */
  power(frame: ArrayLike<number>, out: Float64Array): Float64Array {
    const { size, rev, re, im, splitRe, splitIm } = this;
    const h = size / 2;
    for (let n = 0; n < h; n++) {
      const r = rev[n];
      re[r] = frame[2 * n];
      im[r] = frame[2 * n + 1];
    }
    // Stages m = 2 and m = 4 together (twiddles 1 and -i: no multiplications).
    for (let s = 0; s < h; s += 4) {
      const ar = re[s] + re[s + 1];
      const ai = im[s] + im[s + 1];
      const br = re[s] - re[s + 1];
      const bi = im[s] - im[s + 1];
      const cr = re[s + 2] + re[s + 3];
      const ci = im[s + 2] + im[s + 3];
      const dr = re[s + 2] - re[s + 3];
      const di = im[s + 2] - im[s + 3];
      re[s] = ar + cr;
      im[s] = ai + ci;
      re[s + 2] = ar - cr;
      im[s + 2] = ai - ci;
      // d * (-i) = di - i dr
      re[s + 1] = br + di;
      im[s + 1] = bi - dr;
      re[s + 3] = br - di;
      im[s + 3] = bi + dr;
    }
    // Then stages in pairs (m, 2m), one pass over memory per pair; a last single stage if left over.
    let m = 8;
    for (; 2 * m <= h; m *= 4) this.stagePair(m);
    if (m <= h) this.stage(m);
    // k = 0: X[0] = Re Z[0] + Im Z[0].
    out[0] = (re[0] + im[0]) ** 2;
    for (let k = 1; k < h; k++) {
      const zr = re[k];
      const zi = im[k];
      const cr = re[h - k];
      const ci = -im[h - k];
      // even part E = (Z[k] + conj Z[h-k]) / 2, odd part O = (Z[k] - conj Z[h-k]) / (2i)
      const er = 0.5 * (zr + cr);
      const ei = 0.5 * (zi + ci);
      const dr = 0.5 * (zr - cr);
      const di = 0.5 * (zi - ci);
      const or = di; // (dr + i di) / i = di - i dr
      const oi = -dr;
      const wr = splitRe[k];
      const wi = splitIm[k];
      const xr = er + wr * or - wi * oi;
      const xi = ei + wr * oi + wi * or;
      out[k] = xr * xr + xi * xi;
    }
    return out;
  }
}
