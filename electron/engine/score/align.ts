/**
 * Minimum-cost alignment of a reference and a hypothesis token sequence, with NIST sclite's weights:
 * correct 0, substitution 4, deletion 3, insertion 3. These weights make an alignment with more
 * correct words win over one with the same number of edits and fewer correct words (a swap "a b" ->
 * "b a" aligns as deletion + correct + insertion), and match sclite's S/D/I counts (tests/score/
 * sclite-parity.test.ts). Remaining ties are broken deterministically: at each backtrace step from
 * the end, match/substitution first, then deletion, then insertion.
 * The record is computed once; WER and CER are accessors over it.
 */

export type AlignOp = 'C' | 'S' | 'D' | 'I';

/** One aligned position. */
export interface AlignedPair {
  op: AlignOp;
  /** Reference token (absent for insertions). */
  ref?: string;
  /** Hypothesis token (absent for deletions). */
  hyp?: string;
}

/** Edit counts of one alignment (or a sum of alignments). */
export interface ErrorCounts {
  hits: number;
  substitutions: number;
  deletions: number;
  insertions: number;
  /** Reference tokens N = hits + substitutions + deletions. */
  referenceWords: number;
}

export interface Alignment extends ErrorCounts {
  pairs: AlignedPair[];
}

/** Tables up to this many cells keep every backtrace step (1 byte each): 4 M cells. */
const SMALL_TABLE_CELLS = 1 << 22;

/**
 * Align two token sequences.
 *
 * Memory: the cost table has (|ref| + 1) x (|hyp| + 1) cells; the character alignment (CER) of a
 * 1-hour transcript is 27,000 x 27,000 cells, 5.8 GB as a float64 table. Only two cost rows are kept,
 * plus, for tables over SMALL_TABLE_CELLS, a checkpoint row every K = ceil(sqrt(|ref| + 1)) rows; the
 * backtrace recomputes one block of K rows at a time from its checkpoint and keeps its 1-byte
 * steps (about 9 x sqrt(|ref|) x |hyp| bytes: 44 MB for the example). The step taken at each cell is
 * the one the full-table backtrace took (same costs, same tie order), so the alignment is identical.
 * @param ref reference tokens
 * @param hyp hypothesis tokens
 * @returns the alignment and its counts. O(|ref| * |hyp|) time (twice that for large tables).
 */
export function align(ref: readonly string[], hyp: readonly string[]): Alignment {
  const n = ref.length;
  const m = hyp.length;
  const W = m + 1;
  const SUB = 4;
  const DEL = 3;
  const INS = 3;
  const STEP_DIAG = 0;
  const STEP_DEL = 1;
  const STEP_INS = 2;
  /**
   * Row i of the cost table from row i - 1, and each cell's backtrace step (into steps[at + j]) when
   * asked: match/substitution first, then deletion, then insertion, whichever reproduces the cost.
   */
  const row = (i: number, prev: Float64Array, cur: Float64Array, steps: Uint8Array | null, at: number) => {
    if (i === 0) {
      for (let j = 0; j <= m; j++) cur[j] = j * INS;
      if (steps) steps.fill(STEP_INS, at, at + W);
      return;
    }
    cur[0] = i * DEL;
    if (steps) steps[at] = STEP_DEL;
    const r = ref[i - 1];
    for (let j = 1; j <= m; j++) {
      const diag = prev[j - 1] + (r === hyp[j - 1] ? 0 : SUB);
      const del = prev[j] + DEL;
      const ins = cur[j - 1] + INS;
      const here = Math.min(diag, del, ins);
      cur[j] = here;
      if (steps) steps[at + j] = here === diag ? STEP_DIAG : here === del ? STEP_DEL : STEP_INS;
    }
  };
  const pairs: AlignedPair[] = [];
  const counts = { hits: 0, substitutions: 0, deletions: 0, insertions: 0 };
  let i = n;
  let j = m;
  /** Follow the steps back while i stays in rows [a, ...) (steps of row i at (i - a) * W). */
  const back = (steps: Uint8Array, a: number) => {
    while (i >= a && (i > 0 || j > 0)) {
      const step = steps[(i - a) * W + j];
      if (step === STEP_DIAG) {
        const same = ref[i - 1] === hyp[j - 1];
        pairs.push({ op: same ? 'C' : 'S', ref: ref[i - 1], hyp: hyp[j - 1] });
        if (same) counts.hits++;
        else counts.substitutions++;
        i--;
        j--;
      } else if (step === STEP_DEL) {
        pairs.push({ op: 'D', ref: ref[i - 1] });
        counts.deletions++;
        i--;
      } else {
        pairs.push({ op: 'I', hyp: hyp[j - 1] });
        counts.insertions++;
        j--;
      }
    }
  };
  let prev = new Float64Array(W);
  let cur = new Float64Array(W);
  const R = n + 1;
  if (R * W <= SMALL_TABLE_CELLS) {
    const steps = new Uint8Array(R * W);
    for (let r = 0; r < R; r++) {
      row(r, prev, cur, steps, r * W);
      [prev, cur] = [cur, prev];
    }
    back(steps, 0);
  } else {
    // Block g holds rows [gK, gK + K); its first row needs row gK - 1, kept as checkpoint g.
    const K = Math.ceil(Math.sqrt(R));
    const numBlocks = Math.ceil(R / K);
    const checkpoints: (Float64Array | undefined)[] = new Array(numBlocks);
    for (let r = 0; r < R; r++) {
      row(r, prev, cur, null, 0);
      [prev, cur] = [cur, prev];
      if ((r + 1) % K === 0 && (r + 1) / K < numBlocks) checkpoints[(r + 1) / K] = prev.slice();
    }
    const steps = new Uint8Array(K * W);
    for (let g = numBlocks - 1; g >= 0; g--) {
      const a = g * K;
      const b = Math.min(R, a + K);
      if (g > 0) prev.set(checkpoints[g]!);
      checkpoints[g] = undefined;
      for (let r = a; r < b; r++) {
        row(r, prev, cur, steps, (r - a) * W);
        [prev, cur] = [cur, prev];
      }
      back(steps, a);
    }
  }
  pairs.reverse();
  return { ...counts, referenceWords: n, pairs };
}

/** Sum error counts. */
export function addCounts(list: ErrorCounts[]): ErrorCounts {
  const t: ErrorCounts = { hits: 0, substitutions: 0, deletions: 0, insertions: 0, referenceWords: 0 };
  for (const c of list) {
    t.hits += c.hits;
    t.substitutions += c.substitutions;
    t.deletions += c.deletions;
    t.insertions += c.insertions;
    t.referenceWords += c.referenceWords;
  }
  return t;
}

/**
 * Error rate (S + D + I) / N, not clamped (can exceed 1).
 * @returns null when N = 0 (undefined error rate)
 */
export function errorRate(c: ErrorCounts): number | null {
  return c.referenceWords === 0 ? null : (c.substitutions + c.deletions + c.insertions) / c.referenceWords;
}
