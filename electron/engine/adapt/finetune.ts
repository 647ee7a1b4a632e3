/**
 * Fine-tuning: the top N weight layers train (output layer first, then conv layers from the top
 * down), everything below stays frozen.
 */
import { weightLayerNames } from '../model/acoustic';
import type { tf } from '../model/backend';

export interface FinetuneConfig {
  /** Weight layers that train, counted from the top (1 = output layer only). Default 4. */
  topLayers: number;
  /** Maximum epochs. Default 40. */
  epochs: number;
  /** Default 8. */
  batchSize: number;
  /** Adam learning rate. Default 1e-3. */
  learningRate: number;
  /** Early-stopping patience in epochs. Default 6. */
  patience: number;
  /** Fraction of the adaptation set held out for early stopping (at least 1 utterance). Default 0.2. */
  heldOutFraction: number;
  /**
   * After early stopping has chosen the number of epochs, restart from the base weights and train
   * that many epochs on the whole adaptation set (held-out slice included). Default true: with
   * 8-50 utterances, the held-out fifth is too valuable to leave out of the final model.
   */
  refit: boolean;
  seed: number;
}

export const DEFAULT_FINETUNE: FinetuneConfig = {
  topLayers: 4,
  epochs: 40,
  batchSize: 8,
  learningRate: 1e-3,
  patience: 6,
  heldOutFraction: 0.2,
  refit: true,
  seed: 1,
};

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
