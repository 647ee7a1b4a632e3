/**
 * What an adaptation does with its unlabelled set (AdaptConfig.unlabelledUse), on the shipped digit
 * model and FSDD's German speaker: "none" trains on the labelled set only and never reads the
 * unlabelled one, "statistics" re-estimates the global CMVN statistics on it and adds no
 * pseudo-labels, "pseudo-labels" trains on its confident labels too. And the pseudo-label rounds:
 * a round relabels with the model the round before trained, and stops when its labels are the same.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { copyFile, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { adapt } from '../../electron/engine';
import { loadModel } from '../../electron/engine/model/checkpoint';
import { readManifest } from '../../electron/engine/corpus/manifest';
import { featurizeCorpus } from '../../electron/engine/features/corpus';
import { cmvnStats } from '../../electron/engine/features/cmvn';
import type { ProgressEvent } from '../../electron/engine';
import { BENCH, SHIPPED_BASE as BASE, benchSubset } from '../helpers';

type PseudoRound = { round: number; kept: number; of: number; changed: number };

describe('unlabelled audio: pseudo-labels, statistics or nothing', () => {
  let dir: string;
  let adaptM: string;
  let unl: string;
  let testM: string;
  let n = 0;
  const out = (): string => path.join(dir, `run-${++n}`);

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'unlabelled-use-'));
    // 10 labelled German digits (every fifth line: each digit twice), 20 others as unlabelled audio
    // (transcripts removed), in a folder of their own (benchSubset names the file after the source).
    adaptM = await benchSubset('fsdd-german-adapt.jsonl', (i) => i % 5 === 0, dir);
    await mkdir(path.join(dir, 'unl'));
    unl = path.join(dir, 'unlabelled.jsonl');
    const picked = await benchSubset(
      'fsdd-german-adapt.jsonl',
      (i) => i % 5 === 1 || i % 5 === 2,
      path.join(dir, 'unl'),
    );
    await writeFile(
      unl,
      (await readFile(picked, 'utf8'))
        .trim()
        .split('\n')
        .map((l) => JSON.stringify({ ...JSON.parse(l), text: '' }))
        .join('\n') + '\n',
    );
    testM = await benchSubset('fsdd-german-test.jsonl', 10, dir);
  });

  it('"none": the unlabelled set is not read; training uses the 10 labelled utterances only', async () => {
    const r = await adapt({
      modelDir: BASE,
      adaptManifest: adaptM,
      unlabelledManifest: unl,
      testManifest: testM,
      outDir: out(),
      settings: { unlabelledUse: 'none', epochs: 2 },
    });
    const a = r.adaptation!;
    expect(a.unlabelled_use).toBe('none');
    expect(a.unlabelled_utterances).toBe(0);
    expect(a.pseudo_rounds).toBe(0);
    expect(a.pseudo_labels).toEqual([]);
    expect(a.renormalization).toBeNull();
    expect(a.labelled_utterances).toBe(10);
    expect(a.training_utterances).toBe(10);
    const { card } = await loadModel(path.join(dir, `run-${n}`, 'model'));
    expect(card.trainingData.map((d) => d.name)).not.toContain(
      'unlabelled.jsonl (unlabelled, pseudo-labels)',
    );
  });

  it('"pseudo-labels": the confident pseudo-labels train with the labelled set', async () => {
    const r = await adapt({
      modelDir: BASE,
      adaptManifest: adaptM,
      unlabelledManifest: unl,
      testManifest: testM,
      outDir: out(),
      settings: { pseudoRounds: 1, epochs: 2 },
    });
    const a = r.adaptation!;
    expect(a.unlabelled_use).toBe('pseudo-labels');
    expect(a.unlabelled_utterances).toBe(20);
    const log = a.pseudo_labels as PseudoRound[];
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({ round: 1, of: 20 });
    expect(log[0].changed).toBe(log[0].kept);
    expect(log[0].kept).toBeGreaterThan(0);
    expect(a.training_utterances).toBe(10 + log[0].kept);
  });

  it('"statistics": global CMVN re-estimated on the unlabelled audio; no pseudo-labels; labelled training only', async () => {
    // A global-CMVN variant of the shipped model, its statistics from 50 source training utterances.
    const modelDir = path.join(dir, 'global-base');
    await mkdir(modelDir);
    for (const f of ['model.json', 'weights.bin']) await copyFile(path.join(BASE, f), path.join(modelDir, f));
    const card = JSON.parse(await readFile(path.join(BASE, 'card.json'), 'utf8'));
    const raw = async (m: string, k: number) =>
      (
        await featurizeCorpus(
          (await readManifest(m)).slice(0, k),
          { ...card.features, cmvn: 'none' },
          undefined,
          () => {},
          'raw',
          null,
        )
      ).map((f) => f.feats);
    card.features.cmvn = 'global';
    card.cmvnStats = cmvnStats(await raw(path.join(BENCH, 'fsdd-source-train.jsonl'), 50));
    await writeFile(path.join(modelDir, 'card.json'), JSON.stringify(card));

    const messages: string[] = [];
    const r = await adapt({
      modelDir,
      adaptManifest: adaptM,
      unlabelledManifest: unl,
      testManifest: testM,
      outDir: out(),
      // pseudoRounds given, but statistics never pseudo-labels
      settings: { unlabelledUse: 'statistics', pseudoRounds: 3, epochs: 2, inputTransform: false },
      onProgress: (e: ProgressEvent) => e.message && messages.push(e.message),
    });
    const a = r.adaptation!;
    expect(a.unlabelled_use).toBe('statistics');
    expect(a.renormalize).toBe(true);
    expect(a.pseudo_rounds).toBe(0);
    expect(a.pseudo_labels).toEqual([]);
    expect(a.renormalization).toMatchObject({
      statistics_from: 'unlabelled set',
      utterances: 20,
      cmvn: true,
    });
    expect(a.training_utterances).toBe(10);
    expect(messages.some((m) => m.startsWith('pseudo-label'))).toBe(false);
    const adapted = await loadModel(path.join(dir, `run-${n}`, 'model'));
    const want = cmvnStats(await raw(unl, 20));
    for (const b of [0, 20, 39]) {
      expect(adapted.card.cmvnStats!.mean[b]).toBeCloseTo(want.mean[b], 3);
      expect(Math.abs(adapted.card.cmvnStats!.mean[b] - card.cmvnStats.mean[b])).toBeGreaterThan(0.01);
    }
    expect(adapted.card.trainingData.map((d) => d.name)).toContain(
      'unlabelled.jsonl (unlabelled, statistics)',
    );
    adapted.model.dispose();
  });

  it('round 2 relabels with the model round 1 trained; identical labels end the rounds', async () => {
    // A learning rate too small to change any label: round 2 labels as round 1 did, and stops.
    const still: string[] = [];
    const r1 = await adapt({
      modelDir: BASE,
      unlabelledManifest: unl,
      testManifest: testM,
      outDir: out(),
      settings: { pseudoRounds: 3, epochs: 2, learningRate: 1e-12, pseudoThreshold: 0.5 },
      onProgress: (e: ProgressEvent) => e.message && still.push(e.message),
    });
    const log1 = r1.adaptation!.pseudo_labels as PseudoRound[];
    expect(log1).toHaveLength(2);
    expect(log1[1]).toMatchObject({ round: 2, kept: log1[0].kept, changed: 0 });
    expect(
      still.filter((m) => /^pseudo-label round 2: .*the same labels as round 1, so no more rounds/.test(m)),
    ).toHaveLength(1);
    // Round 1's training only: its epochs once.
    expect(r1.adaptation!.epoch_log as unknown[]).toHaveLength(2);

    // A learning rate that changes the model: round 2 labels with it, and one label changes (measured:
    // 19 of 20 kept by the base model, 20 of 20 by round 1's); round 3's labels are round 2's: the end.
    const r2 = await adapt({
      modelDir: BASE,
      unlabelledManifest: unl,
      testManifest: testM,
      outDir: out(),
      settings: { pseudoRounds: 3, epochs: 5, learningRate: 0.001, pseudoThreshold: 0.5 },
    });
    const log2 = r2.adaptation!.pseudo_labels as PseudoRound[];
    expect(log2.map((p) => p.changed)).toEqual([log2[0].kept, 1, 0]);
    expect(log2[1].kept).toBeGreaterThanOrEqual(log2[0].kept);
    expect(r2.adaptation!.best_epoch).toBeGreaterThan(0);
  });

  it('refuses "none" without an adaptation set, and an unknown use', async () => {
    await expect(
      adapt({
        modelDir: BASE,
        unlabelledManifest: unl,
        testManifest: testM,
        outDir: out(),
        settings: { unlabelledUse: 'none' },
      }),
    ).rejects.toThrow(
      'adapt: --unlabelled-use none ignores the unlabelled set, and there is no adaptation set (--adapt) to train on',
    );
    await expect(
      adapt({
        modelDir: BASE,
        adaptManifest: adaptM,
        testManifest: testM,
        outDir: out(),
        settings: { unlabelledUse: 'labels' as never },
      }),
    ).rejects.toThrow('adapt: --unlabelled-use must be one of pseudo-labels, statistics, none, not "labels"');
  });
});
