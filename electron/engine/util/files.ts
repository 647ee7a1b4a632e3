/**
 * Reading user files with errors that name the file. Paths arrive from the CLI, the studio's dialogs
 * and API requests, so every reader here checks what the path is before reading (a regular file,
 * not a folder, device, FIFO or socket) and never quotes the file's content in an error.
 */
import { open, readFile, stat } from 'node:fs/promises';
import { decodeText } from './text';

/** Whether `p` is a regular file (following links); any error of `stat` counts as no. */
export const isRegularFile = (p: string): Promise<boolean> =>
  stat(p).then(
    (st) => st.isFile(),
    () => false,
  );

/** Whether a file or folder exists at `p` (any error of `stat`, not found or no permission, counts as no). */
export const pathExists = (p: string): Promise<boolean> =>
  stat(p).then(
    () => true,
    () => false,
  );

/** Largest text file (manifest, transcript, grammar, word list, LM, card) read whole: 256 MiB. */
export const MAX_TEXT_FILE_BYTES = 256 * 1024 * 1024;

/**
 * Check that `file` is a regular file (links followed) before it is read.
 * @param what what the file should be, for messages ("manifest", "grammar file", ...)
 * @param maxBytes refuse larger files
 * @returns its size in bytes
 * @throws Error `"<file>: <what> not found"`, `"<file>: <what> is a folder, expected a file"`,
 *   `"<file>: <what> is not a regular file (a device, pipe or socket)"`,
 *   `"<file>: <what> is N MiB, more than the M MiB limit"` or `"<file>: <reason>"`
 */
export async function requireRegularFile(file: string, what = 'file', maxBytes = Infinity): Promise<number> {
  let st;
  try {
    st = await stat(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(
      `${file}: ${code === 'ENOENT' || code === 'ENOTDIR' ? `${what} not found` : code === 'EACCES' ? `${what} is not readable (permission denied)` : (err as Error).message}`,
      { cause: err },
    );
  }
  if (st.isDirectory()) throw new Error(`${file}: ${what} is a folder, expected a file`);
  if (!st.isFile()) throw new Error(`${file}: ${what} is not a regular file (a device, pipe or socket)`);
  if (st.size > maxBytes) {
    const mib = (n: number) => (n / 1024 / 1024).toFixed(1);
    throw new Error(`${file}: ${what} is ${mib(st.size)} MiB, more than the ${mib(maxBytes)} MiB limit`);
  }
  return st.size;
}

/**
 * Read a user's text file, decoded by the shared rule (util/text.ts decodeText: UTF-8, BOMs,
 * UTF-16, Latin-1 with a note).
 * @param what what the file should be, for messages
 * @throws Error as requireRegularFile (limit MAX_TEXT_FILE_BYTES), or `"<file>: <reason>"`
 */
export async function readTextFile(file: string, what = 'file'): Promise<{ text: string; note?: string }> {
  await requireRegularFile(file, what, MAX_TEXT_FILE_BYTES);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(`${file}: ${code === 'ENOENT' ? `${what} not found` : (err as Error).message}`, {
      cause: err,
    });
  }
  return decodeText(bytes);
}

/**
 * Read a user's text file (see readTextFile), without the decoding note.
 * @throws Error `"<file>: file not found"` or `"<file>: <reason>"`
 */
export async function readText(file: string, what = 'file'): Promise<string> {
  return (await readTextFile(file, what)).text;
}

/**
 * Read a JSON document of ours (report, run marker, ...) as plain data, for the caller to check its
 * format and version. JSON.parse's own message can quote the file, so it is never passed on.
 * @param missing what to say when the file does not exist (e.g. "no report (the run has not finished)")
 * @throws Error `"<file>: <missing>"`, `"<file>: not valid JSON"` or as requireRegularFile
 */
export async function readJsonDocument(file: string, missing: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readText(file);
  } catch (err) {
    if ((err as Error).message === `${file}: file not found`)
      throw new Error(`${file}: ${missing}`, { cause: err });
    throw err;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new Error(`${file}: not valid JSON`, { cause: err });
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    throw new Error(`${file}: not a JSON object`);
  return raw as Record<string, unknown>;
}

/**
 * The first `bytes` bytes of a file (fewer when the file is shorter), e.g. to recognise its format.
 * @throws Error from the file system (not found, permission)
 */
export async function readHead(file: string, bytes = 128): Promise<Uint8Array> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const { bytesRead } = await fh.read(buf, 0, bytes, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}
