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
 * The polyphase filter for one rate pair: output sample o sits at input position o * M / L and
 * is `sum_k x[i0 - left + k] * h_p[k]` over `taps` inputs, i0 = floor(o * M / L), p = o * M mod L.
 */
interface Kernel {
  /** Output steps per M input steps (toHz / gcd). */
  L: number;
  /** Input steps per L output steps (fromHz / gcd). */
  M: number;
  taps: number;
  /** Taps before the integer input position. */
  left: number;
  /** True when every phase has an exact row (L <= 4096); else rows are interpolated. */
  exact: boolean;
  /** Rows of the table: L (exact) or 4096. */
  P: number;
  /** [rows * taps] coefficients. */
  table: Float32Array;
}

function checkRates(fromHz: number, toHz: number): void {
  if (!Number.isInteger(fromHz) || fromHz <= 0 || !Number.isInteger(toHz) || toHz <= 0) {
    throw new Error(`resample: sample rates must be positive integers, got ${fromHz} -> ${toHz}`);
  }
}

function buildKernel(fromHz: number, toHz: number, config: ResampleConfig): Kernel {
  const g = gcd(fromHz, toHz);
  const L = toHz / g; // output steps per ...
  const M = fromHz / g; // ... this many input steps
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
  return { L, M, taps, left, exact, P, table };
}

/**
 * Compute outputs [o0, o1) of the kernel into out[o - outBase]. `x` holds the input from absolute
 * index `xStart` on (`xLen` samples, which may be fewer than x.length); indices outside
 * [0, inputEnd) and outside the held range count as zero. Shared by the one-shot and the streaming
 * resampler so both add the same products in the same order (bit-identical results).
 */
function runKernel(
  k: Kernel,
  x: Float32Array,
  xStart: number,
  xLen: number,
  o0: number,
  o1: number,
  out: Float32Array,
  outBase: number,
  row: Float32Array,
): void {
  const { L, M, taps, left, exact, P, table } = k;
  const lo = Math.max(0, xStart);
  const hi = xStart + xLen;
  for (let o = o0; o < o1; o++) {
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
      for (let j = 0; j < taps; j++) row[j] = table[r0 + j] + a * (table[r1 + j] - table[r0 + j]);
      w = row;
    }
    const start = i0 - left;
    let acc = 0;
    if (start >= lo && start + taps <= hi) {
      const s = start - xStart;
      for (let j = 0; j < taps; j++) acc += x[s + j] * w[base + j];
    } else {
      for (let j = 0; j < taps; j++) {
        const idx = start + j;
        if (idx >= lo && idx < hi) acc += x[idx - xStart] * w[base + j];
      }
    }
    out[o - outBase] = acc;
  }
}

/** Number of output samples for `numIn` input samples: ceil(numIn * toHz / fromHz). */
export function resampledLength(numIn: number, fromHz: number, toHz: number): number {
  if (fromHz === toHz) return numIn;
  const g = gcd(fromHz, toHz);
  return Math.ceil((numIn * (toHz / g)) / (fromHz / g));
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
  checkRates(fromHz, toHz);
  if (fromHz === toHz) return input;
  const k = buildKernel(fromHz, toHz, config);
  const numOut = Math.ceil((input.length * k.L) / k.M);
  const out = new Float32Array(numOut);
  runKernel(k, input, 0, input.length, 0, numOut, out, 0, new Float32Array(k.taps));
  return out;
}

/**
 * The resampler of `resample`, fed block by block: it keeps the last `taps + M` input samples (the
 * filter state) between blocks, so the concatenated output equals `resample` of the concatenated
 * input exactly (same products, same order), whatever the block sizes. Memory: the filter table
 * plus a few hundred samples, independent of the signal's length.
 *
 * Usage: `push(block)` for each block in order (returns the outputs that are complete so far),
 * then `finish()` once (returns the rest, up to ceil(numIn * toHz / fromHz) in all).
 */
export class StreamingResampler {
  private readonly k: Kernel | undefined;
  private readonly row: Float32Array;
  /** Held input: buf[0 .. bufLen) are input samples bufStart .. bufStart + bufLen. */
  private buf: Float32Array;
  private bufStart = 0;
  private bufLen = 0;
  /** Input samples pushed so far. */
  private numIn = 0;
  /** Next output index. */
  private next = 0;
  private finished = false;

