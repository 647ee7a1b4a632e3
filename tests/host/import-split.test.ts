/** The split an import asks for: one split, or by speaker with a seeded ratio (speakers never in both); preview writes nothing. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Host } from '../../electron/host';
import { assignImportSplits, importSplitCounts, type SplitCandidate } from '../../electron/host/import-split';
import { naturalCompare } from '../../electron/contract/natural';
import { BENCH } from '../ui/fixtures';
import { seededRandom } from '../../electron/engine/model/batch';

const utt = (id: string, speaker: string | undefined, text = 'one two', durationSec = 1): SplitCandidate => ({
  id,
  speaker,
  text,
  durationSec,
});

describe('import split assignment', () => {
  it('mulberry32 is the reference sequence for seed 1', () => {
    const r = seededRandom(1);
    // Values of the reference implementation (JS, seed 1).
    expect([r(), r(), r()].map((v) => v.toFixed(8))).toEqual(['0.62707394', '0.00273572', '0.52744704']);
  });

  it('natural order puts 2 before 10 and take-0002 before take-0010', () => {
    expect(['10', '2', '1', 'b', 'A', 'take-0010', 'take-0002'].sort(naturalCompare)).toEqual([
      '1',
      '2',
      '10',
      'A',
      'b',
      'take-0002',
      'take-0010',
    ]);
  });

  it('one split for all, unlabelled for utterances without a transcript', () => {
    const c = [utt('a', 's1'), utt('b', 's2', ''), utt('c', undefined)];
    expect([...assignImportSplits(c, { mode: 'test' })]).toEqual([
      ['b', 'unlabelled'],
      ['a', 'test'],
      ['c', 'test'],
    ]);
  });

  it('by speaker: whole speakers, about the ratio, the same for the same seed, and known speakers keep their split', () => {
    const c: SplitCandidate[] = [];
    for (let s = 1; s <= 10; s++) for (let k = 0; k < 4; k++) c.push(utt(`s${s}-${k}`, `spk${s}`));
    const a = assignImportSplits(c, { mode: 'by-speaker', testFraction: 0.3, seed: 7 });
    const counts = importSplitCounts(c, a);
    expect(counts.test.utterances).toBe(12);
    expect(counts.test.speakers).toBe(3);
    expect(counts.adapt).toEqual({ utterances: 28, speakers: 7, totalSec: 28 });
    for (let s = 1; s <= 10; s++)
      expect(new Set(c.filter((u) => u.speaker === `spk${s}`).map((u) => a.get(u.id))).size).toBe(1);
    expect([...assignImportSplits(c, { mode: 'by-speaker', testFraction: 0.3, seed: 7 })]).toEqual([...a]);
    expect([...assignImportSplits(c, { mode: 'by-speaker', testFraction: 0.3, seed: 8 })]).not.toEqual([
      ...a,
    ]);
    // spk1 and spk2 are adapt speakers of the project already: they stay in adapt whatever the seed.
    for (let seed = 0; seed < 20; seed++) {
      const b = assignImportSplits(
        c,
        { mode: 'by-speaker', testFraction: 0.5, seed },
        new Map([
          ['spk1', 'adapt'],
          ['spk2', 'adapt'],
        ]),
      );
      expect(b.get('s1-0')).toBe('adapt');
      expect(b.get('s2-3')).toBe('adapt');
    }
  });
});

describe('host: previewImport and importIntoProject with a split', () => {
  let tmp: string;
  let host: Host;
  beforeAll(async () => {
    tmp = await mkdtemp(path.join(tmpdir(), 'studio-import-split-'));
    host = new Host({ modelsDir: path.join(tmp, 'models'), runsDir: path.join(tmp, 'runs') });
    await host.call('createProject', { name: 'duke' });
  });
  afterAll(async () => {
    await host?.dispose();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('previews the counts without writing, then imports with the same split (16 speakers, 25% test)', async () => {
    const req = {
      project: 'duke',
      format: 'nemo' as const,
      source: path.join(BENCH, 'duke-india-test.jsonl'),
      split: { mode: 'by-speaker' as const, testFraction: 0.25, seed: 42 },
    };
    const manifest = path.join(tmp, 'projects', 'duke', 'manifest.jsonl');
    const manifestBefore = await readFile(manifest, 'utf8').catch(() => 'missing');
    const p = await host.call('previewImport', req);
    expect(p.utterances).toBe(16);
    expect(p.splits.test).toMatchObject({ utterances: 4, speakers: 4 });
    expect(p.splits.adapt).toMatchObject({ utterances: 12, speakers: 12 });
    expect(p.splits.unlabelled.utterances).toBe(0);
    expect(await readFile(manifest, 'utf8').catch(() => 'missing')).toBe(manifestBefore);
    expect(existsSync(path.join(tmp, 'projects', 'duke', 'audio', 'R_4kJncQejh6M9Qxb.wav'))).toBe(false);
    const r = await host.call('importIntoProject', req);
    expect(r.imported).toBe(16);
    expect(r.splits).toEqual(p.splits);
    const lines = (await readFile(manifest, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { speaker: string; split: string });
    expect(lines.filter((l) => l.split === 'test')).toHaveLength(4);
    expect(lines.filter((l) => l.split === 'adapt')).toHaveLength(12);
    const data = await host.call('projectData', { project: 'duke' });
    expect(data.splits.test.utterances).toBe(4);
    // A second preview of the same source: every id is a duplicate now.
    const again = await host.call('previewImport', req);
    expect(again.utterances).toBe(0);
    expect(again.skipped[0].reason).toMatch(/duplicate utterance id/);
  });

  it('rejects a ratio outside (0, 1)', async () => {
    await expect(
      host.call('previewImport', {
        project: 'duke',
        format: 'nemo',
        source: 'x.jsonl',
        split: { mode: 'by-speaker', testFraction: 1, seed: 1 },
      }),
    ).rejects.toThrow(/split.*testFraction: must be below 1/);
  });
});
