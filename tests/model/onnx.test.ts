/**
 * The ONNX importer against onnxruntime (onnxruntime-node, a dev dependency) on real audio: the two
 * openWakeWord graphs (mel spectrogram, speech embedding) on an FSDD clip and a Duke clip resampled to
 * 16 kHz, and a small graph built here that exercises Conv + BatchNormalization + Relu + MaxPool +
 * Transpose + Flatten + Gemm. Differences are stated as the largest absolute difference measured.
 */
import { describe, expect, it, beforeAll } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { initBackend, tf } from '../../electron/engine/model/backend';
import { parseOnnx } from '../../electron/engine/model/onnx/parse';
import { convertOnnx } from '../../electron/engine/model/onnx/convert';
import { modelProtoType } from '../../electron/engine/model/onnx/proto';
import { loadModel, modelArtifacts, modelFromArtifacts } from '../../electron/engine/model/checkpoint';
import { evaluate, importOnnx } from '../../electron/engine';
import { CARD_FORMAT, parseCard, type ModelCard } from '../../electron/engine/model/card';
import { DEFAULT_FEATURES } from '../../electron/engine/features/config';
import { DIGIT_TOKENS } from '../../electron/engine/recipes/base-model';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { loadAudio } from '../../electron/engine/audio';
import {
  embeddingFramesFor,
  frontEndInput,
  openWakeWordModelDir,
  speechEmbeddingFeatures,
  speechEmbeddingModels,
} from '../../electron/engine/features/speech-embedding';
import { diffFeatureConfig, SPEECH_EMBEDDING_FEATURES } from '../../electron/engine/features/config';

const DATA = path.resolve('../shared/data');
const FSDD_CLIP = path.join(DATA, 'fsdd/recordings/0_george_0.wav');
const DUKE_CLIP = path.join(DATA, 'duke-numbers/audio/R_4kJncQejh6M9Qxb.wav');
const MEL = path.join(openWakeWordModelDir(), 'melspectrogram.onnx');
const EMB = path.join(openWakeWordModelDir(), 'embedding_model.onnx');
const ORT_OPTS = { intraOpNumThreads: 1, interOpNumThreads: 1 };

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}
function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

/** Padded int16-scale input of a clip, as the front end feeds the mel graph. */
async function clipInput(file: string): Promise<Float32Array> {
  return frontEndInput((await loadAudio(file, 16000)).samples, SPEECH_EMBEDDING_FEATURES.frontEnd!);
}

async function ortMel(x: Float32Array): Promise<{ data: Float32Array; dims: readonly number[] }> {
  const s = await ort.InferenceSession.create(MEL, ORT_OPTS);
  const r = await s.run({ input: new ort.Tensor('float32', x, [1, x.length]) });
  return { data: r.output.data as Float32Array, dims: r.output.dims };
}

beforeAll(async () => {
  await initBackend('wasm');
});

describe('ONNX import: openWakeWord melspectrogram.onnx', () => {
  const cases = [
    ['FSDD clip 0_george_0 (8 kHz -> 16 kHz)', FSDD_CLIP, '1.5e-5 dB of 102 dB'],
    ['Duke India clip R_4kJncQejh6M9Qxb', DUKE_CLIP, '6.1e-5 dB of 101 dB'],
  ] as const;
  for (const [label, file, measured] of cases) {
    it(`equals onnxruntime on the ${label}: largest difference ${measured}`, async () => {
      const x = await clipInput(file);
      const ref = await ortMel(x);
      const { mel } = speechEmbeddingModels();
      const y = mel.predict(tf.tensor2d(x, [1, x.length])) as tf.Tensor;
      expect(y.shape).toEqual([...ref.dims]);
      expect(y.shape[2]).toBe(Math.floor((x.length - 512) / 160) + 1);
      const ours = await y.data();
      y.dispose();
      const d = maxAbsDiff(ours, ref.data);
      expect(d).toBeLessThan(1e-5 * maxAbs(ref.data));
      expect(d).toBeLessThan(2e-4);
    });
  }
});

