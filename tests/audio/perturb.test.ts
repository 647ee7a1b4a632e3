import { describe, expect, it } from 'vitest';
import { addNoise, bandLimit, reverberate, speedPerturb } from '../../electron/engine/audio/perturb';
import { loadAudio } from '../../electron/engine/audio';
import { seededRandom } from '../../electron/engine/model/batch';

const RATE = 8000;
const tone = (hz: number, seconds = 1): Float32Array =>
  Float32Array.from({ length: RATE * seconds }, (_, i) => 0.5 * Math.sin((2 * Math.PI * hz * i) / RATE));
const rms = (x: Float32Array, from = 0, to = x.length): number => {
  let s = 0;
  for (let i = from; i < to; i++) s += x[i] * x[i];
  return Math.sqrt(s / Math.max(1, to - from));
};
const db = (a: number, b: number) => 20 * Math.log10(a / b);

describe('waveform augmentation', () => {
  it('bandLimit: second-order corners, -3 dB at the corner, -12 dB per octave beyond it', () => {
    // After the filters settle (skip the first 0.25 s).
    const gain = (hz: number, lo: number, hi: number) =>
      db(rms(bandLimit(tone(hz), RATE, lo, hi), 2000), rms(tone(hz), 2000));
    expect(gain(1000, 300, 3400)).toBeGreaterThan(-0.5);
    expect(gain(300, 300, 4000)).toBeCloseTo(-3.01, 1);
    expect(gain(3000, 0, 3000)).toBeCloseTo(-3.01, 1);
    expect(gain(75, 300, 4000)).toBeLessThan(-22); // two octaves below: ~ -24 dB
    expect(gain(75, 300, 4000)).toBeGreaterThan(-26);
    expect(Array.from(bandLimit(tone(500), RATE, 0, 4000))).toEqual(Array.from(tone(500))); // nothing to do
  });

  it('reverberate: keeps length and RMS, adds a decaying tail, repeatable with a seed', () => {
    const impulse = new Float32Array(RATE);
    impulse[100] = 1;
    const r = reverberate(impulse, RATE, 0.4, seededRandom(3));
    expect(r.length).toBe(RATE);
    expect(rms(r)).toBeCloseTo(rms(impulse), 6);
    expect(r.slice(0, 100).every((v) => v === 0)).toBe(true); // causal
    // Energy after the direct sound falls with time: 60 dB per 0.4 s, so the first 0.1 s of the
    // tail holds far more than the 0.1 s starting at 0.3 s.
    const early = rms(r, 101, 901);
    const late = rms(r, 2501, 3301);
    expect(early).toBeGreaterThan(0);
    expect(db(early, late)).toBeGreaterThan(20);
    expect(Array.from(reverberate(impulse, RATE, 0.4, seededRandom(3)))).toEqual(Array.from(r));
  });

  it('on real speech: reverberation, band-limiting, noise and speed change keep the signal recognisable in level and length', async () => {
    const speech = (await loadAudio('../shared/data/fsdd/recordings/4_theo_3.wav', RATE)).samples;
    const rand = seededRandom(5);
    const wet = bandLimit(reverberate(speech, RATE, 0.5, rand), RATE, 200, 3400);
    expect(wet.length).toBe(speech.length);
    expect(db(rms(wet), rms(speech))).toBeGreaterThan(-6);
    const noisy = addNoise(speech, 10, rand);
    expect(db(rms(speech), rms(Float32Array.from(noisy, (v, i) => v - speech[i])))).toBeCloseTo(10, 0);
    expect(speedPerturb(speech, RATE, 1.1).length).toBe(Math.ceil((speech.length * RATE) / 8800));
  });
});
