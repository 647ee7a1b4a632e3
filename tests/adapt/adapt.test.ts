import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { adapt, evaluate } from '../../electron/engine';
import { formatReport } from '../../electron/cli/table';
import { loadModel, saveModel } from '../../electron/engine/model/checkpoint';
import { buildAcousticModel, defaultArchitecture } from '../../electron/engine/model/acoustic';
import { tf } from '../../electron/engine/model/backend';
import { BENCH, SHIPPED_BASE as BASE, benchSubset as subset } from '../helpers';

async function folderHash(dir: string): Promise<string> {
  const h = createHash('sha256');
  for (const f of (await readdir(dir)).sort()) h.update(f).update(await readFile(path.join(dir, f)));
  return h.digest('hex');
}

describe('shipped base model', () => {
  it('loads with a valid card whose recorded source-test WER is at most 3%', async () => {
    const { model, card } = await loadModel(BASE);
    expect(card.tokens.inventory).toEqual([
      '<blank>',
      'zero',
      'one',
      'two',
      'three',
      'four',
      'five',
      'six',
      'seven',
      'eight',
      'nine',
    ]);
    expect(card.metrics[0].testSet).toBe('fsdd-source-test');
    expect(card.metrics[0].wer).toBeLessThanOrEqual(0.03);
    model.dispose();
  });

  it('refuses features that differ from its card, naming the setting', async () => {
    const { card } = await loadModel(BASE).then((m) => (m.model.dispose(), m));
    await expect(loadModel(BASE, { ...card.features, numMelBins: 80 })).rejects.toThrow(
      /numMelBins: 40 vs 80/,
    );
  });
});

describe('adaptation on real recordings (German FSDD speaker)', () => {
  it('fine-tuning on the 50 adaptation clips lowers WER on 100 test clips; the base model is untouched; no tensor leak', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'adapt-'));
    const adaptM = await subset('fsdd-german-adapt.jsonl', () => true, dir); // all 50 clips (5 per digit)
    const testM = await subset('fsdd-german-test.jsonl', (i) => i % 9 < 2, dir); // 100 clips, every digit
    const hashBefore = await folderHash(BASE);
    const tensors = tf.memory().numTensors;
    const report = await adapt({
      modelDir: BASE,
      adaptManifest: adaptM,
      testManifest: testM,
      outDir: path.join(dir, 'run'),
    });
    expect(tf.memory().numTensors).toBe(tensors);
    expect(await folderHash(BASE)).toBe(hashBefore);
    const before = report.test.before;
    const after = report.test.after!;
    expect(before.reference_words).toBe(100);
    expect(before.wer).toBeGreaterThan(0);
    expect(after.wer!).toBeLessThan(before.wer!);
    expect(before.wer).toBeCloseTo((before.substitutions + before.deletions + before.insertions) / 100, 12);
    // the adapted model is a loadable model folder whose card records its parent and settings
    const adapted = await loadModel(path.join(dir, 'run', 'model'));
    expect(adapted.card.parent).toBe('digits-base');
    expect(adapted.card.adaptation?.method).toBe('finetune');
    adapted.model.dispose();
    // evaluating the adapted model reproduces the "after" WER
    const again = await evaluate({
      modelDir: path.join(dir, 'run', 'model'),
      testManifest: testM,
      outDir: path.join(dir, 'eval'),
    });
    expect(again.test.before.wer).toBeCloseTo(after.wer!, 12);
    const onDisk = JSON.parse(await readFile(path.join(dir, 'run', 'report.json'), 'utf8'));
    expect(onDisk.test.after.wer).toBe(after.wer);
    expect(onDisk.utterances).toHaveLength(100);
    // Report version 2: every key of the adaptation block in snake_case, at any depth.
    expect(onDisk.version).toBe(2);
    const keys = (x: unknown): string[] =>
      Array.isArray(x)
        ? x.flatMap(keys)
        : x && typeof x === 'object'
          ? Object.entries(x).flatMap(([k, v]) => [k, ...keys(v)])
          : [];
    expect(keys(onDisk.adaptation).filter((k) => /[A-Z]/.test(k))).toEqual([]);
    expect(keys(onDisk.adaptation)).toEqual(
      expect.arrayContaining([
        'trainable_params',
        'held_out_ids',
        'epoch_log',
        'train_loss',
        'held_out_loss',
        'num_tensors',
      ]),
    );
    // The adapted card keeps camelCase, as every card field does.
    expect(adapted.card.adaptation).toMatchObject({
      trainableParams: onDisk.adaptation.trainable_params,
      bestEpoch: onDisk.adaptation.best_epoch,
    });
    const a = report.adaptation!;
    expect(formatReport(report).split('\n')).toContain(
      `adaptation: finetune (top 4 + input transform), KL 1: 249,203 of 356,979 parameters train; 50 utterances (none re-spliced: no multi-word utterances); early stopping on 10 held-out utterances chose epoch ${a.best_epoch} of ${(report.adaptation!.epoch_log as unknown[]).length}, then a refit on all; ${a.steps} steps in all, 1 thread`,
    );
  });
});

