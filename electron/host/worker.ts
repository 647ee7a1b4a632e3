/**
 * Worker-thread entry of one engine job (evaluate, adapt, vocabulary, or the say-the-words check).
 * The parent (jobs.ts) passes the engine request as `workerData`; this thread posts progress events
 * and finally the answer or the error. Cancelling = the parent terminating this thread; the engine
 * writes models and reports atomically at the very end and marks the run complete
 * (run-complete.json) last, so a terminated job leaves no half-written model behind and never a run
 * that looks finished.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { adapt, evaluate, vocabulary, type ProgressEvent } from '../engine';
import { sayWords } from './vocabulary';
import type { WorkerJob, WorkerMessage } from './jobs';

const port = parentPort;
if (!port) throw new Error('electron/host/worker.ts: must run in a worker thread');
const post = (m: WorkerMessage): void => port.postMessage(m);

async function run(job: WorkerJob): Promise<void> {
  const onProgress = (e: ProgressEvent): void => post({ type: 'progress', event: e });
  try {
    const report =
      job.op === 'adapt'
        ? await adapt({ ...job.request, onProgress })
        : job.op === 'vocabulary'
          ? await vocabulary({ ...job.request, onProgress })
          : job.op === 'sayWords'
            ? await sayWords(job.request)
            : await evaluate({ ...job.request, onProgress });
    post({ type: 'done', report });
  } catch (err) {
    post({ type: 'error', message: (err as Error).message ?? String(err) });
  }
}

void run(workerData as WorkerJob);
