// AssemblyScript source of the log-mel hot loop (compiled by `npm run build:wasm` into
// logmel-wasm.ts). The algorithm and its documentation live in ../logmel.ts and ../fft.ts; this is
// the same computation for one whole signal, without per-frame calls or bounds checks.
//
// Memory (all offsets in bytes, set up by ../logmel-wasm-host.ts):
//   sig      f32[numSamples]            the signal in [-1, 1]
//   window   f64[winLen]                Hann window
//   rev      i32[n/2]                   bit reversal over n/2 points
//   tw       f64[2 * (n/2 - 1)]         twiddles of stage m at (m/2 - 1 + k), (re, im) interleaved
//   split    f64[2 * n/2]               e^{-2 pi i k / n}, (re, im) interleaved
//   bStart   i32[numBands]              first FFT bin of each mel filter
//   bLen     i32[numBands]              number of bins of each filter
//   bW       f64[sum bLen]              filter weights, filter after filter
//   work     f64[3 * n/2]               re, im, power
//   out      f32[numFrames * numBands]  ln(1 + mel energy)

@inline function ld(p: usize): f64 {
  return load<f64>(p);
}
@inline function st(p: usize, v: f64): void {
  store<f64>(p, v);
}

/** First free byte after the module's static data: the host places its buffers from here. */
export function heapBase(): usize {
  return __heap_base;
}

export function logmel(
  sig: usize, numSamples: i32, numFrames: i32, winLen: i32, hop: i32, n: i32,
  scale: f64, pre: f64, window: usize, rev: usize, tw: usize, split: usize,
  bStart: usize, bLen: usize, bW: usize, numBands: i32, work: usize, out: usize,
): void {
  const h = n >> 1;
  const re = work;
  const im = work + (<usize>h << 3);
  const pw = im + (<usize>h << 3);
  for (let t = 0; t < numFrames; t++) {
    const start = t * hop;
    let end = start + winLen;
    if (end > numSamples) end = numSamples;
    let sum: f64 = 0;
    for (let i = start; i < end; i++) sum += <f64>load<f32>(sig + (<usize>i << 2));
    const mean = (sum * scale) / <f64>winLen;
    // Windowed, DC-removed, pre-emphasised frame straight into bit-reversed (re, im) = (even, odd).
    let prev: f64 = (start < end ? <f64>load<f32>(sig + (<usize>start << 2)) * scale : 0) - mean;
    for (let i = 0; i < n; i++) {
      let v: f64 = 0;
      if (i < winLen) {
        const x: f64 = start + i < end ? <f64>load<f32>(sig + (<usize>(start + i) << 2)) * scale : 0;
        const d = x - mean;
        v = (d - pre * prev) * ld(window + (<usize>i << 3));
        prev = d;
      }
      const r = <usize>load<i32>(rev + (<usize>(i >> 1) << 2));
      st((i & 1 ? im : re) + (r << 3), v);
    }
    // Stages 2 and 4 together (twiddles 1 and -i).
    for (let s = 0; s < h; s += 4) {
      const p0 = <usize>s << 3;
      const ar = ld(re + p0) + ld(re + p0 + 8);
      const ai = ld(im + p0) + ld(im + p0 + 8);
      const br = ld(re + p0) - ld(re + p0 + 8);
      const bi = ld(im + p0) - ld(im + p0 + 8);
      const cr = ld(re + p0 + 16) + ld(re + p0 + 24);
      const ci = ld(im + p0 + 16) + ld(im + p0 + 24);
      const dr = ld(re + p0 + 16) - ld(re + p0 + 24);
      const di = ld(im + p0 + 16) - ld(im + p0 + 24);
      st(re + p0, ar + cr);
      st(im + p0, ai + ci);
      st(re + p0 + 16, ar - cr);
      st(im + p0 + 16, ai - ci);
      st(re + p0 + 8, br + di);
      st(im + p0 + 8, bi - dr);
      st(re + p0 + 24, br - di);
      st(im + p0 + 24, bi + dr);
    }
    for (let m = 8; m <= h; m <<= 1) {
      const half = m >> 1;
      const twm = tw + (<usize>(half - 1) << 4);
      for (let s = 0; s < h; s += m) {
        for (let k = 0; k < half; k++) {
          const e = <usize>(s + k) << 3;
          const o = e + (<usize>half << 3);
          const wr = ld(twm + (<usize>k << 4));
          const wi = ld(twm + (<usize>k << 4) + 8);
          const orr = ld(re + o);
          const oi = ld(im + o);
          const pr = wr * orr - wi * oi;
          const pi = wr * oi + wi * orr;
          const er = ld(re + e);
          const ei = ld(im + e);
          st(re + o, er - pr);
          st(im + o, ei - pi);
          st(re + e, er + pr);
          st(im + e, ei + pi);
        }
      }
    }
    // Split the packed spectrum into the real signal's: power |X[k]|^2, k < n/2.
    const x0 = ld(re) + ld(im);
    st(pw, x0 * x0);
    for (let k = 1; k < h; k++) {
      const pk = <usize>k << 3;
      const pc = <usize>(h - k) << 3;
      const zr = ld(re + pk);
      const zi = ld(im + pk);
      const cr = ld(re + pc);
      const ci = -ld(im + pc);
      const er = 0.5 * (zr + cr);
      const ei = 0.5 * (zi + ci);
      const dr = 0.5 * (zr - cr);
      const di = 0.5 * (zi - ci);
      const wr = ld(split + (<usize>k << 4));
      const wi = ld(split + (<usize>k << 4) + 8);
      // odd part O = di - i dr; X = E + w O
      const xr = er + wr * di + wi * dr;
      const xi = ei - wr * dr + wi * di;
      st(pw + pk, xr * xr + xi * xi);
    }
    // Mel energies and ln(1 + E).
    let w = bW;
    const o = out + (<usize>(t * numBands) << 2);
    for (let b = 0; b < numBands; b++) {
      const a = load<i32>(bStart + (<usize>b << 2));
      const len = load<i32>(bLen + (<usize>b << 2));
      let acc: f64 = 0;
      for (let k = 0; k < len; k++) acc += ld(w + (<usize>k << 3)) * ld(pw + (<usize>(a + k) << 3));
      w += <usize>len << 3;
      store<f32>(o + (<usize>b << 2), <f32>Math.log(acc + 1));
    }
  }
}
