/**
 * Data-parallel training on a multi-core CPU: TensorFlow.js's wasm backend runs one thread, so a
 * second thread (grad-worker.ts) holds a replica of the model and computes the gradient of half of
 * each batch while the main thread computes the other half (Goyal et al. 2017 style synchronous
 * data parallelism with gradient summation; here the loss of each shard is already normalised by
 * the whole batch, step.ts). Before each step the replica receives the current trainable weights, so
 * the optimizer state lives only on the main thread and the replicas cannot drift.
 *
 * Only worth it on the wasm backend (native TensorFlow already uses every core).
 */
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Worker } from 'node:worker_threads';
import { tf } from '../model/backend';
import { modelArtifacts, type ModelArtifacts } from '../model/checkpoint';
import { findWorkerEntry, startWorker } from '../util/module-worker';
import type { KlRegularizer, Shard } from './step';

/** Training threads worth using here: 2 with two or more cores (more workers add more weight traffic than they save at our batch sizes), else 1. */
export function defaultWorkers(): number {
  return Math.min(2, availableParallelism());
}

/** What the gradient worker receives as workerData. */
export interface GradWorkerInit {
  model: ModelArtifacts;
  reference: ModelArtifacts | null;
  klWeight: number;
  blank: number;
  /** Names of the layers that train (the rest frozen), as in the main thread's model. */
  trainableLayers: string[];
  /** Shapes of the trainable variables in order, to check the replica matches. */
  varShapes: number[][];
}

/** Main thread -> worker. */
export interface StepRequest {
  id: number;
  /** Current values of the trainable variables, in order. */
  weights: Float32Array[];
  x: Float32Array;
  xShape: [number, number, number];
  labels: number[][];
  outLens: number[];
  batchUtterances: number;
  batchFrames: number;
  /** Seeds the worker's Math.random for this step (tfjs dropout masks draw from it). */
  seed: number;
}

/** Worker -> main thread. */
export type WorkerReply =
  | { type: 'ready' }
  | { type: 'grads'; id: number; loss: number; grads: Float32Array[] }
  | { type: 'error'; message: string };

/** A second thread computing the gradients of one shard per step. */
export class GradientWorker {
  private nextId = 0;
  private pending: {
    id: number;
    resolve: (r: { loss: number; grads: Float32Array[] }) => void;
    reject: (e: Error) => void;
  } | null = null;
  private failure: Error | null = null;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (m: WorkerReply) => {
      const p = this.pending;
      if (m.type === 'grads' && p && p.id === m.id) {
        this.pending = null;
        p.resolve({ loss: m.loss, grads: m.grads });
      } else if (m.type === 'error') {
        this.fail(new Error(`gradient worker: ${m.message}`));
      }
    });
    worker.on('error', (e) => this.fail(e));
    worker.on('exit', (code) => this.fail(new Error(`gradient worker stopped (exit code ${code})`)));
  }

  private fail(e: Error): void {
    this.failure ??= e;
    const p = this.pending;
    this.pending = null;
    p?.reject(e);
  }

  /**
   * Start a worker holding a replica of `model` (and of the KL reference model).
   * @param trainableLayers the layers that train; the replica freezes the rest
   * @throws Error when the worker cannot start or its replica does not match the model
   */
  static async start(
    model: tf.LayersModel,
    blank: number,
    trainableLayers: string[],
    vars: tf.Variable[],
    regularizer?: KlRegularizer,
  ): Promise<GradientWorker> {
    const init: GradWorkerInit = {
      model: await modelArtifacts(model),
      reference: regularizer ? await modelArtifacts(regularizer.reference) : null,
      klWeight: regularizer?.weight ?? 0,
      blank,
      trainableLayers,
      varShapes: vars.map((v) => v.shape),
    };
    const entry = findWorkerEntry(path.dirname(fileURLToPath(import.meta.url)), 'grad-worker');
    const gw = new GradientWorker(startWorker(entry, init));
    await new Promise<void>((resolve, reject) => {
      const onMessage = (m: WorkerReply) => {
        if (m.type === 'ready') resolve();
        else if (m.type === 'error') reject(new Error(`gradient worker: ${m.message}`));
      };
      gw.worker.on('message', onMessage);
      gw.worker.once('exit', (code) =>
        reject(new Error(`gradient worker stopped while starting (exit code ${code})`)),
      );
    }).catch(async (e) => {
      await gw.worker.terminate();
      throw e;
    });
    return gw;
  }

  /**
   * Send one shard; the worker computes its loss and gradients with `weights` as the variables.
   * @returns the shard's loss and gradients (in the trainable-variable order)
   * @throws Error when the worker has failed
   */
  gradients(
    weights: Float32Array[],
    shard: Shard,
    seed: number,
  ): Promise<{ loss: number; grads: Float32Array[] }> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.pending) return Promise.reject(new Error('gradient worker: one step at a time'));
    const id = this.nextId++;
    const x = (shard.x.dataSync() as Float32Array).slice(); // a copy: its buffer is transferred (one read per step)
    const req: StepRequest = {
      id,
      weights,
      x,
      xShape: shard.x.shape,
      labels: shard.labels,
      outLens: shard.outLens,
      batchUtterances: shard.batchUtterances,
      batchFrames: shard.batchFrames,
      seed,
    };
    return new Promise((resolve, reject) => {
      this.pending = { id, resolve, reject };
      this.worker.postMessage(req, [...weights.map((w) => w.buffer), x.buffer] as ArrayBuffer[]);
    });
  }

  /** Stop the worker thread. */
  async close(): Promise<void> {
    this.worker.removeAllListeners('exit');
    await this.worker.terminate();
  }
}
