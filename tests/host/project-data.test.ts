/**
 * Editing a project's data through the host (the Data screen's operations): transcript, speaker,
 * accent and split edits rewrite manifest.jsonl atomically with manifest.jsonl.bak kept and every
 * other line byte-identical; delete removes the line (never the audio) and undo puts back the exact
 * line; audio playback is restricted to the project folder; the project's splits become run manifests.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Host } from '../../electron/host';
import { readManifest } from '../../electron/engine/corpus/manifest';
import { openProject } from '../../electron/engine/corpus/project';
import { BENCH } from '../ui/fixtures';

describe('host: project data editing', () => {
  let tmp: string;
  let host: Host;
  let dir: string;
  let manifest: string;
  const P = 'data1';
  const read = (f = manifest): Promise<string> => readFile(f, 'utf8');
  const lines = async (): Promise<string[]> => (await read()).trim().split('\n');

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(tmpdir(), 'studio-data-'));
    host = new Host({ modelsDir: path.join(tmp, 'models'), runsDir: path.join(tmp, 'runs') });
    await host.call('createProject', { name: P });
    const src = path.join(tmp, 'src.jsonl');
    const picked = (await readFile(path.join(BENCH, 'fsdd-german-adapt.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .slice(0, 6)
      .map((l) => {
        const o = JSON.parse(l);
        o.audio_filepath = path.resolve(BENCH, o.audio_filepath);
        return JSON.stringify(o);
      });
    await writeFile(src, picked.join('\n') + '\n');
    expect((await host.call('importIntoProject', { project: P, format: 'nemo', source: src })).imported).toBe(
      6,
    );
    dir = path.join(tmp, 'projects', P);
    manifest = path.join(dir, 'manifest.jsonl');
  });
  afterAll(async () => {
    await host?.dispose();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('lists the utterances with default splits and per-split totals', async () => {
    const d = await host.call('projectData', { project: P });
    expect(d.rows).toHaveLength(6);
    expect(d.rows.every((r) => r.split === 'adapt' && r.audioRef.startsWith('audio/'))).toBe(true);
    expect(d.splits.adapt.utterances).toBe(6);
    expect(d.splits.adapt.totalSec).toBeCloseTo(
      d.rows.reduce((a, r) => a + r.durationSec, 0),
      9,
    );
    expect(d.splits.test).toEqual({ utterances: 0, totalSec: 0 });
    expect(d.unreadable).toEqual([]);
    expect(d.manifestPath).toBe(manifest);
  });

  it('edits a transcript: only that line changes, the previous manifest is kept as .bak', async () => {
    const before = await read();
    const old = await lines();
    const id = (await host.call('projectData', { project: P })).rows[1].id;
    const d = await host.call('editUtterances', { project: P, ids: [id], changes: { text: '  null  ' } });
    expect(d.rows.find((r) => r.id === id)!.text).toBe('null');
    const now = await lines();
    expect(JSON.parse(now[1])).toMatchObject({ id, text: 'null' });
    expect(now.filter((_, i) => i !== 1)).toEqual(old.filter((_, i) => i !== 1));
    expect(await read(`${manifest}.bak`)).toBe(before);
    // The engine still reads the project (edited transcript included), audio unchanged.
    const opened = await openProject(dir);
    expect(opened.problems).toEqual([]);
    expect(opened.utterances.find((u) => u.id === id)!.text).toBe('null');
  });

  it('changes splits of several utterances, speaker and accent; an empty label removes the field', async () => {
    const ids = (await host.call('projectData', { project: P })).rows.slice(0, 2).map((r) => r.id);
    const d = await host.call('editUtterances', { project: P, ids, changes: { split: 'test' } });
    expect(d.splits.test.utterances).toBe(2);
    expect(d.splits.adapt.utterances).toBe(4);
    expect((await lines()).slice(0, 2).map((l) => JSON.parse(l).split)).toEqual(['test', 'test']);
    const e = await host.call('editUtterances', {
      project: P,
      ids: [ids[0]],
      changes: { speaker: 'anna', accent: '' },
    });
    const row = e.rows.find((r) => r.id === ids[0])!;
    expect(row.speaker).toBe('anna');
    expect(row.accent).toBeUndefined();
    const line = JSON.parse((await lines())[0]);
    expect(line.speaker).toBe('anna');
    expect('accent' in line).toBe(false);
    // An unchanged value leaves the file as it is.
    const same = await read();
    await host.call('editUtterances', { project: P, ids: [ids[0]], changes: { speaker: 'anna' } });
    expect(await read()).toBe(same);
  });

  it('refuses an unknown id and leaves the manifest unchanged', async () => {
    const same = await read();
    await expect(
      host.call('editUtterances', { project: P, ids: ['nope'], changes: { split: 'adapt' } }),
    ).rejects.toThrow(/no utterance "nope"/);
    await expect(host.call('deleteUtterance', { project: P, id: 'nope' })).rejects.toThrow(
      /no utterance "nope"/,
    );
    expect(await read()).toBe(same);
  });

  it('deletes a line (the audio file stays) and undo restores the exact line at its place', async () => {
    const before = await read();
    const d0 = await host.call('projectData', { project: P });
    const victim = d0.rows[3];
    const { deleted, data } = await host.call('deleteUtterance', { project: P, id: victim.id });
    expect(deleted).toEqual({ id: victim.id, line: before.split('\n')[3], index: 3 });
    expect(data.rows.map((r) => r.id)).not.toContain(victim.id);
    expect(await lines()).toHaveLength(5);
    expect(await read(`${manifest}.bak`)).toBe(before);
    expect(existsSync(victim.audioPath)).toBe(true);
    const restored = await host.call('restoreUtterance', {
      project: P,
      line: deleted.line,
      index: deleted.index,
    });
    expect(await read()).toBe(before); // byte-identical
    expect(restored.rows.map((r) => r.id)).toEqual(d0.rows.map((r) => r.id));
    // A second undo of the same line: its id is in use again.
    await expect(
      host.call('restoreUtterance', { project: P, line: deleted.line, index: deleted.index }),
    ).rejects.toThrow(/already holds an utterance with this id/);
    expect(await read()).toBe(before);
  });

  it('refuses to restore a line whose audio leaves the project, or that is not a manifest line', async () => {
    const before = await read();
    const escape = JSON.stringify({
      id: 'evil',
      audio_filepath: '../../etc/passwd.wav',
      duration: 1,
      text: 'x',
    });
    await expect(host.call('restoreUtterance', { project: P, line: escape, index: 0 })).rejects.toThrow(
      /leaves the project folder/,
    );
    await expect(
      host.call('restoreUtterance', {
        project: P,
        line: JSON.stringify({ id: 'abs', audio_filepath: '/etc/passwd', text: 'x' }),
        index: 0,
      }),
    ).rejects.toThrow(/leaves the project folder/);
    await expect(host.call('restoreUtterance', { project: P, line: '{not json', index: 0 })).rejects.toThrow(
      /not valid JSON/,
    );
    await expect(host.call('restoreUtterance', { project: P, line: 'a\nb', index: 0 })).rejects.toThrow(
      /invalid request: line: must be one line/,
    );
    expect(await read()).toBe(before);
  });

  it('refuses a restored line whose id or speaker cannot be a file name, and a speaker edit to ".." (issue 14 item 1)', async () => {
    const before = await read();
    const first = JSON.parse((await lines())[0]);
    await expect(
      host.call('restoreUtterance', {
        project: P,
        line: JSON.stringify({ ...first, id: '../../../../victim' }),
        index: 0,
      }),
    ).rejects.toThrow(
      'cannot restore the line: utterance id "../../../../victim" cannot be a file name: it holds a path separator ("/" or "\\"); rename it in the source',
    );
    await expect(
      host.call('restoreUtterance', {
        project: P,
        line: JSON.stringify({ ...first, id: 'other', speaker: '..' }),
        index: 0,
      }),
    ).rejects.toThrow(
      'cannot restore the line: speaker ".." of "other" cannot be a folder name: it is "..", which names a folder, not a file; rename it in the source',
    );
    await expect(
      host.call('editUtterances', { project: P, ids: [first.id], changes: { speaker: '..' } }),
    ).rejects.toThrow('speaker ".." cannot be a folder name: it is "..", which names a folder, not a file');
    await expect(
      host.call('editUtterances', { project: P, ids: [first.id], changes: { speaker: 'a/b' } }),
    ).rejects.toThrow('speaker "a/b" cannot be a folder name: it holds a path separator');
    expect(await read()).toBe(before);
  });

  it('serialises concurrent edits of one project: every change is kept', async () => {
    const ids = (await host.call('projectData', { project: P })).rows.map((r) => r.id);
    await Promise.all(
      ids.map((id, i) =>
        host.call('editUtterances', { project: P, ids: [id], changes: { speaker: `s${i}` } }),
      ),
    );
    const d = await host.call('projectData', { project: P });
    expect(d.rows.map((r) => r.speaker)).toEqual(ids.map((_, i) => `s${i}`));
  });

  it('serves project audio only from inside the project folder', async () => {
    const row = (await host.call('projectData', { project: P })).rows[0];
    const a = await host.call('readProjectAudio', { project: P, path: row.audioRef });
    expect(a.mime).toBe('audio/wav');
    expect(Buffer.from(a.data, 'base64').equals(await readFile(row.audioPath))).toBe(true);
    // Escapes are refused by the schema (.., absolute) and by the host (links, non-audio files, missing files).
    await expect(host.call('readProjectAudio', { project: P, path: '../../../etc/passwd' })).rejects.toThrow(
      /invalid request: path: must not leave the project folder/,
    );
    await expect(host.call('readProjectAudio', { project: P, path: 'audio/../../x.wav' })).rejects.toThrow(
      /must not leave the project folder/,
    );
    await expect(host.call('readProjectAudio', { project: P, path: '/etc/passwd' })).rejects.toThrow(
      /must be relative/,
    );
    await expect(host.call('readProjectAudio', { project: '../x', path: 'a.wav' })).rejects.toThrow(
      /invalid request: project/,
    );
    const outside = path.join(tmp, 'secret.wav');
    await writeFile(outside, 'RIFF');
    await symlink(outside, path.join(dir, 'audio', 'link.wav'));
    await expect(host.call('readProjectAudio', { project: P, path: 'audio/link.wav' })).rejects.toThrow(
      /outside the project folder/,
    );
    await expect(host.call('readProjectAudio', { project: P, path: 'project.json' })).rejects.toThrow(
      /not an audio file/,
    );
    await expect(host.call('readProjectAudio', { project: P, path: 'audio/none.wav' })).rejects.toThrow(
      /missing/,
    );
  });

  it('writes the project splits as run manifests whose audio resolves; empty or untranscribed splits are refused', async () => {
    const out = path.join(tmp, 'splits-run');
    const s = await host.projects.writeSplits(P, out);
    expect(s.counts).toEqual({ adapt: 4, test: 2, unlabelled: 0 });
    expect(s.unlabelled).toBeUndefined();
    const adapt = await readManifest(s.adapt);
    const test = await readManifest(s.test);
    expect(adapt).toHaveLength(4);
    expect(test).toHaveLength(2);
    for (const u of [...adapt, ...test]) expect(existsSync(u.audioPath)).toBe(true);
    const d = await host.call('projectData', { project: P });
    expect(test.map((u) => u.meta.id)).toEqual(d.rows.filter((r) => r.split === 'test').map((r) => r.id));

    // No test utterances: the adaptation is refused before any job starts, and no run folder is left.
    const testIds = d.rows.filter((r) => r.split === 'test').map((r) => r.id);
    await host.call('editUtterances', { project: P, ids: testIds, changes: { split: 'adapt' } });
    await expect(
      host.call('adapt', { jobId: 'j1', modelDir: '/none', fromProject: P, runName: 'from-project' }),
    ).rejects.toThrow(/test split is empty/);
    expect(existsSync(path.join(tmp, 'runs', 'from-project'))).toBe(false);
    expect(existsSync(path.join(dir, 'runs', 'from-project'))).toBe(false);
    // A test utterance without a transcript is named.
    await host.call('editUtterances', {
      project: P,
      ids: [testIds[0]],
      changes: { split: 'test', text: '' },
    });
    await expect(host.projects.writeSplits(P, path.join(tmp, 'splits-2'))).rejects.toThrow(
      /test split has no transcript/,
    );
  });
});

describe('host: re-recording a take replaces it; undo swaps it back (audio never removed)', () => {
  let tmp: string;
  let host: Host;
  const P = 'takes1';
  /** 0.5 s of a 440 Hz tone at 16 kHz as saveTake's base64 Float32 samples. */
  const tone = (amp: number): string => {
    const f = Float32Array.from({ length: 8000 }, (_, i) => amp * Math.sin((2 * Math.PI * 440 * i) / 16000));
    return Buffer.from(f.buffer).toString('base64');
  };
  const take = (promptText: string, amp: number, replaces?: string) =>
    host.call('saveTake', {
      project: P,
      promptText,
      speaker: 'spk',
      accent: '',
      sampleRateHz: 16000,
      samples: tone(amp),
      ...(replaces ? { replaces } : {}),
    });

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(tmpdir(), 'studio-takes-'));
    host = new Host({ modelsDir: path.join(tmp, 'models'), runsDir: path.join(tmp, 'runs') });
    await host.call('createProject', { name: P });
  });
  afterAll(async () => {
    await host?.dispose();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('replaces the line in one write, keeps the old file; restoreTake swaps back and forth', async () => {
    const dir = path.join(tmp, 'projects', P);
    const manifest = path.join(dir, 'manifest.jsonl');
    const ids = async () =>
      (await readFile(manifest, 'utf8'))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).id ?? path.basename(JSON.parse(l).audio_filepath, '.wav'));
    const first = await take('one two', 0.5);
    await take('three', 0.5);
    expect(first.replaced).toBeUndefined();
    const before = await readFile(manifest, 'utf8');
    const again = await take('one two', 0.25, first.id);
    expect(again.id).toBe('take-0003');
    expect(again.replaced).toEqual({ id: 'take-0001', line: before.split('\n')[0], index: 0 });
    expect(await ids()).toEqual(['take-0002', 'take-0003']);
    expect(again.project.utterances).toBe(2);
    expect(await readFile(`${manifest}.bak`, 'utf8')).toBe(before);
    // The old take's audio stays, recorded: opening the project reports no problem.
    expect(existsSync(path.join(dir, 'audio', 'take-0001.wav'))).toBe(true);
    expect((await host.call('openProject', { name: P })).problems).toEqual([]);

    const undo = await host.call('restoreTake', {
      project: P,
      line: again.replaced!.line,
      index: again.replaced!.index,
      discard: again.id,
    });
    expect(await readFile(manifest, 'utf8')).toBe(before); // byte for byte
    expect(undo.discarded.id).toBe('take-0003');
    expect(undo.discarded.index).toBe(1);
    expect(undo.project.utterances).toBe(2);
    const redo = await host.call('restoreTake', {
      project: P,
      line: undo.discarded.line,
      index: undo.discarded.index,
      discard: 'take-0001',
    });
    expect(await ids()).toEqual(['take-0002', 'take-0003']);
    expect(redo.discarded.line).toBe(before.split('\n')[0]);
    expect(existsSync(path.join(dir, 'audio', 'take-0003.wav'))).toBe(true);
    expect(existsSync(path.join(dir, 'audio', 'take-0001.wav'))).toBe(true);
  });

  it('refuses to replace a take the manifest does not hold, writing nothing', async () => {
    const dir = path.join(tmp, 'projects', P);
    const before = await readFile(path.join(dir, 'manifest.jsonl'), 'utf8');
    await expect(take('four', 0.5, 'take-0099')).rejects.toThrow(
      'no utterance "take-0099" in the project\'s manifest',
    );
    expect(await readFile(path.join(dir, 'manifest.jsonl'), 'utf8')).toBe(before);
    expect(existsSync(path.join(dir, 'audio', 'take-0004.wav'))).toBe(false);
    await expect(
      host.call('restoreTake', { project: P, line: before.split('\n')[0], index: 0, discard: 'take-0003' }),
    ).rejects.toThrow('cannot restore "take-0002": the manifest already holds an utterance with this id');
    expect(await readFile(path.join(dir, 'manifest.jsonl'), 'utf8')).toBe(before);
  });
});
