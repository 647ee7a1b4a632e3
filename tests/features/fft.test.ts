import { describe, expect, it } from 'vitest';
import { RealFft } from '../../electron/engine/features/fft';
import { loadAudio } from '../../electron/engine/audio';

/** |DFT| by the definition, float64. */
function dftAmplitude(x: ArrayLike<number>): number[] {
  const n = x.length;
  const out: number[] = [];
  for (let k = 0; k < n / 2; k++) {
    let re = 0;
    let im = 0;
    for (let t = 0; t < n; t++) {
      re += x[t] * Math.cos((-2 * Math.PI * k * t) / n);
      im += x[t] * Math.sin((-2 * Math.PI * k * t) / n);
    }
    out.push(Math.hypot(re, im));
  }
  return out;
}

describe('real FFT (power spectrum)', () => {
  it('matches the DFT definition on real speech for sizes 8 to 1024', async () => {
    const speech = (await loadAudio('../shared/data/fsdd/recordings/0_jackson_0.wav', 8000)).samples;
    for (const n of [8, 16, 32, 64, 256, 512, 1024]) {
      const fft = new RealFft(n);
      const x = Float64Array.from(speech.subarray(1000, 1000 + n), (v) => v * 32768);
      const want = dftAmplitude(x);
      const power = fft.power(x, new Float64Array(n / 2));
      const scale = Math.max(...want);
      expect(scale).toBeGreaterThan(100);
      for (let k = 0; k < n / 2; k++) {
        expect(Math.abs(Math.sqrt(power[k]) - want[k])).toBeLessThan(1e-9 * scale);
      }
    }
  });

  it('puts a pure tone in its bin', () => {
    const fft = new RealFft(256);
    const x = Array.from({ length: 256 }, (_, t) => Math.cos((2 * Math.PI * 20 * t) / 256));
    const a = fft.power(x, new Float64Array(128)).map(Math.sqrt);
    expect(a[20]).toBeCloseTo(128, 6);
    expect(a[19]).toBeLessThan(1e-9);
    expect(a[0]).toBeLessThan(1e-9);
  });

  it('refuses sizes that are not powers of two >= 8', () => {
    expect(() => new RealFft(200)).toThrow(/size 200 is not a power of two/);
    expect(() => new RealFft(4)).toThrow(/not a power of two >= 8/);
  });
});
