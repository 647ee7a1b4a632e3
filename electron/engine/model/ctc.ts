/**
 * Connectionist Temporal Classification loss and its gradient.
 *
 * Source: A. Graves et al., "Connectionist Temporal Classification", ICML 2006, eqs. 6-16; computed
 * in log space (alpha/beta recursions over the blank-extended label sequence). Values are checked
 * against PyTorch's `torch.nn.functional.ctc_loss` (tests/fixtures/ctc-torch.json).
 */
import { tf } from './backend';
import { logAdd } from '../util/logmath';

/** Per-utterance result of the forward-backward recursion. */
export interface CtcResult {
  /** -ln p(labels | input); Infinity when no alignment fits in the frames. */
  loss: number;
  /**
   * [numFrames, numTokens] float32: d loss / d logits, where logProbs = log_softmax(logits).
   * Equals softmax(logits) - occupancy. All zero when loss is Infinity.
   */
  gradLogits: Float32Array;
}

const NEG_INF = -Infinity;

/**
 * CTC loss of one utterance from log-probabilities.
 *
 * @param logProbs [numFrames, numTokens] float32, frame-major, each row a log-softmax
 * @param numFrames frames actually used (rows beyond it are ignored), >= 0
 * @param numTokens vocabulary size including blank
 * @param labels target token ids, none equal to blank
 * @param blank blank token id (usually 0)
 * @throws Error when a label is out of range or equals blank
 */
export function ctcForwardBackward(
  logProbs: Float32Array,
  numFrames: number,
  numTokens: number,
  labels: ArrayLike<number>,
  blank = 0,
): CtcResult {
  const T = numFrames;
  const V = numTokens;
  const L = labels.length;
  for (let i = 0; i < L; i++) {
    if (labels[i] < 0 || labels[i] >= V || labels[i] === blank) {
      throw new Error(`ctc: label ${labels[i]} at position ${i} is out of range or the blank`);
    }
  }
  const S = 2 * L + 1;
  const ext = new Int32Array(S);
  for (let s = 0; s < S; s++) ext[s] = s % 2 === 0 ? blank : labels[(s - 1) >> 1];
  const gradLogits = new Float32Array(T * V);
  if (T === 0) return { loss: L === 0 ? 0 : Infinity, gradLogits };

  const alpha = new Float64Array(T * S).fill(NEG_INF);
  const beta = new Float64Array(T * S).fill(NEG_INF);
  alpha[0] = logProbs[blank];
  if (S > 1) alpha[1] = logProbs[ext[1]];
  for (let t = 1; t < T; t++) {
    const row = t * S;
    const prev = (t - 1) * S;
    // Only states that can still reach the end matter, but the full sweep is cheap here.
    for (let s = 0; s < S; s++) {
      let a = alpha[prev + s];
      if (s >= 1) a = logAdd(a, alpha[prev + s - 1]);
      if (s >= 2 && ext[s] !== blank && ext[s] !== ext[s - 2]) a = logAdd(a, alpha[prev + s - 2]);
      alpha[row + s] = a === NEG_INF ? NEG_INF : a + logProbs[t * V + ext[s]];
    }
  }
  const lastRow = (T - 1) * S;
  const logP = S > 1 ? logAdd(alpha[lastRow + S - 1], alpha[lastRow + S - 2]) : alpha[lastRow + S - 1];
  if (logP === NEG_INF) return { loss: Infinity, gradLogits };

  // beta[t, s]: log p(emissions after t | state s at t), excluding the emission at t.
  beta[lastRow + S - 1] = 0;
  if (S > 1) beta[lastRow + S - 2] = 0;
  for (let t = T - 2; t >= 0; t--) {
    const row = t * S;
    const next = (t + 1) * S;
    const lpNext = (t + 1) * V;
    for (let s = 0; s < S; s++) {
      let b = beta[next + s] + logProbs[lpNext + ext[s]];
      if (s + 1 < S) b = logAdd(b, beta[next + s + 1] + logProbs[lpNext + ext[s + 1]]);
      if (s + 2 < S && ext[s + 2] !== blank && ext[s + 2] !== ext[s]) {
        b = logAdd(b, beta[next + s + 2] + logProbs[lpNext + ext[s + 2]]);
      }
      beta[row + s] = b;
    }
  }
  // grad = softmax - sum over states of token k of the state occupancy gamma = exp(alpha + beta - logP)
  for (let t = 0; t < T; t++) {
    const g = t * V;
    for (let k = 0; k < V; k++) gradLogits[g + k] = Math.exp(logProbs[g + k]);
    const row = t * S;
    for (let s = 0; s < S; s++) {
      const lg = alpha[row + s] + beta[row + s] - logP;
      if (lg > -50) gradLogits[g + ext[s]] -= Math.exp(lg);
    }
  }
  return { loss: -logP, gradLogits };
}

/** Options of the batched loss. */
export interface CtcLossOptions {
  blank: number;
  /**
   * "mean": mean over utterances of loss / max(1, label length) (PyTorch's reduction='mean');
   * "sum": sum of utterance losses.
   */
  reduction: 'mean' | 'sum';
  /**
   * "mean" divides by this many utterances instead of the batch size: a shard of a larger batch
   * (data-parallel training) then contributes exactly its share of the whole batch's mean.
   */
  meanOver?: number;
}

/**
 * Batched CTC loss as a differentiable tfjs op (custom gradient, forward-backward in JS).
 * Utterances without a valid alignment contribute 0 loss and 0 gradient (PyTorch's zero_infinity).
 *
 * @param logits [batch, maxFrames, numTokens] float32 un-normalised scores; the caller owns it
 * @param labels per utterance, target token ids
 * @param frameLengths per utterance, valid frames (<= maxFrames)
 * @returns scalar loss tensor (caller disposes); per-utterance losses are written to `perUtterance` if given
 */
export function ctcLoss(
  logits: tf.Tensor3D,
  labels: number[][],
  frameLengths: number[],
  options: CtcLossOptions = { blank: 0, reduction: 'mean' },
  perUtterance?: number[],
): tf.Scalar {
  const [B, Tmax, V] = logits.shape;
  if (labels.length !== B || frameLengths.length !== B) {
    throw new Error(
      `ctcLoss: batch of ${B} but ${labels.length} label sequences and ${frameLengths.length} lengths`,
    );
  }
  const f = tf.customGrad(((x: tf.Tensor) => {
    const lp = tf.tidy(() => tf.logSoftmax(x, -1));
    const lpData = lp.dataSync() as Float32Array;
    lp.dispose();
    const grad = new Float32Array(B * Tmax * V);
    let total = 0;
    for (let b = 0; b < B; b++) {
      const T = Math.min(frameLengths[b], Tmax);
      const off = b * Tmax * V;
      const r = ctcForwardBackward(lpData.subarray(off, off + T * V), T, V, labels[b], options.blank);
      const scale =
        options.reduction === 'mean' ? 1 / ((options.meanOver ?? B) * Math.max(1, labels[b].length)) : 1;
      if (perUtterance) perUtterance[b] = r.loss;
      if (!Number.isFinite(r.loss)) continue;
      total += r.loss * scale;
      for (let i = 0; i < T * V; i++) grad[off + i] = r.gradLogits[i] * scale;
    }
    const value = tf.scalar(total);
    return {
      value,
      gradFunc: (dy: tf.Tensor) => tf.mul(dy, tf.tensor3d(grad, [B, Tmax, V])),
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return f(logits) as tf.Scalar;
}
