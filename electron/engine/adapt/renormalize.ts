/**
 * Unsupervised adaptation of normalisation statistics from target audio (no transcripts needed):
 *
 * - global CMVN: the per-bin mean and standard deviation of the raw features are re-estimated on the
 *   target audio and written into the adapted model's card (features.cmvn "global" only; a model
 *   with per-utterance CMVN already normalises every recording by its own statistics);
 * - batch normalisation: every BatchNormalization layer's moving mean and variance are re-estimated
 *   on the target audio, layer by layer from the input up, so each layer sees the already
 *   re-normalised layers below it (AdaBN, Li et al. 2016, "Revisiting batch normalization for
 *   practical domain adaptation"). Padded frames are left out of the statistics.
 */
import { tf } from '../model/backend';
import { padBatch, lengthBatches } from '../model/batch';
import type { FeatureMatrix } from '../features/logmel';

/** Per-channel statistics of one layer's input. */
export interface LayerStats {
  layer: string;
  mean: number[];
  variance: number[];
  frames: number;
}

/**
 * The symbolic input of `layer` in `model`'s graph. An adapted model may reuse the base model's
 * layer objects in a new graph, so a layer can have several inbound nodes (one per graph); the one
 * that belongs to `model` is the one its container lists.
 * @throws Error when the layer is not connected in this model
 */
function layerInputIn(model: tf.LayersModel, layer: tf.layers.Layer): tf.SymbolicTensor {
  const nodes = (model as unknown as { containerNodes: Set<string> }).containerNodes;
  for (let i = 0; i < layer.inboundNodes.length; i++) {
    if (nodes.has(`${layer.name}_ib-${i}`)) return layer.getInputAt(i) as tf.SymbolicTensor;
  }
  throw new Error(`layer "${layer.name}" is not connected in model "${model.name}"`);
}

/** Names of a model's batch-normalisation layers, bottom to top. */
export function batchNormLayers(model: tf.LayersModel): string[] {
  return model.layers.filter((l) => l.getClassName() === 'BatchNormalization').map((l) => l.name);
}

/**
 * Re-estimate the moving statistics of every batch-norm layer on `feats` (AdaBN).
 * Statistics are over all valid frames (and channels-last positions) of the layer's input; for a
 * layer whose input is shorter than the model input by a subsampling factor s = T / T' (strided
 * layers below it), utterance b counts its first ceil(numFrames_b / s) frames.
 * @param feats normalised features of the target audio, each [numFrames, inputDim]
 * @param multipleOf batches are padded to a multiple of this many frames, as for recognition (the
 *   model's time subsampling: strided "same" convolutions align by the padded length's parity)
 * @returns the statistics written, per layer (empty when the model has no batch-norm layers)
 * @throws Error when feats is empty or a layer's moving statistics cannot be found
 */
export function reestimateBatchNorm(
  model: tf.LayersModel,
  feats: FeatureMatrix[],
  multipleOf = 1,
  batchSize = 16,
): LayerStats[] {
  const names = batchNormLayers(model);
  if (!names.length) return [];
  if (!feats.length) throw new Error('re-estimating batch-norm statistics needs target audio');
  const out: LayerStats[] = [];
  for (const name of names) {
    const layer = model.getLayer(name);
    const probe = tf.model({ inputs: model.inputs, outputs: layerInputIn(model, layer) });
    let sum: Float64Array | null = null;
    let sumSq: Float64Array | null = null;
    let frames = 0;
    for (const batch of lengthBatches(
      feats.map((f) => f.numFrames),
      batchSize,
    )) {
      const { x, frames: lens } = padBatch(
        batch.map((i) => feats[i]),
        multipleOf,
      );
      const h = probe.predict(x) as tf.Tensor;
      const data = h.dataSync() as Float32Array;
      const [B, T, ...rest] = h.shape as number[];
      const C = rest.length ? rest[rest.length - 1] : 1;
      const perFrame = rest.reduce((a, b) => a * b, 1); // values per time step (positions x channels)
      sum ??= new Float64Array(C);
      sumSq ??= new Float64Array(C);
      // The layer's time subsampling below it: a whole number when batches are padded to a multiple of it.
      const sub = Math.max(1, Math.round(x.shape[1] / T));
      for (let b = 0; b < B; b++) {
        const valid = Math.min(T, Math.ceil(lens[b] / sub));
        const base = b * T * perFrame;
        for (let i = 0; i < valid * perFrame; i++) {
          const v = data[base + i];
          sum[i % C] += v;
          sumSq[i % C] += v * v;
        }
        frames += (valid * perFrame) / C;
      }
      tf.dispose([x, h]);
    }
    const mean = Array.from(sum!, (s) => s / frames);
    const variance = Array.from(sumSq!, (s, c) => Math.max(s / frames - mean[c] * mean[c], 0));
    const weights = layer.weights;
    const movingMean = weights.find((w) => /moving_mean/.test(w.originalName));
    const movingVar = weights.find((w) => /moving_variance/.test(w.originalName));
    if (!movingMean || !movingVar) throw new Error(`batch-norm layer "${name}": moving statistics not found`);
    tf.tidy(() => {
      movingMean.write(tf.tensor1d(mean));
      movingVar.write(tf.tensor1d(variance));
    });
    out.push({ layer: name, mean, variance, frames });
  }
  return out;
}
