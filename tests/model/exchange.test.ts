import { describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { initBackend, tf } from '../../electron/engine/model/backend';
import { loadModel, saveModel } from '../../electron/engine/model/checkpoint';
import { CARD_FORMAT, type ModelCard } from '../../electron/engine/model/card';
import { DEFAULT_FEATURES } from '../../electron/engine/features';
import { DIGIT_TOKENS } from '../../electron/engine/recipes/base-model';
import { adapt } from '../../electron/engine';

const BENCH = path.resolve('../shared/data/bench');

/** A model as tensorflowjs_converter writes a Keras model: default layer names, weights in 2 shards. */
async function kerasStyleFolder(): Promise<string> {
  await initBackend('wasm');
  const dir = path.join(await mkdtemp(path.join(tmpdir(), 'keras-')), 'imported');
  const model = tf.sequential({
    layers: [
      tf.layers.conv1d({
        inputShape: [null, 40],
        filters: 32,
        kernelSize: 5,
        strides: 2,
        padding: 'same',
        activation: 'relu',
      }),
      tf.layers.conv1d({ filters: 32, kernelSize: 3, padding: 'same', activation: 'relu' }),
      tf.layers.dense({ units: 11 }),
    ],
  });
  const card: ModelCard = {
    format: CARD_FORMAT,
    version: 1,
    name: 'keras-import',
    description: 'written by the user who imports the model',
    created: '2026-11-29T00:00:00Z',
    architecture: { type: 'layers-model', inputDim: 40, numTokens: 11, subsampling: 2 },
    features: DEFAULT_FEATURES,
    tokens: DIGIT_TOKENS,
    trainingData: [],
    licence: 'test',
    metrics: [],
  };
  await saveModel(dir, model, card);
  model.dispose();
  // split weights.bin into two shards, as the converter does for larger models
  const json = JSON.parse(await readFile(path.join(dir, 'model.json'), 'utf8'));
  const bin = await readFile(path.join(dir, 'weights.bin'));
  const half = Math.floor(bin.length / 8) * 4;
  await writeFile(path.join(dir, 'group1-shard1of2.bin'), bin.subarray(0, half));
  await writeFile(path.join(dir, 'group1-shard2of2.bin'), bin.subarray(half));
  await rm(path.join(dir, 'weights.bin'));
  json.weightsManifest[0].paths = ['group1-shard1of2.bin', 'group1-shard2of2.bin'];
  json.generatedBy = 'keras v2.15.0';
  json.convertedBy = 'TensorFlow.js Converter v4.22.0';
  await writeFile(path.join(dir, 'model.json'), JSON.stringify(json));
  return dir;
}

describe('model exchange', () => {
  it('imports a converter-style LayersModel with a user card, adapts it, exports the same format', async () => {
    const dir = await kerasStyleFolder();
    const loaded = await loadModel(dir);
    expect(loaded.card.architecture.type).toBe('layers-model');
    loaded.model.dispose();
    const work = await mkdtemp(path.join(tmpdir(), 'keras-run-'));
    const pick = async (name: string, n: number) => {
      const lines = (await readFile(path.join(BENCH, name), 'utf8')).trim().split('\n').slice(0, n);
      const f = path.join(work, name);
      await writeFile(
        f,
        lines
          .map((l) =>
            JSON.stringify({
              ...JSON.parse(l),
              audio_filepath: path.resolve(BENCH, JSON.parse(l).audio_filepath),
            }),
          )
          .join('\n'),
      );
      return f;
    };
    const report = await adapt({
      modelDir: dir,
      adaptManifest: await pick('fsdd-german-adapt.jsonl', 10),
      testManifest: await pick('fsdd-german-test.jsonl', 10),
      outDir: path.join(work, 'run'),
      settings: { topLayers: 2, epochs: 2 },
    });
    // The default fine-tuning adds an input transform in front of this chain model.
    expect(report.adaptation!.trainable_layers).toEqual([
      'input_transform',
      ...['conv1d_Conv1D2', 'dense_Dense1'].map((n) =>
        expect.stringMatching(new RegExp(n.replace(/\d+$/, '\\d+'))),
      ),
    ]);
    const exported = JSON.parse(await readFile(path.join(work, 'run', 'model', 'model.json'), 'utf8'));
    expect(exported.format).toBe('layers-model');
    // The original 6 weights plus the input transform's matrix and bias.
    expect(exported.weightsManifest[0].weights.map((w: { name: string }) => w.name)).toHaveLength(8);
    expect(JSON.stringify(exported.modelTopology)).toContain('"class_name":"FeatureAffine"');
    const again = await loadModel(path.join(work, 'run', 'model'));
    expect(again.card.parent).toBe('keras-import');
    again.model.dispose();
  });

  it('refuses a newer card version, features that do not fit the card or the model, saying what differs', async () => {
    const dir = await kerasStyleFolder();
    const cardPath = path.join(dir, 'card.json');
    const card = JSON.parse(await readFile(cardPath, 'utf8'));
    await writeFile(cardPath, JSON.stringify({ ...card, version: 2 }));
    await expect(loadModel(dir)).rejects.toThrow('model card version 2 is newer than this program reads (1)');
    await writeFile(cardPath, JSON.stringify({ ...card, features: { ...card.features, numMelBins: 80 } }));
    await expect(loadModel(dir)).rejects.toThrow(
      'architecture.inputDim is 40 but the feature settings give 80 values per frame (logmel, numMelBins 80)',
    );
    await writeFile(
      cardPath,
      JSON.stringify({
        ...card,
        features: { ...card.features, numMelBins: 64 },
        architecture: { ...card.architecture, inputDim: 64 },
      }),
    );
    await expect(loadModel(dir)).rejects.toThrow(
      "the model takes 40 features per frame but the card's feature settings give 64",
    );
    await writeFile(cardPath, JSON.stringify({ ...card, format: 'something-else' }));
    await expect(loadModel(dir)).rejects.toThrow(
      'card.json: not a model card (its "format" is not "accent-studio-model-card")',
    );
  });
});
