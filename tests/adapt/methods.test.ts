import { describe, expect, it } from 'vitest';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { tf } from '../../electron/engine/model/backend';
import { loadModel } from '../../electron/engine/model/checkpoint';
import { countParams } from '../../electron/engine/model/acoustic';
import { padBatch } from '../../electron/engine/model/batch';
import { readManifest } from '../../electron/engine/corpus/manifest';
import { featurizeCorpus } from '../../electron/engine/features/corpus';
import { noProgress } from '../../electron/engine/progress';
import { METHODS } from '../../electron/engine/adapt/methods';
import { adapt, evaluate } from '../../electron/engine';
import { BENCH, SHIPPED_BASE as BASE, benchSubset as subset } from '../helpers';

async function realBatch() {
  const { card } = await loadModel(BASE).then((m) => (m.model.dispose(), m));
  const utts = (await readManifest(path.join(BENCH, 'fsdd-german-adapt.jsonl'))).slice(0, 6);
  const items = await featurizeCorpus(utts, card.features, card.cmvnStats, noProgress, 'x');
  return padBatch(items.map((i) => i.feats)).x;
}

describe('adaptation methods', () => {
  it.each(['adapters', 'lhuc', 'input-transform'] as const)(
    '%s starts as the identity: outputs equal the base model, few parameters train',
    async (name) => {
      const x = await realBatch();
      const { model: base, card } = await loadModel(BASE);
      const method = METHODS[name] as (typeof METHODS)['adapters'];
      const prepared = method.prepare(base, card, method.defaults, []);
      const y0 = tf.tidy(() => base.predict(x) as tf.Tensor);
      const y1 = tf.tidy(() => prepared.model.predict(x) as tf.Tensor);
      const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(y0, y1))).dataSync()[0]);
      expect(diff).toBeLessThan(1e-4);
      prepared.model.layers.forEach((l) => (l.trainable = prepared.trainable.includes(l.name)));
      const trainable = countParams(prepared.model, true);
      expect(trainable).toBeGreaterThan(0);
      expect(trainable / countParams(prepared.model)).toBeLessThan(0.05);
      tf.dispose([x, y0, y1]);
      prepared.model.dispose();
    },
  );

  it('finetune with an input transform starts as the base model; the transform and the top layers train; the adapted model reloads', async () => {
    const x = await realBatch();
    const { model: base, card } = await loadModel(BASE);
    const prepared = METHODS.finetune.prepare(base, card, { topLayers: 2, inputTransform: true }, []);
    expect(prepared.trainable).toEqual(['input_transform', 'conv5', 'output']);
    const diff = tf.tidy(
      () =>
        tf
          .max(tf.abs(tf.sub(base.predict(x) as tf.Tensor, prepared.model.predict(x) as tf.Tensor)))
          .dataSync()[0],
    );
    expect(diff).toBeLessThan(1e-4);
    tf.dispose(x);
    prepared.model.dispose();
    const dir = await mkdtemp(path.join(tmpdir(), 'ft-it-'));
    const adaptM = await subset('fsdd-german-adapt.jsonl', 20, dir);
    const testM = await subset('fsdd-german-test.jsonl', 40, dir);
    const r = await adapt({
      modelDir: BASE,
      adaptManifest: adaptM,
      testManifest: testM,
      outDir: path.join(dir, 'run'),
      settings: { inputTransform: true, epochs: 5 },
    });
    expect(r.adaptation!.trainable_layers).toEqual(['input_transform', 'conv3', 'conv4', 'conv5', 'output']);
    const again = await evaluate({
      modelDir: path.join(dir, 'run', 'model'),
      testManifest: testM,
      outDir: path.join(dir, 'eval'),
    });
    expect(again.test.before.wer).toBeCloseTo(r.test.after!.wer!, 12);
    await expect(
      adapt({
        modelDir: BASE,
        adaptManifest: adaptM,
        testManifest: testM,
        outDir: path.join(dir, 'run2'),
        settings: { method: 'lhuc', inputTransform: true },
      }),
    ).rejects.toThrow(/--input-transform applies to method "finetune" only, not "lhuc"/);
  });

  it('new-head adds the words of the adaptation transcripts as tokens; old tokens keep their scores', async () => {
    const x = await realBatch();
    const { model: base, card } = await loadModel(BASE);
    const prepared = METHODS['new-head'].prepare(base, card, {}, ['oh five', 'double five']);
    expect(prepared.card.tokens.inventory).toEqual([...card.tokens.inventory, 'double', 'oh']);
    const y0 = tf.tidy(() => base.predict(x) as tf.Tensor3D);
    const y1 = tf.tidy(() => (prepared.model.predict(x) as tf.Tensor3D).slice([0, 0, 0], y0.shape));
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(y0, y1))).dataSync()[0])).toBeLessThan(1e-4);
    expect(prepared.trainable).toEqual(['new_output']);
    tf.dispose([x, y0, y1]);
    prepared.model.dispose();
  });

  it('new-head with new words and the KL term (which needs the base output space) is refused before any work', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'nh-kl-'));
    const adaptM = await subset(
      'fsdd-german-adapt.jsonl',
      10,
      dir,
      (o) => (o.text = o.text.replace('zero', 'oh')),
    );
    await expect(
      adapt({
        modelDir: BASE,
        adaptManifest: adaptM,
        testManifest: adaptM,
        outDir: path.join(dir, 'run'),
        settings: { method: 'new-head', klWeight: 1 },
      }),
    ).rejects.toThrow(
      /--kl-weight compares outputs with the base model's, but new-head adds 1 word\(s\) the base model lacks \(oh\)/,
    );
  });

  it('new-head learns "oh" for zero; the saved model reloads with 12 tokens and reproduces its WER', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'newhead-'));
    const toOh = (o: { text: string }) => (o.text = o.text.replace(/\bzero\b/g, 'oh'));
    const adaptM = await subset('fsdd-german-adapt.jsonl', 50, dir, toOh);
    const testM = await subset('fsdd-german-test.jsonl', 60, dir, toOh);
    await expect(
      adapt({ modelDir: BASE, adaptManifest: adaptM, testManifest: testM, outDir: path.join(dir, 'ft') }),
    ).rejects.toThrow(/words not in the model's token inventory: "oh" \(the new-head method can add words\)/);
    const r = await adapt({
      modelDir: BASE,
      adaptManifest: adaptM,
      testManifest: testM,
      outDir: path.join(dir, 'run'),
      settings: { method: 'new-head' },
    });
    expect(r.adaptation!.added_tokens).toEqual(['oh']);
    const ohRows = r.utterances.filter((u) => u.reference === 'oh');
    expect(ohRows.length).toBeGreaterThan(0);
    expect(ohRows.every((u) => u.before.hypothesis !== 'oh')).toBe(true); // the base model cannot say it
    expect(ohRows.some((u) => u.after!.hypothesis === 'oh')).toBe(true);
    expect(r.test.after!.wer!).toBeLessThan(r.test.before.wer!);
    const again = await evaluate({
      modelDir: path.join(dir, 'run', 'model'),
      testManifest: testM,
      outDir: path.join(dir, 'eval'),
    });
    expect(again.test.before.wer).toBeCloseTo(r.test.after!.wer!, 12);
  });

  it('adapters: an adapted model with custom layers saves, reloads and scores the same; runs repeat exactly', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'adapters-'));
    const adaptM = await subset('fsdd-german-adapt.jsonl', 20, dir);
    const testM = await subset('fsdd-german-test.jsonl', 40, dir);
    const run = (out: string) =>
      adapt({
        modelDir: BASE,
        adaptManifest: adaptM,
        testManifest: testM,
        outDir: path.join(dir, out),
        settings: { method: 'adapters', epochs: 8 },
      });
    const a = await run('a');
    const b = await run('b');
    expect(b.test.after!.wer).toBe(a.test.after!.wer);
    expect(b.adaptation!.epoch_log).toEqual(expect.any(Array));
    const again = await evaluate({
      modelDir: path.join(dir, 'a', 'model'),
      testManifest: testM,
      outDir: path.join(dir, 'eval'),
    });
    expect(again.test.before.wer).toBeCloseTo(a.test.after!.wer!, 12);
    expect(a.adaptation!.trainable_params).toBeLessThan(0.05 * (a.adaptation!.total_params as number));
  });

  it('source mixing trains a spread of labelled source utterances alongside the adaptation set', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'mix-'));
    const adaptM = await subset('fsdd-german-adapt.jsonl', 10, dir);
    const testM = await subset('fsdd-german-test.jsonl', 10, dir);
    const r = await adapt({
      modelDir: BASE,
      adaptManifest: adaptM,
      sourceMixManifest: path.join(BENCH, 'fsdd-source-train.jsonl'),
      testManifest: testM,
      outDir: path.join(dir, 'run'),
      settings: { sourceMixCount: 20, epochs: 2 },
    });
    expect(r.adaptation!.source_mix_utterances).toBe(20);
    expect(r.adaptation!.labelled_utterances).toBe(10);
  });

  it('pseudo-labels from unlabelled audio alone: confident utterances are kept and trained on', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'pseudo-'));
    const unl = await subset('fsdd-german-adapt.jsonl', 50, dir, (o) => (o.text = ''));
    const testM = await subset('fsdd-german-test.jsonl', 30, dir);
    const r = await adapt({
      modelDir: BASE,
      unlabelledManifest: unl,
      testManifest: testM,
      outDir: path.join(dir, 'run'),
      settings: { pseudoRounds: 1, epochs: 5 },
    });
    const log = r.adaptation!.pseudo_labels as { kept: number; of: number }[];
    expect(log[0].of).toBe(50);
    expect(log[0].kept).toBeGreaterThan(10);
    expect(log[0].kept).toBeLessThan(50);
    expect(r.adaptation!.labelled_utterances).toBe(0);
  });
});
