import { describe, expect, it } from 'vitest';
import { initBackend, tf } from '../../electron/engine/model/backend';

/** Run fn on a backend and return every output tensor's values as plain arrays. */
async function on(backend: 'cpu' | 'wasm', fn: () => tf.Tensor | tf.Tensor[]): Promise<number[][]> {
  await initBackend(backend);
  expect(tf.getBackend()).toBe(backend);
  const outs = tf.tidy(() => {
    const r = fn();
    return Array.isArray(r) ? r : [r];
  });
  const values = await Promise.all(outs.map(async (t) => Array.from(await t.data())));
  tf.dispose(outs);
  return values;
}

function seeded(shape: number[], seed: number): () => tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    v[i] = s / 2147483648 - 0.5;
  }
  return () => tf.tensor(v, shape);
}

function expectClose(a: number[][], b: number[][], tol = 1e-4): void {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) {
    expect(a[i].length).toBe(b[i].length);
    let maxErr = 0;
    for (let j = 0; j < a[i].length; j++) maxErr = Math.max(maxErr, Math.abs(a[i][j] - b[i][j]));
    expect(maxErr).toBeLessThan(tol);
  }
}

async function both(fn: () => tf.Tensor | tf.Tensor[], tol?: number): Promise<number[][]> {
  const cpu = await on('cpu', fn);
  const wasm = await on('wasm', fn);
  expectClose(wasm, cpu, tol);
  return wasm;
}

describe('wasm kernel fixes agree with the cpu backend', () => {
  it('Slice: contiguous, strided and scalar boxes', async () => {
    const x = seeded([3, 5, 7], 1);
    const out = await both(() => [
      tf.slice(x(), [1, 0, 0], [2, 5, 7]),
      tf.slice(x(), [0, 2, 3], [3, 2, 4]),
      tf.slice(x(), [2, 4, 6], [1, 1, 1]),
    ]);
    expect(out[0].length).toBe(70);
    expect(out[1].length).toBe(24);
  });

  it('SplitV and Unpack along inner axes', async () => {
    const x = seeded([4, 6, 3], 2);
    const out = await both(() => [
      ...tf.split(x(), [1, 2, 3], 1),
      ...tf.unstack(x(), 1),
      ...tf.unstack(x(), 0),
    ]);
    expect(out.length).toBe(3 + 6 + 4);
    expect(out[3].length).toBe(12);
  });

  it('BatchMatMul with every transpose combination, and its gradients', async () => {
    const a = seeded([2, 5, 4], 3);
    const b = seeded([2, 4, 6], 4);
    await both(() => [
      tf.matMul(a(), b()),
      tf.matMul(tf.transpose(a(), [0, 2, 1]), b(), true, false),
      tf.matMul(a(), tf.transpose(b(), [0, 2, 1]), false, true),
      tf.matMul(tf.transpose(a(), [0, 2, 1]), tf.transpose(b(), [0, 2, 1]), true, true),
    ]);
    const grads = await both(() => {
      const g = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.square(tf.matMul(x, y))));
      return g([a(), b()]);
    });
    expect(grads[0].length).toBe(40);
  });

  it('Conv2DBackpropFilter and Conv2DBackpropInput: conv1d gradients with stride and same/valid padding', async () => {
    const x = seeded([3, 17, 5], 5);
    const w = seeded([5, 5, 4], 6);
    for (const [stride, pad] of [
      [1, 'same'],
      [2, 'same'],
      [2, 'valid'],
    ] as const) {
      const grads = await both(() => {
        const g = tf.grads((xx: tf.Tensor, ww: tf.Tensor) =>
          tf.sum(tf.square(tf.conv1d(xx as tf.Tensor3D, ww as tf.Tensor3D, stride, pad))),
        );
        return g([x(), w()]);
      }, 1e-3);
      expect(grads[1].length).toBe(100);
      expect(Math.max(...grads[1].map(Math.abs))).toBeGreaterThan(0.01);
    }
  });

  it('UnsortedSegmentSum, also as the gradient of gather', async () => {
    const x = seeded([6, 3], 7);
    const ids = () => tf.tensor1d([0, 2, 0, 1, 2, 2], 'int32');
    const out = await both(() => [
      tf.unsortedSegmentSum(x(), ids(), 3),
      tf.grad((t: tf.Tensor) => tf.sum(tf.square(tf.gather(t, [1, 1, 4, 0]))))(x()),
    ]);
    // segment 0 holds rows 0 and 2
    const xs = await on('cpu', () => x());
    expect(out[0][0]).toBeCloseTo(xs[0][0] + xs[0][6], 5);
  });
});
