import { describe, expect, it } from 'vitest';
import { copyFile, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { adapt } from '../../electron/engine';
import { initBackend, tf } from '../../electron/engine/model/backend';
import { loadModel } from '../../electron/engine/model/checkpoint';
import { readManifest } from '../../electron/engine/corpus/manifest';
import { featurizeCorpus } from '../../electron/engine/features/corpus';
import { DEFAULT_FEATURES } from '../../electron/engine/features';
import { reestimateBatchNorm } from '../../electron/engine/adapt/renormalize';
import { padBatch } from '../../electron/engine/model/batch';

const BENCH = path.resolve('../shared/data/bench');
const BASE = path.resolve('models/digits-base');

/** Raw (un-normalised) features of a manifest's utterances. */
async function rawFeatures(manifest: string, count = Infinity) {
  const utts = (await readManifest(manifest)).slice(0, count);
  return (
    await featurizeCorpus(utts, { ...DEFAULT_FEATURES, cmvn: 'none' }, undefined, () => {}, 'test', null)
  ).map((f) => f.feats);
}

/** Mean and standard deviation of one feature bin over all frames, computed directly. */
function binStats(
  mats: { data: Float32Array; numFrames: number; dim: number }[],
  bin: number,
): { mean: number; std: number } {
  let s = 0;
  let n = 0;
  for (const m of mats)
    for (let t = 0; t < m.numFrames; t++) {
      s += m.data[t * m.dim + bin];
      n++;
    }
  const mean = s / n;
  let v = 0;
  for (const m of mats) for (let t = 0; t < m.numFrames; t++) v += (m.data[t * m.dim + bin] - mean) ** 2;
  return { mean, std: Math.sqrt(v / n) };
}

describe('re-estimating normalisation statistics on target audio (unsupervised)', () => {
  it('global CMVN: the adapted card holds the target audio statistics; weights are unchanged without labels', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'renorm-'));
    // A global-CMVN variant of the shipped model, with statistics of the source training audio.
    const modelDir = path.join(dir, 'global-base');
    await mkdir(modelDir);
    for (const f of ['model.json', 'weights.bin']) await copyFile(path.join(BASE, f), path.join(modelDir, f));
    const source = await rawFeatures(path.join(BENCH, 'fsdd-source-train.jsonl'), 200);
    const card = JSON.parse(await readFile(path.join(BASE, 'card.json'), 'utf8'));
    card.features.cmvn = 'global';
    card.cmvnStats = { mean: [], std: [] };
    for (let b = 0; b < 40; b++) {
      const s = binStats(source, b);
      card.cmvnStats.mean.push(s.mean);
      card.cmvnStats.std.push(s.std);
    }
    await writeFile(path.join(modelDir, 'card.json'), JSON.stringify(card));

    const unlabelled = path.join(BENCH, 'fsdd-german-adapt.jsonl');
    const r = await adapt({
      modelDir,
      unlabelledManifest: unlabelled,
      testManifest: path.join(BENCH, 'fsdd-german-test.jsonl'),
      outDir: path.join(dir, 'run'),
      settings: { renormalize: true, pseudoRounds: 0, inputTransform: false },
    });
    const ren = r.adaptation!.renormalization;
    expect(ren).toMatchObject({ cmvn: true, utterances: 50, batch_norm_layers: [] });
    const adapted = await loadModel(path.join(dir, 'run', 'model'));
    const target = await rawFeatures(unlabelled);
    for (const b of [0, 13, 39]) {
      const want = binStats(target, b);
      expect(adapted.card.cmvnStats!.mean[b]).toBeCloseTo(want.mean, 3);
      expect(adapted.card.cmvnStats!.std[b]).toBeCloseTo(want.std, 3);
      expect(Math.abs(adapted.card.cmvnStats!.mean[b] - card.cmvnStats.mean[b])).toBeGreaterThan(0.01); // German speaker != source speakers
    }
    const base = await loadModel(modelDir);
    const bw = base.model.getWeights();
    adapted.model
      .getWeights()
      .forEach((w, i) => expect(Array.from(w.dataSync())).toEqual(Array.from(bw[i].dataSync())));
    expect(r.test.after!.wer).not.toBe(r.test.before.wer); // the same weights, other statistics: other outputs
    adapted.model.dispose();
    base.model.dispose();
  });

  it('batch norm: moving statistics become the mean and variance of the layer input over the valid frames of the target audio', async () => {
    await initBackend();
    const input = tf.input({ shape: [null, 40] });
    const conv = tf.layers
      .conv1d({
        filters: 8,
        kernelSize: 3,
        strides: 2,
        padding: 'same',
        name: 'conv',
        kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
      })
      .apply(input) as tf.SymbolicTensor;
    const bn = tf.layers.batchNormalization({ name: 'bn' }).apply(conv) as tf.SymbolicTensor;
    const out = tf.layers.dense({ units: 11, name: 'out' }).apply(bn) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: out });
    const feats = (await rawFeatures(path.join(BENCH, 'duke-india-adapt.jsonl'))).map((m) => ({
      ...m,
      data: m.data.map((v) => v / 10),
    }));
    const stats = reestimateBatchNorm(model, feats, 2, 3);
    expect(stats.map((s) => s.layer)).toEqual(['bn']);
    // Directly: the conv output of each utterance alone (padded to even length, as for recognition), pooled.
    const probe = tf.model({ inputs: input, outputs: conv });
    const sum = new Float64Array(8);
    const sumSq = new Float64Array(8);
    let n = 0;
    for (const f of feats) {
      const h = probe.predict(padBatch([f], 2).x) as tf.Tensor;
      const d = h.dataSync();
      for (let i = 0; i < d.length; i++) {
        sum[i % 8] += d[i];
        sumSq[i % 8] += d[i] * d[i];
      }
      n += d.length / 8;
    }
    const layer = model.getLayer('bn');
    const movingMean = layer.weights
      .find((w) => w.originalName.includes('moving_mean'))!
      .read()
      .dataSync();
    const movingVar = layer.weights
      .find((w) => w.originalName.includes('moving_variance'))!
      .read()
      .dataSync();
    for (let c = 0; c < 8; c++) {
      const mean = sum[c] / n;
      expect(movingMean[c]).toBeCloseTo(mean, 3);
      expect(movingVar[c]).toBeCloseTo(sumSq[c] / n - mean * mean, 2);
    }
    expect(Math.max(...Array.from(movingVar))).toBeGreaterThan(0.01);
    model.dispose();
  });

  it('leaves padded frames out: a strided layer counts ceil(frames / 2) per utterance', async () => {
    await initBackend();
    const input = tf.input({ shape: [null, 1] });
    const conv = tf.layers
      .conv1d({
        filters: 1,
        kernelSize: 1,
        strides: 2,
        padding: 'same',
        useBias: false,
        kernelInitializer: 'ones',
        name: 'c',
      })
      .apply(input) as tf.SymbolicTensor;
    const bn = tf.layers.batchNormalization({ name: 'bn' }).apply(conv) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: bn });
    const ten = (n: number) => ({ data: new Float32Array(n).fill(10), numFrames: n, dim: 1 });
    const [s] = reestimateBatchNorm(model, [ten(4), ten(5)]);
    expect(s.frames).toBe(5); // 2 + 3
    expect(s.mean[0]).toBeCloseTo(10, 6);
    expect(s.variance[0]).toBeCloseTo(0, 6);
    model.dispose();
  });

  it('refuses a model with nothing to re-estimate (per-utterance CMVN, no batch norm), naming it', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'renorm-'));
    await expect(
      adapt({
        modelDir: BASE,
        adaptManifest: path.join(BENCH, 'duke-india-adapt.jsonl'),
        testManifest: path.join(BENCH, 'duke-india-test.jsonl'),
        outDir: path.join(dir, 'run'),
        settings: { renormalize: true },
      }),
    ).rejects.toThrow(
      /digits-base has no normalisation statistics to re-estimate: it normalises each utterance by its own statistics/,
    );
  });
});

