import { describe, expect, it } from 'vitest';
import {
  ESPEAK_PITCH_MAX,
  ESPEAK_WPM,
  espeakArgs,
  espeakVersion,
  systemEspeak,
  TTS_VARIANTS,
  TTS_VOICES,
} from '../../electron/engine/synth/espeak';
import { speak } from './helpers';

const hasEspeak = espeakVersion() !== null;
if (!hasEspeak && !process.env.CI)
  console.warn(
    'espeak-ng is missing: skipping the system espeak-ng tests (apt-get install espeak-ng; .ci/run installs it)',
  );

describe('espeak-ng arguments', () => {
  it('gives the base recipe exactly its -s 120-219 and -p 25-74 through speed = wpm / 175, pitch = p / 99', () => {
    for (let wpm = 120; wpm < 220; wpm++)
      for (let p = 25; p < 75; p++) {
        const args = espeakArgs(
          { text: 'one two', voice: 'en-gb+f2', speed: wpm / ESPEAK_WPM, pitch: p / ESPEAK_PITCH_MAX },
          '/tmp/x.wav',
        );
        expect(args).toEqual([
          '-v',
          'en-gb+f2',
          '-s',
          String(wpm),
          '-p',
          String(p),
          '-w',
          '/tmp/x.wav',
          'one two',
        ]);
      }
  });
});

describe.skipIf(!hasEspeak && !process.env.CI)('the system espeak-ng as a Synthesizer', () => {
  it('lists the English voices of the base recipe and other languages, with language tags', () => {
    const s = systemEspeak()!;
    expect(s.id).toBe('espeak-ng');
    expect(s.version).toMatch(/^eSpeak NG text-to-speech: \d/);
    expect(s.licence).toBe('GPL-3.0-or-later');
    const en = s.voices('en');
    for (const v of TTS_VOICES.filter((x) => x !== 'en-gb'))
      for (const variant of TTS_VARIANTS) expect(en.map((x) => x.id)).toContain(`${v}+${variant}`);
    // British English by its voice file: espeak-ng drops the variant of en-gb+f3
    expect(en.find((x) => x.id === 'gmw/en+f3')?.language).toBe('en-GB');
    expect(en.find((x) => x.id === 'en-gb+f3')).toBeUndefined();
    expect(en.find((x) => x.id === 'en-gb-scotland+f3')?.language).toBe('en-GB-scotland');
    expect(en.find((x) => x.id === 'en-us+m1')?.language).toBe('en-US');
    expect(new Set(s.voices().map((x) => x.id)).size).toBe(s.voices().length);
    expect(s.voices('en-GB').every((x) => x.language.startsWith('en-GB'))).toBe(true);
    expect(s.voices('de').map((x) => x.id)).toContain('de+m1');
    expect(s.voices().length).toBeGreaterThan(50 * TTS_VARIANTS.length);
    expect(s.voices('xx')).toEqual([]);
  });

  it('speaks every English voice: longer for longer strings, well above silence, slower at lower speed', async () => {
    const s = systemEspeak()!;
    for (const voice of TTS_VOICES) {
      const one = await speak(s, `${voice}+${TTS_VARIANTS[0]}`, 'seven');
      const five = await speak(s, `${voice}+f2`, 'seven three nine one four');
      expect(one.rateHz).toBe(22050);
      expect(one.sec).toBeGreaterThan(0.2);
      expect(five.sec).toBeGreaterThan(2 * one.sec); // espeak-ng pads each utterance with silence
      expect(five.rms).toBeGreaterThan(0.03);
      expect(five.samples.every((v) => Math.abs(v) <= 1)).toBe(true);
    }
    const slow = await speak(s, 'en-us+m1', 'seven three nine one four', 0.7);
    const fast = await speak(s, 'en-us+m1', 'seven three nine one four', 1.3);
    expect(slow.sec).toBeGreaterThan(1.4 * fast.sec);
  });

  it('gives every listed English voice distinct timbres; the base recipe en-gb ids still run, variant ignored', async () => {
    const s = systemEspeak()!;
    const prefixes = [...new Set(s.voices('en').map((v) => v.id.split('+')[0]))];
    expect(prefixes).toContain('gmw/en');
    for (const p of prefixes) {
      const m1 = await speak(s, `${p}+m1`, 'seven four nine');
      const f2 = await speak(s, `${p}+f2`, 'seven four nine');
      expect(
        `${p}: ${m1.samples.length === f2.samples.length && m1.samples.every((x, i) => x === f2.samples[i])}`,
      ).toBe(`${p}: false`);
    }
    // the shipped base model's data: en-gb+<variant> reaches espeak-ng unchanged and sounds the same
    const a = await speak(s, 'en-gb+m1', 'seven four nine');
    const b = await speak(s, 'en-gb+f2', 'seven four nine');
    expect(a.samples).toEqual(b.samples);
  });

  it('names the synthesizer and the voice it does not have', async () => {
    const s = systemEspeak()!;
    await expect(
      s.synthesize({ text: 'one', voice: 'xx-nonexistent+m1', speed: 1, pitch: 0.5 }),
    ).rejects.toThrow(
      /^espeak-ng \(system\): no voice xx-nonexistent\+m1 \(voices are <language>\+<variant>/,
    );
  });
});
