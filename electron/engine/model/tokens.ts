/** Token inventory of a CTC model: words or characters, with the blank's index. */
import { z } from 'zod';
import { tokenize } from '../util/text';

export const TokenConfigSchema = z.object({
  /** "word": one token per word; "char": one per character, with " " as the word separator token. */
  unit: z.enum(['word', 'char']),
  /** Output index -> token text. Includes the blank. */
  inventory: z.array(z.string()).min(2),
  /** Index of the CTC blank in the inventory. */
  blankIndex: z.number().int().min(0),
});
export type TokenConfig = z.infer<typeof TokenConfigSchema>;

/** Split a transcript into words on any whitespace (after NFC normalisation). */
export const words = tokenize;

/**
 * Encode a transcript as token ids.
 * @param text transcript, already lower-cased as the model's transcripts are
 * @throws Error `"... not in the model's token inventory"` listing the unknown words/characters
 */
export function encodeText(text: string, tokens: TokenConfig): number[] {
  const index = new Map(tokens.inventory.map((t, i) => [t, i] as const));
  const units = tokens.unit === 'word' ? words(text) : [...words(text).join(' ')];
  const unknown = [...new Set(units.filter((u) => !index.has(u) || index.get(u) === tokens.blankIndex))];
  if (unknown.length > 0) {
    throw new Error(
      `${tokens.unit === 'word' ? 'words' : 'characters'} not in the model's token inventory: ${unknown.map((u) => JSON.stringify(u)).join(', ')}`,
    );
  }
  return units.map((u) => index.get(u)!);
}

/** Turn token ids (already CTC-collapsed, no blanks) back into text. */
export function decodeTokens(ids: number[], tokens: TokenConfig): string {
  const parts = ids.map((i) => tokens.inventory[i]);
  return tokens.unit === 'word' ? parts.join(' ') : parts.join('').replace(/\s+/g, ' ').trim();
}
