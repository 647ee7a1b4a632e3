/** Word tokenisation shared by the token encoder and the scorer. */

/** Split on any Unicode whitespace (tab, no-break space, CR/LF, ...) after NFC normalisation. */
export function tokenize(text: string): string[] {
  return text.normalize('NFC').split(/\s+/u).filter((w) => w.length > 0);
}
