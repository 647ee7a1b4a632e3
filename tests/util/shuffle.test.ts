/**
 * The engine's one seeded shuffle (electron/engine/util/shuffle.ts) and the one path check
 * (util/files.ts). The pinned orders were computed with the five Fisher-Yates copies this shuffle
 * replaced (batches, held-out split, re-splicing, base recipe), so seeded results stay identical.
 */
import { describe, expect, it } from 'vitest';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { shuffleInPlace } from '../../electron/engine/util/shuffle';
import { pathExists } from '../../electron/engine/util/files';
import { lengthBatches, seededRandom } from '../../electron/engine/model/batch';

describe('shuffleInPlace', () => {
  it('gives the order of the replaced copies for a seed, in place, drawing n - 1 numbers', () => {
    const rand = seededRandom(1);
    const items = [...Array(10).keys()];
    expect(shuffleInPlace(items, rand)).toBe(items);
    expect(items).toEqual([7, 8, 3, 2, 1, 5, 9, 4, 0, 6]);
    // the next draw is the 10th number of the sequence: exactly 9 were used
    expect(rand()).toBe(0.9948229456786066);
  });

  it('leaves empty and one-item arrays alone without drawing', () => {
    const rand = () => {
      throw new Error('drew a number');
    };
    expect(shuffleInPlace([], rand)).toEqual([]);
    expect(shuffleInPlace(['a'], rand)).toEqual(['a']);
  });

  it('keeps seeded length batches as they were', () => {
    const lengths = Array.from({ length: 23 }, (_, i) => 50 + ((i * 37) % 90));
    expect(lengthBatches(lengths, 4, seededRandom(3))).toEqual([
      [13, 18, 1, 6],
      [15, 20, 3, 8],
      [9, 14, 19, 2],
      [7, 12, 17],
      [0, 22, 5, 10],
      [11, 16, 21, 4],
    ]);
  });
});

describe('pathExists', () => {
  it('is true for a file and a folder, false for a missing path', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'exists-'));
    await writeFile(path.join(dir, 'f.txt'), 'x');
    expect(await pathExists(dir)).toBe(true);
    expect(await pathExists(path.join(dir, 'f.txt'))).toBe(true);
    expect(await pathExists(path.join(dir, 'missing'))).toBe(false);
  });
});
