/** Recognition: features -> acoustic model -> greedy CTC decoding -> text. */
import { tf } from '../model/backend';
import { outputFrames } from '../model/acoustic';
import { lengthBatches, padBatch } from '../model/batch';
import type { ModelCard } from '../model/card';
import { decodeTokens } from '../model/tokens';
import type { FeatureMatrix } from '../features/logmel';
import type { ProgressFn } from '../jobs/progress';
import { greedyCollapse } from './greedy';

/**
 * Transcribe feature matrices with greedy CTC decoding.
 * @param model acoustic model (not disposed here)
 * @param mats [numFrames, dim] feature matrices as the card's features describe
 * @returns one transcript per matrix, in input order. Leaves no tensors behind.
 */
export async function recognize(
  model: tf.LayersModel,
  card: ModelCard,
  mats: FeatureMatrix[],
  onProgress?: ProgressFn,
  label = 'test',
  batchSize = 32,
): Promise<string[]> {
  const out = new Array<string>(mats.length);
  const batches = lengthBatches(
    mats.map((m) => m.numFrames),
    batchSize,
  );
  let done = 0;
  for (const batch of batches) {
    const { x, frames } = padBatch(batch.map((i) => mats[i]));
    const best = tf.tidy(() => tf.argMax(model.predict(x) as tf.Tensor3D, -1));
    x.dispose();
    const ids = (await best.data()) as Int32Array;
    const T = best.shape[1] as number;
    best.dispose();
    batch.forEach((item, b) => {
      const n = Math.min(outputFrames(card.architecture, frames[b]), T);
      const tokens = greedyCollapse(ids.subarray(b * T, b * T + n), card.tokens.blankIndex);
      out[item] = decodeTokens(tokens, card.tokens);
    });
    done += batch.length;
    onProgress?.({ phase: 'evaluate', label, done, total: mats.length });
  }
  return out;
}
