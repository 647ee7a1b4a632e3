/**
 * Runs are marked complete last (run-complete.json). The states a `kill -9` leaves are made on disk
 * by hand: the adapted model renamed into place and nothing else; model/ and report.json without the
 * companions; everything but the marker. None of them may be listed, read, compared or exported as a
 * finished run, and a new run into such a folder must fail before any work.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Host } from '../../electron/host';
import { adapt, evaluate, score } from '../../electron/engine';
import { REPORT_FORMAT, REPORT_VERSION } from '../../electron/engine/score/report';
import {
  ensureFreeRunDir,
  readRunComplete,
  RUN_COMPLETE_FILE,
  RUN_COMPLETE_FORMAT,
  RUN_COMPLETE_VERSION,
  writeRunComplete,
} from '../../electron/engine/score/run-complete';

const reportJson = (created: string, model: string) =>
  JSON.stringify({
    format: REPORT_FORMAT,
    version: REPORT_VERSION,
    command: 'adapt',
    created,
    model: { name: 'base' },
    adapted_model: { name: model },
    test: { before: { wer: 0.5 }, after: { wer: 0.25 } },
  });

/** The stages of an adaptation's output, in the order the run writes them. */
type Stage = 'model' | 'report' | 'companions' | 'marker';
const STAGES: Stage[] = ['model', 'report', 'companions', 'marker'];

/** A run folder written up to (and including) `upTo`, as a run killed just after that write leaves it. */
async function partialRun(dir: string, upTo: Stage, model: string): Promise<void> {
  const n = STAGES.indexOf(upTo);
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'p-adapt.jsonl'), '{}\n'); // the split manifest a project run writes first
  await mkdir(path.join(dir, 'model'));
  await writeFile(path.join(dir, 'model', 'model.json'), '{"modelTopology":{}}');
  await writeFile(path.join(dir, 'model', 'weights.bin'), Buffer.from([1, 2, 3, 4]));
  await writeFile(path.join(dir, 'model', 'card.json'), JSON.stringify({ name: model }));
  if (n >= 1) await writeFile(path.join(dir, 'report.json'), reportJson('2026-01-01T00:00:00.000Z', model));
  if (n >= 2) {
    await writeFile(path.join(dir, 'report.html'), '<html></html>');
    await writeFile(path.join(dir, 'utterances.csv'), 'id\n');
    await mkdir(path.join(dir, 'trn'));
    await writeFile(path.join(dir, 'trn', 'test.ref.trn'), 'one (a)\n');
  }
  if (n >= 3)
    await writeRunComplete(dir, 'adapt', [
      'model/',
      'report.html',
      'report.json',
      'trn/test.ref.trn',
      'utterances.csv',
    ]);
}

