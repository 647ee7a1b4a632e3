import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeWav } from '../../electron/engine/audio/wav';

const TSX = path.resolve('node_modules/.bin/tsx');
const CLI = path.resolve('electron/cli/main.ts');

function cli(args: string[]) {
  return spawnSync(TSX, [CLI, ...args], { encoding: 'utf8', timeout: 120_000 });
}

describe('CLI: synthesizers and say', () => {
  it('synthesizers lists Flite with its licence and five voices, and its voice ids on request', () => {
    const r = cli(['synthesizers', '--voices', 'en-GB']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(
      /│ flite\s+│ flite-2\.3-current Mar 2022\s+│ BSD-4-Clause\s+│ 5\s+│ en-GB-scotland, en-US/,
    );
    expect(r.stdout).toContain('flite: 1 voices for en-GB\n  awb  (en-GB-scotland)\n');
    expect(r.stderr).not.toContain('ExperimentalWarning');
  });

  it('say writes a new WAV of the speech and refuses to overwrite a file', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'say-'));
    const out = path.join(dir, 'nine.wav');
    const r = cli(['say', '--synth', 'flite', '--voice', 'slt', '--text', 'nine one one', '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^wrote .*nine\.wav: 1\.\d\d s of speech from flite slt \(flite-2\.3/);
    const wav = decodeWav(await readFile(out), out);
    expect(wav.sampleRateHz).toBe(16000);
    expect(wav.samples.length / 16000).toBeGreaterThan(1);
    await writeFile(path.join(dir, 'keep.wav'), 'mine');
    const again = cli([
      'say',
      '--synth',
      'flite',
      '--voice',
      'slt',
      '--text',
      'two',
      '--out',
      path.join(dir, 'keep.wav'),
    ]);
    expect(again.status).toBe(1);
    expect(again.stderr).toContain(
      `error: ${path.join(dir, 'keep.wav')}: already exists (choose another --out)`,
    );
    expect(await readFile(path.join(dir, 'keep.wav'), 'utf8')).toBe('mine');
    const bad = cli([
      'say',
      '--synth',
      'flite',
      '--voice',
      'xyz',
      '--text',
      'two',
      '--out',
      path.join(dir, 'x.wav'),
    ]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('error: flite: no voice xyz (voices: slt, rms, awb, kal16, kal)');
  });
});
