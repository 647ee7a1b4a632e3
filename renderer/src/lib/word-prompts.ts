/**
 * Prompts to record from a model's words (Record screen, and New vocabulary's "Record its words"):
 * a vocabulary model's word list entries (its card's `recipe.wordList`, "token<TAB>spoken form": the
 * token part, so phrases stay whole), else the word tokens of any word-level model, else none.
 */
import type { ModelCard } from '../../../electron/contract';

export function modelPrompts(card: ModelCard): string[] {
  const list = (card.recipe as { wordList?: unknown } | undefined)?.wordList;
  if (Array.isArray(list) && list.length > 0)
    return list.filter((l): l is string => typeof l === 'string').map((l) => l.split('\t')[0]);
  if (card.tokens.unit !== 'word') return [];
  return card.tokens.inventory.filter((_, i) => i !== card.tokens.blankIndex);
}