describe('ONNX import: openWakeWord embedding_model.onnx over whole utterances', () => {
  const cases = [
    ['FSDD clip 0_george_0', FSDD_CLIP, '5.7e-5, values up to 65'],
    ['Duke India clip R_4kJncQejh6M9Qxb', DUKE_CLIP, '7.1e-5, values up to 75'],
  ] as const;
  for (const [label, file, measured] of cases) {
    it(`equals onnxruntime's 76-frame windows at an 8-frame step on the ${label}: largest difference ${measured}`, async () => {
      const x = await clipInput(file);
      const mel = await ortMel(x);
      const melFrames = mel.dims[2];
      const scaled = mel.data.map((v) => v / 10 + 2);
      const session = await ort.InferenceSession.create(EMB, ORT_OPTS);
      const numWindows = Math.floor((melFrames - 76) / 8) + 1;
      const ref = new Float32Array(numWindows * 96);
      for (let w = 0; w < numWindows; w++) {
        const win = scaled.slice(w * 8 * 32, (w * 8 + 76) * 32);
        const r = await session.run({ input_1: new ort.Tensor('float32', win, [1, 76, 32, 1]) });
        ref.set(r.conv2d_19.data as Float32Array, w * 96);
      }
      const feats = speechEmbeddingFeatures(
        (await loadAudio(file, 16000)).samples,
        SPEECH_EMBEDDING_FEATURES,
      );
      expect(feats.numFrames).toBe(numWindows);
      expect(feats.numFrames).toBe(embeddingFramesFor(x.length));
      expect(feats.dim).toBe(96);
      const d = maxAbsDiff(feats.data, ref);
      expect(d).toBeLessThan(1e-3 * maxAbs(ref));
      expect(d).toBeLessThan(5e-4);
    });
  }

  it('keeps the 328,128 weights of the graph plus one value per max(x, -0.4) node, and leaks no tensors', async () => {
    const { embedding } = speechEmbeddingModels();
    expect(embedding.countParams()).toBe(328128 + 19);
    const samples = (await loadAudio(FSDD_CLIP, 16000)).samples;
    const before = tf.memory().numTensors;
    speechEmbeddingFeatures(samples, SPEECH_EMBEDDING_FEATURES);
    expect(tf.memory().numTensors).toBe(before);
  });
});

/* eslint-disable @typescript-eslint/no-explicit-any */
function tensorProto(name: string, dims: number[], values: number[], dataType = 1): any {
  return dataType === 7
    ? { name, dims, data_type: 7, int64_data: values }
    : { name, dims, data_type: 1, float_data: values };
}
function attrInts(name: string, ints: number[]): any {
  return { name, type: 7, ints };
}
function valueInfo(name: string, dims: (number | string)[]): any {
  return {
    name,
    type: {
      tensor_type: {
        elem_type: 1,
        shape: { dim: dims.map((d) => (typeof d === 'string' ? { dim_param: d } : { dim_value: d })) },
      },
    },
  };
}
function encodeModel(nodes: any[], initializers: any[], input: any, output: any): Uint8Array {
  const T = modelProtoType();
  const msg = T.fromObject({
    ir_version: 7,
    opset_import: [{ domain: '', version: 13 }],
    producer_name: 'accent-studio test',
    graph: { name: 'g', node: nodes, initializer: initializers, input: [input], output: [output] },
  });
  return T.encode(msg).finish();
}
function seeded(n: number, seed: number, scale = 1): number[] {
  let a = seed;
  return Array.from({ length: n }, () => {
    a = (a * 1103515245 + 12345) % 2147483648;
    return ((a / 2147483648) * 2 - 1) * scale;
  });
}

