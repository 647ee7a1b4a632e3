/**
 * `adapt --out` into the folder of a run killed after its model was saved (model/ there, no
 * run-complete.json) fails at once, before loading or training anything, naming the folder. It used
 * to train fully and only then fail on the existing model/.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

const TSX = path.resolve('node_modules/.bin/tsx');
const CLI = path.resolve('electron/cli/main.ts');

describe('CLI: output folder checked before any work', () => {
  it("adapt into a killed run's folder exits 1 at once with the reason", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'cli-run-'));
    try {
      const out = path.join(dir, 'out');
      await mkdir(path.join(out, 'model'), { recursive: true });
      await writeFile(path.join(out, 'model', 'model.json'), '{}');
      // Manifests that do not exist: had the run started, the error would name them instead.
      const r = spawnSync(
        TSX,
        [
          CLI,
          'adapt',
          '--model',
          'models/digits-base',
          '--adapt',
          path.join(dir, 'a.jsonl'),
          '--test',
          path.join(dir, 't.jsonl'),
          '--out',
          out,
        ],
        { encoding: 'utf8', timeout: 120_000 },
      );
      expect(r.status).toBe(1);
      expect(r.stderr.trim().split('\n').pop()).toBe(
        `error: ${out}: holds an incomplete run (model/ without run-complete.json: it was stopped or failed); delete the folder or choose a new --out folder`,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
