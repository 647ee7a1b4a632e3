/**
 * The acoustic model: a stack of 1-D convolutions over time (ReLU, dropout) and a per-frame linear
 * output layer producing CTC logits. No recurrence: per-time-step slicing is what TensorFlow.js's
 * wasm backend does worst, and a conv stack trains an order of magnitude faster on 2 CPU cores.
 *
 * Shapes: input [batch, numFrames, inputDim] float32 (normalised features, zero-padded);
 * output [batch, outFrames, numTokens] logits, outFrames = numFrames / prod(strides), rounded up
 * at each strided layer ("same" padding).
 */
import { tf } from './backend';
import type { Architecture, Conv1dCtcArchitecture } from './card';

/** Default architecture for 8 kHz, 40 log-mel bins, 11 word tokens (~350 k parameters). */
export function defaultArchitecture(inputDim: number, numTokens: number): Conv1dCtcArchitecture {
  return {
    type: 'conv1d-ctc',
    inputDim,
    convLayers: [
      { filters: 128, kernelSize: 5, stride: 2 },
      { filters: 128, kernelSize: 5, stride: 2 },
      { filters: 128, kernelSize: 5, stride: 1 },
      { filters: 128, kernelSize: 5, stride: 1 },
      { filters: 128, kernelSize: 5, stride: 1 },
    ],
    dropout: 0.15,
    numTokens,
  };
}

/**
 * Head over the frozen speech embedding (96 values per 80 ms): three 1-D convolutions (96 filters,
 * kernel 5 = 400 ms, stride 1: the 80 ms frames are not subsampled further) and the output layer,
 * about 140 k parameters.
 */
export function embeddingHeadArchitecture(inputDim: number, numTokens: number): Conv1dCtcArchitecture {
  return {
    type: 'conv1d-ctc',
    inputDim,
    convLayers: [
      { filters: 96, kernelSize: 5, stride: 1 },
      { filters: 96, kernelSize: 5, stride: 1 },
      { filters: 96, kernelSize: 5, stride: 1 },
    ],
    dropout: 0.15,
    numTokens,
  };
}

/** Names of the weight-bearing layers of a model, bottom to top (conv1..convN, output for ours). */
export function weightLayerNames(model: tf.LayersModel): string[] {
  return model.layers.filter((l) => l.getWeights().length > 0).map((l) => l.name);
}

/**
 * Build an untrained model (Glorot-uniform weights from the given seed).
 * @returns a tf.LayersModel; the caller owns it and calls dispose()
 */
export function buildAcousticModel(arch: Conv1dCtcArchitecture, seed = 1): tf.LayersModel {
  const input = tf.input({ shape: [null, arch.inputDim] });
  let x: tf.SymbolicTensor = input;
  arch.convLayers.forEach((c, i) => {
    x = tf.layers
      .conv1d({
        name: `conv${i + 1}`,
        filters: c.filters,
        kernelSize: c.kernelSize,
        strides: c.stride,
        padding: 'same',
        activation: 'relu',
        kernelInitializer: tf.initializers.glorotUniform({ seed: seed + i }),
      })
      .apply(x) as tf.SymbolicTensor;
    if (arch.dropout > 0)
      x = tf.layers.dropout({ name: `dropout${i + 1}`, rate: arch.dropout }).apply(x) as tf.SymbolicTensor;
  });
  const out = tf.layers
    .dense({
      name: 'output',
      units: arch.numTokens,
      kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 100 }),
    })
    .apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out, name: 'acoustic' });
}

/** Output frames for an input of numFrames frames ("same" padding: ceil at each strided layer). */
export function outputFrames(arch: Architecture, numFrames: number): number {
  if (arch.type === 'layers-model') return Math.ceil(numFrames / arch.subsampling);
  let n = numFrames;
  for (const c of arch.convLayers) n = Math.ceil(n / c.stride);
  return n;
}

/** Time subsampling of an architecture: input frames per output frame. */
export function timeSubsampling(arch: Architecture): number {
  return arch.type === 'layers-model' ? arch.subsampling : arch.convLayers.reduce((p, c) => p * c.stride, 1);
}

/** Count of parameters of a model. */
export function countParams(model: tf.LayersModel, trainableOnly = false): number {
  const ws = trainableOnly ? model.trainableWeights : model.weights;
  return ws.reduce((acc, w) => acc + w.shape.reduce((a: number, b) => a * (b ?? 1), 1), 0);
}
