/** Residual adapters: a small bottleneck after each inner weight layer; only the adapters train. */
import { ResidualAdapter } from '../../model/layers';
import { defineMethod, noSettings, rebuildChain } from './types';

export interface AdaptersConfig {
  /** Bottleneck width. Default 8 (about 2.2 k parameters per 128-unit layer: 3% of the model in all). */
  bottleneck: number;
}

export const adapters = defineMethod<AdaptersConfig>({
  summary: 'residual bottleneck adapters after each inner layer (identity at start); only adapters train',
  defaults: { bottleneck: 8 },
  configFrom: (settings) => ({ ...noSettings('adapters')(settings), bottleneck: settings.bottleneck }),
  learningRate: 3e-3,
  klWeight: 0,
  prepare(base, card, c) {
    const names: string[] = [];
    const model = rebuildChain(base, {
      afterInner: (layer) => {
        const name = `adapter_${layer}`;
        names.push(name);
        return new ResidualAdapter({ name, bottleneck: c.bottleneck });
      },
    });
    return { model, card, trainable: names };
  },
});
