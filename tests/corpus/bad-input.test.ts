import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { readdir, readFile, symlink } from 'node:fs/promises';
import { importCorpus } from '../../electron/engine/corpus';
import { importIntoProject, openProject } from '../../electron/engine/corpus/project';
import { tmp, toneWav, writeAt } from './helpers';

/** A float32 WAV holding `values`. */
function floatWav(values: number[]): Uint8Array {
  const b = new DataView(new ArrayBuffer(44 + values.length * 4));
  const s = (o: number, t: string) => [...t].forEach((c, i) => b.setUint8(o + i, c.charCodeAt(0)));
  s(0, 'RIFF');
  b.setUint32(4, 36 + values.length * 4, true);
  s(8, 'WAVE');
  s(12, 'fmt ');
  b.setUint32(16, 16, true);
  b.setUint16(20, 3, true);
  b.setUint16(22, 1, true);
  b.setUint32(24, 8000, true);
  b.setUint32(28, 32000, true);
  b.setUint16(32, 4, true);
  b.setUint16(34, 32, true);
  s(36, 'data');
  b.setUint32(40, values.length * 4, true);
  values.forEach((v, i) => b.setFloat32(44 + i * 4, v, true));
  return new Uint8Array(b.buffer);
}

describe('bad input: import goes on and explains every skipped item', () => {
  it('a plain folder with every kind of bad item', async () => {
    const dir = await tmp('bad');
    const good = toneWav(1);
    const add = (name: string, audio: Uint8Array, text: string | Uint8Array = 'hello') =>
      Promise.all([
        writeAt(path.join(dir, `${name}.wav`), audio),
        writeAt(path.join(dir, `${name}.txt`), text),
      ]);
    await add('good', good);
    await add('truncated', good.slice(0, 100)); // header says more data than the file has
    await add('one_sample', floatWav([0.5])); // valid: one sample
    const zero = good.slice(0, 44);
    new DataView(zero.buffer).setUint32(40, 0, true);
    new DataView(zero.buffer).setUint32(4, 36, true);
    await add('zero_length', zero);
    await add('nan', floatWav([0.1, NaN, 0.2]));
    await add('inf', floatWav([0.1, Infinity]));
    await add('unknown_codec', new TextEncoder().encode('#!AMR\n this is not audio at all'));
    await add('latin1', good, new Uint8Array([0x66, 0xfc, 0x72, 0x20, 0xe9, 0x6c, 0x61, 0x6e])); // "für élan" in Latin-1
    await add('bom', good, new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode('with bom')]));
    await add('empty_text', good, '  \n');
    await writeAt(path.join(dir, 'no_transcript.wav'), good);
    await writeAt(path.join(dir, 'sub', 'good.wav'), good); // duplicate id "good"
    await writeAt(path.join(dir, 'sub', 'good.txt'), 'again');
    const outside = await tmp('outside');
    await writeAt(path.join(outside, 'secret.wav'), good);
    await symlink(path.join(outside, 'secret.wav'), path.join(dir, 'linked.wav'));
    await writeAt(path.join(dir, 'linked.txt'), 'linked');

    const r = await importCorpus('plain-folder', dir);
    const ids = r.utterances.map((u) => u.id).sort();
    expect(ids).toEqual(['bom', 'good', 'latin1', 'one_sample']);
    const texts = Object.fromEntries(r.utterances.map((u) => [u.id, u.text]));
    expect(texts.latin1).toBe('für élan');
    expect(texts.bom).toBe('with bom');
    const why = (name: string) => r.skipped.find((s) => s.file.endsWith(name))?.reason;
    expect(why('truncated.wav')).toMatch(/^data chunk says \d+ bytes, file has 56$/);
    expect(why('zero_length.wav')).toBe('data chunk is empty');
    expect(why('nan.wav')).toBe('sample 0 of frame 1 is NaN');
    expect(why('inf.wav')).toBe('sample 0 of frame 1 is Infinity');
    expect(why('unknown_codec.wav')).toMatch(
      /^unknown audio format .*supported: WAV, FLAC, MP3, Ogg Vorbis$/,
    );
    expect(why('empty_text.wav')).toBe('empty transcript for "empty_text"');
    expect(why('no_transcript.wav')).toBe('no transcript beside it (no_transcript.txt or no_transcript.lab)');
    expect(why(path.join('sub', 'good.wav'))).toMatch(
      /^duplicate utterance id "good" \(first seen at .*good\.wav\)$/,
    );
    expect(why('linked.wav')).toMatch(/is a link to .*secret\.wav, outside the imported folder/);
    expect(r.warnings.map((w) => [path.basename(w.file), w.reason])).toEqual([
      ['latin1.txt', 'not valid UTF-8; read as Latin-1'],
    ]);
    // With --allow-outside the link is accepted.
    const r2 = await importCorpus('plain-folder', dir, { allowOutside: true });
    expect(r2.utterances.map((u) => u.id)).toContain('linked');
  });

  it('NeMo: a line that is not JSON, a missing file, an empty transcript; `..` refused in folder formats', async () => {
    const dir = await tmp('nemo-bad');
    await writeAt(path.join(dir, 'a.wav'), toneWav(0));
    await writeAt(
      path.join(dir, 'm.jsonl'),
      [
        JSON.stringify({ audio_filepath: 'a.wav', text: 'ok' }),
        '{not json',
        JSON.stringify({ audio_filepath: 'missing.wav', text: 'gone' }),
        JSON.stringify({ audio_filepath: 'a.wav', id: 'x', text: '' }),
      ].join('\n'),
    );
    const r = await importCorpus('nemo', path.join(dir, 'm.jsonl'));
    expect(r.utterances.map((u) => u.id)).toEqual(['a']);
    expect(r.skipped.map((s) => s.reason)).toEqual([
      expect.stringMatching(/^line is not valid JSON/),
      'empty transcript for "x"',
      'audio file not found',
    ]);
    expect(r.skipped[0].file).toBe(`${path.join(dir, 'm.jsonl')}:2`);
    // A missing manifest is an error naming it.
    await expect(importCorpus('nemo', path.join(dir, 'nope.jsonl'))).rejects.toThrow(
      `${path.join(dir, 'nope.jsonl')}: manifest not found`,
    );
    // HF audiofolder: file_name escaping the folder through `..`.
    const hf = path.join(dir, 'hf');
    await writeAt(path.join(hf, 'metadata.csv'), 'file_name,transcription\n../a.wav,escape\n');
    const h = await importCorpus('hf-audiofolder', hf);
    expect(h.utterances).toEqual([]);
    expect(h.skipped[0].reason).toMatch(/^audio path "..\/a.wav" leaves the imported folder/);
  });

  it('Kaldi: piped wav.scp is refused with a clear message; duplicate ids are skipped', async () => {
    const dir = await tmp('kaldi-bad');
    await writeAt(path.join(dir, 'a.wav'), toneWav(0));
    await writeAt(path.join(dir, 'wav.scp'), 'a a.wav\nb sph2pipe -f wav b.sph |\n');
    await writeAt(path.join(dir, 'text'), 'a hello\nb world\na hello again\n');
    const r = await importCorpus('kaldi', dir);
    expect(r.utterances.map((u) => u.id)).toEqual(['a']);
    expect(r.skipped.map((s) => s.reason)).toEqual([
      expect.stringMatching(/^duplicate utterance id "a" in text/),
      expect.stringMatching(
        /^"b" is a piped command \("sph2pipe -f wav b.sph \|"\); Accent Studio does not run commands/,
      ),
    ]);
  });

  it('a failed import leaves no partial project; a changed or missing file is reported on open', async () => {
    const dir = await tmp('proj-bad');
    await writeAt(path.join(dir, 'src', 'a.wav'), toneWav(0));
    await writeAt(path.join(dir, 'src', 'a.txt'), 'alpha');
    await writeAt(path.join(dir, 'src', 'b.wav'), toneWav(1));
    await writeAt(path.join(dir, 'src', 'b.txt'), 'beta');
    const project = path.join(dir, 'p');
    await expect(importIntoProject(project, 'kaldi', path.join(dir, 'src'))).rejects.toThrow(
      /wav\.scp: Kaldi file not found/,
    );
    await expect(readdir(project)).rejects.toThrow(/ENOENT/); // nothing was created
    const r = await importIntoProject(project, 'plain-folder', path.join(dir, 'src'));
    expect(r.imported).toBe(2);
    expect((await openProject(project)).problems).toEqual([]);
    // re-importing the same ids skips them
    const again = await importIntoProject(project, 'plain-folder', path.join(dir, 'src'));
    expect(again.imported).toBe(0);
    expect(again.skipped[0].reason).toBe('duplicate utterance id "a" (already in the project)');
    expect(await readFile(path.join(project, 'manifest.jsonl.bak'), 'utf8')).toBe(
      await readFile(path.join(project, 'manifest.jsonl'), 'utf8'),
    );
    // originals untouched, copies checked
    expect(await readdir(path.join(project, 'audio'))).toEqual(['a.wav', 'b.wav']);
    await writeAt(path.join(project, 'audio', 'a.wav'), toneWav(3));
    const { rm } = await import('node:fs/promises');
    await rm(path.join(project, 'audio', 'b.wav'));
    const opened = await openProject(project);
    expect(opened.problems.map((p) => [path.basename(p.file), p.problem])).toEqual([
      ['a.wav', 'changed'],
      ['b.wav', 'missing'],
    ]);
  });
});
