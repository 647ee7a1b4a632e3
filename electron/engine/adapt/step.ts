/**
 * The gradient of one training step on one shard of a batch, shared by the training loop (main
 * thread) and the data-parallel gradient workers (parallel.ts), so both compute the same loss.
 *
 * The loss of a shard is normalised by the whole batch (utterances for the CTC mean, valid frames for
 * the KL mean), so the gradients of the shards of a batch sum to the gradient of the whole batch.
 */
import { tf } from '../model/backend';
import { ctcLoss } from '../model/ctc';

/** One shard of a training batch. */
export interface Shard {
  /** [shardSize, maxFrames, inputDim] float32, zero-padded features; the caller owns it. */
  x: tf.Tensor3D;
  /** Per utterance, target token ids. */
  labels: number[][];
  /** Per utterance, valid output frames. */
  outLens: number[];
  /** Utterances in the whole batch (the CTC loss is a mean over them). */
  batchUtterances: number;
  /** Valid output frames in the whole batch (the KL term is a mean over them). */
  batchFrames: number;
}

/**
 * Conservative training (Yu et al. 2013, KL-divergence regularised adaptation): weight *
 * KL(p_reference || p_model) per valid output frame, added to the CTC loss.
 */
export interface KlRegularizer {
  weight: number;
  /** A frozen copy of the base model. */
  reference: tf.LayersModel;
}

/** [batch, maxFrames] float32: 1 on each utterance's valid output frames, 0 on padding. */
function frameMask(outLens: number[], maxFrames: number): tf.Tensor2D {
  const m = new Float32Array(outLens.length * maxFrames);
  outLens.forEach((n, b) => m.fill(1, b * maxFrames, b * maxFrames + Math.min(n, maxFrames)));
  return tf.tensor2d(m, [outLens.length, maxFrames]);
}

/**
 * Loss and gradients of one shard, with dropout (training mode).
 * Loss = CTC (mean over the batch's utterances of loss / label length, PyTorch's 'mean') +
 * weight * sum over the shard's valid frames of KL(reference || model) / batchFrames.
 * @param vars the variables to differentiate (the model's trainable weights)
 * @returns the shard's loss value and one gradient per variable, in `vars` order (caller disposes)
 */
export function shardGradients(
  model: tf.LayersModel,
  blank: number,
  shard: Shard,
  vars: tf.Variable[],
  regularizer?: KlRegularizer,
): { loss: number; grads: tf.Tensor[] } {
  const { x, labels, outLens } = shard;
  // Reference log-posteriors and the valid-frame mask are constants of the step.
  const ref = regularizer
    ? tf.tidy(() => tf.logSoftmax(regularizer.reference.predict(x) as tf.Tensor3D, -1))
    : null;
  const mask = ref ? frameMask(outLens, ref.shape[1]) : null;
  const { value, grads } = tf.variableGrads(() => {
    const logits = model.apply(x, { training: true }) as tf.Tensor3D;
    const ctc = ctcLoss(logits, labels, outLens, {
      blank,
      reduction: 'mean',
      meanOver: shard.batchUtterances,
    });
    if (!ref || !mask || !regularizer) return ctc;
    const kl = tf.sum(tf.mul(tf.exp(ref), tf.sub(ref, tf.logSoftmax(logits, -1))), -1); // [B, T]
    const klMean = tf.div(tf.sum(tf.mul(kl, mask)), shard.batchFrames);
    return tf.add(ctc, tf.mul(regularizer.weight, klMean)) as tf.Scalar;
  }, vars);
  tf.dispose([...(ref ? [ref] : []), ...(mask ? [mask] : [])]);
  const loss = value.dataSync()[0];
  value.dispose();
  return { loss, grads: vars.map((v) => grads[v.name]) };
}
