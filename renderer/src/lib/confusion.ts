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
export function confusionMatrix(alignments: readonly (readonly { op: string; ref?: string | null; hyp?: string | null }[])[], limit = 20): ConfusionMatrix {
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
  const byFreq = (m: Map<string, number>): string[] => [...m.keys()].sort((a, b) => m.get(b)! - m.get(a)! || naturalCompare(a, b));
  const allRefs = byFreq(freq);
  const rowWords = allRefs.slice(0, limit).sort(naturalCompare);
  const extraHyps = byFreq(hypFreq).filter((h) => !rowWords.includes(h));
  const colWords = [...rowWords, ...extraHyps.slice(0, Math.max(0, limit - rowWords.length))];
  const refs = [...rowWords, NONE];
  const hyps = [...colWords, NONE];
  const counts = refs.map((r) => hyps.map((h) => (r === NONE && h === NONE ? 0 : (cell.get(`${r}\u0000${h}`) ?? 0))));
  return { refs, hyps, counts, omitted: allRefs.length - rowWords.length + Math.max(0, extraHyps.length - (colWords.length - rowWords.length)) };
}