describe('ONNX import: a small graph of the documented ops', () => {
  // [1, 2, 8, 6] -> Conv 3x3 (3 filters, "same") -> BatchNormalization -> Relu -> MaxPool 2x2
  // -> Transpose [0, 2, 3, 1] -> Flatten -> Gemm (transB) -> [1, 5]
  const nodes = [
    {
      name: 'conv',
      op_type: 'Conv',
      input: ['x', 'W', 'B'],
      output: ['c'],
      attribute: [attrInts('kernel_shape', [3, 3]), attrInts('pads', [1, 1, 1, 1])],
    },
    {
      name: 'bn',
      op_type: 'BatchNormalization',
      input: ['c', 'g', 'b', 'm', 'v'],
      output: ['n'],
      attribute: [{ name: 'epsilon', type: 1, f: 1e-3 }],
    },
    { name: 'relu', op_type: 'Relu', input: ['n'], output: ['r'] },
    {
      name: 'pool',
      op_type: 'MaxPool',
      input: ['r'],
      output: ['p'],
      attribute: [attrInts('kernel_shape', [2, 2]), attrInts('strides', [2, 2])],
    },
    {
      name: 'transpose',
      op_type: 'Transpose',
      input: ['p'],
      output: ['t'],
      attribute: [attrInts('perm', [0, 2, 3, 1])],
    },
    { name: 'flatten', op_type: 'Flatten', input: ['t'], output: ['f'] },
    {
      name: 'gemm',
      op_type: 'Gemm',
      input: ['f', 'G', 'C'],
      output: ['y'],
      attribute: [
        { name: 'transB', type: 2, i: 1 },
        { name: 'alpha', type: 1, f: 0.5 },
      ],
    },
  ];
  const inits = [
    tensorProto('W', [3, 2, 3, 3], seeded(54, 1, 0.5)),
    tensorProto('B', [3], [0.1, -0.2, 0.05]),
    tensorProto('g', [3], [1.5, 0.7, 1.1]),
    tensorProto('b', [3], [0.0, 0.3, -0.1]),
    tensorProto('m', [3], [0.2, -0.1, 0.0]),
    tensorProto('v', [3], [0.9, 1.3, 0.4]),
    tensorProto('G', [5, 36], seeded(180, 2, 0.3)),
    tensorProto('C', [5], [0.01, 0.02, 0.03, 0.04, 0.05]),
  ];
  const bytes = encodeModel(nodes, inits, valueInfo('x', [1, 2, 8, 6]), valueInfo('y', [1, 5]));
  const x = Float32Array.from(seeded(96, 3));

  it('equals onnxruntime (largest difference below 1e-5), is trainable and survives save/load', async () => {
    const s = await ort.InferenceSession.create(bytes, ORT_OPTS);
    const ref = (await s.run({ x: new ort.Tensor('float32', x, [1, 2, 8, 6]) })).y.data as Float32Array;
    const model = convertOnnx(parseOnnx(bytes, 'small.onnx'));
    const y = model.predict(tf.tensor4d(x, [1, 2, 8, 6])) as tf.Tensor;
    expect(y.shape).toEqual([1, 5]);
    const ours = await y.data();
    expect(maxAbs(ref)).toBeGreaterThan(0.1);
    expect(maxAbsDiff(ours, ref)).toBeLessThan(1e-5);
    // the Conv, BatchNormalization (gamma, beta) and Gemm weights train
    expect(model.trainableWeights.map((w) => w.name).sort()).toEqual([
      'bn/beta',
      'bn/gamma',
      'conv/bias',
      'conv/kernel',
      'gemm/bias',
      'gemm/kernel',
    ]);
    const copy = await modelFromArtifacts(await modelArtifacts(model));
    const y2 = copy.predict(tf.tensor4d(x, [1, 2, 8, 6])) as tf.Tensor;
    expect(maxAbsDiff(await y2.data(), ours)).toBe(0);
    tf.dispose([y, y2]);
    model.dispose();
    copy.dispose();
  });

  it('names the node and the op of an unsupported op', () => {
    const bad = encodeModel(
      [
        {
          name: 'conv',
          op_type: 'Conv',
          input: ['x', 'W'],
          output: ['c'],
          attribute: [attrInts('kernel_shape', [3, 3])],
        },
        { name: 'sort_it', op_type: 'TopK', input: ['c', 'k'], output: ['y', 'i'] },
      ],
      [tensorProto('W', [3, 2, 3, 3], seeded(54, 1)), tensorProto('k', [1], [2], 7)],
      valueInfo('x', [1, 2, 8, 6]),
      valueInfo('y', [1, 3, 6, 2]),
    );
    expect(() => convertOnnx(parseOnnx(bad, 'bad.onnx'))).toThrow(
      /^bad\.onnx: node "sort_it" \(op TopK\) is not supported by the ONNX importer; supported ops: Abs, Add, BatchNormalization, /,
    );
  });

  it('names the node of an unsupported attribute value and the file of a non-ONNX file', () => {
    const grouped = encodeModel(
      [
        {
          name: 'dw',
          op_type: 'Conv',
          input: ['x', 'W'],
          output: ['y'],
          attribute: [attrInts('kernel_shape', [3, 3]), { name: 'group', type: 2, i: 2 }],
        },
      ],
      [tensorProto('W', [2, 1, 3, 3], seeded(18, 1))],
      valueInfo('x', [1, 2, 8, 6]),
      valueInfo('y', [1, 2, 6, 4]),
    );
    expect(() => convertOnnx(parseOnnx(grouped, 'dw.onnx'))).toThrow(
      'dw.onnx: node "dw" (op Conv): group 2 is not supported (only 1)',
    );
    expect(() => parseOnnx(readFileSync(FSDD_CLIP), 'clip.wav')).toThrow(/^clip\.wav: not an ONNX model/);
  });
});

