/**
 * Helpers shared by test folders: where the benchmark data and the shipped model are, and small
 * manifests cut from the benchmark manifests. (Helpers of one folder live in it, e.g.
 * tests/corpus/helpers.ts, tests/ui/studio-fixture.ts.)
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** The benchmark manifests: `../shared/data/bench` beside the checkout, or `$ACCENT_STUDIO_DATA/bench` (a worktree elsewhere). */
export const BENCH = path.resolve(process.env.ACCENT_STUDIO_DATA ?? '../shared/data', 'bench');
/** The shipped base model folder. */
export const SHIPPED_BASE = path.resolve('models/digits-base');

/**
 * Some lines of a benchmark manifest, written to `dir/<name>` with absolute audio paths.
 * @param pick a count `n` (every `floor(lines / n)`-th line from the first, at most `n`: spread over
 *   the manifest's order, e.g. every digit of FSDD), or a predicate on the 0-based line number
 * @param edit changes each line's object before it is written (e.g. its `text`)
 * @returns the written manifest's path
 */
export async function benchSubset(
  name: string,
  pick: number | ((i: number) => boolean),
  dir: string,
  edit: (o: { audio_filepath: string; text: string }) => void = () => {},
): Promise<string> {
  const lines = (await readFile(path.join(BENCH, name), 'utf8')).trim().split('\n');
  let picked: string[];
  if (typeof pick === 'number') {
    const step = Math.max(1, Math.floor(lines.length / pick));
    picked = lines.filter((_, i) => i % step === 0).slice(0, pick);
  } else picked = lines.filter((_, i) => pick(i));
  const out = picked.map((l) => {
    const o = JSON.parse(l) as { audio_filepath: string; text: string };
    o.audio_filepath = path.resolve(BENCH, o.audio_filepath);
    edit(o);
    return JSON.stringify(o);
  });
  const file = path.join(dir, name);
  await writeFile(file, out.join('\n') + '\n');
  return file;
}
