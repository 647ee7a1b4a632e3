import { describe, expect, it } from 'vitest';
import { espeakVersion, synthesize, TTS_VARIANTS, TTS_VOICES } from '../../electron/engine/recipes/tts';

const hasEspeak = espeakVersion() !== null;
if (!hasEspeak && !process.env.CI)
  console.warn(
    'espeak-ng is missing: skipping the synthetic-speech tests (apt-get install espeak-ng; .ci/run installs it)',
  );

describe.skipIf(!hasEspeak && !process.env.CI)(
  'synthetic speech for the base-model recipe (espeak-ng)',
  () => {
    it('synthesises every voice at 8 kHz, longer for longer strings', () => {
      expect(espeakVersion()).toMatch(/eSpeak NG/);
      for (const voice of TTS_VOICES) {
        const one = synthesize(
          { text: 'seven', voice, variant: TTS_VARIANTS[0], wordsPerMinute: 160, pitch: 50 },
          8000,
        );
        const five = synthesize(
          { text: 'seven three nine one four', voice, variant: 'f2', wordsPerMinute: 160, pitch: 50 },
          8000,
        );
        expect(one.length).toBeGreaterThan(0.2 * 8000);
        expect(five.length).toBeGreaterThan(2 * one.length); // espeak-ng pads each utterance with silence
        const peak = five.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
        expect(peak).toBeGreaterThan(0.05);
        expect(peak).toBeLessThanOrEqual(1);
      }
    });

    it('names a voice espeak-ng does not have', () => {
      expect(() =>
        synthesize(
          { text: 'one', voice: 'xx-nonexistent', variant: 'm1', wordsPerMinute: 160, pitch: 50 },
          8000,
        ),
      ).toThrow(/espeak-ng xx-nonexistent\+m1/);
    });
  },
);
