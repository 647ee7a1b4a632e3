/**
 * The one RIFF chunk walker behind both WAV readers (wav.ts for bytes in memory, wav-stream.ts for
 * block-wise reading of a file), so both accept exactly the same files.
 *
 * Only the top-level chunk headers are read: an id (4 ASCII bytes) and a little-endian uint32 size,
 * followed by the body and, when the size is odd, one pad byte (RIFF: chunks start on even
 * offsets). Every chunk other than `fmt ` and `data` (LIST/INFO, LIST/adtl with or without a `cue `
 * chunk, `fact`, `bext`, `JUNK`, unknown ids) is skipped by its size and never parsed, so metadata
 * can never make valid audio unreadable. RF64 (EBU Tech 3306: the `RF64` header and a `ds64` chunk
 * holding the 64-bit sizes of files over 4 GiB) is read too; the data size 0xFFFFFFFF then means
 * "see ds64".
 */

/** `len` bytes of the source from byte `pos` (fewer at its end). */
export type ReadAt = (pos: number, len: number) => Uint8Array;

/** A top-level chunk: its id, where its body starts and its declared body size, bytes. */
export interface RiffChunk {
  id: string;
  bodyOffset: number;
  size: number;
}

/** Walking stops after this many chunks (a file of millions of tiny chunks would take minutes). */
export const MAX_RIFF_CHUNKS = 10000;

const latin1 = (b: Uint8Array, from: number, to: number) => String.fromCharCode(...b.subarray(from, to));
const u32 = (b: Uint8Array, at: number) =>
  (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16)) + b[at + 3] * 0x1000000;

/**
 * Walk the top-level chunks of a RIFF/WAVE or RF64/WAVE file until `visit` returns true or the
 * file ends (a header that would run past the end ends the walk).
 * @param readAt reads bytes of the source
 * @param sourceBytes size of the source, bytes
 * @param name file name for error messages
 * @param visit called for each chunk in file order; a `data` chunk of an RF64 file has its 64-bit
 *   size from `ds64`
 * @throws Error `"<name>: not a readable WAV file (no RIFF/WAVE header)"`,
 *   `"<name>: not a readable WAV file (RF64 without a ds64 chunk)"`,
 *   `"<name>: not a readable WAV file (more than 10000 chunks)"`
 */
export function walkRiffChunks(
  readAt: ReadAt,
  sourceBytes: number,
  name: string,
  visit: (chunk: RiffChunk) => boolean | void,
): void {
  const head = readAt(0, 12);
  const kind = head.length >= 12 ? latin1(head, 0, 4) : '';
  if ((kind !== 'RIFF' && kind !== 'RF64') || latin1(head, 8, 12) !== 'WAVE') {
    throw new Error(`${name}: not a readable WAV file (no RIFF/WAVE header)`);
  }
  let ds64DataBytes: number | undefined;
  let pos = 12;
  for (let n = 0; pos + 8 <= sourceBytes; n++) {
    if (n >= MAX_RIFF_CHUNKS)
      throw new Error(`${name}: not a readable WAV file (more than ${MAX_RIFF_CHUNKS} chunks)`);
    const hdr = readAt(pos, 8);
    if (hdr.length < 8) break;
    const id = latin1(hdr, 0, 4);
    let size = u32(hdr, 4);
    if (kind === 'RF64' && id === 'ds64' && size >= 16) {
      const body = readAt(pos + 16, 8); // riffSize (8 bytes), then dataSize (8 bytes)
      if (body.length === 8) ds64DataBytes = u32(body, 0) + u32(body, 4) * 2 ** 32;
    }
    if (kind === 'RF64' && id === 'data' && size === 0xffffffff) {
      if (ds64DataBytes === undefined)
        throw new Error(`${name}: not a readable WAV file (RF64 without a ds64 chunk)`);
      size = ds64DataBytes;
    }
    if (visit({ id, bodyOffset: pos + 8, size })) return;
    pos += 8 + size + (size % 2);
  }
}
