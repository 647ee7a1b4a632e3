/** Log-space arithmetic shared by CTC and the beam search. */

/** ln(e^a + e^b) without overflow; -Infinity is the log of 0. */
export function logAdd(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  return a > b ? a + Math.log1p(Math.exp(b - a)) : b + Math.log1p(Math.exp(a - b));
}
