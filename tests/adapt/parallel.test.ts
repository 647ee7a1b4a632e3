import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { initBackend, tf } from '../../electron/engine/model/backend';
import {
  buildAcousticModel,
  defaultArchitecture,
  weightLayerNames,
} from '../../electron/engine/model/acoustic';
import { loadModel } from '../../electron/engine/model/checkpoint';
import type { ModelCard } from '../../electron/engine/model/card';
import { padBatch } from '../../electron/engine/model/batch';
import { encodeText } from '../../electron/engine/model/tokens';
import { readManifest } from '../../electron/engine/corpus/manifest';
import { featurizeCorpus } from '../../electron/engine/features/corpus';
import { DEFAULT_FEATURES } from '../../electron/engine/features';
import type { FeatureMatrix } from '../../electron/engine/features/logmel';
import { shardGradients, type Shard } from '../../electron/engine/adapt/step';
import { trainCtc, type TrainExample } from '../../electron/engine/adapt/train';

const BENCH = path.resolve('../shared/data/bench');
const BASE = path.resolve('models/digits-base');

/** Real German FSDD clips, featurised, each cut to its first `frames` frames (equal lengths: no padding). */
async function germanExamples(card: ModelCard, count: number, frames: number): Promise<TrainExample[]> {
  const utts = (await readManifest(path.join(BENCH, 'fsdd-german-adapt.jsonl'))).slice(0, count);
  const feats = await featurizeCorpus(utts, DEFAULT_FEATURES, undefined, () => {}, 'test', null);
  return feats.map((f) => {
    const n = Math.min(frames, f.feats.numFrames);
    const data = new Float32Array(frames * f.feats.dim); // zero-pad the few shorter clips to `frames`
    data.set(f.feats.data.subarray(0, n * f.feats.dim));
    const m: FeatureMatrix = { data, numFrames: frames, dim: f.feats.dim };
    return { feats: m, labels: encodeText(f.utt.text, card.tokens) };
  });
}

const weightsOf = (m: tf.LayersModel): Float32Array[] =>
  m.getWeights().map((w) => w.dataSync() as Float32Array);

