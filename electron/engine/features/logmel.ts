/**
 * Framing + log-mel / MFCC.
 *
 * Our framing (snip-edges like Kaldi): frame t covers samples [t*hop, t*hop + win). Each frame is
 * scaled, DC-removed, pre-emphasised, Hann-windowed and zero-padded to the next power of two.
 * Log-mel: our real FFT (fft.ts) and meyda's mel filterbank, ln(1 + E) of the mel energies of the
 * power spectrum: the values of meyda's `melBands` to float32 precision (tested), about 3x faster
 * than calling meyda per frame. MFCC: meyda's extractor on the same frames (window set to "rect" so
 * the frame is not windowed twice).
 */
import * as meydaNs from 'meyda';
import type { FeatureConfig } from './config';
import { featureDim } from './config';
import { RealFft } from './fft';
import { logMelKernel, type SparseFilterbank } from './wasm/host';
import { speechEmbeddingFeatures, speechEmbeddingFeaturesBatch } from './speech-embedding';

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

/**
 * meyda's own filterbank (built by meyda for the configured sampleRate / bufferSize / melBands),
 * trimmed to its non-zero span per filter and to the bins meyda's melBands sums (j < bufferSize / 2).
 */
function sparseBank(fftSize: number): SparseFilterbank {
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
 * ln(1 + E) of the mel energies E of one frame's power spectrum |X|^2, over meyda's filterbank,
 * in float64 (meyda squares float32 amplitudes and accumulates in float32).
 * @param power [fftSize / 2] power spectrum
 * @param out written at out[offset .. offset + numFilters)
 */
function melBandsFromPower(
  power: Float64Array,
  bank: SparseFilterbank,
  out: Float32Array,
  offset: number,
): void {
  for (let i = 0; i < bank.w.length; i++) {
    const wi = bank.w[i];
    const a = bank.start[i];
    let acc = 0;
    for (let k = 0; k < wi.length; k++) acc += wi[k] * power[a + k];
    out[offset + i] = Math.log(acc + 1);
  }
}

/**
 * Log mel energies of one windowed, zero-padded frame, as meyda's melBands gives them (to float32 precision).
 * @param buf [fftSize] float32, already windowed (meyda is set to a rectangular window)
 * @returns [numMelBins] float32
 */
export function logMelOfFrame(buf: Float32Array, c: FeatureConfig): Float32Array {
  configureMeyda(c, buf.length);
  const power = spectrumOf(buf.length).power(buf, new Float64Array(buf.length / 2));
  const out = new Float32Array(c.numMelBins);
  melBandsFromPower(power, sparseBankFor(buf.length), out, 0);
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
export function frameGeometry(c: FeatureConfig): {
  windowSamples: number;
  hopSamples: number;
  fftSize: number;
} {
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

const spectra = new Map<number, RealFft>();
function spectrumOf(fftSize: number): RealFft {
  let s = spectra.get(fftSize);
  if (!s) spectra.set(fftSize, (s = new RealFft(fftSize)));
  return s;
}

/** meyda's filterbank for the configured settings (meyda builds it on its first extract). */
function sparseBankFor(fftSize: number): SparseFilterbank {
  // One per meyda configuration (configureMeyda sets meydaKey), so the kernel writes it once.
  const cached = banks.get(meydaKey);
  if (cached) return cached;
  if (!Meyda.melFilterBank) Meyda.extract('melBands', new Float32Array(fftSize));
  const bank = sparseBank(fftSize);
  banks.set(meydaKey, bank);
  return bank;
}
const banks = new Map<string, SparseFilterbank>();

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
 * Raw features of several signals, equal to `computeFeatures` on each (the speech-embedding front
 * end runs them in few calls, see speechEmbeddingFeaturesBatch; other kinds one by one).
 * @param clips [numSamples] float32 in [-1, 1] at c.sampleRateHz, each
 * @returns per clip [numFrames, featureDim(c)]
 */
export function computeFeaturesBatch(clips: Float32Array[], c: FeatureConfig): FeatureMatrix[] {
  if (c.kind === 'speech-embedding') return speechEmbeddingFeaturesBatch(clips, c);
  return clips.map((s) => computeFeatures(s, c));
}

/**
 * Compute raw (un-normalised) features of a mono signal.
 *
 * @param samples [numSamples] float32 in [-1, 1] at c.sampleRateHz
 * @returns [numFrames, featureDim(c)] float32; logmel values are ln(1 + E) of meyda's mel energies
 *   of the power spectrum |X|^2 of the scaled frame; mfcc values are meyda's DCT-II of those
 */
export function computeFeatures(samples: Float32Array, c: FeatureConfig): FeatureMatrix {
  if (c.kind === 'speech-embedding') return speechEmbeddingFeatures(samples, c);
  if (c.kind !== 'logmel') return computeFeaturesReference(samples, c);
  const { windowSamples, hopSamples, fftSize } = frameGeometry(c);
  const numFrames = numFramesFor(samples.length, c);
  configureMeyda(c, fftSize);
  const framing = {
    numFrames,
    windowSamples,
    hopSamples,
    inputScale: c.inputScale,
    preemphasis: c.preemphasis,
    window: hann(windowSamples),
  };
  const data = logMelKernel(samples, framing, spectrumOf(fftSize), sparseBankFor(fftSize));
  return { data, numFrames, dim: c.numMelBins };
}

/**
 * computeFeatures in TypeScript throughout (the log-mel path is the reference the WebAssembly
 * kernel is tested against; MFCC always takes this path). Same contract as computeFeatures.
 */
export function computeFeaturesReference(samples: Float32Array, c: FeatureConfig): FeatureMatrix {
  const { windowSamples, hopSamples, fftSize } = frameGeometry(c);
  const numFrames = numFramesFor(samples.length, c);
  const dim = featureDim(c);
  const out = new Float32Array(numFrames * dim);
  const win = hann(windowSamples);
  // Float64 frame buffer; samples past the window stay zero (the FFT's zero padding).
  const buf = new Float64Array(fftSize);
  const buf32 = new Float32Array(fftSize); // meyda's MFCC extractor wants float32
  configureMeyda(c, fftSize);
  const logmel = c.kind === 'logmel';
  const bank = logmel ? sparseBankFor(fftSize) : null;
  const fft = spectrumOf(fftSize);
  const power = new Float64Array(fftSize / 2);
  const scale = c.inputScale;
  const p = c.preemphasis;
  for (let t = 0; t < numFrames; t++) {
    const start = t * hopSamples;
    const end = Math.min(samples.length, start + windowSamples);
    let sum = 0;
    for (let i = start; i < end; i++) sum += samples[i];
    const mean = (sum * scale) / windowSamples; // samples past the end count as zeros
    // DC removal, pre-emphasis (the first sample uses itself as predecessor, as Kaldi), Hann window.
    let prev = (start < end ? samples[start] * scale : 0) - mean;
    const inside = end - start;
    for (let i = 0; i < inside; i++) {
      const v = samples[start + i] * scale - mean;
      buf[i] = (v - p * prev) * win[i];
      prev = v;
    }
    for (let i = Math.max(0, inside); i < windowSamples; i++) {
      const v = -mean; // past the end of the signal: zeros
      buf[i] = (v - p * prev) * win[i];
      prev = v;
    }
    if (bank) {
      melBandsFromPower(fft.power(buf, power), bank, out, t * dim);
    } else {
      buf32.set(buf);
      out.set(Meyda.extract('mfcc', buf32) as ArrayLike<number>, t * dim);
    }
  }
  return { data: out, numFrames, dim };
}
