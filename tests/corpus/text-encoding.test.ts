import { describe, expect, it } from 'vitest';
import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readManifest } from '../../electron/engine/corpus/manifest';
import { importNemo } from '../../electron/engine/corpus/nemo';
import { encodeWav16 } from '../../electron/engine/audio/wav';
import { adapt, evaluate, score } from '../../electron/engine';

/** A folder with a 1 s synthetic WAV (a 440 Hz tone at 8 kHz, written by the test) and a manifest of `lines`. */
async function corpus(lines: Buffer): Promise<{ dir: string; manifest: string }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'text-enc-'));
  const tone = Float32Array.from({ length: 8000 }, (_, i) => 0.3 * Math.sin((2 * Math.PI * 440 * i) / 8000));
  await writeFile(path.join(dir, 'a.wav'), encodeWav16(tone, 8000));
  const manifest = path.join(dir, 'test.jsonl');
  await writeFile(manifest, lines);
  return { dir, manifest };
}

const LATIN1_LINE = Buffer.concat([
  Buffer.from('{"audio_filepath":"a.wav","duration":1,"text":"f'),
  Buffer.from([0xfc]),
  Buffer.from('nf"}\n'),
]);

describe('one text decoding rule for evaluate, adapt, score and import', () => {
  it('a Latin-1 manifest reads as "fünf" with a note, the same as import reads it', async () => {
    const { manifest } = await corpus(LATIN1_LINE);
    const notes: string[] = [];
    const utts = await readManifest(manifest, notes);
    expect(utts.map((u) => u.text)).toEqual(['fünf']);
    expect(notes).toEqual([`${manifest}: not valid UTF-8; read as Latin-1`]);
    const imported = await importNemo(manifest);
    expect(imported.utterances.map((u) => u.text)).toEqual(['fünf']);
    expect(imported.warnings.map((w) => w.reason)).toEqual(['not valid UTF-8; read as Latin-1']);
    // UTF-16 with its byte-order mark, as Windows editors write it
    const { manifest: m16 } = await corpus(
      Buffer.concat([
        Buffer.from([0xff, 0xfe]),
        Buffer.from('{"audio_filepath":"a.wav","text":"fünf"}\n', 'utf16le'),
      ]),
    );
    const n16: string[] = [];
    expect((await readManifest(m16, n16)).map((u) => u.text)).toEqual(['fünf']);
    expect(n16).toEqual([`${m16}: read as UTF-16 (little-endian, byte-order mark)`]);
  });

  it('evaluate scores the Latin-1 reference as "fünf" and says how it read the manifest', async () => {
    const { dir, manifest } = await corpus(LATIN1_LINE);
    const report = await evaluate({
      modelDir: path.resolve('models/digits-base'),
      testManifest: manifest,
      outDir: path.join(dir, 'run'),
    });
    expect(report.utterances.map((u) => u.reference)).toEqual(['fünf']);
    expect(report.notes).toContain(`note: ${manifest}: not valid UTF-8; read as Latin-1`);
  });
});

describe('score reads transcript files by the same rule', () => {
  it('a Latin-1 reference file scores "fünf" against a UTF-8 hypothesis "fünf" at 0% and says so', async () => {
    const { dir } = await corpus(Buffer.from(''));
    const ref = path.join(dir, 'ref.jsonl');
    await writeFile(
      ref,
      Buffer.concat([Buffer.from('{"id":"u1","text":"f'), Buffer.from([0xfc]), Buffer.from('nf"}\n')]),
    );
    await writeFile(path.join(dir, 'hyp.jsonl'), '{"id":"u1","text":"fünf"}\n');
    const r = await score({
      refFile: ref,
      hypFile: path.join(dir, 'hyp.jsonl'),
      outDir: path.join(dir, 'out'),
    });
    expect([r.test.before.wer, r.utterances[0].reference]).toEqual([0, 'fünf']);
    expect(r.notes).toEqual([`note: ${ref}: not valid UTF-8; read as Latin-1`]);
  });
});

describe('adapt reads manifests by the same rule', () => {
  it('a Latin-1 test manifest is scored as "fünf" and noted in the adapt report', async () => {
    const { dir, manifest } = await corpus(LATIN1_LINE);
    const adaptManifest = path.join(dir, 'adapt.jsonl');
    await writeFile(adaptManifest, '{"audio_filepath":"a.wav","duration":1,"text":"one"}\n');
    const report = await adapt({
      modelDir: path.resolve('models/digits-base'),
      adaptManifest,
      testManifest: manifest,
      outDir: path.join(dir, 'run'),
      settings: { fixedEpochs: 1, resplice: 0 },
    });
    expect(report.utterances.map((u) => u.reference)).toEqual(['fünf']);
    expect(report.notes).toContain(`note: ${manifest}: not valid UTF-8; read as Latin-1`);
  });
});

describe('paths in a request are checked for their format; file contents never come back', () => {
  it('evaluate with a grammar "file" that is some other file fails before any audio work, quoting nothing, writing nothing', async () => {
    const { dir, manifest } = await corpus(
      Buffer.from('{"audio_filepath":"a.wav","duration":1,"text":"one"}\n'),
    );
    const passwd = path.join(dir, 'passwd');
    await writeFile(
      passwd,
      'root:x:0:0:root:/root:/bin/bash\nsecretuser:x:1000:1000::/home/secretuser:/bin/sh\n',
    );
    const err = (await evaluate({
      modelDir: path.resolve('models/digits-base'),
      testManifest: manifest,
      outDir: path.join(dir, 'run'),
      decoder: { kind: 'beam', grammarFile: passwd },
    }).catch((e: Error) => e)) as Error;
    expect(err.message).toBe(`${passwd}: not a grammar file (line 1)`);
    expect(await readdir(dir)).not.toContain('run');
  });

  it('a "manifest" that is some other file is refused naming the line, without its content', async () => {
    const { dir } = await corpus(Buffer.from(''));
    const shadow = path.join(dir, 'shadow');
    await writeFile(shadow, 'root:$6$saltsalt$hashhashhash:19000:0:99999:7:::\n');
    const err = (await readManifest(shadow).catch((e: Error) => e)) as Error;
    expect(err.message).toBe(`${shadow}:1: not valid JSON`);
    await writeFile(shadow, '"just a string"\n');
    await expect(readManifest(shadow)).rejects.toThrow(`${shadow}:1: not a JSON object`);
    await expect(readManifest('/dev/zero')).rejects.toThrow(
      '/dev/zero: manifest is not a regular file (a device, pipe or socket)',
    );
    await expect(readManifest(dir)).rejects.toThrow(`${dir}: manifest is a folder, expected a file`);
  });
});
