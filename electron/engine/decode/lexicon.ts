/** A word list as a prefix tree, for constraining character-model decoding to known words. */
import { tokenize } from '../util/text';

export class Lexicon {
  private readonly words = new Set<string>();
  /** Every prefix of every word (including the words themselves): the prefix tree's nodes. */
  private readonly prefixes = new Set<string>();

  /** @param words the allowed words (duplicates ignored) */
  constructor(words: Iterable<string>) {
    for (const w of words) {
      if (!w) continue;
      this.words.add(w);
      for (let i = 1; i <= w.length; i++) this.prefixes.add(w.slice(0, i));
    }
    if (this.words.size === 0) throw new Error('lexicon: the word list is empty');
  }

  /** Build from text: every whitespace-separated word, lower-cased. */
  static fromText(text: string): Lexicon {
    return new Lexicon(tokenize(text.toLowerCase()));
  }

  has(word: string): boolean {
    return this.words.has(word);
  }

  /** True when some word starts with `prefix`. */
  hasPrefix(prefix: string): boolean {
    return this.prefixes.has(prefix);
  }

  get size(): number {
    return this.words.size;
  }
}
