/**
 * CTC forced alignment (Viterbi over the blank-extended label sequence) and word confidences.
 * The best single path assigns each frame to a label or a blank; a token's confidence is the mean
 * posterior of that token over the frames the path assigns to it.
 *
 * Memory: a full Viterbi table is numFrames x (2 labels + 1) cells (a 1-hour recording at the
 * model's 40 ms output frames with 5,500 words: 90,000 x 11,001 = 990 M cells; at 12 bytes per cell
 * `evaluate` peaked at 11.6 GB RSS on such a file). The table is never held: the forward pass keeps two score rows and a
 * checkpoint row every K = ceil(sqrt(numFrames)) frames; the backtrace recomputes one block of K
 * frames at a time from its checkpoint, keeping 1-byte back-pointers (the step, 0, 1 or 2 states)
 * for that block only. Peak memory is about sqrt(numFrames) x numStates x 9 bytes (the example above:
 * 300 x 11,001 x 9 = 30 MB) for twice the arithmetic of one pass; the recomputed scores are the same
 * float64 operations in the same order, so the path is exactly the full table's (Hirschberg-style
 * checkpointing, e.g. Grice, Hughey and Speck, "Reduced space sequence alignment", CABIOS 1997).
 * Small tables (up to SMALL_TABLE_CELLS) keep all back-pointers and run one pass.
 */

/** Tables up to this many cells (frames x states) keep every back-pointer (1 byte each): 4 M cells. */
const SMALL_TABLE_CELLS = 1 << 22;

/**
 * @param logProbs [numFrames, numTokens] natural-log posteriors
 * @param labels token ids (no blanks)
 * @returns for each label, [firstFrame, lastFrame] (inclusive), or null when no path fits (fewer
 *   frames than the labels need, including a blank between repeated labels; or numFrames 0)
 */
export function ctcForcedAlign(
  logProbs: Float32Array,
  numFrames: number,
  numTokens: number,
  labels: number[],
  blank: number,
): [number, number][] | null {
  const L = labels.length;
  if (L === 0) return [];
  const T = numFrames;
  if (T <= 0) return null;
  const S = 2 * L + 1;
  // Extended sequence (blank, l1, blank, l2, ..., blank) and whether state s may skip from s - 2.
  const ext = new Int32Array(S);
  const skip = new Uint8Array(S);
  for (let s = 0; s < S; s++) {
    ext[s] = s % 2 === 0 ? blank : labels[(s - 1) >> 1];
    skip[s] = s >= 2 && ext[s] !== blank && ext[s] !== ext[s - 2] ? 1 : 0;
  }
  const init = (row: Float64Array) => {
    row.fill(-Infinity);
    row[0] = logProbs[blank];
    row[1] = logProbs[ext[1]];
  };
  /** Row t from row t - 1; back-pointer steps (0, 1, 2) go to bp[bpAt + s] when bp is given. */
  const step = (prev: Float64Array, cur: Float64Array, t: number, bp: Uint8Array | null, bpAt: number) => {
    const lpAt = t * numTokens;
    for (let s = 0; s < S; s++) {
      let best = prev[s];
      let arg = 0;
      if (s >= 1 && prev[s - 1] > best) {
        best = prev[s - 1];
        arg = 1;
      }
      if (skip[s] === 1 && prev[s - 2] > best) {
        best = prev[s - 2];
        arg = 2;
      }
      if (best === -Infinity) {
        cur[s] = -Infinity;
        continue;
      }
      cur[s] = best + logProbs[lpAt + ext[s]];
      if (bp) bp[bpAt + s] = arg;
    }
  };
  let prev = new Float64Array(S);
  let cur = new Float64Array(S);
  init(prev);
  const spans: [number, number][] = labels.map(() => [Infinity, -Infinity]);
  const visit = (t: number, s: number) => {
    if (s % 2 === 1) {
      const k = (s - 1) >> 1;
      if (t < spans[k][0]) spans[k][0] = t;
      if (t > spans[k][1]) spans[k][1] = t;
    }
  };
  /** The end state of the best path from the last row, or -1 when none reaches the end. */
  const endState = (last: Float64Array) => {
    const s = S > 1 && last[S - 2] > last[S - 1] ? S - 2 : S - 1;
    return last[s] === -Infinity ? -1 : s;
  };

  if (T * S <= SMALL_TABLE_CELLS) {
    const bp = new Uint8Array(T * S);
    for (let t = 1; t < T; t++) {
      step(prev, cur, t, bp, t * S);
      [prev, cur] = [cur, prev];
    }
    let s = endState(prev);
    if (s < 0) return null;
    for (let t = T - 1; t >= 0; t--) {
      visit(t, s);
      if (t > 0) s -= bp[t * S + s];
    }
    return spans;
  }

  // Block g covers frames [gK, gK + K); its first step needs row gK - 1, kept as checkpoint g.
  const K = Math.ceil(Math.sqrt(T));
  const numBlocks = Math.ceil(T / K);
  const checkpoints: Float64Array[] = new Array(numBlocks);
  for (let t = 1; t < T; t++) {
    step(prev, cur, t, null, 0);
    [prev, cur] = [cur, prev];
    if ((t + 1) % K === 0 && (t + 1) / K < numBlocks) checkpoints[(t + 1) / K] = prev.slice();
  }
  let s = endState(prev);
  if (s < 0) return null;
  const bp = new Uint8Array(K * S);
  for (let g = numBlocks - 1; g >= 0; g--) {
    const a = g * K;
    const b = Math.min(T, a + K);
    if (g === 0) init(prev);
    else prev.set(checkpoints[g]);
    checkpoints[g] = undefined as unknown as Float64Array; // done with it: let it go
    for (let t = Math.max(a, 1); t < b; t++) {
      step(prev, cur, t, bp, (t - a) * S);
      [prev, cur] = [cur, prev];
    }
    for (let t = b - 1; t >= a; t--) {
      visit(t, s);
      if (t > 0) s -= bp[(t - a) * S + s];
    }
  }
  return spans;
}

/**
 * Confidence of each label: mean posterior of the label over its aligned frames, in [0, 1].
 * @returns one value per label; all 0 when no alignment fits
 */
export function tokenConfidences(
  logProbs: Float32Array,
  numFrames: number,
  numTokens: number,
  labels: number[],
  blank: number,
): number[] {
  const spans = ctcForcedAlign(logProbs, numFrames, numTokens, labels, blank);
  if (!spans) return labels.map(() => 0);
  return spans.map(([a, b], k) => {
    let sum = 0;
    for (let t = a; t <= b; t++) sum += Math.exp(logProbs[t * numTokens + labels[k]]);
    return sum / (b - a + 1);
  });
}
