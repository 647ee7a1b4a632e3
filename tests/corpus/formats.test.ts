import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import { FORMATS, FORMAT_NAMES, importCorpus, type FormatName } from '../../electron/engine/corpus';
import { importIntoProject, exportProject } from '../../electron/engine/corpus/project';
import { decodeWav } from '../../electron/engine/audio/wav';
import { ITEMS, samplesOf, tmp, toneWav, writeAt } from './helpers';

/** Write ITEMS in each format by hand (so the importers are tested against files we did not write with our exporters). */
const FIXTURES: Record<FormatName, (dir: string) => Promise<string>> = {
  nemo: async (dir) => {
    const lines = ITEMS.map((u, k) =>
      JSON.stringify({
        audio_filepath: `wavs/${u.id}.wav`,
        duration: 0,
        text: u.text,
        speaker: u.speaker,
        accent: u.accent,
        k,
      }),
    );
    for (const [k, u] of ITEMS.entries()) await writeAt(path.join(dir, 'wavs', `${u.id}.wav`), toneWav(k));
    await writeAt(path.join(dir, 'train.jsonl'), lines.join('\n') + '\n');
    return path.join(dir, 'train.jsonl');
  },
  'hf-audiofolder': async (dir) => {
    for (const [k, u] of ITEMS.entries()) await writeAt(path.join(dir, 'data', `${u.id}.wav`), toneWav(k));
    const csv = [
      'file_name,sentence,speaker_id,accent',
      ...ITEMS.map((u) => `data/${u.id}.wav,"${u.text.replace(/"/g, '""')}",${u.speaker},${u.accent}`),
    ];
    await writeAt(path.join(dir, 'metadata.csv'), csv.join('\n') + '\n');
    return dir;
  },
  'common-voice': async (dir) => {
    for (const [k, u] of ITEMS.entries()) await writeAt(path.join(dir, 'clips', `${u.id}.wav`), toneWav(k));
    const tsv = [
      'client_id\tpath\tsentence\tup_votes\tdown_votes\tage\tgender\taccents\tlocale\tsegment',
      ...ITEMS.map((u) => `${u.speaker}\t${u.id}.wav\t${u.text}\t2\t0\t\t\t${u.accent}\ten\t`),
    ];
    await writeAt(path.join(dir, 'validated.tsv'), tsv.join('\n') + '\n');
    return dir;
  },
  kaldi: async (dir) => {
    for (const [k, u] of ITEMS.entries()) await writeAt(path.join(dir, 'wav', `${u.id}.wav`), toneWav(k));
    await writeAt(path.join(dir, 'wav.scp'), ITEMS.map((u) => `${u.id} wav/${u.id}.wav\n`).join(''));
    await writeAt(path.join(dir, 'text'), ITEMS.map((u) => `${u.id} ${u.text}\n`).join(''));
    await writeAt(path.join(dir, 'utt2spk'), ITEMS.map((u) => `${u.id} ${u.speaker}\n`).join(''));
    await writeAt(path.join(dir, 'utt2accent'), ITEMS.map((u) => `${u.id} ${u.accent}\n`).join(''));
    return dir;
  },
  'plain-folder': async (dir) => {
    for (const [k, u] of ITEMS.entries()) {
      await writeAt(path.join(dir, u.speaker, `${u.id}.wav`), toneWav(k));
      await writeAt(path.join(dir, u.speaker, `${u.id}${k === 1 ? '.lab' : '.txt'}`), u.text + '\n');
    }
    return dir;
  },
};

const keepsAccent = (f: FormatName) => f !== 'plain-folder';

describe('round trips: import -> project -> export -> re-import, per format', () => {
  it('the registry lists every format with an importer and exporter', () => {
    expect(FORMAT_NAMES).toEqual(['nemo', 'hf-audiofolder', 'common-voice', 'kaldi', 'plain-folder']);
    for (const f of FORMAT_NAMES) expect(typeof FORMATS[f].importer).toBe('function');
  });

  for (const format of FORMAT_NAMES) {
    it(`${format}: ids, transcripts, speakers and samples survive`, async () => {
      const src = await FIXTURES[format](await tmp(`src-${format}`));
      const project = path.join(await tmp(`proj-${format}`), 'p');
      const r = await importIntoProject(project, format, src);
      expect(r.skipped).toEqual([]);
      expect(r.imported).toBe(3);
      const out = path.join(await tmp(`out-${format}`), 'x');
      const ex = await exportProject(project, format, out);
      expect(ex.exported).toBe(3);
      const source = format === 'nemo' ? path.join(out, 'manifest.jsonl') : out;
      const again = await importCorpus(format, source);
      expect(again.skipped).toEqual([]);
      const byId = new Map(again.utterances.map((u) => [u.id, u]));
      expect([...byId.keys()].sort()).toEqual(ITEMS.map((u) => u.id));
      for (const [k, item] of ITEMS.entries()) {
        const u = byId.get(item.id)!;
        expect(u.text).toBe(item.text);
        expect(u.speaker).toBe(item.speaker);
        if (keepsAccent(format)) expect(u.accent).toBe(item.accent);
        expect(u.meta.sample_rate_hz).toBe(16000);
        expect(Array.from(await samplesOf(u.audioPath))).toEqual(
          Array.from(decodeWav(toneWav(k), 'ref').samples),
        );
        expect(u.durationSec).toBeCloseTo(0.1 + 0.05 * (k % 5), 6);
      }
    });
  }

  it('Kaldi segments and NeMo offsets survive NeMo <-> Kaldi', async () => {
    const dir = await tmp('seg');
    await writeAt(path.join(dir, 'long.wav'), toneWav(4)); // 0.3 s
    const lines = [
      { audio_filepath: 'long.wav', offset: 0, duration: 0.1, text: 'first', speaker: 's' },
      { audio_filepath: 'long.wav', offset: 0.15, duration: 0.1, text: 'second', speaker: 's' },
    ].map((l) => JSON.stringify(l));
    await writeAt(path.join(dir, 'm.jsonl'), lines.join('\n'));
    const project = path.join(dir, 'p');
    expect((await importIntoProject(project, 'nemo', path.join(dir, 'm.jsonl'))).imported).toBe(2);
    await exportProject(project, 'kaldi', path.join(dir, 'k'));
    expect(await readFile(path.join(dir, 'k', 'segments'), 'utf8')).toBe(
      'long_0.00 long 0 0.1\nlong_0.15 long 0.15 0.25\n',
    );
    const back = await importCorpus('kaldi', path.join(dir, 'k'));
    expect(back.utterances.map((u) => [u.id, u.offsetSec, u.text])).toEqual([
      ['long_0.00', 0, 'first'],
      ['long_0.15', 0.15, 'second'],
    ]);
    const plain = await exportProject(project, 'plain-folder', path.join(dir, 'pf'));
    expect(plain.exported).toBe(0);
    expect(plain.skipped[0].reason).toMatch(/is a segment .* a plain folder has no segments/);
  });
});

describe('the shared benchmark manifests import as they are', () => {
  for (const name of ['duke-india-adapt', 'duke-india-test', 'duke-us-control-test', 'fsdd-german-adapt']) {
    it(name, async () => {
      const file = path.resolve('../shared/data/bench', `${name}.jsonl`);
      const lines = (await readFile(file, 'utf8')).trim().split('\n').length;
      const r = await importCorpus('nemo', file);
      expect(r.skipped).toEqual([]);
      expect(r.utterances).toHaveLength(lines);
      for (const u of r.utterances) expect(u.meta.sample_rate_hz).toBeGreaterThanOrEqual(8000);
    });
  }
});
