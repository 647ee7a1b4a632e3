/** Error analysis from alignments: confusion pairs, most frequent insertions and deletions. */
import type { AlignedPair } from './align';

export interface ErrorAnalysis {
  /** Reference word -> recognised word, most frequent first. */
  confusions: { reference: string; hypothesis: string; count: number }[];
  insertions: { word: string; count: number }[];
  deletions: { word: string; count: number }[];
}

function top(map: Map<string, number>, limit: number): [string, number][] {
  return [...map.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, limit);
}

/**
 * Count substitution pairs, insertions and deletions over a set of alignments.
 * @param limit entries kept per list (most frequent first; ties in alphabetical order)
 */
export function analyzeErrors(alignments: AlignedPair[][], limit = 20): ErrorAnalysis {
  const subs = new Map<string, number>();
  const ins = new Map<string, number>();
  const dels = new Map<string, number>();
  const inc = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  for (const a of alignments) {
    for (const p of a) {
      if (p.op === 'S') inc(subs, `${p.ref}\u0000${p.hyp}`);
      else if (p.op === 'I') inc(ins, p.hyp!);
      else if (p.op === 'D') inc(dels, p.ref!);
    }
  }
  return {
    confusions: top(subs, limit).map(([k, count]) => {
      const [reference, hypothesis] = k.split('\u0000');
      return { reference, hypothesis, count };
    }),
    insertions: top(ins, limit).map(([word, count]) => ({ word, count })),
    deletions: top(dels, limit).map(([word, count]) => ({ word, count })),
  };
}
