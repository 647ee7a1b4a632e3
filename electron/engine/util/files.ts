/** Reading user files with errors that name the file. */
import { readFile } from 'node:fs/promises';

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
