/** Reading user files with errors that name the file. */
import { open, readFile, stat } from 'node:fs/promises';

/** Whether a file or folder exists at `p` (any error of `stat`, not found or no permission, counts as no). */
export const pathExists = (p: string): Promise<boolean> =>
  stat(p).then(
    () => true,
    () => false,
  );

/**
 * Read a UTF-8 text file.
 * @throws Error `"<file>: file not found"` or `"<file>: <reason>"`
 */
export async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(`${file}: ${code === 'ENOENT' ? 'file not found' : (err as Error).message}`);
  }
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
