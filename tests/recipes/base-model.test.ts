import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { trainBase, type BaseRecipeConfig, type ProgressEvent } from '../../electron/engine';
import { benchSubset } from '../helpers';

const STAGES = ['1-prepare', '2-features', '3-train', '4-evaluate', '5-export'];
const sha256 = async (file: string) =>
  createHash('sha256')
    .update(await readFile(file))
    .digest('hex');
const readJson = async (file: string) => JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;

describe('train-base recipe: re-runnable stages', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  /** Run the tiny recipe; returns the card and the stage log lines and progress labels it reported. */
  async function run(cfg: Partial<BaseRecipeConfig> & { outDir: string }) {
    const events: ProgressEvent[] = [];
    const card = await trainBase({
      trainManifest: path.join(dirs[0], 'fsdd-source-train.jsonl'),
      testManifest: path.join(dirs[0], 'fsdd-source-test.jsonl'),
      numStrings: 4,
      clipCopies: 2,
      ttsStrings: 0,
      epochs: 2,
      batchSize: 4,
      workers: 1,
      seed: 7,
      ...cfg,
      onProgress: (e) => events.push(e),
    });
    const log = events.filter((e) => e.label === 'recipe stages').map((e) => e.message ?? '');
    return { card, log, labels: new Set(events.map((e) => e.label)) };
  }

  it('skips finished stages, resumes bit-identically, and re-runs the stages a changed setting affects', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'train-base-'));
    dirs.push(dir);
    await benchSubset('fsdd-source-train.jsonl', 20, dir);
    await benchSubset('fsdd-source-test.jsonl', 6, dir);
    const outA = path.join(dir, 'a');
    const work = `${outA}.work`;

    // (a) first run: every stage runs and leaves its artifact and marker.
    const first = await run({ outDir: outA });
    expect(first.log).toEqual(STAGES.map((s) => `stage ${s}: running`));
    // The weights of this recipe before it was split into stages (commit 1382bdc, wasm backend).
    const weights = await sha256(path.join(outA, 'weights.bin'));
    expect(weights).toBe('4cba3d15abbb6597d21be30d899f0fd8475c7f30db34814c1ada6b02dfb20fcb');
    for (const s of STAGES) {
      const m = await readJson(path.join(work, s, 'done.json'));
      expect(m).toMatchObject({ format: 'accent-studio-recipe-stage', version: 1, stage: s });
      expect(m.hash).toMatch(/^[0-9a-f]{64}$/);
    }
    const plan = await readJson(path.join(work, '1-prepare', 'plan.json'));
    expect(plan).toMatchObject({ utterances: 20, trainClips: 19, heldOutClips: 1 });
    expect((plan.train as unknown[]).length).toBe(19 * 2 + 4); // clips, one copy each, 4 strings
    expect((await stat(path.join(work, '1-prepare', 'audio.f32'))).size).toBe(
      4 *
        [...(plan.train as { samples: number }[]), ...(plan.heldOut as { samples: number }[])].reduce(
          (a, e) => a + e.samples,
          0,
        ),
    );
    expect(await readJson(path.join(work, '3-train', 'done.json'))).toMatchObject({
      settings: { epochs: 2, batchSize: 4, seed: 7, workers: 1 },
    });
    expect(first.card.metrics[0]).toMatchObject({ testSet: 'fsdd-source-test', utterances: 6 });

    // (b) the same command again: every stage skipped, nothing recomputed, the same model folder.
    const mtime = (await stat(path.join(outA, 'weights.bin'))).mtimeMs;
    const again = await run({ outDir: outA });
    expect(again.log).toEqual(
      STAGES.map(
        (s) => `stage ${s}: finished earlier with the same settings, skipped (${path.join(work, s)})`,
      ),
    );
    expect(again.labels.has('load source audio')).toBe(false);
    expect(again.labels.has('training features')).toBe(false);
    expect(again.card).toEqual(first.card);
    expect((await stat(path.join(outA, 'weights.bin'))).mtimeMs).toBe(mtime);

    // (b') interrupted during training: prepare and features are read back, the weights are the same.
    await rm(outA, { recursive: true });
    await rm(path.join(work, '3-train'), { recursive: true });
    const resumed = await run({ outDir: outA });
    expect(resumed.log.slice(0, 3)).toEqual([
      `stage 1-prepare: finished earlier with the same settings, skipped (${path.join(work, '1-prepare')})`,
      `stage 2-features: finished earlier with the same settings, skipped (${path.join(work, '2-features')})`,
      'stage 3-train: running',
    ]);
    expect(resumed.labels.has('training features')).toBe(false);
    expect(await sha256(path.join(outA, 'weights.bin'))).toBe(weights);
    expect(resumed.card.metrics).toEqual(first.card.metrics);
    expect(first.card.recipe?.bestEpoch).toBe(2);
    expect(resumed.card.recipe?.bestEpoch).toBe(2);

    // (c) a changed training setting, exported elsewhere: data and features are kept, training onwards re-run.
    const outB = path.join(dir, 'b');
    const changed = await run({ outDir: outB, workDir: work, epochs: 1 });
    expect(changed.log).toEqual([
      `stage 1-prepare: finished earlier with the same settings, skipped (${path.join(work, '1-prepare')})`,
      `stage 2-features: finished earlier with the same settings, skipped (${path.join(work, '2-features')})`,
      'stage 3-train: settings changed (epochs), running it again',
      'stage 4-evaluate: an earlier stage changed, running it again',
      'stage 5-export: settings changed (outDir), running it again',
    ]);
    expect((changed.card.recipe?.epochLog as unknown[]).length).toBe(1);
    expect(await sha256(path.join(outB, 'weights.bin'))).not.toBe(weights);
    expect(await readJson(path.join(work, '3-train', 'done.json'))).toMatchObject({
      settings: { epochs: 1 },
    });

    // The first model folder is now not this work folder's export: it is never overwritten.
    await expect(run({ outDir: outA })).rejects.toThrow(
      `${outA}: already exists; a model folder is never overwritten (choose a new --out)`,
    );
  }, 300_000);
});
