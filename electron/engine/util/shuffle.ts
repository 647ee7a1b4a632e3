/** The one seeded shuffle of the engine (batches, held-out splits, word re-splicing, the base recipe). */

/**
 * Shuffle `items` in place (Fisher-Yates, Durstenfeld's form: from the last index down, swap item i
 * with item j = floor(rand() * (i + 1))). Draws `items.length - 1` numbers from `rand`, in that
 * order, so a seeded source (model/batch.ts `seededRandom`) gives the same order on every machine;
 * callers that draw from the same source afterwards depend on that count.
 * @param rand random numbers in [0, 1)
 * @returns `items` itself
 */
export function shuffleInPlace<T>(items: T[], rand: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}
