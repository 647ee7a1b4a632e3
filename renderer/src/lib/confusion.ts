/**
 * A confusion matrix from word alignments: reference word x hypothesis word counts, with a "∅"
 * column for deletions (the reference word was not recognised) and a "∅" row for insertions (a word
 * recognised where none was said). Correct words are on the diagonal. Built from the report's
 * per-utterance alignments (the same ones the scores come from: nothing is re-aligned).
 */
import { naturalCompare } from '../../../electron/contract/natural';

export const NONE = '∅';

export interface ConfusionMatrix {
  /** Row labels: reference words (most frequent first, at most `limit`), then NONE (insertions). */
  refs: string[];
  /** Column labels: hypothesis words (the row words first, in the same order, then others), then NONE (deletions). */
  hyps: string[];
  /** counts[i][j]: times refs[i] was recognised as hyps[j]. */
  counts: number[][];
  /** Words left out by `limit` (their counts are not in the matrix). */
  omitted: number;
}

/**
 * @param alignments one list of aligned pairs per utterance (op C, S, D or I)
 * @param limit most words per axis (by reference frequency); the rest is counted in `omitted`
 */
export function confusionMatrix(
  alignments: readonly (readonly { op: string; ref?: string | null; hyp?: string | null }[])[],
  limit = 20,
): ConfusionMatrix {
  const cell = new Map<string, number>();
  const freq = new Map<string, number>();
  const hypFreq = new Map<string, number>();
  for (const a of alignments) {
    for (const p of a) {
      const r = p.op === 'I' ? NONE : (p.ref ?? NONE);
      const h = p.op === 'D' ? NONE : (p.hyp ?? NONE);
      cell.set(`${r}\u0000${h}`, (cell.get(`${r}\u0000${h}`) ?? 0) + 1);
      if (r !== NONE) freq.set(r, (freq.get(r) ?? 0) + 1);
      if (h !== NONE) hypFreq.set(h, (hypFreq.get(h) ?? 0) + 1);
    }
  }
  const byFreq = (m: Map<string, number>): string[] =>
    [...m.keys()].sort((a, b) => m.get(b)! - m.get(a)! || naturalCompare(a, b));
  const allRefs = byFreq(freq);
  const rowWords = allRefs.slice(0, limit).sort(naturalCompare);
  const extraHyps = byFreq(hypFreq).filter((h) => !rowWords.includes(h));
  const colWords = [...rowWords, ...extraHyps.slice(0, Math.max(0, limit - rowWords.length))];
  const refs = [...rowWords, NONE];
  const hyps = [...colWords, NONE];
  const counts = refs.map((r) =>
    hyps.map((h) => (r === NONE && h === NONE ? 0 : (cell.get(`${r}\u0000${h}`) ?? 0))),
  );
  return {
    refs,
    hyps,
    counts,
    omitted:
      allRefs.length - rowWords.length + Math.max(0, extraHyps.length - (colWords.length - rowWords.length)),
  };
}

/** One column of a before/after alignment under the same reference word (or an insertion of either side). */
export interface AlignedColumn {
  /** The reference word; null for an insertion column. */
  ref: string | null;
  before: { op: string; hyp: string | null } | null;
  after: { op: string; hyp: string | null } | null;
}

/**
 * Before and after hypotheses under the same reference words: both alignments consume the same
 * reference words in order (ops C, S, D); an insertion (I) of either system gets a column of its own
 * where the other system shows nothing. Nothing is re-aligned.
 * @throws Error when the two alignments do not hold the same reference words
 */
export function mergeAlignments(
  before: readonly { op: string; ref?: string | null; hyp?: string | null }[],
  after: readonly { op: string; ref?: string | null; hyp?: string | null }[],
): AlignedColumn[] {
  const out: AlignedColumn[] = [];
  let i = 0;
  let j = 0;
  const side = (p: { op: string; hyp?: string | null }) => ({
    op: p.op,
    hyp: p.op === 'D' ? null : (p.hyp ?? null),
  });
  while (i < before.length || j < after.length) {
    const b = before[i];
    const a = after[j];
    if (b?.op === 'I') {
      out.push({ ref: null, before: side(b), after: null });
      i++;
    } else if (a?.op === 'I') {
      out.push({ ref: null, before: null, after: side(a) });
      j++;
    } else if (b && a) {
      if ((b.ref ?? null) !== (a.ref ?? null))
        throw new Error(`alignments disagree on the reference: "${b.ref}" vs "${a.ref}"`);
      out.push({ ref: b.ref ?? null, before: side(b), after: side(a) });
      i++;
      j++;
    } else throw new Error('alignments hold different numbers of reference words');
  }
  return out;
}
