/**
 * Framing + log-mel / MFCC via meyda.
 *
 * Our framing (snip-edges like Kaldi): frame t covers samples [t*hop, t*hop + win). Each frame is
 * scaled, DC-removed, pre-emphasised, Hann-windowed, zero-padded to the next power of two (meyda
 * requires one) and handed to meyda with its own window set to "rect" so it is not windowed twice.
 */
import * as meydaNs from 'meyda';
import type { FeatureConfig } from './config';
import { featureDim } from './config';

interface MeydaLike {
  bufferSize: number;
  sampleRate: number;
  melBands: number;
  numberOfMFCCCoefficients: number;
  windowingFunction: string;
  melFilterBank?: number[][];
  barkScale?: Float32Array;
  extract(feature: string, signal: Float32Array): number[] | Float32Array;
}
const Meyda = ((meydaNs as unknown as { default?: MeydaLike }).default ?? meydaNs) as MeydaLike;

/** meyda's mel filterbank as sparse rows: for filter i, weights w[i] over bins [start[i], start[i] + w[i].length). */
interface SparseBank {
  start: number[];
  /** Weights kept in float64, as meyda keeps them (plain arrays). */
  w: Float64Array[];
}

/**
 * meyda's own filterbank (built by meyda for the configured sampleRate / bufferSize / melBands),
 * trimmed to its non-zero span per filter and to the bins meyda's melBands sums (j < bufferSize / 2).
 */
function sparseBank(fftSize: number): SparseBank {
  const bank = Meyda.melFilterBank!;
  const start: number[] = [];
  const w: Float64Array[] = [];
  for (const row of bank) {
    let a = 0;
    let b = fftSize / 2;
    while (a < b && row[a] === 0) a++;
    while (b > a && row[b - 1] === 0) b--;
    start.push(a);
    w.push(Float64Array.from(row.slice(a, b)));
  }
  return { start, w };
}

/**
 * Log mel energies exactly as meyda's `melBands` extractor computes them (float32 power spectrum,
 * float32 products and sums over meyda's filterbank, then ln(1 + E)), from meyda's amplitude
 * spectrum of the frame. Same values bit for bit (tested); it skips meyda's per-frame allocation of
 * a bins x filters matrix, which made log-mel 4x slower than the FFT itself.
 */
function melBandsFromAmplitude(amp: ArrayLike<number>, bank: SparseBank, out: Float32Array, offset: number): void {
  const f = Math.fround;
  for (let i = 0; i < bank.w.length; i++) {
    const wi = bank.w[i];
    const a = bank.start[i];
    let acc = 0;
    for (let k = 0; k < wi.length; k++) {
      const pw = f(amp[a + k] * amp[a + k]);
      acc = f(acc + f(wi[k] * pw));
    }
    out[offset + i] = Math.log(acc + 1);
  }
}

/**
 * Log mel energies of one windowed, zero-padded frame, as meyda's melBands gives them.
 * @param buf [fftSize] float32, already windowed (meyda is set to a rectangular window)
 * @returns [numMelBins] float32
 */
export function logMelOfFrame(buf: Float32Array, c: FeatureConfig): Float32Array {
  configureMeyda(c, buf.length);
  const amp = Meyda.extract('amplitudeSpectrum', buf) as ArrayLike<number>;
  const out = new Float32Array(c.numMelBins);
  melBandsFromAmplitude(amp, sparseBank(buf.length), out, 0);
  return out;
}

/** Features of one utterance. */
export interface FeatureMatrix {
  /** [numFrames, dim] float32, frame-major. */
  data: Float32Array;
  numFrames: number;
  dim: number;
}

/** Frame geometry for a config: window and hop in samples, FFT size. */
export function frameGeometry(c: FeatureConfig): { windowSamples: number; hopSamples: number; fftSize: number } {
  const windowSamples = Math.round((c.windowMs / 1000) * c.sampleRateHz);
  const hopSamples = Math.round((c.hopMs / 1000) * c.sampleRateHz);
  let fftSize = 1;
  while (fftSize < windowSamples) fftSize *= 2;
  return { windowSamples, hopSamples, fftSize };
}