describe('adaptation on real recordings (Duke India, connected digits)', () => {
  it('trains data-parallel on two threads (batches of 8 phone numbers exceed the frame threshold) and says so; one thread when asked', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'adapt-'));
    const common = {
      modelDir: BASE,
      adaptManifest: path.join(BENCH, 'duke-india-adapt.jsonl'),
      testManifest: path.join(BENCH, 'duke-india-test.jsonl'),
    };
    const two = await adapt({
      ...common,
      outDir: path.join(dir, 'two'),
      settings: { workers: 2, fixedEpochs: 3 },
    });
    const a = two.adaptation!;
    expect(a.training_threads).toBe(2);
    expect(a.respliced_utterances).toBe(16); // 2 re-spliced copies of each phone number
    expect(a.steps).toBe(9); // 8 + 16 utterances, batch 8, 3 epochs
    expect(two.notes.some((n) => n.includes('data-parallel on 2 threads'))).toBe(true);
    expect(two.test.after!.wer!).toBeLessThan(two.test.before.wer!);
    // the CLI's summary line of what the adaptation did
    expect(formatReport(two).split('\n')).toContain(
      'adaptation: finetune (top 4 + input transform), KL 1: 249,203 of 356,979 parameters train; 8 utterances + 16 re-spliced; 3 epochs; 9 steps in all, 2 threads',
    );
    const one = await adapt({
      ...common,
      outDir: path.join(dir, 'one'),
      settings: { workers: 1, fixedEpochs: 3 },
    });
    expect(one.adaptation!.training_threads).toBe(1);
    expect(one.notes.some((n) => n.includes('data-parallel'))).toBe(false);
  });
});

describe('word re-splicing in the adaptation job', () => {
  it('without a refit, re-splices only the utterances that train (none of the held-out ones)', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'adapt-'));
    // 24 phone numbers: 5 are held out for early stopping
    const adaptPart = await subset('duke-india-adapt.jsonl', () => true, dir);
    const testPart = await subset('duke-india-test.jsonl', () => true, dir);
    const all = [
      ...(await readFile(adaptPart, 'utf8')).trim().split('\n'),
      ...(await readFile(testPart, 'utf8')).trim().split('\n'),
    ];
    const manifest = path.join(dir, 'all.jsonl');
    await writeFile(manifest, all.join('\n') + '\n');
    const control = path.join(BENCH, 'duke-us-control-test.jsonl');
    const r = await adapt({
      modelDir: BASE,
      adaptManifest: manifest,
      testManifest: control,
      outDir: path.join(dir, 'o'),
      settings: { refit: false, epochs: 1, workers: 1 },
    });
    const a = r.adaptation!;
    expect(a.held_out_utterances).toBe(5);
    expect(a.respliced_utterances).toBe(2 * 19);
    expect(a.steps).toBe(Math.ceil((19 + 38) / 8)); // one epoch of the training part and its copies
  });

  it('leaves a character model without a word separator alone and says so', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'adapt-'));
    const base = JSON.parse(await readFile(path.join(BASE, 'card.json'), 'utf8'));
    const letters = [...new Set('zeroonetwothreefourfivesixseveneightnine')].sort();
    const arch = defaultArchitecture(40, letters.length + 1);
    const model = buildAcousticModel(arch, 5);
    const modelDir = path.join(dir, 'chars');
    await saveModel(modelDir, model, {
      ...base,
      name: 'chars',
      architecture: arch,
      tokens: { unit: 'char', inventory: ['<blank>', ...letters], blankIndex: 0 },
      metrics: [],
    });
    model.dispose();
    const adaptSet = await subset('fsdd-german-adapt.jsonl', (i) => i < 6, dir);
    const messages: string[] = [];
    const r = await adapt({
      modelDir,
      adaptManifest: adaptSet,
      testManifest: adaptSet,
      outDir: path.join(dir, 'o'),
      settings: { epochs: 1, workers: 1 },
      onProgress: (e) => {
        if (e.message) messages.push(e.message);
      },
    });
    expect(r.adaptation!.respliced_utterances).toBe(0);
    expect(messages).toContain(
      'word re-splicing skipped: the model\'s characters have no word separator (" ")',
    );
  });
});
