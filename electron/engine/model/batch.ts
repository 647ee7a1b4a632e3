/** Padding feature matrices into batches, and length-sorted batch order. */
import { tf } from './backend';
import type { FeatureMatrix } from '../features/logmel';
import { shuffleInPlace } from '../util/shuffle';

/**
 * Stack feature matrices into one zero-padded tensor.
 * @param mats all with the same dim
 * @param multipleOf pad the frame count up to a multiple of this. With "same" padding, where a
 *   strided convolution's output frames fall depends on whether its input length is even; padding
 *   every batch to a multiple of the model's subsampling makes an utterance's outputs independent of
 *   the other utterances in its batch (and of chunking)
 * @returns x [batch, paddedFrames, dim] float32 (caller disposes) and each item's frame count
 */
export function padBatch(mats: FeatureMatrix[], multipleOf = 1): { x: tf.Tensor3D; frames: number[] } {
  const dim = mats[0].dim;
  const maxFrames = Math.ceil(Math.max(...mats.map((m) => m.numFrames)) / multipleOf) * multipleOf;
  const buf = new Float32Array(mats.length * maxFrames * dim);
  mats.forEach((m, b) => buf.set(m.data.subarray(0, m.numFrames * dim), b * maxFrames * dim));
  return { x: tf.tensor3d(buf, [mats.length, maxFrames, dim]), frames: mats.map((m) => m.numFrames) };
}

/**
 * Group item indices into batches of similar length (less padding).
 * @param lengths frames per item
 * @param batchSize items per batch
 * @param shuffle optional random source in [0, 1): shuffles, sorts within windows of 50 batches,
 *   then shuffles the batch order; without it, batches are in sorted order (deterministic)
 */
export function lengthBatches(lengths: number[], batchSize: number, shuffle?: () => number): number[][] {
  let idx = lengths.map((_, i) => i);
  if (shuffle) {
    shuffleInPlace(idx, shuffle);
    const win = batchSize * 50;
    const sorted: number[] = [];
    for (let s = 0; s < idx.length; s += win) {
      sorted.push(...idx.slice(s, s + win).sort((a, b) => lengths[a] - lengths[b]));
    }
    idx = sorted;
  } else {
    idx.sort((a, b) => lengths[a] - lengths[b] || a - b);
  }
  const batches: number[][] = [];
  for (let s = 0; s < idx.length; s += batchSize) batches.push(idx.slice(s, s + batchSize));
  if (shuffle) shuffleInPlace(batches, shuffle);
  return batches;
}

/** Seeded random numbers in [0, 1) (mulberry32), for reproducible shuffles and augmentation. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
