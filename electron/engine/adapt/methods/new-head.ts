/**
 * Feature extraction with a new head: the encoder is frozen and a new output layer trains. The token
 * inventory may grow: words of the adaptation transcripts that the base model lacks (a dialect word,
 * "oh" for zero) get new outputs; existing tokens start from the base model's output weights, new ones
 * from small random weights.
 */
import { tf } from '../../model/backend';
import type { ModelCard } from '../../model/card';
import { words } from '../../model/tokens';
import { defineMethod, noSettings, rebuildChain } from './types';

export const newHead = defineMethod<Record<string, never>>({
  summary: 'frozen encoder + new output layer; new words of the adaptation transcripts become new tokens',
  defaults: {},
  configFrom: noSettings('new-head'),
  learningRate: 2e-3,
  klWeight: 0,
  prepare(base, card, _c, texts) {
    if (card.tokens.unit !== 'word')
      throw new Error('new-head: adding tokens is implemented for word-level models');
    const known = new Set(card.tokens.inventory);
    const added = [...new Set(texts.flatMap((t) => words(t)))].filter((w) => !known.has(w)).sort();
    const inventory = [...card.tokens.inventory, ...added];
    const weightLayers = base.layers.filter((l) => l.getWeights().length > 0);
    const oldHead = weightLayers[weightLayers.length - 1];
    const [kernel, bias] = oldHead.getWeights();
    const [units] = kernel.shape;
    const head = tf.layers.dense({
      name: 'new_output',
      units: inventory.length,
      kernelInitializer: tf.initializers.randomNormal({ stddev: 0.02, seed: 11 }),
    });
    // Rebuild: every base layer but the old head, then the new head.
    const model = rebuildChain(base, { replaceOutput: head });
    const [k0, b0] = head.getWeights();
    const k = tf.tidy(() =>
      tf.concat([kernel, k0.slice([0, card.tokens.inventory.length], [units, added.length])], 1),
    );
    const b = tf.tidy(() => tf.concat([bias, b0.slice([card.tokens.inventory.length], [added.length])], 0));
    head.setWeights([k, b]);
    tf.dispose([k, b]);
    const newCard: ModelCard = {
      ...card,
      tokens: { ...card.tokens, inventory },
      architecture: { ...card.architecture, numTokens: inventory.length },
    };
    return { model, card: newCard, trainable: ['new_output'] };
  },
});
