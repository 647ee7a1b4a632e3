/**
 * Natural order of labels and ids ("2" before "10", "take-0002" before "take-0010"): runs of digits
 * compare as numbers, the rest case-insensitively; ties fall back to plain code-point order so the
 * order is total. Plain code, shared by the renderer (tables) and the host (import split).
 */
const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

/** Negative, zero or positive like `Array.prototype.sort` wants. */
export function naturalCompare(a: string, b: string): number {
  return collator.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);
}
