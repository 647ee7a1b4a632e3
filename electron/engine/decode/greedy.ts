/** Greedy (best-path) CTC decoding: argmax per frame, merge repeats, drop blanks. */

/**
 * @param frameArgmax [numFrames] token id of the best token per frame
 * @param blank blank token id
 * @returns token ids after merging repeated ids and removing blanks
 *   (Graves et al. 2006, best path decoding)
 */
export function greedyCollapse(frameArgmax: ArrayLike<number>, blank: number): number[] {
  const out: number[] = [];
  let prev = -1;
  for (let t = 0; t < frameArgmax.length; t++) {
    const k = frameArgmax[t];
    if (k !== prev && k !== blank) out.push(k);
    prev = k;
  }
  return out;
}
