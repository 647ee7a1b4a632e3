import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { align, type AlignedPair, type Alignment } from '../../electron/engine/score/align';
import { seededRandom } from '../../electron/engine/model/batch';

const TSX = path.resolve('node_modules/.bin/tsx');
const CHILD = path.resolve('tests/score/align-memory-child.ts');

/** The alignment as it was before checkpointing (a full float64 cost table), as the reference. */
function referenceAlign(ref: readonly string[], hyp: readonly string[]): Alignment {
  const n = ref.length;
  const m = hyp.length;
  const W = m + 1;
  const SUB = 4;
  const DEL = 3;
  const INS = 3;
  const cost = new Float64Array((n + 1) * W);
  for (let i = 0; i <= n; i++) cost[i * W] = i * DEL;
  for (let j = 0; j <= m; j++) cost[j] = j * INS;
  for (let i = 1; i <= n; i++) {
    for (let j = 1; j <= m; j++) {
      const same = ref[i - 1] === hyp[j - 1];
      const diag = cost[(i - 1) * W + j - 1] + (same ? 0 : SUB);
      const del = cost[(i - 1) * W + j] + DEL;
      const ins = cost[i * W + j - 1] + INS;
      cost[i * W + j] = Math.min(diag, del, ins);
    }
  }
  const pairs: AlignedPair[] = [];
  let i = n;
  let j = m;
  const counts = { hits: 0, substitutions: 0, deletions: 0, insertions: 0 };
  while (i > 0 || j > 0) {
    const here = cost[i * W + j];
    if (i > 0 && j > 0) {
      const same = ref[i - 1] === hyp[j - 1];
      if (here === cost[(i - 1) * W + j - 1] + (same ? 0 : SUB)) {
        pairs.push({ op: same ? 'C' : 'S', ref: ref[i - 1], hyp: hyp[j - 1] });
        if (same) counts.hits++;
        else counts.substitutions++;
        i--;
        j--;
        continue;
      }
    }
    if (i > 0 && here === cost[(i - 1) * W + j] + DEL) {
      pairs.push({ op: 'D', ref: ref[i - 1] });
      counts.deletions++;
      i--;
      continue;
    }
    pairs.push({ op: 'I', hyp: hyp[j - 1] });
    counts.insertions++;
    j--;
  }
  pairs.reverse();
  return { ...counts, referenceWords: n, pairs };
}

/** Seeded uniform numbers in [0, 1) (mulberry32, the engine's). */
const rng = seededRandom;

describe('alignment in bounded memory', () => {
  it('gives exactly the full-table alignment, small and checkpointed tables, with many ties', () => {
    const rand = rng(8);
    const word = (k: number) => 'abc'[Math.floor(rand() * k)];
    // [ref length, hyp length, alphabet size]; the last three exceed 4 M cells (checkpointed path)
    const cases: [number, number, number][] = [
      [0, 0, 1],
      [0, 5, 2],
      [4, 0, 2],
      [1, 1, 1],
      [7, 9, 2],
      [60, 45, 3],
      [300, 310, 2],
      [2100, 2100, 2],
      [2500, 1900, 3],
      [5000, 900, 2],
    ];
    for (const [n, m, k] of cases) {
      const ref = Array.from({ length: n }, () => word(k));
      const hyp = Array.from({ length: m }, () => word(k));
      expect(align(ref, hyp), `n=${n} m=${m}`).toEqual(referenceAlign(ref, hyp));
    }
  });

  it('aligns 12,000 x 11,520 tokens (1.1 GB as a full table) in under 300 MB peak RSS, with the right counts', () => {
    const r = spawnSync(TSX, [CHILD, '12000'], { encoding: 'utf8', timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    const m = JSON.parse(r.stdout.trim().split('\n').pop()!);
    // 480 tokens dropped (every 25th), 1,200 changed (every 10th; none of them is also dropped)
    expect([m.deletions, m.substitutions, m.insertions]).toEqual([480, 1200, 0]);
    expect(m.hits).toBe(12000 - 480 - 1200);
    expect(m.maxRssBytes).toBeLessThan(300e6);
  }, 150_000);
});