describe('adapt refuses unusable requests before any work', () => {
  it('an adaptation or test manifest line without "text" names the line', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'notext-'));
    const lines = (await readFile(path.join(BENCH, 'fsdd-german-adapt.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .slice(0, 3)
      .map((l) => JSON.parse(l));
    for (const o of lines) o.audio_filepath = path.resolve(BENCH, o.audio_filepath);
    delete lines[1].text;
    const m = path.join(dir, 'notext.jsonl');
    await writeFile(m, lines.map((o) => JSON.stringify(o)).join('\n') + '\n');
    await expect(
      adapt({
        modelDir: BASE,
        adaptManifest: m,
        testManifest: path.join(BENCH, 'duke-india-test.jsonl'),
        outDir: path.join(dir, 'a'),
      }),
    ).rejects.toThrow(new RegExp(`notext.jsonl:2: no "text" field: the adaptation set needs transcripts`));
    const { evaluate } = await import('../../electron/engine');
    await expect(evaluate({ modelDir: BASE, testManifest: m, outDir: path.join(dir, 'e') })).rejects.toThrow(
      /notext.jsonl:2: no "text" field: the test set needs transcripts/,
    );
    // As unlabelled audio the same file is fine: pseudo-labels need no transcripts.
    const r = await adapt({
      modelDir: BASE,
      unlabelledManifest: m,
      testManifest: path.join(BENCH, 'duke-india-test.jsonl'),
      outDir: path.join(dir, 'u'),
      settings: { pseudoRounds: 1, epochs: 1 },
    });
    expect(r.test.after).toBeTruthy();
  });

  it('unlabelled audio with --pseudo-rounds 0 and no --renormalize would do nothing: refused', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'unused-'));
    await expect(
      adapt({
        modelDir: BASE,
        unlabelledManifest: path.join(BENCH, 'duke-india-adapt.jsonl'),
        testManifest: path.join(BENCH, 'duke-india-test.jsonl'),
        outDir: path.join(dir, 'a'),
        settings: { pseudoRounds: 0 },
      }),
    ).rejects.toThrow(
      /the unlabelled set .*duke-india-adapt.jsonl would not be used \(--pseudo-rounds 0 and no --renormalize\)/,
    );
  });
});

