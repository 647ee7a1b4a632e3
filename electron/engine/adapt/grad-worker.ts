/**
 * Worker-thread side of data-parallel training (parallel.ts): holds a replica of the model and, per
 * request, sets the trainable weights it is sent and returns the loss and gradients of its shard
 * (step.ts, the same function the main thread uses).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { initBackend, tf } from '../model/backend';
import { seededRandom } from '../model/batch';
import { modelFromArtifacts } from '../model/checkpoint'; // (also registers the adaptation layers)
import type { GradWorkerInit, StepRequest, WorkerReply } from './parallel';
import { shardGradients } from './step';

const port = parentPort;
if (!port) throw new Error('electron/engine/adapt/grad-worker.ts: must run in a worker thread');
const post = (m: WorkerReply, transfer: ArrayBuffer[] = []): void => port.postMessage(m, transfer);

async function main(init: GradWorkerInit): Promise<void> {
  await initBackend('wasm');
  const model = await modelFromArtifacts(init.model);
  const reference = init.reference ? await modelFromArtifacts(init.reference) : null;
  for (const layer of model.layers) layer.trainable = init.trainableLayers.includes(layer.name);
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const shapes = JSON.stringify(vars.map((v) => v.shape));
  if (shapes !== JSON.stringify(init.varShapes))
    throw new Error(
      `replica's trainable variables ${shapes} differ from the model's ${JSON.stringify(init.varShapes)}`,
    );
  const regularizer = reference ? { weight: init.klWeight, reference } : undefined;
  port!.on('message', async (req: StepRequest) => {
    try {
      vars.forEach((v, i) => tf.tidy(() => v.assign(tf.tensor(req.weights[i], v.shape))));
      Math.random = seededRandom(req.seed);
      const x = tf.tensor3d(req.x, req.xShape);
      const shard = {
        x,
        labels: req.labels,
        outLens: req.outLens,
        batchUtterances: req.batchUtterances,
        batchFrames: req.batchFrames,
      };
      const { loss, grads } = shardGradients(model, init.blank, shard, vars, regularizer);
      const arrays = await Promise.all(grads.map(async (g) => (await g.data()) as Float32Array));
      tf.dispose([x, ...grads]);
      post(
        { type: 'grads', id: req.id, loss, grads: arrays },
        arrays.map((a) => a.buffer as ArrayBuffer),
      );
    } catch (err) {
      post({ type: 'error', message: (err as Error).message ?? String(err) });
    }
  });
  post({ type: 'ready' });
}

main(workerData as GradWorkerInit).catch((err) =>
  post({ type: 'error', message: (err as Error).message ?? String(err) }),
);
