/**
 * Issue 14, items 1, 3 and 12: ids and speakers that are not file names, transcripts that are links
 * leaving the imported folder or folders. Nothing may be written outside an export folder, and
 * nothing read from outside an imported folder.
 */
import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { FORMAT_NAMES, FORMATS, importCorpus } from '../../electron/engine/corpus';
import { ExportWriter, unsafeNameReason } from '../../electron/engine/corpus/common';
import { exportProject, importIntoProject, openProject } from '../../electron/engine/corpus/project';
import type { Utterance } from '../../electron/engine/corpus/manifest';
import { tmp, toneWav, writeAt } from './helpers';

/** Every file under `dir`, relative, sorted. */
async function tree(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      if (e.isDirectory()) await walk(path.join(d, e.name));
      else out.push(path.relative(dir, path.join(d, e.name)));
    }
  };
  await walk(dir);
  return out.sort();
}

describe('ids and speakers that would leave an export folder', () => {
  it('the issue recipe: a NeMo id "../../../../victim" is skipped on import, and the plain-folder export leaves victim.txt alone', async () => {
    const base = await tmp('victim');
    const root = path.join(base, 'r');
    const out = path.join(root, 'exports', 'x', 'out');
    const victim = path.resolve(out, '../../../../victim.txt');
    expect(victim).toBe(path.join(base, 'victim.txt'));
    await writeAt(victim, 'precious\n');
    await writeAt(path.join(root, 'src', 'a.wav'), toneWav(1));
    await writeAt(path.join(root, 'src', 'b.wav'), toneWav(2));
    const manifest = path.join(root, 'src', 'm.jsonl');
    await writeFile(
      manifest,
      [
        { id: '../../../../victim', audio_filepath: 'a.wav', text: 'zero' },
        { id: 'ok', audio_filepath: 'b.wav', text: 'one', speaker: '..' },
        { id: 'fine', audio_filepath: 'b.wav', text: 'two', speaker: 'spk1' },
      ]
        .map((o) => JSON.stringify(o) + '\n')
        .join(''),
    );
    const project = path.join(root, 'p');
    const r = await importIntoProject(project, 'nemo', manifest);
    expect(r.imported).toBe(1);
    expect(r.skipped).toEqual([
      {
        file: `${manifest}:1`,
        reason:
          'utterance id "../../../../victim" cannot be a file name: it holds a path separator ("/" or "\\"); rename it in the source',
      },
      {
        file: `${manifest}:2`,
        reason:
          'speaker ".." of "ok" cannot be a folder name: it is "..", which names a folder, not a file; rename it in the source',
      },
    ]);
    const e = await exportProject(project, 'plain-folder', out);
    expect(e.exported).toBe(1);
    expect(await readFile(victim, 'utf8')).toBe('precious\n');
    expect(await tree(out)).toEqual(['spk1/fine.txt', 'spk1/fine.wav']);
  });

  it('a line put in the manifest afterwards (restoreUtterance, a hand edit) is not exported, by any of the five exporters', async () => {
    const base = await tmp('victim2');
    const project = path.join(base, 'p');
    await writeAt(path.join(base, 'src', 'a.wav'), toneWav(1));
    await writeAt(path.join(base, 'src', 'a.txt'), 'one two');
    expect((await importIntoProject(project, 'plain-folder', path.join(base, 'src'))).imported).toBe(1);
    const manifest = path.join(project, 'manifest.jsonl');
    const good = (await readFile(manifest, 'utf8')).trim();
    const line = JSON.parse(good);
    const evil = [
      { ...line, id: '../../victim' },
      { ...line, id: 'spk_dotdot', speaker: '..' },
      { ...line, id: '..' },
    ];
    await writeFile(manifest, [good, ...evil.map((o) => JSON.stringify(o))].join('\n') + '\n');
    const opened = await openProject(project, { verify: false });
    expect(opened.utterances.map((u) => u.id)).toEqual(['a']);
    expect(opened.problems.map((p) => p.detail)).toEqual([
      'utterance id "../../victim" cannot be a file name: it holds a path separator ("/" or "\\"); rename it in the source',
      'speaker ".." of "spk_dotdot" cannot be a folder name: it is "..", which names a folder, not a file; rename it in the source',
      'utterance id ".." cannot be a file name: it is "..", which names a folder, not a file; rename it in the source',
    ]);
    for (const f of FORMAT_NAMES) {
      const out = path.join(base, 'exports', f, 'out');
      const e = await exportProject(project, f, out);
      expect(e.exported, f).toBe(1);
    }
    // Nothing but the export folders and the project were written.
    expect((await readdir(base)).sort()).toEqual(['exports', 'p', 'src']);
    expect((await readdir(path.join(base, 'exports'))).sort()).toEqual([...FORMAT_NAMES].sort());
    for (const f of FORMAT_NAMES) expect(await readdir(path.join(base, 'exports', f)), f).toEqual(['out']);
  });

  it('exporters called directly with such utterances skip them with the reason; ExportWriter refuses any path leaving the folder', async () => {
    const base = await tmp('victim3');
    const wav = path.join(base, 'a.wav');
    await writeAt(wav, toneWav(1));
    const u = (id: string, speaker?: string): Utterance => ({
      id,
      audioPath: wav,
      durationSec: 0.1,
      text: 'one',
      ...(speaker ? { speaker } : {}),
      meta: {},
    });
    const utts = [
      u('good', 'spk'),
      u('../../victim'),
      u('x', '..'),
      u('y', 'a/../../b'),
      u('tab\there'),
      u(''),
    ];
    for (const f of FORMAT_NAMES) {
      const out = path.join(base, 'out', f);
      const e = await FORMATS[f].exporter(utts, out);
      expect(e.exported, f).toBe(1);
      expect(
        e.skipped.map((s) => s.reason.replace(/ cannot be .*/, '')),
        f,
      ).toEqual([
        'utterance id "../../victim"',
        'speaker ".." of "x"',
        'speaker "a/../../b" of "y"',
        'utterance id "tab\\there"',
        'utterance id ""',
      ]);
    }
    expect((await readdir(base)).sort()).toEqual(['a.wav', 'out']);
    const w = await ExportWriter.create(path.join(base, 'w'));
    await expect(w.writeText('../escape.txt', 'x')).rejects.toThrow(
      `${path.join(base, 'escape.txt')}: leaves the export folder ${path.join(base, 'w')} (from "../escape.txt"); nothing was written there`,
    );
    await expect(w.copyAudio(wav, '/etc/x.wav')).rejects.toThrow('/etc/x.wav: leaves the export folder');
    await expect(w.writeText('.', 'x')).rejects.toThrow('leaves the export folder');
    expect((await readdir(base)).sort()).toEqual(['a.wav', 'out', 'w']);
  });

  it('unsafeNameReason: only names that are one plain file name pass', () => {
    expect(
      ['utt_a', 'für élan', '.hidden', 'a..b', 'R_34Kh357EGklz2X7', 'x'.repeat(200)].map(unsafeNameReason),
    ).toEqual([undefined, undefined, undefined, undefined, undefined, undefined]);
    expect(['', '..', '.', 'a/b', 'a\\b', 'a\u0000b', 'x'.repeat(201)].map(unsafeNameReason)).toEqual([
      'is empty',
      'is "..", which names a folder, not a file',
      'is ".", which names a folder, not a file',
      'holds a path separator ("/" or "\\")',
      'holds a path separator ("/" or "\\")',
      'holds control characters',
      'is 201 bytes long (at most 200)',
    ]);
  });

  it('Kaldi and audiofolder ids and speakers are checked too', async () => {
    const dir = await tmp('kaldi-names');
    await writeAt(path.join(dir, 'a.wav'), toneWav(1));
    await writeAt(path.join(dir, 'wav.scp'), 'r1 a.wav\n..  a.wav\n');
    await writeAt(path.join(dir, 'text'), 'r1 one\n.. two\n');
    await writeAt(path.join(dir, 'utt2spk'), 'r1 ..\n.. s\n');
    const r = await importCorpus('kaldi', dir);
    expect(r.utterances).toEqual([]);
    expect(r.skipped.map((s) => s.reason)).toEqual([
      'speaker ".." of "r1" cannot be a folder name: it is "..", which names a folder, not a file; rename it in the source',
      'utterance id ".." cannot be a file name: it is "..", which names a folder, not a file; rename it in the source',
    ]);
    const hf = await tmp('hf-names');
    await writeAt(path.join(hf, 'a.wav'), toneWav(1));
    await writeAt(path.join(hf, 'metadata.csv'), 'file_name,id,transcription\na.wav,../../x,one\n');
    const h = await importCorpus('hf-audiofolder', hf);
    expect(h.skipped.map((s) => [path.basename(s.file), s.reason])).toEqual([
      [
        'metadata.csv: row 1',
        'utterance id "../../x" cannot be a file name: it holds a path separator ("/" or "\\"); rename it in the source',
      ],
    ]);
  });
});

