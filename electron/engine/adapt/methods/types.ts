/** What every adaptation method provides: a model ready to train and the names of what trains. */
import { tf } from '../../model/backend';
import type { ModelCard } from '../../model/card';

/** A model prepared for adaptation. `model` may share layers with the base model it came from. */
export interface PreparedModel {
  model: tf.LayersModel;
  /** The card of the adapted model (tokens may differ from the base: new-head). */
  card: ModelCard;
  /** Layer names whose weights train. */
  trainable: string[];
}

/**
 * The method-specific settings of an adaptation run, as the user gave them; each method reads what
 * it needs with its own `configFrom` (null = the method's own default).
 */
export interface MethodSettings {
  /** finetune: weight layers that train, from the top. */
  topLayers: number;
  /** finetune: also train an input transform; null = the method's default. Other methods refuse true. */
  inputTransform: boolean | null;
  /** adapters: bottleneck width. */
  bottleneck: number;
}

/** A method as written in its file (see `defineMethod`). */
export interface MethodSpec<C extends object> {
  /** One line for the CLI help and the UI's method picker. */
  summary: string;
  defaults: C;
  /** Adam learning rate that suits the method (the user may override it). */
  learningRate: number;
  /** Weight of the KL term against forgetting that suits the method (the user may override it; 0 = off). */
  klWeight: number;
  /**
   * @param base the loaded base model (never saved over; may be reused as shared layers)
   * @param texts the adaptation transcripts (new-head reads its new words from them)
   * @throws Error naming the problem when the method cannot apply to this model
   */
  prepare(base: tf.LayersModel, card: ModelCard, config: C, texts: string[]): PreparedModel;
  /**
   * This method's config from a run's settings. `base` lets a default depend on the model (finetune
   * adds its input transform only to chain models).
   * @throws Error naming the setting when one is given that the method does not take
   */
  configFrom(settings: MethodSettings, base: tf.LayersModel): C;
}

/** A registered method: its spec plus `prepareFrom`, the one call the adaptation job makes. */
export interface AdaptMethod<C extends object> extends MethodSpec<C> {
  /** `prepare` with the config read from the run's settings; returns that config too (for the report). */
  prepareFrom(
    base: tf.LayersModel,
    card: ModelCard,
    settings: MethodSettings,
    texts: string[],
  ): PreparedModel & { config: C };
}

/** Register a method: adds `prepareFrom` so that callers holding any method need no cast. */
export function defineMethod<C extends object>(spec: MethodSpec<C>): AdaptMethod<C> {
  return {
    ...spec,
    prepareFrom(base, card, settings, texts) {
      const config = spec.configFrom(settings, base);
      return { ...spec.prepare(base, card, config, texts), config };
    },
  };
}

/**
 * `configFrom` of the methods without settings of their own.
 * @throws Error when the input transform is asked for: only finetune adds one
 */
export function noSettings(method: string): (settings: MethodSettings) => Record<string, never> {
  return (settings) => {
    if (settings.inputTransform)
      throw new Error(`adapt: --input-transform applies to method "finetune" only, not "${method}"`);
    return {};
  };
}

/**
 * The first layer of a model that is not fed by the layer before it, or null for a chain model. A
 * layer fed by the layer before it and the model input (UnfoldFrames, in a model holding the
 * embedding's top layers: model/embedding-top.ts) keeps the chain.
 */
export function chainBreak(model: tf.LayersModel): string | null {
  const inputName = model.layers[0].name;
  const layers = model.layers.filter((l) => l.getClassName() !== 'InputLayer');
  for (let i = 1; i < layers.length; i++) {
    const inbound = layers[i].inboundNodes.flatMap((n) => n.inboundLayers.map((l) => l.name));
    const chained = inbound[0] === layers[i - 1].name;
    if (!chained || !(inbound.length === 1 || (inbound.length === 2 && inbound[1] === inputName)))
      return layers[i].name;
  }
  return null;
}

/** Layers that only apply an activation (in the embedding's blocks: LeakyRelu, then max(x, -0.4)). */
const ACTIVATION_CLASSES = new Set(['OnnxUnary', 'OnnxConstBinary']);

/**
 * Rebuild a chain model (input -> layer -> layer -> ... -> output) reusing the base model's layer
 * objects (so their weights are shared), optionally with a new layer before the first layer and a
 * new layer after each inner weight layer (all but the output layer). In the embedding's blocks the
 * new layer goes after the conv layer's activation (the max(x, -0.4) constant is not a weight layer
 * here).
 * @throws Error when the base model is not a single chain
 */
export function rebuildChain(
  base: tf.LayersModel,
  opts: {
    before?: () => tf.layers.Layer;
    afterInner?: (layerName: string) => tf.layers.Layer | null;
    /** Used in place of the base model's output layer. */
    replaceOutput?: tf.layers.Layer;
  },
): tf.LayersModel {
  const layers = base.layers.filter((l) => l.getClassName() !== 'InputLayer');
  const weightLayers = layers.filter((l) => l.getWeights().length > 0);
  const outputLayer = weightLayers[weightLayers.length - 1];
  const broken = chainBreak(base);
  if (broken)
    throw new Error(`this method needs a chain model (each layer fed by the one before); "${broken}" is not`);
  const inputShape = base.inputs[0].shape.slice(1) as number[];
  const input = tf.input({ shape: inputShape });
  let x: tf.SymbolicTensor = input;
  if (opts.before) x = opts.before().apply(x) as tf.SymbolicTensor;
  let pending: string | null = null; // an inner weight layer whose activation layers follow
  const insertAfter = (name: string): void => {
    const extra = opts.afterInner?.(name);
    if (extra) x = extra.apply(x) as tf.SymbolicTensor;
  };
  for (const layer of layers) {
    const cls = layer.getClassName();
    if (pending && !ACTIVATION_CLASSES.has(cls)) {
      insertAfter(pending);
      pending = null;
    }
    const applied = layer === outputLayer && opts.replaceOutput ? opts.replaceOutput : layer;
    const twoInputs = layer.inboundNodes[0]?.inboundLayers.length === 2;
    x = applied.apply(twoInputs ? [x, input] : x) as tf.SymbolicTensor;
    if (layer !== outputLayer && layer.getWeights().length > 0 && cls !== 'OnnxConstBinary') {
      if (cls === 'Conv2D') pending = layer.name;
      else insertAfter(layer.name);
    }
  }
  if (pending) insertAfter(pending);
  return tf.model({ inputs: input, outputs: x, name: `${base.name}_adapted` });
}
