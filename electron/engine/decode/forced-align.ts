/**
 * CTC forced alignment (Viterbi over the blank-extended label sequence) and word confidences.
 * The best single path assigns each frame to a label or a blank; a token's confidence is the mean
 * posterior of that token over the frames the path assigns to it.
 */

/**
 * @param logProbs [numFrames, numTokens] natural-log posteriors
 * @param labels token ids (no blanks)
 * @returns for each label, [firstFrame, lastFrame] (inclusive), or null when no path fits
 */
export function ctcForcedAlign(logProbs: Float32Array, numFrames: number, numTokens: number, labels: number[], blank: number): [number, number][] | null {
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

/**
 * Confidence of each label: mean posterior of the label over its aligned frames, in [0, 1].
 * @returns one value per label; all 0 when no alignment fits
 */
export function tokenConfidences(logProbs: Float32Array, numFrames: number, numTokens: number, labels: number[], blank: number): number[] {
  const spans = ctcForcedAlign(logProbs, numFrames, numTokens, labels, blank);
  if (!spans) return labels.map(() => 0);
  return spans.map(([a, b], k) => {
    let sum = 0;
    for (let t = a; t <= b; t++) sum += Math.exp(logProbs[t * numTokens + labels[k]]);
    return sum / (b - a + 1);
  });
}