/** Number of frames for numSamples: 1 + floor((n - win) / hop), at least 1 (short input is zero-padded). */
export function numFramesFor(numSamples: number, c: FeatureConfig): number {
  const { windowSamples, hopSamples } = frameGeometry(c);
  if (numSamples <= windowSamples) return 1;
  return 1 + Math.floor((numSamples - windowSamples) / hopSamples);
}

const hannCache = new Map<number, Float32Array>();
function hann(n: number): Float32Array {
  let w = hannCache.get(n);
  if (!w) {
    w = new Float32Array(n);
    for (let i = 0; i < n; i++) w[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (n - 1));
    hannCache.set(n, w);
  }
  return w;
}

let meydaKey = '';
function configureMeyda(c: FeatureConfig, fftSize: number): void {
  const key = `${c.sampleRateHz}/${fftSize}/${c.numMelBins}/${c.numCeps}`;
  Meyda.bufferSize = fftSize;
  Meyda.sampleRate = c.sampleRateHz;
  Meyda.melBands = c.numMelBins;
  Meyda.numberOfMFCCCoefficients = c.numCeps;
  Meyda.windowingFunction = 'rect';
  if (key !== meydaKey) {
    // meyda caches its filterbank and only rebuilds it when the buffer size or band count change,
    // not the sample rate: drop the cache whenever any setting changes.
    Meyda.melFilterBank = undefined;
    Meyda.barkScale = undefined;
    meydaKey = key;
  }
}

/**
 * Compute raw (un-normalised) features of a mono signal.
 *
 * @param samples [numSamples] float32 in [-1, 1] at c.sampleRateHz
 * @returns [numFrames, featureDim(c)] float32; logmel values are ln(1 + E) of meyda's mel energies
 *   of the power spectrum |X|^2 of the scaled frame; mfcc values are meyda's DCT-II of those
 */
export function computeFeatures(samples: Float32Array, c: FeatureConfig): FeatureMatrix {
  const { windowSamples, hopSamples, fftSize } = frameGeometry(c);
  const numFrames = numFramesFor(samples.length, c);
  const dim = featureDim(c);
  const out = new Float32Array(numFrames * dim);
  const win = hann(windowSamples);
  const frame = new Float32Array(windowSamples);
  const buf = new Float32Array(fftSize);
  configureMeyda(c, fftSize);
  const logmel = c.kind === 'logmel';
  let bank: SparseBank | null = null;
  for (let t = 0; t < numFrames; t++) {
    const start = t * hopSamples;
    let mean = 0;
    for (let i = 0; i < windowSamples; i++) {
      const idx = start + i;
      const v = idx < samples.length ? samples[idx] * c.inputScale : 0;
      frame[i] = v;
      mean += v;
    }
    mean /= windowSamples;
    // DC removal, then pre-emphasis (first sample uses itself as predecessor, as Kaldi).
    for (let i = 0; i < windowSamples; i++) frame[i] -= mean;
    if (c.preemphasis > 0) {
      for (let i = windowSamples - 1; i > 0; i--) frame[i] -= c.preemphasis * frame[i - 1];
      frame[0] -= c.preemphasis * frame[0];
    }
    buf.fill(0);
    for (let i = 0; i < windowSamples; i++) buf[i] = frame[i] * win[i];
    if (logmel) {
      const amp = Meyda.extract('amplitudeSpectrum', buf) as ArrayLike<number>;
      bank ??= sparseBank(fftSize); // meyda builds its filterbank on the first extract
      melBandsFromAmplitude(amp, bank, out, t * dim);
    } else {
      out.set(Meyda.extract('mfcc', buf) as ArrayLike<number>, t * dim);
    }
  }
  return { data: out, numFrames, dim };
}
