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

/**
 * Align two token sequences.
 * @param ref reference tokens
 * @param hyp hypothesis tokens
 * @returns the alignment and its counts. O(|ref| * |hyp|) time and memory.
 */
export function align(ref: readonly string[], hyp: readonly string[]): Alignment {
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
