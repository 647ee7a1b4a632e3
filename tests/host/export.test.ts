/**
 * Exporting an adapted model (exportModel) and runs stored in a project's runs/ (listRuns,
 * listModels, readReport with a project). Run folders are made by hand here (no training): the
 * export copies files and does not read them, and the catalog needs only a valid report.json and
 * the run-completion marker.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Host } from '../../electron/host';
import { REPORT_FORMAT, REPORT_VERSION } from '../../electron/engine/score/report';
import { writeRunComplete } from '../../electron/engine/score/run-complete';

const report = (created: string, model: string) =>
  JSON.stringify({
    format: REPORT_FORMAT,
    version: REPORT_VERSION,
    command: 'adapt',
    created,
    model: { name: 'base' },
    adapted_model: { name: model },
    test: { before: { wer: 0.5 }, after: { wer: 0.25 } },
  });

/** A finished adaptation run folder with an adapted model and every report file. */
async function fakeRun(dir: string, created: string, model: string): Promise<void> {
  await mkdir(path.join(dir, 'model'), { recursive: true });
  await mkdir(path.join(dir, 'trn'));
  await writeFile(path.join(dir, 'model', 'model.json'), '{"modelTopology":{}}');
  await writeFile(path.join(dir, 'model', 'weights.bin'), Buffer.from([1, 2, 3, 4]));
  await writeFile(path.join(dir, 'model', 'card.json'), JSON.stringify({ name: model }));
  await writeFile(path.join(dir, 'model', 'notes.tmp'), 'not exported');
  await writeFile(path.join(dir, 'report.json'), report(created, model));
  await writeFile(path.join(dir, 'report.html'), '<html></html>');
  await writeFile(path.join(dir, 'utterances.csv'), 'id\n');
  await writeFile(path.join(dir, 'trn', 'ref.trn'), 'one (a)\n');
  await writeFile(path.join(dir, 'base-test.jsonl'), '{}\n'); // a split manifest: not exported
  await writeRunComplete(dir, 'adapt', [
    'model/',
    'report.html',
    'report.json',
    'trn/ref.trn',
    'utterances.csv',
  ]); // last, as a run does
}

describe('host: export of adapted models, and runs inside projects', () => {
  let tmp: string;
  let host: Host;
  let runsDir: string;
  let projectRun: string;

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(tmpdir(), 'studio-export-'));
    runsDir = path.join(tmp, 'runs');
    host = new Host({ modelsDir: path.join(tmp, 'models'), runsDir });
    await fakeRun(path.join(runsDir, 'r1'), '2026-01-01T00:00:00.000Z', 'adapted-1');
    await host.call('createProject', { name: 'p1' });
    projectRun = path.join(tmp, 'projects', 'p1', 'runs', 'r1');
    await fakeRun(projectRun, '2026-02-01T00:00:00.000Z', 'adapted-p1');
  });

  afterAll(async () => {
    await host?.dispose();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('lists runs and adapted models of projects beside the studio runs, and reads their reports', async () => {
    const runs = await host.call('listRuns', {});
    expect(runs.map((r) => [r.project ?? null, r.name, r.dir])).toEqual([
      ['p1', 'r1', projectRun],
      [null, 'r1', path.join(runsDir, 'r1')],
    ]);
    const models = (await host.call('listModels', {})).filter((m) => m.kind === 'adapted');
    expect(models.map((m) => [m.project ?? null, m.run, m.dir])).toEqual([
      [null, 'r1', path.join(runsDir, 'r1', 'model')],
      ['p1', 'r1', path.join(projectRun, 'model')],
    ]);
    expect((await host.call('readReport', { runName: 'r1', project: 'p1' })).adapted_model?.name).toBe(
      'adapted-p1',
    );
    expect((await host.call('readReport', { runName: 'r1' })).adapted_model?.name).toBe('adapted-1');
    await expect(host.call('readReport', { runName: 'r1', project: '../x' })).rejects.toThrow(
      /project: project may hold only/,
    );
  });

  it('copies the model files and the report files into exports/<name>, atomically and never overwriting', async () => {
    const out = await host.call('exportModel', { run: 'r1', name: 'e1' });
    expect(out.path).toBe(path.join(tmp, 'exports', 'e1'));
    expect(out.files).toEqual([
      'card.json',
      'model.json',
      'report.html',
      'report.json',
      'trn/ref.trn',
      'utterances.csv',
      'weights.bin',
    ]);
    expect((await readdir(out.path)).sort()).toEqual([
      'card.json',
      'model.json',
      'report.html',
      'report.json',
      'trn',
      'utterances.csv',
      'weights.bin',
    ]);
    expect(await readFile(path.join(out.path, 'weights.bin'))).toEqual(Buffer.from([1, 2, 3, 4]));
    expect(await readFile(path.join(out.path, 'report.json'), 'utf8')).toBe(
      await readFile(path.join(runsDir, 'r1', 'report.json'), 'utf8'),
    );
    // No temporary folder is left beside it.
    expect(await readdir(path.join(tmp, 'exports'))).toEqual(['e1']);

    // Never overwritten: the same name is refused and the first export is unchanged.
    await expect(host.call('exportModel', { run: 'r1', project: 'p1', name: 'e1' })).rejects.toThrow(
      /already exists/,
    );
    expect(JSON.parse(await readFile(path.join(out.path, 'card.json'), 'utf8')).name).toBe('adapted-1');

    // A project's run, with a README.md in its model folder.
    await writeFile(path.join(projectRun, 'model', 'README.md'), '# model\n');
    const p = await host.call('exportModel', { run: 'r1', project: 'p1', name: 'e2' });
    expect(p.files).toContain('README.md');
    expect(JSON.parse(await readFile(path.join(p.path, 'card.json'), 'utf8')).name).toBe('adapted-p1');
  });

  it('refuses bad names, runs without a model and unknown runs, leaving nothing behind', async () => {
    await expect(host.call('exportModel', { run: 'r1', name: '../up' })).rejects.toThrow(
      /name: name may hold only/,
    );
    await expect(host.call('exportModel', { run: 'r1', name: '.hidden' })).rejects.toThrow(
      /name: name may hold only/,
    );
    await expect(host.call('exportModel', { run: 'nope', name: 'e3' })).rejects.toThrow(/no adapted model/);
    await mkdir(path.join(runsDir, 'eval-only'));
    await writeFile(path.join(runsDir, 'eval-only', 'report.json'), report('2026-03-01T00:00:00.000Z', 'x'));
    await expect(host.call('exportModel', { run: 'eval-only', name: 'e3' })).rejects.toThrow(
      /no adapted model/,
    );
    expect(existsSync(path.join(tmp, 'exports', 'e3'))).toBe(false);
    expect((await readdir(path.join(tmp, 'exports'))).sort()).toEqual(['e1', 'e2']);
  });

  it('answers chooseFile with {available: false} in browser mode (no native dialogs)', async () => {
    expect(await host.call('chooseFile', { purpose: 'manifest', title: 'Adaptation manifest' })).toEqual({
      available: false,
    });
    await expect(host.call('chooseFile', { purpose: 'file', title: 'x' })).rejects.toThrow(
      /purpose: must be "manifest" or "folder"/,
    );
  });
});
