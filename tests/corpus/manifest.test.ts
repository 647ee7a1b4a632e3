import { describe, expect, it } from 'vitest';
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readManifest } from '../../electron/engine/corpus/manifest';

describe('NeMo JSON Lines manifests', () => {
  it('resolves relative audio paths against the manifest folder, keeps metadata', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'manifest-'));
    await mkdir(path.join(dir, 'lists'));
    const file = path.join(dir, 'lists', 'm.jsonl');
    await writeFile(
      file,
      [
        JSON.stringify({
          audio_filepath: '../audio/a.wav',
          duration: 1.5,
          text: 'one two',
          speaker: 7,
          accent: 'IN',
          recorder: 'Laptop',
        }),
        '',
        JSON.stringify({ audio_filepath: '/abs/b.wav', duration: 2, text: 'three', offset: 1.25 }),
      ].join('\r\n'),
    );
    const utts = await readManifest(file);
    expect(utts).toHaveLength(2);
    expect(utts[0].audioPath).toBe(path.join(dir, 'audio', 'a.wav'));
    expect(utts[0]).toMatchObject({
      id: 'a',
      durationSec: 1.5,
      text: 'one two',
      speaker: '7',
      accent: 'IN',
      meta: { recorder: 'Laptop' },
    });
    expect(utts[1]).toMatchObject({ id: 'b_1.25', audioPath: '/abs/b.wav', offsetSec: 1.25 });
  });

  it('the shared benchmark manifest points at files that exist', async () => {
    const file = path.resolve('../shared/data/bench/duke-india-adapt.jsonl');
    const utts = await readManifest(file);
    expect(utts).toHaveLength(8);
    expect(utts[0].audioPath).toBe(
      path.resolve('../shared/data/duke-numbers/audio', path.basename(utts[0].audioPath)),
    );
    expect(utts[0].text.split(' ')).toHaveLength(10);
  });

  it('errors name the file and line', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'manifest-'));
    const file = path.join(dir, 'bad.jsonl');
    await writeFile(file, JSON.stringify({ audio_filepath: 'a.wav', text: 'x' }) + '\n{"text": "no path"}\n');
    await expect(readManifest(file)).rejects.toThrow(`${file}:2: audio_filepath:`);
    await writeFile(file, '{not json\n');
    await expect(readManifest(file)).rejects.toThrow(`${file}:1: not valid JSON`);
    await expect(readManifest(path.join(dir, 'missing.jsonl'))).rejects.toThrow(
      /missing\.jsonl: manifest not found/,
    );
  });
});