describe('transcripts and other files read by importers stay inside the imported folder', () => {
  it('plain folder: a transcript linking to a file outside is refused; one that is a folder is skipped, not fatal', async () => {
    const dir = await tmp('links');
    const outside = await tmp('secret');
    await writeAt(path.join(outside, 'passwd'), 'root:x:0:0:root:/root:/bin/bash\n');
    for (const n of ['a', 'b', 'c', 'd']) await writeAt(path.join(dir, `${n}.wav`), toneWav(1));
    await symlink(path.join(outside, 'passwd'), path.join(dir, 'a.txt'));
    await mkdir(path.join(dir, 'b.txt'));
    await writeAt(path.join(dir, 'c.txt'), 'three');
    await symlink(path.join(dir, 'c.txt'), path.join(dir, 'd.txt')); // a link inside the folder is fine
    const r = await importCorpus('plain-folder', dir);
    expect(r.utterances.map((u) => [u.id, u.text])).toEqual([
      ['c', 'three'],
      ['d', 'three'],
    ]);
    expect(r.skipped).toEqual([
      {
        file: path.join(dir, 'a.txt'),
        reason: `transcript "a.txt" is a link to ${path.join(outside, 'passwd')}, outside the imported folder; import with --allow-outside to accept it`,
      },
      { file: path.join(dir, 'b.txt'), reason: 'transcript is a folder, expected a file' },
    ]);
    expect(JSON.stringify(r)).not.toContain('root:x');
    // --allow-outside accepts the link, as it does for audio
    const allowed = await importCorpus('plain-folder', dir, { allowOutside: true });
    expect(allowed.utterances.find((u) => u.id === 'a')?.text).toBe('root:x:0:0:root:/root:/bin/bash');
  });

  it('Kaldi tables, audiofolder metadata and a Common Voice TSV found in the folder may not link outside it', async () => {
    const outside = await tmp('secret');
    await writeAt(path.join(outside, 'text'), 'r1 secret words\n');
    await writeAt(path.join(outside, 'metadata.csv'), 'file_name,transcription\na.wav,secret words\n');
    await writeAt(path.join(outside, 'validated.tsv'), 'path\tsentence\na.wav\tsecret words\n');

    const kaldi = await tmp('kaldi-link');
    await writeAt(path.join(kaldi, 'a.wav'), toneWav(1));
    await writeAt(path.join(kaldi, 'wav.scp'), 'r1 a.wav\n');
    await symlink(path.join(outside, 'text'), path.join(kaldi, 'text'));
    await expect(importCorpus('kaldi', kaldi)).rejects.toThrow(
      `${path.join(kaldi, 'text')}: Kaldi file "text" is a link to ${path.join(outside, 'text')}, outside the imported folder; import with --allow-outside to accept it`,
    );

    const hf = await tmp('hf-link');
    await writeAt(path.join(hf, 'a.wav'), toneWav(1));
    await symlink(path.join(outside, 'metadata.csv'), path.join(hf, 'metadata.csv'));
    await expect(importCorpus('hf-audiofolder', hf)).rejects.toThrow(
      `${path.join(hf, 'metadata.csv')}: metadata file "metadata.csv" is a link to ${path.join(outside, 'metadata.csv')}, outside the imported folder`,
    );

    const cv = await tmp('cv-link');
    await writeAt(path.join(cv, 'clips', 'a.wav'), toneWav(1));
    await symlink(path.join(outside, 'validated.tsv'), path.join(cv, 'validated.tsv'));
    await expect(importCorpus('common-voice', cv)).rejects.toThrow(
      `${path.join(cv, 'validated.tsv')}: Common Voice TSV "validated.tsv" is a link to ${path.join(outside, 'validated.tsv')}, outside the imported folder`,
    );
  });

  it('a manifest that is a folder or a pipe is refused before reading, naming it', async () => {
    const dir = await tmp('notfile');
    await mkdir(path.join(dir, 'm.jsonl'));
    await expect(importCorpus('nemo', path.join(dir, 'm.jsonl'))).rejects.toThrow(
      `${path.join(dir, 'm.jsonl')}: manifest is a folder, expected a file`,
    );
    await expect(importCorpus('nemo', '/dev/zero')).rejects.toThrow(
      '/dev/zero: manifest is not a regular file (a device, pipe or socket)',
    );
  });
});
