/** LHUC: a learned per-unit scale after each inner weight layer (identity at start); only scales train. */
import { Lhuc } from '../../model/layers';
import { defineMethod, noSettings, rebuildChain } from './types';

export const lhuc = defineMethod<Record<string, never>>({
  summary: 'learning hidden unit contributions: per-unit scales 2*sigmoid(r), r = 0 at start',
  defaults: {},
  configFrom: noSettings('lhuc'),
  learningRate: 5e-3,
  klWeight: 0,
  prepare(base, card) {
    const names: string[] = [];
    const model = rebuildChain(base, {
      afterInner: (layer) => {
        const name = `lhuc_${layer}`;
        names.push(name);
        return new Lhuc({ name });
      },
    });
    return { model, card, trainable: names };
  },
});