describe("import-onnx: a user's ONNX acoustic model becomes a model folder", () => {
  it('converts [batch, frames, 40] -> [batch, frames, 11] logits, saves it with the card, and loads back equal to onnxruntime', async () => {
    const bytes = encodeModel(
      [
        { name: 'proj', op_type: 'MatMul', input: ['feats', 'W'], output: ['h'] },
        { name: 'bias', op_type: 'Add', input: ['h', 'b'], output: ['logits'] },
      ],
      [tensorProto('W', [40, 11], seeded(440, 5, 0.2)), tensorProto('b', [11], seeded(11, 6, 0.1))],
      valueInfo('feats', ['batch', 'frames', 40]),
      valueInfo('logits', ['batch', 'frames', 11]),
    );
    const dir = await mkdtemp(path.join(tmpdir(), 'onnx-import-'));
    const card: ModelCard = {
      format: CARD_FORMAT,
      version: 1,
      name: 'my-onnx',
      description: 'a linear model written as ONNX',
      created: '2026-12-02T00:00:00Z',
      architecture: { type: 'layers-model', inputDim: 40, numTokens: 11, subsampling: 1 },
      features: DEFAULT_FEATURES,
      tokens: DIGIT_TOKENS,
      trainingData: [],
      licence: 'test',
      metrics: [],
    };
    await writeFile(path.join(dir, 'model.onnx'), bytes);
    await writeFile(path.join(dir, 'card.json'), JSON.stringify(card));
    const saved = await importOnnx({
      onnxFile: path.join(dir, 'model.onnx'),
      cardFile: path.join(dir, 'card.json'),
      outDir: path.join(dir, 'model'),
    });
    expect(saved.architecture.numParams).toBe(440 + 11);
    const loaded = await loadModel(path.join(dir, 'model'));
    const x = Float32Array.from(seeded(7 * 40, 9));
    const s = await ort.InferenceSession.create(bytes, ORT_OPTS);
    const ref = (await s.run({ feats: new ort.Tensor('float32', x, [1, 7, 40]) })).logits
      .data as Float32Array;
    const y = loaded.model.predict(tf.tensor3d(x, [1, 7, 40])) as tf.Tensor;
    expect(y.shape).toEqual([1, 7, 11]);
    expect(maxAbsDiff(await y.data(), ref)).toBeLessThan(1e-5);
    // the weights train: the MatMul kernel and the added bias
    expect(loaded.model.trainableWeights.length).toBe(2);
    y.dispose();
    loaded.model.dispose();
    await expect(
      importOnnx({
        onnxFile: path.join(dir, 'model.onnx'),
        cardFile: path.join(dir, 'card.json'),
        outDir: path.join(dir, 'model'),
      }),
    ).rejects.toThrow('already exists');
  });
});