describe('data-parallel training', () => {
  it('the gradients of two shards sum to the gradient of the whole batch (CTC + KL term, real features)', async () => {
    await initBackend();
    const { model: base, card } = await loadModel(BASE);
    const arch = { ...defaultArchitecture(40, 11), dropout: 0 }; // no dropout: the step is deterministic
    const model = buildAcousticModel(arch, 3);
    const c = { ...card, architecture: arch };
    const ex = await germanExamples(c, 6, 60);
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const outLens = ex.map(() => 15);
    const shard = (from: number, to: number): Shard => ({
      x: padBatch(ex.slice(from, to).map((e) => e.feats)).x,
      labels: ex.slice(from, to).map((e) => e.labels),
      outLens: outLens.slice(from, to),
      batchUtterances: ex.length,
      batchFrames: 15 * ex.length,
    });
    const reg = { weight: 0.5, reference: base };
    const whole = shard(0, 6);
    const a = shard(0, 4);
    const b = shard(4, 6);
    const full = shardGradients(model, 0, whole, vars, reg);
    const ga = shardGradients(model, 0, a, vars, reg);
    const gb = shardGradients(model, 0, b, vars, reg);
    expect(full.loss).toBeGreaterThan(1);
    expect(ga.loss + gb.loss).toBeCloseTo(full.loss, 4);
    full.grads.forEach((g, i) => {
      const want = g.dataSync();
      const got = tf.tidy(() => tf.add(ga.grads[i], gb.grads[i]).dataSync());
      const scale = Math.max(...want.map(Math.abs));
      expect(scale).toBeGreaterThan(0);
      for (let k = 0; k < want.length; k++)
        expect(Math.abs(got[k] - want[k])).toBeLessThan(1e-4 * scale + 1e-7);
    });
    tf.dispose([whole.x, a.x, b.x, ...full.grads, ...ga.grads, ...gb.grads]);
    model.dispose();
    base.dispose();
  });

  it('one thread and two train alike, bit for bit (shipped model with dropout, real clips of different lengths), and leak no tensors', async () => {
    await initBackend();
    const utts = (await readManifest(path.join(BENCH, 'fsdd-german-adapt.jsonl'))).slice(0, 24);
    const first = await loadModel(BASE);
    first.model.dispose();
    const ex: TrainExample[] = (
      await featurizeCorpus(utts, DEFAULT_FEATURES, undefined, () => {}, 'test', null)
    ).map((f) => ({
      feats: f.feats,
      labels: encodeText(f.utt.text, first.card.tokens),
    }));
    expect(new Set(ex.map((e) => e.feats.numFrames)).size).toBeGreaterThan(5);
    const run = async (workers: number) => {
      const { model, card } = await loadModel(BASE);
      const before = tf.memory().numTensors;
      const r = await trainCtc(
        model,
        card,
        ex,
        [],
        {
          epochs: 2,
          batchSize: 8,
          learningRate: 1e-3,
          seed: 4,
          trainableLayers: weightLayerNames(model),
          patience: 9,
          workers,
          parallelMinBatchFrames: 0,
        },
        () => {},
      );
      const w = weightsOf(model);
      const after = tf.memory().numTensors;
      model.dispose();
      return { r, w, before, after };
    };
    const one = await run(1);
    const two = await run(2);
    expect(one.r.threads).toBe(1);
    expect(two.r.threads).toBe(2);
    expect(two.r.steps).toBe(6);
    expect(one.after).toBe(one.before);
    expect(two.after).toBe(two.before);
    expect(two.r.epochs.map((e) => e.trainLoss)).toEqual(one.r.epochs.map((e) => e.trainLoss));
    two.w.forEach((w, i) => expect(Array.from(w)).toEqual(Array.from(one.w[i])));
    // and it trained: weights moved
    const base = await loadModel(BASE);
    expect(Array.from(base.model.getWeights()[0].dataSync())).not.toEqual(Array.from(one.w[0]));
    base.model.dispose();
  });

  it('is repeatable with dropout on the shipped model (same seed, two workers: identical weights)', async () => {
    await initBackend();
    const first = await loadModel(BASE);
    const ex = await germanExamples(first.card, 16, 60);
    first.model.dispose();
    const run = async () => {
      const { model, card } = await loadModel(BASE);
      const r = await trainCtc(
        model,
        card,
        ex,
        [],
        {
          epochs: 1,
          batchSize: 8,
          learningRate: 1e-3,
          seed: 2,
          trainableLayers: weightLayerNames(model).slice(-2),
          patience: 9,
          workers: 2,
          parallelMinBatchFrames: 0,
        },
        () => {},
      );
      const w = weightsOf(model);
      model.dispose();
      return { r, w };
    };
    const a = await run();
    const b = await run();
    expect(a.r.threads).toBe(2);
    expect(a.r.epochs[0].trainLoss).toBe(b.r.epochs[0].trainLoss);
    a.w.forEach((w, i) => expect(Array.from(w)).toEqual(Array.from(b.w[i])));
  });
});

describe('training fails cleanly', () => {
  it('a second training on the same thread is refused; invalid labels are refused before any tensor is made', async () => {
    await initBackend();
    const { model, card } = await loadModel(BASE);
    const ex = await germanExamples(card, 16, 60);
    const cfg = {
      epochs: 1,
      batchSize: 8,
      learningRate: 1e-3,
      seed: 1,
      trainableLayers: weightLayerNames(model),
      patience: 9,
      workers: 2,
      parallelMinBatchFrames: 0,
    };
    const first = trainCtc(model, card, ex, [], cfg, () => {});
    await expect(trainCtc(model, card, ex, [], cfg, () => {})).rejects.toThrow(
      /another training is running on this thread/,
    );
    await first;
    for (const workers of [1, 2]) {
      const before = tf.memory().numTensors;
      const bad = ex.map((e, i) => (i === 11 ? { ...e, labels: [99] } : e)); // token 99 does not exist
      await expect(trainCtc(model, card, bad, ex.slice(0, 5), { ...cfg, workers }, () => {})).rejects.toThrow(
        /example 11 has token id 99, not a word of the model's 11-token inventory/,
      );
      expect(tf.memory().numTensors).toBe(before);
    }
    model.dispose();
  });
});
