/** A word list as a prefix tree, for constraining character-model decoding to known words. */
import { tokenize } from '../util/text';

/** What a word of a word list may hold (the same as a grammar word). */
const WORD_RE = /^[\p{L}\p{M}\p{N}'’_.-]+$/u;

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

  /**
   * Build from a word list: every whitespace-separated word, lower-cased. Words are letters, marks,
   * digits and `' ’ _ - .`; `#` starts a comment. Any other character makes the text "not a word
   * list" (so a path naming some other file is refused, not read as words); the line is never quoted.
   * @param where file name for messages
   * @throws Error `"<where>: not a word list (line N)"` or `"<where>: the word list is empty"`
   */
  static fromText(text: string, where = 'lexicon'): Lexicon {
    const words: string[] = [];
    for (const [i, raw] of text.split(/\r?\n/).entries()) {
      const ws = tokenize(raw.replace(/#.*$/, '').toLowerCase());
      if (!ws.every((w) => WORD_RE.test(w))) throw new Error(`${where}: not a word list (line ${i + 1})`);
      words.push(...ws);
    }
    if (words.length === 0) throw new Error(`${where}: the word list is empty`);
    return new Lexicon(words);
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
