import { describe, expect, it } from 'vitest';
import { resample } from '../../electron/engine/audio/resample';
import {
  applyCmvn,
  cmvnStats,
  computeFeatures,
  DEFAULT_FEATURES,
  extractFeatures,
  numFramesFor,
} from '../../electron/engine/features';

function tone(freqHz: number, rateHz: number, seconds: number, amp = 0.3): Float32Array {
  const x = new Float32Array(Math.round(rateHz * seconds));
  for (let i = 0; i < x.length; i++) x[i] = amp * Math.sin((2 * Math.PI * freqHz * i) / rateHz);
  return x;
}

const argmax = (a: ArrayLike<number>): number => {
  let k = 0;
  for (let i = 1; i < a.length; i++) if (a[i] > a[k]) k = i;
  return k;
};

/** Mel band (0-based) whose centre is nearest to f, from the mel formula 1125 ln(1 + f/700), 0 Hz..Nyquist. */
function nearestMelBand(fHz: number, rateHz: number, bands: number): number {
  const mel = (f: number) => 1125 * Math.log(1 + f / 700);
  const step = mel(rateHz / 2) / (bands + 1);
  let best = 0;
  for (let j = 0; j < bands; j++) {
    const c = 700 * (Math.exp(((j + 1) * step) / 1125) - 1);
    const b = 700 * (Math.exp(((best + 1) * step) / 1125) - 1);
    if (Math.abs(c - fHz) < Math.abs(b - fHz)) best = j;
  }
  return best;
}

