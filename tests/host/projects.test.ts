/** The host's project store: create/open/recent, import, and recorded takes (names, WAV, manifest, sha256). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Host } from '../../electron/host';
import { decodeWav } from '../../electron/engine/audio/wav';
import { openProject } from '../../electron/engine/corpus/project';
import { BENCH } from '../ui/fixtures';

const b64 = (s: Float32Array): string => {
  const buf = Buffer.alloc(s.length * 4);
  s.forEach((v, i) => buf.writeFloatLE(v, i * 4));
  return buf.toString('base64');
};
const tone = (n: number, rate: number, hz = 440, amp = 0.5): Float32Array =>
  Float32Array.from({ length: n }, (_, i) => amp * Math.sin((2 * Math.PI * hz * i) / rate));

describe('host project store', () => {
  let tmp: string;
  let host: Host;
  let root: string;

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(tmpdir(), 'studio-projects-'));
    root = path.join(tmp, 'projects');
    host = new Host({ modelsDir: path.join(tmp, 'models'), runsDir: path.join(tmp, 'runs') });
  });
  afterAll(async () => {
    await host?.dispose();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('defaults the projects root to projects/ beside runs/ and keeps a recent list', async () => {
    const empty = await host.call('listProjects', {});
    expect(empty.root).toBe(root);
    expect(empty.recent).toEqual([]);
    expect(empty.formats.map((f) => f.name)).toContain('nemo');
    const p = await host.call('createProject', { name: 'alpha' });
    expect(p).toMatchObject({
      name: 'alpha',
      dir: path.join(root, 'alpha'),
      utterances: 0,
      totalSec: 0,
      problems: [],
      verified: true,
    });
    await host.call('createProject', { name: 'beta' });
    await expect(host.call('createProject', { name: 'alpha' })).rejects.toThrow(
      /already exists; open it instead/,
    );
    await host.call('openProject', { name: 'alpha' });
    const list = await host.call('listProjects', {});
    expect(list.recent.map((r) => r.name)).toEqual(['alpha', 'beta']);
    expect(list.recent.every((r) => r.exists)).toBe(true);
    expect(JSON.parse(await readFile(path.join(root, 'recent-projects.json'), 'utf8')).projects).toHaveLength(
      2,
    );
    await expect(host.call('openProject', { name: 'nope' })).rejects.toThrow(/no project named "nope"/);
    await expect(host.call('openProject', { name: '../alpha' })).rejects.toThrow(/invalid request: name: /);
  });

  it('saves takes as 16-bit WAVs at the given rate with increasing numbers, and appends the manifest', async () => {
    const rate = 44100;
    const a = await host.call('saveTake', {
      project: 'alpha',
      promptText: 'zero one',
      speaker: 'spk1',
      accent: 'de',
      sampleRateHz: rate,
      samples: b64(tone(rate / 2, rate)),
    });
    expect(a).toMatchObject({
      id: 'take-0001',
      relPath: 'audio/take-0001.wav',
      sampleRateHz: rate,
      durationSec: 0.5,
    });
    expect(a.peakDbfs!).toBeCloseTo(-6.02, 1);
    const b = await host.call('saveTake', {
      project: 'alpha',
      promptText: 'two three',
      speaker: '',
      accent: '',
      sampleRateHz: 16000,
      samples: b64(tone(8000, 16000)),
    });
    expect(b.id).toBe('take-0002');
    expect(b.project.utterances).toBe(2);
    const dir = path.join(root, 'alpha');
    expect((await readdir(path.join(dir, 'audio'))).sort()).toEqual(['take-0001.wav', 'take-0002.wav']);
    const wav = decodeWav(await readFile(a.audioPath), a.audioPath);
    expect(wav).toMatchObject({ sampleRateHz: rate, bitsPerSample: 16, encoding: 'pcm', numChannels: 1 });
    expect(wav.samples.length).toBe(rate / 2);
    const lines = (await readFile(path.join(dir, 'manifest.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.id, l.text, l.audio_filepath, l.sample_rate_hz])).toEqual([
      ['take-0001', 'zero one', 'audio/take-0001.wav', rate],
      ['take-0002', 'two three', 'audio/take-0002.wav', 16000],
    ]);
    expect(lines[0]).toMatchObject({ speaker: 'spk1', accent: 'de', duration: 0.5 });
    expect(lines[1].speaker).toBeUndefined();
    expect((await readFile(path.join(dir, 'manifest.jsonl.bak'), 'utf8')).trim().split('\n')).toHaveLength(1);
    // sha256 recorded: opening reports no problem; a deleted take is reported, and its number is never reused.
    expect((await openProject(dir)).problems).toEqual([]);
    await rm(path.join(dir, 'audio', 'take-0002.wav'));
    expect((await host.call('openProject', { name: 'alpha' })).problems).toMatchObject([
      { problem: 'missing' },
    ]);
    const c = await host.call('saveTake', {
      project: 'alpha',
      promptText: 'four',
      speaker: '',
      accent: '',
      sampleRateHz: 16000,
      samples: b64(tone(1600, 16000)),
    });
    expect(c.id).toBe('take-0003');
  });

  it('serialises concurrent takes of one project (distinct names, every line kept)', async () => {
    const reqs = Array.from({ length: 5 }, (_, i) =>
      host.call('saveTake', {
        project: 'beta',
        promptText: `prompt ${i}`,
        speaker: '',
        accent: '',
        sampleRateHz: 8000,
        samples: b64(tone(800, 8000)),
      }),
    );
    const ids = (await Promise.all(reqs)).map((t) => t.id);
    expect(new Set(ids).size).toBe(5);
    const lines = (await readFile(path.join(root, 'beta', 'manifest.jsonl'), 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(5);
  });

  it('refuses a take with non-finite samples and leaves the project unchanged', async () => {
    const s = tone(100, 8000);
    s[7] = Number.NaN;
    await expect(
      host.call('saveTake', {
        project: 'beta',
        promptText: 'x',
        speaker: '',
        accent: '',
        sampleRateHz: 8000,
        samples: b64(s),
      }),
    ).rejects.toThrow(/sample 7 is NaN/);
    expect((await readdir(path.join(root, 'beta', 'audio'))).length).toBe(5);
  });

  it('imports into a project with a summary of skipped items', async () => {
    const src = path.join(tmp, 'src.jsonl');
    const good = (await readFile(path.join(BENCH, 'fsdd-german-adapt.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .slice(0, 3)
      .map((l) => {
        const o = JSON.parse(l);
        o.audio_filepath = path.resolve(BENCH, o.audio_filepath);
        return JSON.stringify(o);
      });
    await writeFile(
      src,
      [...good, '{"audio_filepath": "missing.wav", "text": "x"}', 'not json'].join('\n') + '\n',
    );
    const r = await host.call('importIntoProject', { project: 'alpha', format: 'nemo', source: src });
    expect(r.imported).toBe(3);
    expect(r.skipped).toHaveLength(2);
    expect(r.skipped.map((s) => s.reason).join(' ')).toMatch(/not valid JSON/);
    expect(r.project.utterances).toBe(6);
    await expect(
      host.call('importIntoProject', { project: 'nope', format: 'nemo', source: src }),
    ).rejects.toThrow(/no project named "nope"/);
  });

  it('opening reports the leftovers of an interrupted import; cleanProject removes them and re-opens (issue 14 item 16)', async () => {
    await host.call('createProject', { name: 'leftovers' });
    await host.call('saveTake', {
      project: 'leftovers',
      samples: b64(tone(800, 8000)),
      sampleRateHz: 8000,
      promptText: 'one',
      speaker: '',
      accent: '',
    });
    const dir = path.join(root, 'leftovers');
    // What a kill during an import's copies leaves: a copy no record names and a partial .tmp file.
    await writeFile(path.join(dir, 'audio', 'orphan.wav'), 'RIFF');
    await writeFile(path.join(dir, 'audio', '.x.wav.99.1700000000000.tmp'), 'RI');
    const opened = await host.call('openProject', { name: 'leftovers' });
    expect(opened.problems.map((p) => [p.problem, path.basename(p.file)])).toEqual([
      ['orphan', '.x.wav.99.1700000000000.tmp'],
      ['orphan', 'orphan.wav'],
    ]);
    const r = await host.call('cleanProject', { name: 'leftovers' });
    expect(r.removed.map((f) => path.basename(f))).toEqual(['.x.wav.99.1700000000000.tmp', 'orphan.wav']);
    expect(r.removedImports).toEqual([]);
    expect(r.project.problems).toEqual([]);
    expect(r.project.utterances).toBe(1);
    expect(await readdir(path.join(dir, 'audio'))).toEqual(['take-0001.wav']);
    await expect(host.call('cleanProject', { name: '../x' })).rejects.toThrow(/invalid request: name/);
    // A take's speaker becomes a folder name in plain-folder exports: ".." is refused up front.
    await expect(
      host.call('saveTake', {
        project: 'leftovers',
        samples: b64(tone(800, 8000)),
        sampleRateHz: 8000,
        promptText: 'two',
        speaker: '..',
        accent: '',
      }),
    ).rejects.toThrow('speaker ".." cannot be a folder name: it is "..", which names a folder, not a file');
    expect(await readdir(path.join(dir, 'audio'))).toEqual(['take-0001.wav']);
  });
});