describe('batch-norm models through the adaptation job', () => {
  /** A small user model with two batch-norm layers (one after a strided conv), saved as a model folder. */
  async function bnModelDir(dir: string): Promise<string> {
    await initBackend();
    const { saveModel } = await import('../../electron/engine/model/checkpoint');
    const base = await loadModel(BASE);
    base.model.dispose();
    const input = tf.input({ shape: [null, 40] });
    let x = tf.layers
      .conv1d({
        filters: 16,
        kernelSize: 5,
        strides: 2,
        padding: 'same',
        activation: 'relu',
        name: 'c1',
        kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
      })
      .apply(input) as tf.SymbolicTensor;
    x = tf.layers.batchNormalization({ name: 'bn1' }).apply(x) as tf.SymbolicTensor;
    x = tf.layers
      .conv1d({
        filters: 16,
        kernelSize: 3,
        padding: 'same',
        activation: 'relu',
        name: 'c2',
        kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }),
      })
      .apply(x) as tf.SymbolicTensor;
    x = tf.layers.batchNormalization({ name: 'bn2' }).apply(x) as tf.SymbolicTensor;
    const out = tf.layers
      .dense({ units: 11, name: 'output', kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) })
      .apply(x) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: out });
    const modelDir = path.join(dir, 'bn-model');
    await saveModel(modelDir, model, {
      ...base.card,
      name: 'bn-model',
      architecture: { type: 'layers-model', inputDim: 40, numTokens: 11, subsampling: 2 },
      metrics: [],
    });
    model.dispose();
    return modelDir;
  }
  const stats = async (dir: string) => {
    const { model } = await loadModel(dir);
    const out = model.weights
      .filter((w) => /moving_/.test(w.originalName))
      .map((w) => Array.from(w.read().dataSync()));
    model.dispose();
    return out;
  };

  it.each(['lhuc', 'adapters', 'input-transform', 'finetune'] as const)(
    '%s with renormalisation: statistics re-estimated and kept through training; one and two threads agree',
    async (method) => {
      const dir = await mkdtemp(path.join(tmpdir(), 'bn-'));
      const modelDir = await bnModelDir(dir);
      const common = {
        modelDir,
        adaptManifest: path.join(BENCH, 'duke-india-adapt.jsonl'),
        testManifest: path.join(BENCH, 'duke-india-test.jsonl'),
      };
      const settings = {
        method,
        renormalize: true,
        fixedEpochs: 2,
        ...(method === 'finetune' ? { topLayers: 1 } : {}),
      };
      const tensors = tf.memory().numTensors;
      const two = await adapt({
        ...common,
        outDir: path.join(dir, 'two'),
        settings: { ...settings, workers: 2 },
      });
      const one = await adapt({
        ...common,
        outDir: path.join(dir, 'one'),
        settings: { ...settings, workers: 1 },
      });
      expect(tf.memory().numTensors).toBe(tensors);
      expect(two.adaptation!.renormalization?.batch_norm_layers).toEqual(['bn1', 'bn2']);
      expect(two.adaptation!.training_threads).toBe(2);
      // The statistics the job wrote are those of the target audio, computed here directly, untouched by training.
      const { model } = await loadModel(modelDir);
      const { readManifest: read } = await import('../../electron/engine/corpus/manifest');
      const feats = (
        await featurizeCorpus(
          await read(common.adaptManifest),
          DEFAULT_FEATURES,
          undefined,
          () => {},
          'x',
          null,
        )
      ).map((f) => f.feats);
      reestimateBatchNorm(model, feats, 2);
      const want = model.weights
        .filter((w) => /moving_/.test(w.originalName))
        .map((w) => Array.from(w.read().dataSync()));
      model.dispose();
      const got = await stats(path.join(dir, 'two', 'model'));
      expect(got).toHaveLength(4);
      got.forEach((g, i) => g.forEach((v, k) => expect(v).toBeCloseTo(want[i][k], 4)));
      expect(await stats(path.join(dir, 'one', 'model'))).toEqual(got);
      expect(one.test.after!.wer).toBe(two.test.after!.wer);
    },
  );
});
