/**
 * Input transform: a learned affine map of the input features (identity at start), in the spirit of
 * fMLLR / MLLR: the cheapest method, for a handful of utterances. Only the transform trains.
 */
import { hasEmbeddingTop } from '../../model/embedding-top';
import { FeatureAffine } from '../../model/layers';
import { defineMethod, noSettings, rebuildChain } from './types';

export const inputTransform = defineMethod<Record<string, never>>({
  summary: 'affine transform of the input features (identity at start), like fMLLR',
  defaults: {},
  configFrom: (settings, base) => {
    if (hasEmbeddingTop(base))
      throw new Error(
        'adapt: method "input-transform" cannot be combined with --embedding-layers (the transform would act on the split activations)',
      );
    return noSettings('input-transform')(settings);
  },
  learningRate: 2e-3,
  klWeight: 0,
  prepare(base, card) {
    const model = rebuildChain(base, { before: () => new FeatureAffine({ name: 'input_transform' }) });
    return { model, card, trainable: ['input_transform'] };
  },
});
