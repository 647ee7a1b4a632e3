/**
 * Word-level knowledge for the beam search: anything that, given the words so far (as a state),
 * scores or forbids the next word. An n-gram language model scores; a grammar forbids; both are
 * `WordScorer`s and can be combined.
 */

/** A scorer over word sequences. States must be immutable and comparable by `key`. */
export interface WordScorer<S = unknown> {
  /** State before the first word. */
  initial(): S;
  /**
   * Extend a state by one word.
   * @returns the new state and the word's natural-log score (0 for a pure constraint), or null when
   *   the word is not allowed here
   */
  next(state: S, word: string): { state: S; logScore: number } | null;
  /** Natural-log score of ending here, or null when the word sequence may not end in this state. */
  final(state: S): number | null;
  /** A string identifying the state (beams with equal prefixes and keys merge). */
  key(state: S): string;
}

/** Weighted product of scorers: score = sum(weight_i * score_i); forbidden if any forbids. */
export function combineScorers(parts: { scorer: WordScorer; weight: number }[]): WordScorer<unknown[]> {
  return {
    initial: () => parts.map((p) => p.scorer.initial()),
    next(state, word) {
      const out: unknown[] = [];
      let score = 0;
      for (let i = 0; i < parts.length; i++) {
        const r = parts[i].scorer.next(state[i], word);
        if (!r) return null;
        out.push(r.state);
        score += parts[i].weight * r.logScore;
      }
      return { state: out, logScore: score };
    },
    final(state) {
      let score = 0;
      for (let i = 0; i < parts.length; i++) {
        const f = parts[i].scorer.final(state[i]);
        if (f === null) return null;
        score += parts[i].weight * f;
      }
      return score;
    },
    key: (state) => state.map((s, i) => parts[i].scorer.key(s)).join('|'),
  };
}
