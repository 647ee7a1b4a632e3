import { describe, expect, it } from 'vitest';
import fixture from '../fixtures/ctc-torch.json';
import { ctcForwardBackward, ctcLoss } from '../../electron/engine/model/ctc';
import { initBackend, tf } from '../../electron/engine/model/backend';

type Case = {
  T: number;
  V: number;
  labels: number[];
  logits: number[];
  loss: number | 'inf';
  grad_logits: number[] | null;
};

function logSoftmaxRows(logits: number[], T: number, V: number): Float32Array {
  const out = new Float32Array(T * V);
  for (let t = 0; t < T; t++) {
    let m = -Infinity;
    for (let k = 0; k < V; k++) m = Math.max(m, logits[t * V + k]);
    let s = 0;
    for (let k = 0; k < V; k++) s += Math.exp(logits[t * V + k] - m);
    const lse = m + Math.log(s);
    for (let k = 0; k < V; k++) out[t * V + k] = logits[t * V + k] - lse;
  }
  return out;
}

describe('CTC loss against PyTorch ctc_loss (tests/fixtures/ctc-torch.json)', () => {
  const cases = (fixture as { cases: Case[] }).cases;

  it.each(cases.map((c, i) => [i, c] as const))('case %i: loss and gradient w.r.t. logits', (_i, c) => {
    const r = ctcForwardBackward(logSoftmaxRows(c.logits, c.T, c.V), c.T, c.V, c.labels, 0);
    if (c.loss === 'inf') {
      expect(r.loss).toBe(Infinity);
      expect(r.gradLogits.every((g) => g === 0)).toBe(true);
      return;
    }
    expect(r.loss).toBeCloseTo(c.loss, 4);
    let maxErr = 0;
    c.grad_logits!.forEach((g, j) => (maxErr = Math.max(maxErr, Math.abs(g - r.gradLogits[j]))));
    expect(maxErr).toBeLessThan(5e-5); // torch computes in float32
  });

  it('hand-computed: two frames, one label, uniform over {blank, a}', () => {
    // paths for "a" in 2 frames: (a,a), (blank,a), (a,blank) -> p = 3/4
    const lp = new Float32Array([Math.log(0.5), Math.log(0.5), Math.log(0.5), Math.log(0.5)]);
    const r = ctcForwardBackward(lp, 2, 2, [1], 0);
    expect(r.loss).toBeCloseTo(-Math.log(0.75), 6);
  });

  it('batched tfjs op: padded batch equals per-utterance losses, gradient matches, no tensor leak', async () => {
    await initBackend('wasm');
    const [c1, c2] = [cases[3], cases[4]]; // T=12 and T=30, V=11
    const Tmax = 30;
    const V = 11;
    const padded = new Float32Array(2 * Tmax * V);
    padded.set(c1.logits, 0);
    padded.set(c2.logits, Tmax * V);
    const before = tf.memory().numTensors;
    const logits = tf.tensor3d(padded, [2, Tmax, V]);
    const per: number[] = [];
    const g = tf.grad((x: tf.Tensor) =>
      ctcLoss(x as tf.Tensor3D, [c1.labels, c2.labels], [12, 30], { blank: 0, reduction: 'sum' }, per),
    )(logits);
    const gv = await g.data();
    expect(per[0]).toBeCloseTo(c1.loss as number, 4);
    expect(per[1]).toBeCloseTo(c2.loss as number, 4);
    // gradient of utterance 1 matches torch and is zero in its padding frames
    expect(gv[5]).toBeCloseTo(c1.grad_logits![5], 5);
    expect(Array.from(gv.slice(12 * V, Tmax * V)).every((x) => x === 0)).toBe(true);
    expect(gv[Tmax * V + 7]).toBeCloseTo(c2.grad_logits![7], 5);
    g.dispose();
    logits.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