describe('log-mel features (meyda on our framing)', () => {
  const cfg = { ...DEFAULT_FEATURES, cmvn: 'none' as const };

  it('frame count: 1 + floor((n - 200) / 80) at 8 kHz, 25 ms / 10 ms', () => {
    expect(numFramesFor(8000, cfg)).toBe(98);
    expect(numFramesFor(100, cfg)).toBe(1);
    expect(computeFeatures(new Float32Array(8000), cfg).numFrames).toBe(98);
  });

  it.each([8000, 16000, 48000])(
    'a 1 kHz tone recorded at %i Hz peaks in the 1 kHz mel band after resampling to 8 kHz',
    (rate) => {
      const x = resample(tone(1000, rate, 0.5), rate, 8000);
      const f = computeFeatures(x, cfg);
      const expected = nearestMelBand(1000, 8000, cfg.numMelBins);
      expect(expected).toBe(18);
      for (const t of [10, 20, 30])
        expect(argmax(f.data.subarray(t * f.dim, (t + 1) * f.dim))).toBe(expected);
    },
  );

  it('a 3 kHz tone peaks in its own band', () => {
    const f = computeFeatures(tone(3000, 8000, 0.3), cfg);
    expect(argmax(f.data.subarray(10 * f.dim, 11 * f.dim))).toBe(nearestMelBand(3000, 8000, cfg.numMelBins));
  });

  it('scaling: doubling the amplitude adds ln 4 to the peak band (ln(1+E) ~ ln E at 16-bit scale)', () => {
    const a = computeFeatures(tone(1000, 8000, 0.3, 0.1), cfg);
    const b = computeFeatures(tone(1000, 8000, 0.3, 0.2), cfg);
    expect(b.data[10 * a.dim + 18] - a.data[10 * a.dim + 18]).toBeCloseTo(Math.log(4), 3);
  });

  it('digital silence gives 0 (ln 1), not -inf', () => {
    const f = computeFeatures(new Float32Array(4000), cfg);
    expect(f.data.every((v) => v === 0)).toBe(true);
  });

  it('per-utterance CMVN: each bin has mean 0 and standard deviation 1', () => {
    const x = tone(700, 8000, 0.5);
    for (let i = 0; i < x.length; i++) x[i] += 0.05 * Math.sin(i * 0.37) * Math.sin(i * 0.001);
    const raw = cmvnStats([computeFeatures(x, cfg)]);
    const f = extractFeatures(x, { ...DEFAULT_FEATURES, cmvn: 'utterance' });
    const s = cmvnStats([f]);
    let checked = 0;
    for (let d = 0; d < f.dim; d++) {
      expect(Math.abs(s.mean[d])).toBeLessThan(1e-4);
      // bins flatter than the 1e-3 standard-deviation floor are only centred
      if (raw.std[d] > 1e-2) {
        expect(s.std[d]).toBeCloseTo(1, 3);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(30);
    const g = applyCmvn(f, { mean: new Array(f.dim).fill(1), std: new Array(f.dim).fill(2) });
    expect(g.data[5]).toBeCloseTo((f.data[5] - 1) / 2, 6);
  });

  it('MFCC option returns numCeps coefficients per frame', () => {
    const f = computeFeatures(tone(1000, 8000, 0.2), { ...cfg, kind: 'mfcc' });
    expect(f.dim).toBe(13);
    expect(Number.isFinite(f.data[0])).toBe(true);
  });
});

describe('log-mel against meyda', () => {
  it('equals meyda.extract("melBands") to float32 precision on real speech frames', async () => {
    const meydaNs = await import('meyda');
    const Meyda = ((meydaNs as unknown as { default?: unknown }).default ?? meydaNs) as {
      extract(f: string, s: Float32Array): number[];
    };
    const { loadAudio } = await import('../../electron/engine/audio');
    const { logMelOfFrame } = await import('../../electron/engine/features/logmel');
    const a = await loadAudio('../shared/data/fsdd/recordings/7_yweweler_12.wav', 8000);
    let compared = 0;
    let worst = 0;
    for (let t = 0; t + 200 <= a.samples.length; t += 400) {
      const frame = new Float32Array(256);
      for (let i = 0; i < 200; i++)
        frame[i] = a.samples[t + i] * 32768 * (0.5 - 0.5 * Math.cos((2 * Math.PI * i) / 199));
      const ours = logMelOfFrame(frame, DEFAULT_FEATURES); // configures meyda: 8 kHz, 256, 40 bands, rect
      const ref = Meyda.extract('melBands', frame);
      for (let b = 0; b < 40; b++) {
        expect(ref[b]).toBeGreaterThan(0);
        worst = Math.max(worst, Math.abs(ours[b] - ref[b]));
      }
      compared++;
    }
    expect(compared).toBeGreaterThan(5);
    // meyda rounds to float32 inside its FFT and sums; values are ln(1 + E) ~ 5-25 here.
    expect(worst).toBeLessThan(2e-5);
  });
});

describe('log-mel WebAssembly kernel', () => {
  it('gives exactly the TypeScript reference path on real speech, short, silent and long input', async () => {
    const { loadAudio } = await import('../../electron/engine/audio');
    const { computeFeaturesReference } = await import('../../electron/engine/features/logmel');
    const speech = (await loadAudio('../shared/data/fsdd/recordings/3_george_7.wav', 8000)).samples;
    const long = new Float32Array(8000 * 130); // > one kernel call (10,000 frames)
    for (let i = 0; i < long.length; i++) long[i] = speech[i % speech.length] * (1 + (i % 7919) / 7919);
    const cfg = { ...DEFAULT_FEATURES, cmvn: 'none' as const };
    for (const x of [
      speech,
      speech.subarray(0, 150),
      speech.subarray(0, 200),
      speech.subarray(0, 281),
      new Float32Array(900),
      long,
    ]) {
      const fast = computeFeatures(x, cfg);
      const ref = computeFeaturesReference(x, cfg);
      expect(fast.numFrames).toBe(ref.numFrames);
      expect(fast.dim).toBe(40);
      expect(Array.from(fast.data)).toEqual(Array.from(ref.data));
    }
    const f = computeFeatures(long, cfg);
    expect(f.numFrames).toBe(12998);
    expect(Math.max(...f.data.subarray(11000 * 40, 11001 * 40))).toBeGreaterThan(1);
  });

  it('the committed module is the compiled AssemblyScript source', async () => {
    const { compileLogMel } = await import('../../electron/engine/features/wasm/build');
    const { LOGMEL_WASM_BASE64 } = await import('../../electron/engine/features/wasm/logmel-wasm');
    const wasm = await compileLogMel();
    expect(Buffer.from(wasm).toString('base64')).toBe(LOGMEL_WASM_BASE64);
  });
});
