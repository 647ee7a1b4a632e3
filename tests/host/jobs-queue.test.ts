/**
 * The job queue of JobRunner: at most `maxRunning` workers at a time, later jobs wait first-come
 * and are told their place (queued events), a queued job can be cancelled. The workers here are a
 * small stand-in script (plain JavaScript, no engine) that starts, says so, and finishes when the
 * test creates its `<outDir>.go` file, so the test controls the order exactly.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { JobCancelledError, JobRunner, type WorkerJob } from '../../electron/host/jobs';
import { Host } from '../../electron/host';
import { MAX_RUNNING_JOBS, type JobProgress } from '../../electron/contract';

const FAKE_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const out = workerData.request.outDir;
fs.writeFileSync(out + '.started', '');
parentPort.postMessage({ type: 'progress', event: { phase: 'evaluate', label: 'test', done: 0, total: 1 } });
const timer = setInterval(() => {
  if (!fs.existsSync(out + '.go')) return;
  clearInterval(timer);
  parentPort.postMessage({ type: 'done', report: { outDir: out } });
}, 5);
`;

const until = async (cond: () => boolean, what: string): Promise<void> => {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > 20_000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('job queue', () => {
  let tmp: string;
  let runner: JobRunner;

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(tmpdir(), 'studio-queue-'));
    await writeFile(path.join(tmp, 'fake-worker.js'), FAKE_WORKER);
    runner = new JobRunner({ file: path.join(tmp, 'fake-worker.js') });
  });

  afterAll(async () => {
    await runner?.cancelAll();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it(`runs ${MAX_RUNNING_JOBS} jobs at a time; the others wait in order, told their place, and can be cancelled`, async () => {
    expect(runner.maxRunning).toBe(2);
    const events: JobProgress[] = [];
    const out = (id: string): string => path.join(tmp, id);
    const job = (id: string): WorkerJob => ({
      op: 'evaluate',
      request: { modelDir: 'm', testManifest: 't', outDir: out(id) },
    });
    const results = Object.fromEntries(
      ['a', 'b', 'c', 'd', 'e'].map((id) => {
        const p = runner.run(id, job(id), (e) => events.push({ ...e, jobId: id }));
        p.catch(() => {}); // observed below
        return [id, p];
      }),
    );
    const queued = (id: string): number[] =>
      events
        .filter((e) => e.jobId === id && e.phase === 'queued')
        .map((e) => (e.phase === 'queued' ? e.queuePosition : -1));
    const started = (id: string): boolean => existsSync(`${out(id)}.started`);

    await until(() => started('a') && started('b'), 'a and b to start');
    expect(runner.jobIds).toEqual(['a', 'b']);
    expect(runner.queuedIds).toEqual(['c', 'd', 'e']);
    expect([queued('a'), queued('b'), queued('c'), queued('d'), queued('e')]).toEqual([
      [],
      [],
      [1],
      [2],
      [3],
    ]);
    expect(events.find((e) => e.jobId === 'c')).toEqual({
      jobId: 'c',
      phase: 'queued',
      label: 'waiting for a free job slot (2 jobs run at a time)',
      done: 0,
      total: 0,
      queuePosition: 1,
    });
    await expect(runner.run('c', job('c'), () => {})).rejects.toThrow('job c: already running');

    // Cancelling a queued job: it leaves the queue at once, the jobs behind it move up.
    expect(await runner.cancel('d')).toBe(true);
    await expect(results.d).rejects.toBeInstanceOf(JobCancelledError);
    expect(runner.queuedIds).toEqual(['c', 'e']);
    expect(queued('e')).toEqual([3, 2]);

    // a finishes: c (first in the queue) starts, e moves up; still two running.
    await writeFile(`${out('a')}.go`, '');
    expect(await results.a).toEqual({ outDir: out('a') });
    await until(() => started('c'), 'c to start');
    expect(queued('c')).toEqual([1, 0]);
    expect(queued('e')).toEqual([3, 2, 1]);
    expect(runner.jobIds.sort()).toEqual(['b', 'c']);
    expect(started('e')).toBe(false);

    for (const id of ['b', 'c', 'e']) await writeFile(`${out(id)}.go`, '');
    expect(await Promise.all([results.b, results.c, results.e])).toEqual([
      { outDir: out('b') },
      { outDir: out('c') },
      { outDir: out('e') },
    ]);
    expect(started('d')).toBe(false); // the cancelled job never ran
    expect(runner.jobIds).toEqual([]);
    expect(runner.queuedIds).toEqual([]);
    expect(await runner.cancel('d')).toBe(false);
  });

  it('refuses a limit below 1', () => {
    expect(() => new JobRunner({ file: 'x.js' }, 0)).toThrow(
      'JobRunner: maxRunning must be an integer >= 1, not 0',
    );
  });

  it('the host sends the queued state with the job id, and reserves the run name while a job waits', async () => {
    const host = new Host({
      modelsDir: path.join(tmp, 'models'),
      runsDir: path.join(tmp, 'runs'),
      worker: { file: path.join(tmp, 'fake-worker.js') },
      maxRunningJobs: 1,
    });
    try {
      const events: JobProgress[] = [];
      host.onProgress((e) => events.push(e));
      const req = (jobId: string, runName: string) => ({
        jobId,
        modelDir: path.join(tmp, 'm'),
        testManifest: path.join(tmp, 't.jsonl'),
        runName,
      });
      const first = host.call('evaluate', req('h1', 'run-1'));
      const second = host.call('evaluate', req('h2', 'run-2'));
      await until(() => events.some((e) => e.jobId === 'h2'), 'the queued event of h2');
      expect(events.filter((e) => e.jobId === 'h2')).toEqual([
        {
          jobId: 'h2',
          phase: 'queued',
          label: 'waiting for a free job slot (one job runs at a time)',
          done: 0,
          total: 0,
          queuePosition: 1,
        },
      ]);
      // The queued job's run folder exists already: the same name is refused at once.
      await expect(host.call('evaluate', req('h3', 'run-2'))).rejects.toThrow(
        `${path.join(tmp, 'runs', 'run-2')}: a run named "run-2" was started but did not finish (no run-complete.json), or is queued or running`,
      );
      await until(() => existsSync(path.join(tmp, 'runs', 'run-1.started')), 'h1 to start');
      await writeFile(path.join(tmp, 'runs', 'run-1.go'), '');
      await first;
      await until(() => existsSync(path.join(tmp, 'runs', 'run-2.started')), 'h2 to start');
      expect(
        events
          .filter((e) => e.jobId === 'h2' && e.phase === 'queued')
          .map((e) => (e.phase === 'queued' ? e.queuePosition : -1)),
      ).toEqual([1, 0]);
      await writeFile(path.join(tmp, 'runs', 'run-2.go'), '');
      await second;
    } finally {
      await host.dispose();
    }
  });
});