describe('the speech-embedding front end in the model card', () => {
  const card = (features: unknown): unknown => ({
    format: CARD_FORMAT,
    version: 1,
    name: 'emb',
    description: 'd',
    created: '2026-12-02T00:00:00Z',
    architecture: {
      type: 'conv1d-ctc',
      inputDim: 96,
      convLayers: [{ filters: 8, kernelSize: 5, stride: 1 }],
      dropout: 0,
      numTokens: 11,
    },
    features,
    tokens: DIGIT_TOKENS,
    trainingData: [],
    licence: 'test',
    metrics: [],
  });

  it('accepts kind speech-embedding with its versioned frontEnd (96 values per frame, 16 kHz)', () => {
    const parsed = parseCard(card(SPEECH_EMBEDDING_FEATURES), 'card.json');
    expect(parsed.features.frontEnd).toEqual({
      name: 'speech-embedding',
      version: 1,
      frozen: true,
      peakLevel: 0.5,
      padSec: 0.25,
      padNoiseRms: 3,
    });
    expect(parsed.features.sampleRateHz).toBe(16000);
  });

  it('refuses the kind without a frontEnd, a frontEnd version it does not know, and names a frontEnd difference', () => {
    const { frontEnd: _f, ...noFrontEnd } = SPEECH_EMBEDDING_FEATURES;
    expect(() => parseCard(card(noFrontEnd), 'card.json')).toThrow(
      'card.json: features.kind "speech-embedding" needs a features.frontEnd (only kind "speech-embedding" has one)',
    );
    expect(() =>
      parseCard(
        card({
          ...SPEECH_EMBEDDING_FEATURES,
          frontEnd: { ...SPEECH_EMBEDDING_FEATURES.frontEnd, version: 2 },
        }),
        'card.json',
      ),
    ).toThrow(/card\.json: invalid model card: features\.frontEnd\.version/);
    const diff = diffFeatureConfig(SPEECH_EMBEDDING_FEATURES, {
      ...SPEECH_EMBEDDING_FEATURES,
      frontEnd: { ...SPEECH_EMBEDDING_FEATURES.frontEnd!, padSec: 0.5 },
    });
    expect(diff).toHaveLength(1);
    expect(diff[0]).toContain('"padSec":0.25');
    expect(diff[0]).toContain('"padSec":0.5');
  });
});

describe('models/digits-embedding through the ordinary evaluate job', () => {
  it('resamples the Duke India test recordings to 16 kHz, embeds them and scores 17.83% WER (S 16, D 4, I 8 of 157), as in its card', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'emb-eval-'));
    const report = await evaluate({
      modelDir: path.resolve('models/digits-embedding'),
      testManifest: path.join(DATA, 'bench/duke-india-test.jsonl'),
      outDir: dir,
    });
    const before = (
      report as unknown as {
        test: {
          before: {
            wer: number;
            substitutions: number;
            deletions: number;
            insertions: number;
            reference_words: number;
          };
        };
      }
    ).test.before;
    expect([before.substitutions, before.deletions, before.insertions, before.reference_words]).toEqual([
      16, 4, 8, 157,
    ]);
    expect(before.wer).toBeCloseTo(28 / 157, 10);
  });
});
