/**
 * Adaptation inside the speech embedding (model/embedding-top.ts): the embedding split before its
 * top N conv layers gives the same logits as the head on the whole embedding (on a real FSDD clip
 * and a real Duke clip, batched together), 0 layers is exactly today's model, and an adapted model
 * that trained the embedding's top layers saves, loads and scores like any model.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { adapt, evaluate } from '../../electron/engine';
import { loadAudio } from '../../electron/engine/audio';
import { EMBEDDING_SPLIT_DIMS, featureDim } from '../../electron/engine/features/config';
import { embeddingSplit, speechEmbeddingFeatures } from '../../electron/engine/features/speech-embedding';
import { initBackend, tf } from '../../electron/engine/model/backend';
import { loadModel, saveModel } from '../../electron/engine/model/checkpoint';
import { embeddingConvLayerNames, withEmbeddingTop } from '../../electron/engine/model/embedding-top';
import { resolveSettings, withCardDefaults } from '../../electron/engine/adapt/config';
import { METHODS } from '../../electron/engine/adapt/methods';
import type { FeatureMatrix } from '../../electron/engine/features';
import { benchSubset } from '../helpers';

const DATA = path.resolve('../shared/data');
const EMBEDDING = path.resolve('models/digits-embedding');
const CLIPS = [
  path.join(DATA, 'fsdd/recordings/0_george_0.wav'),
  path.join(DATA, 'duke-numbers/audio/R_4kJncQejh6M9Qxb.wav'),
];

/** Logits of a batch of utterances (zero-padded to the longest), per utterance [frames * tokens]. */
function logits(model: tf.LayersModel, mats: FeatureMatrix[]): Float32Array[] {
  const frames = Math.max(...mats.map((m) => m.numFrames));
  const dim = mats[0].dim;
  const x = new Float32Array(mats.length * frames * dim);
  mats.forEach((m, i) => x.set(m.data, i * frames * dim));
  const out = tf.tidy(() => model.predict(tf.tensor3d(x, [mats.length, frames, dim])) as tf.Tensor);
  const [, , k] = out.shape as number[];
  const all = out.dataSync() as Float32Array;
  out.dispose();
  return mats.map((m, i) => all.slice(i * frames * k, (i * frames + m.numFrames) * k));
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

describe('the speech embedding split before its top conv layers', () => {
  let samples: Float32Array[];
  beforeAll(async () => {
    await initBackend();
    samples = await Promise.all(CLIPS.map(async (f) => (await loadAudio(f, 16000)).samples));
  });

  it('derives from the graph the window sizes the card schema states (3x1x96, 8x2x96, 8x2x96, 10x2x96, 10x2x96)', () => {
    const got = [1, 2, 3, 4, 5].map((n) => {
      const s = embeddingSplit(n);
      return [s.window, s.step, s.height, s.channels, s.window * s.height * s.channels];
    });
    expect(got).toEqual([
      [3, 1, 1, 96, 288],
      [8, 2, 2, 96, 1536],
      [8, 2, 2, 96, 1536],
      [10, 2, 2, 96, 1920],
      [10, 2, 2, 96, 1920],
    ]);
    expect(got.map((g) => g[4])).toEqual(EMBEDDING_SPLIT_DIMS.slice(1));
    expect(() => embeddingSplit(6)).toThrow('the top conv layers to split off must be 1-5, not 6');
  });

  it.each([1, 2, 5])(
    'with %i layers the model gives the head-on-embedding logits (batched FSDD + Duke clips, within 1e-5)',
    async (n) => {
      const { model: head, card } = await loadModel(EMBEDDING);
      const full = samples.map((s) => speechEmbeddingFeatures(s, card.features));
      const top = withEmbeddingTop(head, card, n);
      expect(top.card.features.frontEnd!.topConvLayers).toBe(n);
      expect(top.card.architecture).toMatchObject({ type: 'layers-model', subsampling: 1 });
      const split = samples.map((s) => speechEmbeddingFeatures(s, top.card.features));
      expect(split.map((m) => [m.numFrames, m.dim])).toEqual(
        full.map((m) => [m.numFrames, featureDim(top.card.features)]),
      );
      const want = logits(head, full);
      const got = logits(top.model, split);
      const diffs = want.map((w, i) => maxAbsDiff(w, got[i]));
      expect(Math.max(...diffs)).toBeLessThan(1e-5);
      // the embedding's layers are copies: the front end's own weights are not shared
      const conv = embeddingConvLayerNames(top.model);
      expect(conv.length).toBe(n);
      const own = top.model.getLayer(conv[0]).getWeights()[0];
      const orig = embeddingSplit(n)
        .upper.find((l) => `embed_${l.name}` === conv[0])!
        .getWeights()[0];
      expect(own).not.toBe(orig);
      top.model.dispose();
      head.dispose();
    },
    60_000,
  );

  it('saves and loads back with its split on the card, giving the same logits', async () => {
    const { model: head, card } = await loadModel(EMBEDDING);
    const top = withEmbeddingTop(head, card, 2);
    const dir = path.join(await mkdtemp(path.join(tmpdir(), 'emb-top-')), 'model');
    await saveModel(dir, top.model, top.card);
    const back = await loadModel(dir);
    expect(back.card.features.frontEnd!.topConvLayers).toBe(2);
    const feats = samples.map((s) => speechEmbeddingFeatures(s, back.card.features));
    const a = logits(top.model, feats);
    const b = logits(back.model, feats);
    expect(Math.max(...a.map((x, i) => maxAbsDiff(x, b[i])))).toBe(0);
    back.model.dispose();
    top.model.dispose();
    head.dispose();
  }, 60_000);

  it('refuses a model that is not on the speech embedding, and one already split', async () => {
    const { model: head, card } = await loadModel(EMBEDDING);
    const top = withEmbeddingTop(head, card, 1);
    expect(() => withEmbeddingTop(top.model, top.card, 1)).toThrow(
      'adapt: "digits-embedding" already holds the embedding\'s top 1 conv layers; adapt it with --embedding-layers 0',
    );
    const base = await loadModel(path.resolve('models/digits-base'));
    expect(() => withEmbeddingTop(base.model, base.card, 1)).toThrow(
      'adapt: --embedding-layers needs a model on the speech embedding; "digits-base" has logmel features',
    );
    base.model.dispose();
    top.model.dispose();
    head.dispose();
  });

  it('puts LHUC after each block activation of the embedding and of the head; finetune trains the embedding convs', async () => {
    const { model: head, card } = await loadModel(EMBEDDING);
    const top = withEmbeddingTop(head, card, 2);
    const lhuc = METHODS.lhuc.prepareFrom(
      top.model,
      top.card,
      withCardDefaults({ method: 'lhuc' }, undefined),
      [],
    );
    expect(lhuc.trainable).toEqual([
      'lhuc_embed_model_conv2d_18_Conv2D',
      'lhuc_embed_model_conv2d_19_Conv2D',
      'lhuc_conv1',
      'lhuc_conv2',
      'lhuc_conv3',
    ]);
    // after the activation: the LHUC layer follows max(x, -0.4), not the convolution
    const names = lhuc.model.layers.map((l) => l.name);
    expect(names[names.indexOf('lhuc_embed_model_conv2d_18_Conv2D') - 1]).toBe(
      'embed_model_tf.math.maximum_18_Maximum',
    );
    const { cfg, methodConfig } = resolveSettings(
      withCardDefaults({ embeddingLayers: 2 }, card.adaptationDefaults),
      top.model,
    );
    expect(methodConfig).toEqual({ topLayers: 2, inputTransform: false });
    const ft = METHODS.finetune.prepareFrom(top.model, top.card, cfg, []);
    expect(ft.trainable).toEqual([
      'embed_model_conv2d_18_Conv2D',
      'embed_model_conv2d_19_Conv2D',
      'conv3',
      'output',
    ]);
    expect(() =>
      resolveSettings(withCardDefaults({ embeddingLayers: 2, inputTransform: true }, undefined), top.model),
    ).toThrow('adapt: --input-transform cannot be combined with --embedding-layers');
    expect(() =>
      resolveSettings(
        withCardDefaults({ method: 'input-transform', embeddingLayers: 1 }, undefined),
        top.model,
      ),
    ).toThrow('adapt: method "input-transform" cannot be combined with --embedding-layers');
    lhuc.model.dispose();
    top.model.dispose();
    head.dispose();
  });
});

describe('an adaptation job inside the embedding', () => {
  it('with 0 layers trains exactly what the head-only job trains; with 2 its saved model recognizes as scored', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'emb-top-adapt-'));
    const adaptManifest = await benchSubset('fsdd-german-adapt.jsonl', 8, dir);
    const testManifest = await benchSubset('fsdd-german-test.jsonl', 10, dir);
    const run = (name: string, embeddingLayers?: number) =>
      adapt({
        modelDir: EMBEDDING,
        adaptManifest,
        testManifest,
        outDir: path.join(dir, name),
        settings: {
          seed: 1,
          fixedEpochs: 2,
          workers: 1,
          ...(embeddingLayers === undefined ? {} : { embeddingLayers }),
        },
      });
    const today = await run('today');
    const zero = await run('zero', 0);
    const lossOf = (r: typeof today) => r.adaptation!.epoch_log.map((e) => e.train_loss);
    expect(lossOf(zero)).toEqual(lossOf(today));
    expect(zero.test.after!.wer).toBe(today.test.after!.wer);

    const two = await run('two', 2);
    const a = two.adaptation!;
    expect(a.embedding_layers).toBe(2);
    expect(a.trainable_layers).toEqual([
      'embed_model_conv2d_18_Conv2D',
      'embed_model_conv2d_19_Conv2D',
      'conv3',
      'output',
    ]);
    // before training the split model scores exactly as the head on the full embedding
    expect(two.test.before.wer).toBe(today.test.before.wer);
    // the first step starts from the same weights and outputs; then the embedding's layers move too
    expect(lossOf(two)[0]).toBeCloseTo(lossOf(today)[0], 6);
    expect(lossOf(two)[1]).not.toBeCloseTo(lossOf(today)[1], 6);
    expect(a.trainable_params - today.adaptation!.trainable_params).toBe(27744 + 27648);
    const saved = await loadModel(path.join(dir, 'two', 'model'));
    expect(saved.card.features.frontEnd!.topConvLayers).toBe(2);
    saved.model.dispose();
    const again = await evaluate({
      modelDir: path.join(dir, 'two', 'model'),
      testManifest,
      outDir: path.join(dir, 'two-eval'),
    });
    expect(again.test.before.wer).toBe(two.test.after!.wer);
  }, 300_000);
});
