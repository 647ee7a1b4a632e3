/** Crash-safe file writes: write a temporary file beside the target, flush it, then rename. */
import { copyFile, open, rename, rm, mkdir } from 'node:fs/promises';
import path from 'node:path';

/** A temporary file name in the same folder as `file` (so the final rename stays on one file system). */
function tempBeside(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
}

/**
 * Write `data` to `file` atomically: readers see the old file or the whole new one, never a part.
 * Creates the parent folder if needed.
 * @throws Error naming the file when the write fails (the temporary file is removed)
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = tempBeside(file);
  try {
    const fh = await open(tmp, 'w');
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw new Error(`${file}: could not write (${(err as Error).message})`, { cause: err });
  }
}

/** JSON with two-space indentation and a final newline, written atomically. */
export async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  await writeFileAtomic(file, JSON.stringify(value, null, 2) + '\n');
}

/**
 * Copy a file atomically: copy to a temporary name beside the destination, flush, rename.
 * @returns the destination path
 * @throws Error `"<src>: could not copy to <dest> (<reason>)"` (the temporary file is removed)
 */
export async function copyFileAtomic(src: string, dest: string): Promise<string> {
  await mkdir(path.dirname(dest), { recursive: true });
  const tmp = tempBeside(dest);
  try {
    await copyFile(src, tmp);
    const fh = await open(tmp, 'r+');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, dest);
  } catch (err) {
    await rm(tmp, { force: true });
    throw new Error(`${src}: could not copy to ${dest} (${(err as Error).message})`, { cause: err });
  }
  return dest;
}