  /**
   * @param fromHz input sample rate, Hz (positive integer)
   * @param toHz output sample rate, Hz (positive integer)
   * @throws Error when a rate is not a positive integer
   */
  constructor(
    readonly fromHz: number,
    readonly toHz: number,
    config: ResampleConfig = DEFAULT_RESAMPLE,
  ) {
    checkRates(fromHz, toHz);
    this.k = fromHz === toHz ? undefined : buildKernel(fromHz, toHz, config);
    this.row = new Float32Array(this.k?.taps ?? 0);
    this.buf = new Float32Array(this.k ? 2 * (this.k.taps + this.k.M) : 0);
  }

  /** Output samples produced so far (push and finish results together). */
  get outputLength(): number {
    return this.next;
  }

  /**
   * Feed the next input block.
   * @param block float32 samples at fromHz (not kept; the caller may reuse it)
   * @returns the output samples at toHz that no longer depend on later input (a new array;
   *   a copy of the block when the rates are equal)
   * @throws Error after finish()
   */
  push(block: Float32Array): Float32Array {
    const n = this.append(block);
    const out = new Float32Array(n);
    this.emitInto(n, out, 0, block);
    return out;
  }

  /**
   * As push, but writes the outputs into `out` from index `at` (no allocation).
   * @returns the number of samples written
   * @throws Error after finish(), or RangeError when `out` is too short
   */
  pushInto(block: Float32Array, out: Float32Array, at: number): number {
    const n = this.append(block);
    if (at + n > out.length)
      throw new RangeError(
        `StreamingResampler: output has room for ${out.length - at} samples, ${n} are ready`,
      );
    this.emitInto(n, out, at, block);
    return n;
  }

  /** Take a block in; returns how many outputs are now complete. */
  private append(block: Float32Array): number {
    if (this.finished) throw new Error('StreamingResampler: push after finish');
    const k = this.k;
    if (!k) {
      this.numIn += block.length;
      return block.length;
    }
    // Append the block to the held input.
    if (this.bufLen + block.length > this.buf.length) {
      const grown = new Float32Array(Math.max(2 * this.buf.length, this.bufLen + block.length));
      grown.set(this.buf.subarray(0, this.bufLen));
      this.buf = grown;
    }
    this.buf.set(block, this.bufLen);
    this.bufLen += block.length;
    this.numIn += block.length;
    // Output o is complete once input i0(o) - left + taps - 1 has arrived.
    // That is floor(o * M / L) <= numIn - left - 1, i.e. o < (numIn - left) * L / M.
    return Math.max(this.next, Math.ceil(((this.numIn - k.left) * k.L) / k.M)) - this.next;
  }

  private emitInto(n: number, out: Float32Array, at: number, block: Float32Array): void {
    if (!this.k) {
      out.set(block, at);
      this.next += n;
      return;
    }
    this.run(n, out, at);
    this.trim();
  }

  /**
   * Flush: the outputs that read past the end of the input (zero there, as in `resample`).
   * @returns the remaining output samples, so that the total is ceil(numIn * toHz / fromHz)
   * @throws Error when called twice
   */
  finish(): Float32Array {
    if (this.finished) throw new Error('StreamingResampler: finish called twice');
    this.finished = true;
    if (!this.k) return new Float32Array(0);
    const n = Math.max(0, Math.ceil((this.numIn * this.k.L) / this.k.M) - this.next);
    const out = new Float32Array(n);
    this.run(n, out, 0);
    return out;
  }

  /** Compute the next n outputs into out[at ..]. */
  private run(n: number, out: Float32Array, at: number): void {
    runKernel(
      this.k!,
      this.buf,
      this.bufStart,
      this.bufLen,
      this.next,
      this.next + n,
      out,
      this.next - at,
      this.row,
    );
    this.next += n;
  }

  /** Drop held input that no future output reads. */
  private trim(): void {
    const k = this.k!;
    const firstNeeded = Math.floor((this.next * k.M) / k.L) - k.left;
    const drop = Math.min(this.bufLen, Math.max(0, firstNeeded - this.bufStart));
    if (drop > 0) {
      this.buf.copyWithin(0, drop, this.bufLen);
      this.bufLen -= drop;
      this.bufStart += drop;
    }
  }
}
