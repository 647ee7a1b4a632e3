/**
 * Model folders: `model.json` + `weights.bin` in TensorFlow.js's LayersModel format (the format
 * tensorflowjs_converter writes for Keras models) plus `card.json` (see card.ts).
 */
import { readFile, mkdir, realpath, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { initBackend, tf } from './backend';
import { parseCard, type ModelCard } from './card';
import './layers'; // registers the adaptation layers so adapted models load
import './onnx/layers'; // registers the ONNX op layers so imported ONNX models load
import { diffFeatureConfig, type FeatureConfig } from '../features/config';
import { writeFileAtomic, writeJsonAtomic } from '../util/atomic';
import { pathExists, readText, requireRegularFile } from '../util/files';

/** A loaded model and its card. The caller disposes `model`. */
export interface LoadedModel {
  model: tf.LayersModel;
  card: ModelCard;
  dir: string;
}

/**
 * Load a model folder.
 * @param dir folder holding model.json, weight shards and card.json
 * @param expectFeatures when given, the card's feature settings must equal these
 * @throws Error naming the folder/file: missing files, invalid card (see parseCard), feature mismatch
 *   (listing each differing setting), `"<dir>/model.json: not valid JSON"`, `"<dir>/model.json: not a
 *   TensorFlow.js LayersModel (...)"`, a weight shard path leaving the folder, a missing or short
 *   shard, weights that do not fit the architecture, or `"<shard>: weight "<name>" holds N NaN or
 *   infinite values (of M); the model cannot be used"`. File contents are never quoted.
 */
export async function loadModel(dir: string, expectFeatures?: FeatureConfig): Promise<LoadedModel> {
  await initBackend(); // no-op when a backend already runs
  const cardPath = path.join(dir, 'card.json');
  const modelPath = path.join(dir, 'model.json');
  for (const f of [cardPath, modelPath]) {
    try {
      await stat(f);
    } catch {
      throw new Error(`${dir}: not a model folder (${path.basename(f)} is missing)`);
    }
  }
  const cardText = await readText(cardPath, 'model card');
  let rawCard: unknown;
  try {
    rawCard = JSON.parse(cardText);
  } catch {
    throw new Error(`${cardPath}: not valid JSON`); // never quote the file (JSON.parse's message does)
  }
  const card = parseCard(rawCard, cardPath);
  if (expectFeatures) {
    const diff = diffFeatureConfig(card.features, expectFeatures);
    if (diff.length)
      throw new Error(`${cardPath}: feature settings differ from the model's: ${diff.join(', ')}`);
  }
  const { modelTopology, specs, weightData } = await readWeights(dir, modelPath);
  let model: tf.LayersModel;
  try {
    model = await modelFromArtifacts({
      modelTopology,
      weightSpecs: specs,
      weightData: weightData.buffer as ArrayBuffer,
    });
  } catch (err) {
    throw new Error(`${modelPath}: could not load weights (${(err as Error).message})`, { cause: err });
  }
  const inUnits = (model.inputs[0].shape as number[])[2];
  if (inUnits !== card.architecture.inputDim) {
    model.dispose();
    throw new Error(
      `${dir}: the model takes ${inUnits} features per frame but the card's feature settings give ${card.architecture.inputDim}`,
    );
  }
  const outUnits = (model.outputs[0].shape as number[])[2];
  if (outUnits !== card.tokens.inventory.length) {
    model.dispose();
    throw new Error(
      `${dir}: model has ${outUnits} outputs but the card lists ${card.tokens.inventory.length} tokens`,
    );
  }
  return { model, card, dir };
}

/**
 * Read model.json and its weight shards, checked before TensorFlow.js sees them: model.json must be a
 * LayersModel document, every shard path must stay inside the model folder (also after following
 * links) and be a regular file, the shards must hold the bytes the manifest lists, and every float32
 * weight must be finite.
 * @throws Error naming model.json or the shard (see loadModel)
 */
async function readWeights(
  dir: string,
  modelPath: string,
): Promise<{ modelTopology: object; specs: tf.io.WeightsManifestEntry[]; weightData: Uint8Array }> {
  const text = await readText(modelPath, 'model.json');
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new Error(`${modelPath}: not valid JSON (the file is damaged or not a TensorFlow.js model.json)`);
  }
  const doc = raw as { modelTopology?: unknown; weightsManifest?: unknown } | null;
  const notLayers = (why: string) => new Error(`${modelPath}: not a TensorFlow.js LayersModel (${why})`);
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw notLayers('not a JSON object');
  if (doc.modelTopology === null || typeof doc.modelTopology !== 'object')
    throw notLayers('no "modelTopology" object');
  if (!Array.isArray(doc.weightsManifest)) throw notLayers('no "weightsManifest" list');
  const specs: tf.io.WeightsManifestEntry[] = [];
  const shards: { file: string; bytes: Uint8Array }[] = [];
  const realDir = await realpath(dir);
  for (const [g, group] of (doc.weightsManifest as unknown[]).entries()) {
    const grp = group as { paths?: unknown; weights?: unknown } | null;
    if (
      !grp ||
      !Array.isArray(grp.paths) ||
      !grp.paths.every((p) => typeof p === 'string') ||
      !Array.isArray(grp.weights)
    ) {
      throw notLayers(`weightsManifest[${g}] needs a "paths" list of file names and a "weights" list`);
    }
    for (const [w, spec] of (grp.weights as unknown[]).entries()) {
      const sp = spec as { name?: unknown; shape?: unknown; dtype?: unknown } | null;
      if (
        !sp ||
        typeof sp.name !== 'string' ||
        !Array.isArray(sp.shape) ||
        !sp.shape.every((d) => Number.isInteger(d) && d >= 0) ||
        typeof sp.dtype !== 'string'
      ) {
        throw notLayers(`weightsManifest[${g}].weights[${w}] needs "name", "shape" and "dtype"`);
      }
    }
    specs.push(...(grp.weights as tf.io.WeightsManifestEntry[]));
    for (const p of grp.paths as string[]) {
      const file = path.resolve(dir, p);
      const rel = path.relative(path.resolve(dir), file);
      if (path.isAbsolute(p) || rel.startsWith('..') || path.isAbsolute(rel))
        throw new Error(`${modelPath}: weight shard path ${JSON.stringify(p)} leaves the model folder`);
      await requireRegularFile(file, 'weight shard');
      const realRel = path.relative(realDir, await realpath(file));
      if (realRel.startsWith('..') || path.isAbsolute(realRel))
        throw new Error(`${file}: weight shard links outside the model folder`);
      shards.push({ file, bytes: await readFile(file) });
    }
  }
  const total = shards.reduce((a, b) => a + b.bytes.byteLength, 0);
  const weightData = new Uint8Array(total);
  let off = 0;
  const starts: number[] = [];
  for (const b of shards) {
    starts.push(off);
    weightData.set(b.bytes, off);
    off += b.bytes.byteLength;
  }
  checkFiniteWeights(
    specs,
    weightData,
    shards.map((s, i) => ({ file: s.file, start: starts[i] })),
    modelPath,
  );
  return { modelTopology: doc.modelTopology as object, specs, weightData };
}

