import { describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { importIntoProject, openProject } from '../../electron/engine/corpus/project';
import { importCorpus } from '../../electron/engine/corpus';
import { loadAudio } from '../../electron/engine/audio';
import { burstsWav, tmp, writeAt } from './helpers';

/** A NeMo manifest with one unlabelled 12 s recording of known bursts (see BURSTS). */
async function longRecording(): Promise<{ dir: string; manifest: string; wav: string }> {
  const dir = await tmp('split');
  const wav = path.join(dir, 'src', 'long.wav');
  await writeAt(wav, burstsWav());
  const manifest = path.join(dir, 'src', 'm.jsonl');
  await writeAt(
    manifest,
    JSON.stringify({ audio_filepath: 'long.wav', text: '', speaker: 'ana', accent: 'PT' }) + '\n',
  );
  return { dir, manifest, wav };
}

const rounded = (segs: { offsetSec?: number; durationSec: number }[]) =>
  segs.map((u) => [Number(u.offsetSec!.toFixed(2)), Number((u.offsetSec! + u.durationSec).toFixed(2))]);

describe('import --split-silences', () => {
  it('a long recording becomes one segment per burst (0.1 s padding; short gaps kept, clicks dropped)', async () => {
    const { dir, manifest, wav } = await longRecording();
    const project = path.join(dir, 'proj');
    const r = await importIntoProject(project, 'nemo', manifest, { splitSilences: true });
    expect(r.skipped).toEqual([]);
    // 1.0-2.0; 3.0-4.5 and 4.7-5.5 joined (0.2 s gap < 300 ms); 8.0-9.0; the 50 ms click is dropped.
    expect(rounded(r.utterances)).toEqual([
      [0.9, 2.1],
      [2.9, 5.6],
      [7.9, 9.1],
    ]);
    expect(r.utterances.map((u) => u.id)).toEqual(['long_0.90', 'long_2.90', 'long_7.90']);
    for (const u of r.utterances)
      expect(u).toMatchObject({
        text: '',
        speaker: 'ana',
        accent: 'PT',
        meta: { source_utterance: 'long', sample_rate_hz: 16000 },
      });
    // The manifest holds NeMo segments of one copy of the file.
    const lines = (await readFile(path.join(project, 'manifest.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(3);
    expect(new Set(lines.map((l) => l.audio_filepath))).toEqual(new Set(['audio/long.wav']));
    expect(lines[1]).toMatchObject({ id: 'long_2.90', offset: 2.9, duration: 2.7, text: '' });
    const opened = await openProject(project);
    expect(opened.problems).toEqual([]);
    expect(Object.keys(opened.project.audio)).toEqual(['audio/long.wav']);
    // A segment loads as that stretch of the original (block-wise, only its blocks).
    const seg = await loadAudio(opened.utterances[1].audioPath, 16000, {
      offsetSec: lines[1].offset,
      durationSec: lines[1].duration,
    });
    const whole = await loadAudio(wav, 16000);
    expect(seg.samples.length).toBe(Math.round(2.7 * 16000));
    expect(seg.samples).toEqual(whole.samples.subarray(Math.round(2.9 * 16000), Math.round(5.6 * 16000)));
  });

  it('minSilenceMs and thresholdDb are honoured; a recording with no speech is skipped with the reason', async () => {
    const { manifest, wav } = await longRecording();
    const r = await importCorpus('nemo', manifest, { splitSilences: { minSilenceMs: 100 } });
    // The 0.2 s gap now splits; padding stops at the midpoint (4.6 s) between the two bursts.
    expect(rounded(r.utterances)).toEqual([
      [0.9, 2.1],
      [2.9, 4.6],
      [4.6, 5.6],
      [7.9, 9.1],
    ]);
    const none = await importCorpus('nemo', manifest, { splitSilences: { thresholdDb: -3 } });
    expect(none.utterances).toEqual([]);
    expect(none.skipped).toEqual([
      { file: wav, reason: expect.stringContaining('no speech found when splitting at silences') },
    ]);
    // Without splitting, the unlabelled recording is refused as before.
    const plain = await importCorpus('nemo', manifest);
    expect(plain.skipped[0].reason).toMatch(/empty transcript/);
  });
});
