/** Measurements shared by the synthesizer tests. */
import type { Synthesizer } from '../../electron/engine/synth';

/** Root-mean-square level of samples. */
export function rms(x: Float32Array): number {
  let e = 0;
  for (const v of x) e += v * v;
  return Math.sqrt(e / x.length);
}

/** Duration (s) and RMS of one synthesis at normal speed and pitch. */
export async function speak(
  s: Synthesizer,
  voice: string,
  text: string,
  speed = 1,
  pitch = 0.5,
): Promise<{ sec: number; rms: number; rateHz: number; samples: Float32Array }> {
  const out = await s.synthesize({ text, voice, speed, pitch });
  return {
    sec: out.samples.length / out.sampleRateHz,
    rms: rms(out.samples),
    rateHz: out.sampleRateHz,
    samples: out.samples,
  };
}

/**
 * Median F0 (Hz) of the loud frames by normalised autocorrelation (40 ms windows, 60-400 Hz,
 * frames above 10% of the loudest energy and correlation > 0.6).
 */
export function medianF0(x: Float32Array, rateHz: number): number {
  const win = Math.floor(0.04 * rateHz);
  const hop = Math.floor(0.01 * rateHz);
  const energy = (i: number) => {
    let e = 0;
    for (let k = 0; k < win; k++) e += x[i + k] ** 2;
    return e;
  };
  let maxE = 0;
  for (let i = 0; i + win < x.length; i += hop) maxE = Math.max(maxE, energy(i));
  const f0s: number[] = [];
  for (let i = 0; i + win < x.length; i += hop) {
    if (energy(i) < 0.1 * maxE) continue;
    let best = 0;
    let bestLag = 0;
    for (let lag = Math.floor(rateHz / 400); lag <= Math.floor(rateHz / 60); lag++) {
      let c = 0;
      let n1 = 0;
      let n2 = 0;
      for (let k = 0; k < win - lag; k++) {
        c += x[i + k] * x[i + k + lag];
        n1 += x[i + k] ** 2;
        n2 += x[i + k + lag] ** 2;
      }
      c /= Math.sqrt(n1 * n2) + 1e-12;
      if (c > best) {
        best = c;
        bestLag = lag;
      }
    }
    if (best > 0.6) f0s.push(rateHz / bestLag);
  }
  f0s.sort((a, b) => a - b);
  return f0s[Math.floor(f0s.length / 2)];
}
