/**
 * The engine host shared by the Electron IPC table and the browser-mode server: jobs run in worker
 * threads (started from TypeScript through tsx), report progress with their job id, and can be
 * cancelled without touching the base model or leaving a half-written run behind.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { adaptSettings, Host, InvalidRequestError, JobCancelledError } from '../../electron/host';
import { METHOD_NAMES, METHODS } from '../../electron/engine/adapt/methods';
import { DEFAULT_ADAPT } from '../../electron/engine';
import { METHOD_DEFAULTS, RESPLICE_MAX, type JobProgress } from '../../electron/contract';
import { MAX_RESPLICE } from '../../electron/engine/adapt/job';
import { baseModel, benchSlice } from '../ui/fixtures';

async function folderHash(dir: string): Promise<string> {
  const h = createHash('sha256');
  for (const f of (await readdir(dir)).sort()) h.update(f).update(await readFile(path.join(dir, f)));
  return h.digest('hex');
}

describe('engine host', () => {
  let tmp: string;
  let host: Host;
  let modelDir: string;
  let runsDir: string;
  let adaptM: string;
  let testM: string;

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(tmpdir(), 'studio-host-'));
    const base = await baseModel(tmp);
    modelDir = base.modelDir;
    runsDir = path.join(tmp, 'runs');
    adaptM = await benchSlice('fsdd-german-adapt.jsonl', 10, tmp);
    testM = await benchSlice('fsdd-german-test.jsonl', 20, tmp);
    host = new Host({ modelsDir: base.modelsDir, runsDir });
  });

  afterAll(async () => {
    await host?.dispose();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('evaluates in a worker: progress carries the job id, the report is on disk and listed', async () => {
    const events: JobProgress[] = [];
    const off = host.onProgress((e) => events.push(e));
    const report = await host.call('evaluate', {
      jobId: 'ev-1',
      modelDir,
      testManifest: testM,
      runName: 'eval-1',
    });
    off();
    expect(report.test.before.reference_words).toBe(20);
    expect(events.length).toBeGreaterThan(0);
    expect(new Set(events.map((e) => e.jobId))).toEqual(new Set(['ev-1']));
    expect(events.some((e) => e.phase === 'features' && e.done === e.total && e.total === 20)).toBe(true);
    const onDisk = await host.call('readReport', { runName: 'eval-1' });
    expect(onDisk.test.before).toEqual(report.test.before);
    const runs = await host.call('listRuns', {});
    expect(runs.map((r) => [r.name, r.command, r.testWerBefore])).toEqual([
      ['eval-1', 'evaluate', report.test.before.wer],
    ]);
  });

  it('refuses an existing run name and a missing manifest with one-line errors, leaving no folder', async () => {
    await expect(
      host.call('evaluate', { jobId: 'ev-2', modelDir, testManifest: testM, runName: 'eval-1' }),
    ).rejects.toThrow(/a run named "eval-1" already exists/);
    const missing = path.join(tmp, 'nope.jsonl');
    await expect(
      host.call('evaluate', { jobId: 'ev-3', modelDir, testManifest: missing, runName: 'eval-missing' }),
    ).rejects.toThrow(`${missing}: manifest not found`);
    expect(existsSync(path.join(runsDir, 'eval-missing'))).toBe(false);
    await expect(
      host.call('evaluate', { jobId: 'ev-4', modelDir, testManifest: testM, runName: 'a/b' }),
    ).rejects.toThrow(InvalidRequestError);
  });

  it('cancels an adaptation: the promise rejects, the base model is untouched, the run folder is gone', async () => {
    const hash = await folderHash(modelDir);
    const started = new Promise<void>((resolve) => {
      const off = host.onProgress((e) => {
        if (e.jobId === 'ad-1') {
          off();
          resolve();
        }
      });
    });
    const job = host.call('adapt', {
      jobId: 'ad-1',
      modelDir,
      adaptManifest: adaptM,
      testManifest: testM,
      runName: 'adapt-cancelled',
      method: { epochs: 500 },
    });
    await started;
    expect(await host.call('cancel', { jobId: 'ad-1' })).toEqual({ cancelled: true });
    await expect(job).rejects.toBeInstanceOf(JobCancelledError);
    expect(existsSync(path.join(runsDir, 'adapt-cancelled'))).toBe(false);
    expect(await folderHash(modelDir)).toBe(hash);
    expect(await host.call('cancel', { jobId: 'ad-1' })).toEqual({ cancelled: false });
  });

  it('adapts in a worker and lists the adapted model with its card', async () => {
    const losses: number[] = [];
    const off = host.onProgress((e) => e.jobId === 'ad-2' && e.loss !== undefined && losses.push(e.loss));
    const report = await host.call('adapt', {
      jobId: 'ad-2',
      modelDir,
      adaptManifest: adaptM,
      testManifest: testM,
      runName: 'adapt-1',
      method: { epochs: 2, topLayers: 2 },
    });
    off();
    expect(losses.length).toBeGreaterThan(0);
    expect(report.adaptation?.top_layers).toBe(2);
    const models = await host.call('listModels', {});
    const adapted = models.find((m) => m.kind === 'adapted');
    expect(adapted?.run).toBe('adapt-1');
    expect(adapted?.card?.parent).toBe('digits-base');
    expect(adapted?.dir).toBe(path.join(runsDir, 'adapt-1', 'model'));
  });

  it("lists the registry's methods for the picker", async () => {
    const methods = await host.call('methods', {});
    expect(methods.map((m) => m.name)).toEqual(METHOD_NAMES);
    for (const m of methods) {
      expect(m.summary).toBe(METHODS[m.name].summary);
      expect(m.defaultLearningRate).toBe(METHODS[m.name].learningRate);
      expect(m.defaultKlWeight).toBe(METHODS[m.name].klWeight);
    }
  });

  it('maps the UI settings onto AdaptConfig fields, leaving out what was not given', () => {
    expect(adaptSettings(undefined)).toBeUndefined();
    expect(adaptSettings({ method: 'lhuc', epochs: 3 })).toEqual({ method: 'lhuc', epochs: 3 });
    const all = adaptSettings({
      method: 'adapters',
      bottleneck: 4,
      epochs: 5,
      fixedEpochs: 4,
      learningRate: 0.01,
      klWeight: 0.2,
      specAugment: true,
      speedPerturb: true,
      noiseSnrDb: 10,
      resplice: 4,
      unlabelledUse: 'pseudo-labels',
      pseudoRounds: 3,
      pseudoThreshold: 0.7,
    });
    expect(all).toEqual({
      method: 'adapters',
      bottleneck: 4,
      epochs: 5,
      fixedEpochs: 4,
      learningRate: 0.01,
      klWeight: 0.2,
      specAugment: true,
      speedPerturb: true,
      noiseSnrDb: 10,
      resplice: 4,
      unlabelledUse: 'pseudo-labels',
      pseudoRounds: 3,
      pseudoThreshold: 0.7,
    });
    for (const k of Object.keys(all!)) expect(Object.hasOwn(DEFAULT_ADAPT, k)).toBe(true);
    expect(RESPLICE_MAX).toBe(MAX_RESPLICE); // the contract's limit is the engine's
    // The Adapt screen's starting values are the engine's defaults.
    const {
      method,
      topLayers,
      bottleneck,
      embeddingLayers,
      epochs,
      fixedEpochs,
      resplice,
      unlabelledUse,
      pseudoRounds,
      pseudoThreshold,
    } = DEFAULT_ADAPT;
    expect(METHOD_DEFAULTS).toEqual({
      method,
      topLayers,
      inputTransform: METHODS.finetune.defaults.inputTransform,
      bottleneck,
      embeddingLayers,
      epochs,
      fixedEpochs,
      resplice,
      unlabelledUse,
      pseudoRounds,
      pseudoThreshold,
    });
  });

  it('runs a small adapters adaptation: only the adapters train (< 5% of the weights)', async () => {
    await mkdir(path.join(tmp, 'ten'), { recursive: true });
    const test10 = await benchSlice('fsdd-german-test.jsonl', 10, path.join(tmp, 'ten'));
    const report = await host.call('adapt', {
      jobId: 'ad-3',
      modelDir,
      adaptManifest: adaptM,
      testManifest: test10,
      runName: 'adapt-adapters',
      method: { method: 'adapters', bottleneck: 4, epochs: 2, klWeight: 0.1, specAugment: true },
    });
    const a = report.adaptation!;
    expect(a.method).toBe('adapters');
    expect(a.bottleneck).toBe(4);
    expect(a.epochs).toBe(2);
    expect(a.kl_weight).toBe(0.1);
    expect(a.spec_augment).toBe(true);
    expect(a.learning_rate).toBe(METHODS.adapters.learningRate); // none given: the method's default
    expect(a.noise_snr_db).toBeNull();
    const trainable = a.trainable_params as number;
    const total = a.total_params as number;
    expect(trainable).toBeGreaterThan(0);
    expect(trainable / total).toBeLessThan(0.05);
    expect(report.test.before.utterances).toBe(10);
    expect(report.adapted_model?.name).toContain('+adapters(');
    const onDisk = await host.call('readReport', { runName: 'adapt-adapters' });
    expect(onDisk.adaptation).toEqual(report.adaptation);
  });
});
