/**
 * Adaptation inside the speech embedding: a model that holds the embedding's top N conv layers
 * (1-5, counted from the top: 1 = conv 19 only; 5 = conv 15-19, the whole top stage) under the
 * head, so fine-tuning, LHUC and adapters can act there, while the frozen lower part's activations
 * are computed once per utterance by the front end (features/speech-embedding.ts, cached like any
 * features).
 *
 * Shapes: input [batch, frames, EMBEDDING_SPLIT_DIMS[N]] (per 80 ms frame, the window of lower-part
 * activations that frame depends on) -> FrameWindows [batch * frames, window, height, channels] ->
 * copies of the embedding's top layers (Conv2D, LeakyRelu, max(x, -0.4), MaxPool) ->
 * [batch * frames, 1, 1, 96] -> UnfoldFrames [batch, frames, 96] -> the head's layers ->
 * [batch, frames, numTokens] logits. Every layer is a copy holding the source layer's weights, so
 * training never touches the shared front end or the head model. One output frame per
 * input frame, so CTC lengths, chunked recognition and word re-splicing work unchanged.
 *
 * Before any training the model's output equals the head on the full embedding (within float
 * rounding; tested within 1e-5). Its card records the split in features.frontEnd.topConvLayers, and
 * its architecture as a LayersModel without time subsampling, so a saved adapted model loads and
 * recognizes like any model.
 */
import { tf } from './backend';
import type { ModelCard } from './card';
import { FrameWindows, UnfoldFrames } from './layers';
import { embeddingSplit } from '../features/speech-embedding';
import { featureDim } from '../features/config';

/** Name prefix of the embedding's layers inside a model (their ONNX-derived names follow it). */
export const EMBEDDING_LAYER_PREFIX = 'embed_';

/** Names of the embedding's conv layers inside a model, bottom to top (empty for a head-only model). */
export function embeddingConvLayerNames(model: tf.LayersModel): string[] {
  return model.layers
    .filter((l) => l.name.startsWith(EMBEDDING_LAYER_PREFIX) && l.getClassName() === 'Conv2D')
    .map((l) => l.name);
}

/** True when the model holds embedding layers (a FrameWindows input). */
export function hasEmbeddingTop(model: tf.LayersModel): boolean {
  return model.layers.some((l) => l instanceof FrameWindows);
}

/**
 * The head with the embedding's top N conv layers under it.
 * @param head a loaded speech-embedding model whose front end is the whole embedding (only read:
 *   the result holds copies of its layers)
 * @param card its card
 * @param topConvLayers N, 1-5
 * @returns the model (the caller disposes it) and its
 *   card (features.frontEnd.topConvLayers = N; architecture "layers-model", subsampling 1)
 * @throws Error when the card's features are not the speech embedding, or already split, or N is
 *   out of range
 */
export function withEmbeddingTop(
  head: tf.LayersModel,
  card: ModelCard,
  topConvLayers: number,
): { model: tf.LayersModel; card: ModelCard } {
  const fe = card.features.frontEnd;
  if (card.features.kind !== 'speech-embedding' || !fe)
    throw new Error(
      `adapt: --embedding-layers needs a model on the speech embedding; "${card.name}" has ${card.features.kind} features`,
    );
  if (fe.topConvLayers)
    throw new Error(
      `adapt: "${card.name}" already holds the embedding's top ${fe.topConvLayers} conv layers; adapt it with --embedding-layers 0`,
    );
  const split = embeddingSplit(topConvLayers);
  const features = { ...card.features, frontEnd: { ...fe, topConvLayers } };
  const dim = featureDim(features);
  const input = tf.input({ shape: [null, dim], name: 'split_windows' });
  let x = new FrameWindows({
    name: 'frame_windows',
    window: split.window,
    height: split.height,
    channels: split.channels,
  }).apply(input) as tf.SymbolicTensor;
  const copies: [tf.layers.Layer, tf.layers.Layer][] = [];
  const copyOf = (l: tf.layers.Layer, name: string): tf.layers.Layer => {
    const entry = tf.serialization.SerializationMap.getMap().classNameMap[l.getClassName()];
    if (!entry) throw new Error(`embedding layers: layer class ${l.getClassName()} is not registered`);
    const [cls, fromConfig] = entry;
    const copy = fromConfig(cls, { ...l.getConfig(), name, trainable: true }) as unknown as tf.layers.Layer;
    copies.push([l, copy]);
    return copy;
  };
  for (const l of split.upper)
    x = copyOf(l, `${EMBEDDING_LAYER_PREFIX}${l.name}`).apply(x) as tf.SymbolicTensor;
  x = new UnfoldFrames({ name: 'unfold_frames' }).apply([x, input]) as tf.SymbolicTensor;
  for (const l of head.layers)
    if (l.getClassName() !== 'InputLayer') x = copyOf(l, l.name).apply(x) as tf.SymbolicTensor;
  for (const [l, copy] of copies) copy.setWeights(l.getWeights());
  const model = tf.model({ inputs: input, outputs: x, name: `${head.name}_embedding_top${topConvLayers}` });
  const outCard: ModelCard = {
    ...card,
    features,
    architecture: {
      type: 'layers-model',
      inputDim: dim,
      numTokens: card.architecture.numTokens,
      subsampling: 1,
      numParams: model.countParams(),
    },
  };
  return { model, card: outCard };
}