/**
 * Check every unquantised float32 weight for NaN and infinities (a diverged or damaged model scores
 * 100% WER without any error otherwise). Weights are laid out one after another in manifest order
 * over the concatenated shards.
 * @throws Error `"<modelPath>: the weight shards hold N bytes, the manifest lists M"` when the shards
 *   are short; `"<shard>: weight \"<name>\" holds N NaN or infinite values (of M); the model cannot be used"`
 */
function checkFiniteWeights(
  specs: tf.io.WeightsManifestEntry[],
  data: Uint8Array,
  shards: { file: string; start: number }[],
  modelPath: string,
): void {
  const bytesPer: Record<string, number> = {
    float32: 4,
    int32: 4,
    bool: 1,
    uint8: 1,
    float16: 2,
    uint16: 2,
    complex64: 8,
  };
  let off = 0;
  for (const spec of specs) {
    const n = spec.shape.reduce((a, b) => a * b, 1);
    const width = spec.quantization ? (bytesPer[spec.quantization.dtype] ?? 1) : (bytesPer[spec.dtype] ?? 4);
    const bytes = n * width;
    if (spec.dtype === 'string') return; // variable-length: the layout cannot be followed further
    if (off + bytes > data.byteLength)
      throw new Error(
        `${modelPath}: the weight shards hold ${data.byteLength} bytes, the manifest lists at least ${off + bytes}`,
      );
    if (spec.dtype === 'float32' && !spec.quantization) {
      const v = new Float32Array(data.slice(off, off + bytes).buffer);
      let bad = 0;
      for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i])) bad++;
      if (bad > 0) {
        const shard = [...shards].reverse().find((s) => s.start <= off) ?? shards[0];
        throw new Error(
          `${shard.file}: weight "${spec.name}" holds ${bad} NaN or infinite values (of ${n}); the model cannot be used`,
        );
      }
    }
    off += bytes;
  }
}

/** A model as plain data (topology JSON + weights), to write to disk or send to another thread. */
export interface ModelArtifacts {
  modelTopology: object;
  weightSpecs: tf.io.WeightsManifestEntry[];
  weightData: ArrayBuffer;
}

/**
 * Serialise a model (topology + weights) in memory.
 * @throws Error when the model cannot be serialised (a layer class without a registered serializer)
 */
export async function modelArtifacts(model: tf.LayersModel): Promise<ModelArtifacts> {
  let out: ModelArtifacts | null = null;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      const data = a.weightData;
      const weightData = Array.isArray(data) ? tf.io.concatenateArrayBuffers(data) : (data as ArrayBuffer);
      out = { modelTopology: a.modelTopology as object, weightSpecs: a.weightSpecs ?? [], weightData };
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (!out) throw new Error('checkpoint: the model could not be serialised');
  return out;
}

/** Rebuild a model from modelArtifacts() (the adaptation layers are registered by this module). */
export async function modelFromArtifacts(a: ModelArtifacts): Promise<tf.LayersModel> {
  return tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: a.modelTopology,
      weightSpecs: a.weightSpecs,
      weightData: a.weightData,
    }),
  );
}

/**
 * Save a model folder atomically: everything is written to a temporary sibling folder which is then
 * renamed, so `dir` holds either nothing or the complete model.
 * @throws Error when `dir` already exists (models are never overwritten)
 */
export async function saveModel(dir: string, model: tf.LayersModel, card: ModelCard): Promise<void> {
  if (await pathExists(dir)) throw new Error(`${dir}: already exists; a model folder is never overwritten`);
  const tmp = `${dir}.partial-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  const artifacts = await modelArtifacts(model);
  await writeJsonAtomic(path.join(tmp, 'model.json'), {
    format: 'layers-model',
    generatedBy: `TensorFlow.js tfjs-layers v${tf.version_layers}`,
    convertedBy: null,
    modelTopology: artifacts.modelTopology,
    weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
  });
  await writeFileAtomic(path.join(tmp, 'weights.bin'), new Uint8Array(artifacts.weightData));
  await writeJsonAtomic(path.join(tmp, 'card.json'), card);
  await mkdir(path.dirname(dir), { recursive: true });
  await rename(tmp, dir);
}
