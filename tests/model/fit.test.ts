import { describe, expect, it } from 'vitest';
import { copyFile, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { evaluate } from '../../electron/engine';
import { encodeWav16 } from '../../electron/engine/audio/wav';
import { readManifest } from '../../electron/engine/corpus/manifest';
import { featurizeCorpus } from '../../electron/engine/features/corpus';
import { loadModel } from '../../electron/engine/model/checkpoint';
import { ctcFramesNeeded, trainableItems } from '../../electron/engine/model/fit';

const BASE = path.resolve('models/digits-base');
const FSDD = path.resolve('../shared/data/fsdd/recordings');

/**
 * A manifest of a real FSDD "zero", a 1-sample 8 kHz file and a 1-sample 48 kHz file (1 sample at
 * 8 kHz: resampling rounds the length up, so nothing becomes empty; both give 1 feature frame).
 */
async function tinySet(dir: string): Promise<string> {
  await copyFile(path.join(FSDD, '0_george_0.wav'), path.join(dir, 'zero.wav'));
  await writeFile(path.join(dir, 'one-sample.wav'), encodeWav16(new Float32Array([0.5]), 8000));
  await writeFile(path.join(dir, 'one-sample-48k.wav'), encodeWav16(new Float32Array([0.5]), 48000));
  const lines = [
    { audio_filepath: 'zero.wav', duration: 0.298, text: 'zero' },
    { audio_filepath: 'one-sample.wav', duration: 0.000125, text: 'one one' },
    { audio_filepath: 'one-sample-48k.wav', duration: 0.00002, text: 'two three' },
  ];
  const m = path.join(dir, 'tiny.jsonl');
  await writeFile(m, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  return m;
}

describe('utterances too short for their reference (issue 14 item 15)', () => {
  it('frames a CTC model needs: one per token plus a blank between repeats', () => {
    expect([
      ctcFramesNeeded([]),
      ctcFramesNeeded([3]),
      ctcFramesNeeded([1, 1, 2]),
      ctcFramesNeeded([5, 5, 5, 2, 2]),
    ]).toEqual([0, 1, 4, 8]);
  });

  it('evaluate names them in the report notes; adaptation leaves them (and over-long ones) out of training', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'fit-'));
    const m = await tinySet(dir);
    const report = await evaluate({ modelDir: BASE, testManifest: m, outDir: path.join(dir, 'eval') });
    const warned = report.notes.filter((n) => n.startsWith('warning: test set:'));
    expect(warned).toEqual([
      'warning: test set: utterance "one-sample" (0.010 s): 1 output frame, fewer than the 3 its 2-token reference needs; the model cannot emit its reference (scored as it is)',
      'warning: test set: utterance "one-sample-48k" (0.010 s): 1 output frame, fewer than the 2 its 2-token reference needs; the model cannot emit its reference (scored as it is)',
    ]);
    const saved = JSON.parse(await readFile(path.join(dir, 'eval', 'report.json'), 'utf8'));
    expect(saved.notes).toEqual(report.notes);

    const { model, card } = await loadModel(BASE);
    model.dispose();
    const items = await featurizeCorpus(
      await readManifest(m),
      card.features,
      card.cmvnStats,
      () => {},
      'adapt',
    );
    const long = {
      utt: { ...items[0].utt, id: 'long' },
      feats: { data: new Float32Array(13000 * 40), numFrames: 13000, dim: 40 },
    };
    const fit = trainableItems([...items, long], card);
    expect(fit.kept.map((i) => i.utt.id)).toEqual(['zero']);
    expect(fit.notes).toEqual([
      'adaptation set: utterance "one-sample" (0.010 s): 1 output frame, fewer than the 3 its 2-token reference needs; left out of training',
      'adaptation set: utterance "one-sample-48k" (0.010 s): 1 output frame, fewer than the 2 its 2-token reference needs; left out of training',
      'adaptation set: utterance "long" is 130.0 s long, more than the 120 s an adaptation utterance may have; left out of training (cut it into segments, e.g. import --split-silences, to train on it)',
    ]);
  }, 120_000);
});
