/**
 * Model folders: `model.json` + `weights.bin` in TensorFlow.js's LayersModel format (the format
 * tensorflowjs_converter writes for Keras models) plus `card.json` (see card.ts).
 */
import { readFile, mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { initBackend, tf } from './backend';
import { parseCard, type ModelCard } from './card';
import './layers'; // registers the adaptation layers so adapted models load
import './onnx/layers'; // registers the ONNX op layers so imported ONNX models load
import { diffFeatureConfig, type FeatureConfig } from '../features/config';
import { writeFileAtomic, writeJsonAtomic } from '../util/atomic';

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
 * @throws Error naming the folder/file: missing files, invalid card, feature mismatch (listing each
 *   differing setting), or weights that do not fit the architecture
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
  let rawCard: unknown;
  try {
    rawCard = JSON.parse(await readFile(cardPath, 'utf8'));
  } catch (err) {
    throw new Error(`${cardPath}: not valid JSON (${(err as Error).message})`);
  }
  const card = parseCard(rawCard, cardPath);
  if (expectFeatures) {
    const diff = diffFeatureConfig(card.features, expectFeatures);
    if (diff.length) throw new Error(`${cardPath}: feature settings differ from the model's: ${diff.join(', ')}`);
  }
  const modelJson = JSON.parse(await readFile(modelPath, 'utf8')) as {
    modelTopology: object;
    weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  };
  const specs: tf.io.WeightsManifestEntry[] = [];
  const buffers: Uint8Array[] = [];
  for (const group of modelJson.weightsManifest) {
    specs.push(...group.weights);
    for (const p of group.paths) buffers.push(await readFile(path.join(dir, p)));
  }
  const total = buffers.reduce((a, b) => a + b.byteLength, 0);
  const weightData = new Uint8Array(total);
  let off = 0;
  for (const b of buffers) {
    weightData.set(b, off);
    off += b.byteLength;
  }
  let model: tf.LayersModel;
  try {
    model = await modelFromArtifacts({ modelTopology: modelJson.modelTopology, weightSpecs: specs, weightData: weightData.buffer });
  } catch (err) {
    throw new Error(`${modelPath}: could not load weights (${(err as Error).message})`);
  }
  const inUnits = (model.inputs[0].shape as number[])[2];
  if (inUnits !== card.architecture.inputDim) {
    model.dispose();
    throw new Error(`${dir}: the model takes ${inUnits} features per frame but the card's feature settings give ${card.architecture.inputDim}`);
  }
  const outUnits = (model.outputs[0].shape as number[])[2];
  if (outUnits !== card.tokens.inventory.length) {
    model.dispose();
    throw new Error(`${dir}: model has ${outUnits} outputs but the card lists ${card.tokens.inventory.length} tokens`);
  }
  return { model, card, dir };
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
  return tf.loadLayersModel(tf.io.fromMemory({ modelTopology: a.modelTopology, weightSpecs: a.weightSpecs, weightData: a.weightData }));
}

/**
 * Save a model folder atomically: everything is written to a temporary sibling folder which is then
 * renamed, so `dir` holds either nothing or the complete model.
 * @throws Error when `dir` already exists (models are never overwritten)
 */
export async function saveModel(dir: string, model: tf.LayersModel, card: ModelCard): Promise<void> {
  const exists = await stat(dir).then(
    () => true,
    () => false,
  );
  if (exists) throw new Error(`${dir}: already exists; a model folder is never overwritten`);
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
