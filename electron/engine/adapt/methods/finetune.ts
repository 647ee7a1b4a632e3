/**
 * Fine-tuning: the top N weight layers train (output layer first, then conv layers from the top
 * down), everything below stays frozen.
 */
import { weightLayerNames } from '../../model/acoustic';
import type { tf } from '../../model/backend';
import type { AdaptMethod } from './types';

export interface FinetuneConfig {
  /** Weight layers that train, counted from the top (1 = output layer only). Default 4. */
  topLayers: number;
}

/**
 * Names of the layers that train for `topLayers`.
 * @throws Error when topLayers is not in [1, number of weight layers]
 */
export function finetuneLayers(model: tf.LayersModel, topLayers: number): string[] {
  const names = weightLayerNames(model);
  if (!Number.isInteger(topLayers) || topLayers < 1 || topLayers > names.length) {
    throw new Error(`fine-tuning: --top-layers must be between 1 and ${names.length}, got ${topLayers}`);
  }
  return names.slice(names.length - topLayers);
}

export const finetune: AdaptMethod<FinetuneConfig> = {
  summary: 'fine-tune the top N weight layers, the rest frozen',
  defaults: { topLayers: 4 },
  learningRate: 1e-3,
  prepare: (base, card, c) => ({ model: base, card, trainable: finetuneLayers(base, c.topLayers) }),
};
