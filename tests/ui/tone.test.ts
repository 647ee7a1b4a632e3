/**
 * The tone measures of the recording test (tests/ui/tone.ts) on synthetic takes, including the kind
 * of take a busy machine gives: Chromium's capture dropping buffers (silent gaps). Needs no browser.
 */
import { describe, expect, it } from 'vitest';
import { dominant, medianWindowHz, zeroCrossingHz } from './tone';

const RATE = 48000;
const tone = (hz: number, sec: number, rate = RATE): Float32Array =>
  Float32Array.from(
    { length: Math.round(sec * rate) },
    (_, i) => 0.5 * Math.sin((2 * Math.PI * hz * i) / rate),
  );

/** `x` with `n` silent gaps of `gapMs`, evenly spread (the samples there set to 0, as a dropped buffer). */
function withGaps(x: Float32Array, n: number, gapMs: number, rate = RATE): Float32Array {
  const y = x.slice();
  const gap = Math.round((gapMs / 1000) * rate);
  for (let k = 1; k <= n; k++)
    y.fill(0, Math.floor((k * x.length) / (n + 1)), Math.floor((k * x.length) / (n + 1)) + gap);
  return y;
}

describe('tone measures of the recording test', () => {
  it('a clean 440 Hz tone measures 440 Hz to 0.1 Hz, at 48 and 44.1 kHz', () => {
    expect(Math.abs(zeroCrossingHz(tone(440, 0.75), RATE) - 440)).toBeLessThan(0.1);
    expect(Math.abs(medianWindowHz(tone(440, 0.75), RATE) - 440)).toBeLessThan(0.1);
    expect(Math.abs(medianWindowHz(tone(440, 0.75, 44100), 44100) - 440)).toBeLessThan(0.1);
    expect(medianWindowHz(tone(600, 0.75), RATE)).toBeCloseTo(600, 0);
    expect(dominant(tone(440, 0.1), RATE).hz).toBe(440);
  });

  it('three dropped 10 ms buffers move the whole-take count by more than 5 Hz, but not the median of 0.1 s windows', () => {
    const glitched = withGaps(tone(440, 0.75), 3, 10);
    // What failed once on a busy machine (6.1 Hz off against a 5 Hz tolerance).
    expect(Math.abs(zeroCrossingHz(glitched, RATE) - 440)).toBeGreaterThan(5);
    expect(Math.abs(medianWindowHz(glitched, RATE) - 440)).toBeLessThan(0.1);
  });

  it('refuses a take shorter than one window, naming the sizes', () => {
    expect(() => medianWindowHz(tone(440, 0.05), RATE)).toThrow(
      'medianWindowHz: 2400 samples are shorter than one 0.1 s window at 48000 Hz',
    );
  });
});
