import { describe, expect, it } from 'vitest';
import { resample } from '../../electron/engine/audio/resample';

function sine(freqHz: number, rateHz: number, seconds: number, phase = 0): Float32Array {
  const n = Math.round(rateHz * seconds);
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = 0.5 * Math.sin((2 * Math.PI * freqHz * i) / rateHz + phase);
  return x;
}

/** SNR (dB) of y against the ideal sine over the middle of the signal (edges excluded). */
function snrDb(y: Float32Array, ideal: Float32Array, from: number, to: number): number {
  let s = 0;
  let e = 0;
  for (let i = from; i < to; i++) {
    s += ideal[i] ** 2;
    e += (y[i] - ideal[i]) ** 2;
  }
  return 10 * Math.log10(s / e);
}

describe('resample: windowed-sinc, exact rational timing', () => {
  it.each([
    [48000, 8000],
    [44100, 8000],
    [22050, 8000],
    [16000, 8000],
    [8000, 16000],
    [11025, 16000],
    [44056, 8000], // odd device rate: 8000 phases, interpolated table
  ])('%i Hz -> %i Hz: a 1 kHz sine keeps > 70 dB SNR to the end of a 20 s signal', (from, to) => {
    const y = resample(sine(1000, from, 20), from, to);
    expect(y.length).toBe(Math.ceil((20 * from * to) / from));
    const ideal = sine(1000, to, 20);
    const edge = 200;
    expect(snrDb(y, ideal, edge, 2 * to)).toBeGreaterThan(70); // start
    expect(snrDb(y, ideal, y.length - 2 * to, y.length - edge)).toBeGreaterThan(70); // end: no drift
  });

  it('removes content above the new Nyquist frequency (5 kHz tone into 8 kHz output)', () => {
    const y = resample(sine(5000, 48000, 2), 48000, 8000);
    let rms = 0;
    for (let i = 200; i < y.length - 200; i++) rms += y[i] ** 2;
    rms = Math.sqrt(rms / (y.length - 400));
    expect(20 * Math.log10(rms / (0.5 / Math.SQRT2))).toBeLessThan(-60);
  });

  it('equal rates return the input; invalid rates throw', () => {
    const x = sine(100, 8000, 0.1);
    expect(resample(x, 8000, 8000)).toBe(x);
    expect(() => resample(x, 0, 8000)).toThrow(/positive integers/);
  });
});
