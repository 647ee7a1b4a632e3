import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ctcForcedAlign, tokenConfidences } from '../../electron/engine/decode/forced-align';
import { seededRandom } from '../../electron/engine/model/batch';

const TSX = path.resolve('node_modules/.bin/tsx');
const CHILD = path.resolve('tests/decode/align-memory-child.ts');

/** The aligner as it was before checkpointing (full float64 score and int32 back-pointer tables), as the reference. */
function referenceAlign(
  logProbs: Float32Array,
  numFrames: number,
  numTokens: number,
  labels: number[],
  blank: number,
): [number, number][] | null {
  const L = labels.length;
  if (L === 0) return [];
  const S = 2 * L + 1;
  const T = numFrames;
  const ext = (s: number) => (s % 2 === 0 ? blank : labels[(s - 1) >> 1]);
  const score = new Float64Array(T * S).fill(-Infinity);
  const from = new Int32Array(T * S).fill(-1);
  score[0] = logProbs[blank];
  score[1] = logProbs[ext(1)];
  for (let t = 1; t < T; t++) {
    for (let s = 0; s < S; s++) {
      let best = score[(t - 1) * S + s];
      let arg = s;
      if (s >= 1 && score[(t - 1) * S + s - 1] > best) {
        best = score[(t - 1) * S + s - 1];
        arg = s - 1;
      }
      if (s >= 2 && ext(s) !== blank && ext(s) !== ext(s - 2) && score[(t - 1) * S + s - 2] > best) {
        best = score[(t - 1) * S + s - 2];
        arg = s - 2;
      }
      if (best === -Infinity) continue;
      score[t * S + s] = best + logProbs[t * numTokens + ext(s)];
      from[t * S + s] = arg;
    }
  }
  const last = (T - 1) * S;
  let s = S > 1 && score[last + S - 2] > score[last + S - 1] ? S - 2 : S - 1;
  if (score[last + s] === -Infinity) return null;
  const spans: [number, number][] = labels.map(() => [Infinity, -Infinity]);
  for (let t = T - 1; t >= 0; t--) {
    if (s % 2 === 1) {
      const k = (s - 1) >> 1;
      spans[k][0] = Math.min(spans[k][0], t);
      spans[k][1] = Math.max(spans[k][1], t);
    }
    if (t > 0) s = from[t * S + s];
  }
  return spans;
}

/** Seeded uniform numbers in [0, 1) (mulberry32, the engine's). */
const rng = seededRandom;

/** Random log-softmax rows; with `levels`, logits are drawn from that many values so ties are common. */
function randomLogProbs(T: number, V: number, rand: () => number, levels = 0): Float32Array {
  const out = new Float32Array(T * V);
  for (let t = 0; t < T; t++) {
    let z = 0;
    const row = Array.from({ length: V }, () => (levels ? Math.floor(rand() * levels) : rand() * 6));
    for (const x of row) z += Math.exp(x);
    row.forEach((x, j) => (out[t * V + j] = x - Math.log(z)));
  }
  return out;
}

describe('checkpointed forced alignment', () => {
  it('gives exactly the full-table spans, small tables and checkpointed ones, with ties', () => {
    const rand = rng(14);
    const V = 11;
    // [frames, labels, logit levels]: the last three exceed the 4 M-cell full table (checkpointed path).
    const cases: [number, number, number][] = [
      [1, 1, 0],
      [2, 1, 3],
      [5, 2, 2],
      [40, 7, 0],
      [40, 7, 2],
      [300, 40, 3],
      [300, 150, 0],
      [301, 151, 2],
      [3000, 800, 0],
      [3000, 800, 2],
      [20011, 150, 3],
    ];
    for (const [T, L, levels] of cases) {
      const lp = randomLogProbs(T, V, rand, levels);
      // random labels with runs of repeats (a repeat needs a blank between)
      const labels = Array.from({ length: L }, () => 1 + Math.floor(rand() * (levels ? 2 : 10)));
      const want = referenceAlign(lp, T, V, labels, 0);
      expect(ctcForcedAlign(lp, T, V, labels, 0), `T=${T} L=${L} levels=${levels}`).toEqual(want);
    }
  });

  it('still returns null when no path fits, and [] for no labels', () => {
    const lp = randomLogProbs(1500, 11, rng(3));
    // 1,1 repeated: 750 pairs need 3 frames each: 2250 frames > 1500 (4.5 M cells: the checkpointed path)
    expect(ctcForcedAlign(lp, 1500, 11, new Array(1500).fill(1), 0)).toBeNull();
    expect(referenceAlign(lp, 1500, 11, new Array(1500).fill(1), 0)).toBeNull();
    expect(ctcForcedAlign(lp, 1500, 11, [], 0)).toEqual([]);
    expect(tokenConfidences(lp, 0, 11, [1, 2], 0)).toEqual([0, 0]);
  });

  it('aligns 30,000 frames x 3,000 labels (2.2 GB as a full table) in under 300 MB peak RSS', () => {
    const r = spawnSync(TSX, [CHILD, '30000', '3000'], { encoding: 'utf8', timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    const m = JSON.parse(r.stdout.trim().split('\n').pop()!);
    // label k peaks in frames [10k, 10k + 4]
    expect(m.firstSpan).toEqual([0, 4]);
    expect(m.lastSpan).toEqual([29990, 29994]);
    expect(m.maxRssBytes).toBeLessThan(300e6);
  }, 150_000);
});
