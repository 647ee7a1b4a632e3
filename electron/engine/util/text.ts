/** Text shared by every reader: word tokenisation (token encoder, scorer) and file decoding. */

/** Split on any Unicode whitespace (tab, no-break space, CR/LF, ...) after NFC normalisation. */
export function tokenize(text: string): string[] {
  return text
    .normalize('NFC')
    .split(/\s+/u)
    .filter((w) => w.length > 0);
}

/** The note decodeText gives for bytes that are not valid UTF-8. */
export const LATIN1_NOTE = 'not valid UTF-8; read as Latin-1';

/**
 * Decode a text file's bytes: one rule for every text a user gives us (manifests for evaluate,
 * adapt and import, transcripts, score files, grammars, word lists, LM files). A UTF-8 byte-order
 * mark is dropped, UTF-16 (with its BOM) is decoded, and bytes that are not valid UTF-8 are decoded
 * as Latin-1 (ISO-8859-1) with a note, never silently replaced.
 * @returns the text and, when it was not plain UTF-8, a note saying how it was read
 */
export function decodeText(bytes: Uint8Array): { text: string; note?: string } {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    return { text: new TextDecoder('utf-8').decode(bytes.subarray(3)), note: undefined };
  }
  if (bytes[0] === 0xff && bytes[1] === 0xfe)
    return {
      text: new TextDecoder('utf-16le').decode(bytes.subarray(2)),
      note: 'read as UTF-16 (little-endian, byte-order mark)',
    };
  if (bytes[0] === 0xfe && bytes[1] === 0xff)
    return {
      text: new TextDecoder('utf-16be').decode(bytes.subarray(2)),
      note: 'read as UTF-16 (big-endian, byte-order mark)',
    };
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    return { text: new TextDecoder('latin1').decode(bytes), note: LATIN1_NOTE };
  }
}