describe('run-completion marker: incomplete runs are never taken for finished ones', () => {
  let tmp: string;
  let host: Host;
  let runsDir: string;

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(tmpdir(), 'studio-runs-'));
    runsDir = path.join(tmp, 'runs');
    host = new Host({ modelsDir: path.join(tmp, 'models'), runsDir });
    for (const s of STAGES) await partialRun(path.join(runsDir, `killed-after-${s}`), s, `adapted-${s}`);
  });

  afterAll(async () => {
    await host?.dispose();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('listRuns and listModels show only the run that wrote its marker', async () => {
    expect((await host.call('listRuns', {})).map((r) => r.name)).toEqual(['killed-after-marker']);
    const adapted = (await host.call('listModels', {})).filter((m) => m.kind === 'adapted');
    expect(adapted.map((m) => [m.run, m.dir])).toEqual([
      ['killed-after-marker', path.join(runsDir, 'killed-after-marker', 'model')],
    ]);
  });

  it('readReport (the Compare screen) and exportModel refuse an incomplete run, naming the marker', async () => {
    for (const s of ['model', 'report', 'companions'] as const) {
      const marker = path.join(runsDir, `killed-after-${s}`, RUN_COMPLETE_FILE);
      await expect(host.call('readReport', { runName: `killed-after-${s}` })).rejects.toThrow(
        `${marker}: missing (the run did not finish: it was stopped, failed, or is still running)`,
      );
      await expect(host.call('exportModel', { run: `killed-after-${s}`, name: `x-${s}` })).rejects.toThrow(
        `${marker}: missing (the run did not finish`,
      );
    }
    // Nothing was exported, not even a temporary folder.
    expect(await readdir(path.join(tmp, 'exports')).catch(() => [])).toEqual([]);
    const done = await host.call('exportModel', { run: 'killed-after-marker', name: 'ok' });
    expect(done.files).toEqual([
      'card.json',
      'model.json',
      'report.html',
      'report.json',
      'trn/test.ref.trn',
      'utterances.csv',
      'weights.bin',
    ]);
  });

  it('a damaged or newer marker counts as incomplete, with the reason', async () => {
    const dir = path.join(tmp, 'damaged');
    await partialRun(dir, 'companions', 'm');
    await writeFile(path.join(dir, RUN_COMPLETE_FILE), '{"format":"accent-studio-run-compl');
    await expect(readRunComplete(dir)).rejects.toThrow(
      `${path.join(dir, RUN_COMPLETE_FILE)}: not valid JSON`,
    );
    await writeFile(
      path.join(dir, RUN_COMPLETE_FILE),
      JSON.stringify({ format: 'accent-studio-report', version: 1 }),
    );
    await expect(readRunComplete(dir)).rejects.toThrow(
      `not a run-completion marker (format is "accent-studio-report", expected "${RUN_COMPLETE_FORMAT}")`,
    );
    await writeFile(
      path.join(dir, RUN_COMPLETE_FILE),
      JSON.stringify({ format: RUN_COMPLETE_FORMAT, version: RUN_COMPLETE_VERSION + 1 }),
    );
    await expect(readRunComplete(dir)).rejects.toThrow(
      `marker version ${RUN_COMPLETE_VERSION + 1} is not one this program reads (up to ${RUN_COMPLETE_VERSION})`,
    );
  });

  it("a new run into a killed run's folder fails before any work (the model is not even loaded)", async () => {
    // A model folder that does not exist: had the engine started, the error would name it instead.
    const noModel = path.join(tmp, 'no-such-model');
    for (const s of ['model', 'report', 'companions'] as const) {
      const out = path.join(runsDir, `killed-after-${s}`);
      const found = {
        model: 'model/',
        report: 'report.json, model/',
        companions: 'report.json, report.html, utterances.csv, trn/, model/',
      }[s];
      const msg = `${out}: holds an incomplete run (${found} without run-complete.json: it was stopped or failed); delete the folder or choose a new --out folder`;
      await expect(
        adapt({ modelDir: noModel, adaptManifest: 'a.jsonl', testManifest: 't.jsonl', outDir: out }),
      ).rejects.toThrow(msg);
      await expect(evaluate({ modelDir: noModel, testManifest: 't.jsonl', outDir: out })).rejects.toThrow(
        msg,
      );
    }
    const finished = path.join(runsDir, 'killed-after-marker');
    await expect(
      adapt({ modelDir: noModel, adaptManifest: 'a.jsonl', testManifest: 't.jsonl', outDir: finished }),
    ).rejects.toThrow(
      `${finished}: already holds a finished run; choose a new --out folder (results are never overwritten)`,
    );
    // A folder holding only the split manifests (a project run prepared by the host) is free.
    const prepared = path.join(tmp, 'prepared');
    await mkdir(prepared);
    await writeFile(path.join(prepared, 'p-adapt.jsonl'), '{}\n');
    await expect(ensureFreeRunDir(prepared)).resolves.toBeUndefined();
    await expect(ensureFreeRunDir(path.join(tmp, 'not-yet'))).resolves.toBeUndefined();
    await writeFile(path.join(tmp, 'a-file'), 'x');
    await expect(ensureFreeRunDir(path.join(tmp, 'a-file'))).rejects.toThrow(
      `${path.join(tmp, 'a-file')}: is not a folder`,
    );
  });

  it('a real run (score) writes the marker last, listing exactly the files it wrote', async () => {
    const ref = path.join(tmp, 'ref.jsonl');
    const hyp = path.join(tmp, 'hyp.jsonl');
    await writeFile(ref, '{"id":"u1","text":"one two"}\n{"id":"u2","text":"three"}\n');
    await writeFile(hyp, '{"id":"u1","text":"one"}\n{"id":"u2","text":"three"}\n');
    const out = path.join(runsDir, 'scored');
    const report = await score({ refFile: ref, hypFile: hyp, outDir: out });
    expect(report.test.before.wer).toBeCloseTo(1 / 3, 10);
    const marker = await readRunComplete(out);
    expect(marker.format).toBe(RUN_COMPLETE_FORMAT);
    expect(marker.version).toBe(RUN_COMPLETE_VERSION);
    expect(marker.command).toBe('score');
    expect(marker.files).toEqual([
      'report.html',
      'report.json',
      'trn/test.hyp-before.trn',
      'trn/test.ref.trn',
      'utterances.csv',
    ]);
    const onDisk = [
      ...(await readdir(out)).filter((f) => f !== 'trn' && f !== RUN_COMPLETE_FILE),
      ...(await readdir(path.join(out, 'trn'))).map((f) => `trn/${f}`),
    ].sort();
    expect(onDisk).toEqual(marker.files);
    // Written after report.json: its time is not earlier than the report's.
    expect(marker.created >= JSON.parse(await readFile(path.join(out, 'report.json'), 'utf8')).created).toBe(
      true,
    );
    expect((await host.call('listRuns', {})).map((r) => r.name).sort()).toEqual([
      'killed-after-marker',
      'scored',
    ]);
    await expect(score({ refFile: ref, hypFile: hyp, outDir: out })).rejects.toThrow(
      `${out}: already holds a finished run`,
    );
  });
});

describe('host: a run name taken by an unfinished run', () => {
  it('says the run did not finish instead of calling it a finished run', async () => {
    const tmp = await mkdtemp(path.join(tmpdir(), 'studio-runs-name-'));
    const host = new Host({ modelsDir: path.join(tmp, 'models'), runsDir: path.join(tmp, 'runs') });
    try {
      await partialRun(path.join(tmp, 'runs', 'half'), 'report', 'm');
      await partialRun(path.join(tmp, 'runs', 'done'), 'marker', 'm');
      const req = {
        jobId: 'j',
        modelDir: path.join(tmp, 'models', 'x'),
        testManifest: path.join(tmp, 't.jsonl'),
      };
      await expect(host.call('evaluate', { ...req, runName: 'half' })).rejects.toThrow(
        `${path.join(tmp, 'runs', 'half')}: a run named "half" was started but did not finish (no run-complete.json), or is queued or running; choose a new name, or delete the folder if no job is using it`,
      );
      await expect(host.call('evaluate', { ...req, runName: 'done' })).rejects.toThrow(
        `${path.join(tmp, 'runs', 'done')}: a run named "done" already exists; choose a new name`,
      );
      // Neither folder was touched.
      expect((await readdir(path.join(tmp, 'runs', 'half'))).sort()).toEqual([
        'model',
        'p-adapt.jsonl',
        'report.json',
      ]);
    } finally {
      await host.dispose();
      await rm(tmp, { recursive: true, force: true });
    }
  });
});
