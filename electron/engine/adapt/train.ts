/**
 * The CTC training loop shared by base-model training and every adaptation method: length-bucketed
 * seeded batches, Adam, optional SpecAugment, held-out loss after each epoch, early stopping that
 * keeps the best epoch's weights.
 */
import { tf } from '../model/backend';
import { outputFrames } from '../model/acoustic';
import { lengthBatches, padBatch, seededRandom } from '../model/batch';
import type { ModelCard } from '../model/card';
import { ctcLoss } from '../model/ctc';
import { GradientWorker } from './parallel';
import { shardGradients, type KlRegularizer, type Shard } from './step';
import type { FeatureMatrix } from '../features/logmel';
import { specAugment, type SpecAugmentConfig } from '../features/augment';
import type { ProgressFn } from '../progress';

/** One training example. */
export interface TrainExample {
  feats: FeatureMatrix;
  /** Target token ids (no blanks). */
  labels: number[];
}

export interface TrainConfig {
  /** Maximum epochs. */
  epochs: number;
  batchSize: number;
  /** Adam learning rate. */
  learningRate: number;
  seed: number;
  /** Layer names that train; the rest are frozen. */
  trainableLayers: string[];
  /** Stop after this many epochs without a lower held-out loss (needs held-out examples). */
  patience: number;
  /**
   * Reduce-on-plateau: after this many epochs without a lower held-out loss, multiply the learning
   * rate by lrDecayFactor (and again after as many more). Omit to keep the rate constant.
   */
  lrDecayPatience?: number;
  /** Default 0.5. */
  lrDecayFactor?: number;
  specAugment?: SpecAugmentConfig;
  /**
   * Conservative training (Yu et al. 2013, KL-divergence regularised adaptation): add
   * weight * KL(p_reference || p_model) per valid frame, averaged, to the CTC loss, keeping the
   * outputs near the base model's to limit forgetting. `reference` is a frozen copy of the base model.
   */
  regularizer?: KlRegularizer;
  /**
   * Threads computing gradients. When batches hold PARALLEL_MIN_BATCH_FRAMES frames on average,
   * every batch of 2 or more utterances is computed as two shards whose gradients are summed (each
   * with its own padding and dropout seed); with 2 workers the second shard runs on a gradient
   * worker thread (parallel.ts) at the same time as the first, with 1 after it on this thread. The
   * result is the same either way: repeatable for a seed on any machine. Default 1; more than 2 are
   * not used.
   */
  workers?: number;
  /** Shard (and so parallelise) batches of at least this many frames on average. Default PARALLEL_MIN_BATCH_FRAMES. */
  parallelMinBatchFrames?: number;
}

/** One epoch's record. */
export interface EpochLog {
  epoch: number;
  /** Mean training loss per target token. */
  trainLoss: number;
  /** Held-out loss per target token (null without a held-out set). */
  heldOutLoss: number | null;
  seconds: number;
  /** tfjs tensors alive after the epoch (constant from epoch to epoch when nothing leaks). */
  numTensors: number;
}

export interface TrainResult {
  /** Held-out loss of the starting weights (null without a held-out set). */
  initialHeldOutLoss: number | null;
  epochs: EpochLog[];
  /** Epoch whose weights were kept (1-based; 0 = the starting weights). */
  bestEpoch: number;
  steps: number;
  /** Threads that computed gradients: 2 when data-parallel (see TrainConfig.workers), else 1. */
  threads: number;
}

/**
 * Data-parallel training pays off only for batches of at least this many feature frames on average
 * (20 s of audio at a 10 ms hop): below it, the fixed per-step cost of tfjs ops and of exchanging
 * weights and gradients exceeds what the second core saves. Measured on 2 cores, wasm, the shipped
 * model: 480 frames 18 ms/step on one thread vs 22 on two; 2000 frames 42 vs 39; 4800 frames 90 vs 65.
 */
export const PARALLEL_MIN_BATCH_FRAMES = 2000;

/**
 * Mean CTC loss per target token of a model on examples (no dropout, no gradient).
 * Examples whose labels cannot fit in the output frames are skipped.
 */
export async function heldOutLoss(
  model: tf.LayersModel,
  card: ModelCard,
  examples: TrainExample[],
  batchSize = 32,
): Promise<number> {
  let total = 0;
  let tokens = 0;
  for (const batch of lengthBatches(
    examples.map((e) => e.feats.numFrames),
    batchSize,
  )) {
    const { x, frames } = padBatch(batch.map((i) => examples[i].feats));
    const labels = batch.map((i) => examples[i].labels);
    const per: number[] = [];
    const loss = tf.tidy(() =>
      ctcLoss(
        model.apply(x, { training: false }) as tf.Tensor3D,
        labels,
        frames.map((f) => outputFrames(card.architecture, f)),
        { blank: card.tokens.blankIndex, reduction: 'sum' },
        per,
      ),
    );
    loss.dispose();
    x.dispose();
    per.forEach((l, b) => {
      if (Number.isFinite(l)) {
        total += l;
        tokens += Math.max(1, labels[b].length);
      }
    });
  }
  return tokens ? total / tokens : NaN;
}

/**
 * Train `model` in place, repeatably for a given seed.
 * @param train training examples
 * @param heldOut held-out examples for early stopping (may be empty: then all epochs run)
 * Not re-entrant: one training at a time per thread (Math.random is swapped for the seeded stream).
 * @throws Error when a trainable layer name does not exist, or when another training is running on this thread
 */
export async function trainCtc(
  model: tf.LayersModel,
  card: ModelCard,
  train: TrainExample[],
  heldOut: TrainExample[],
  cfg: TrainConfig,
  onProgress: ProgressFn,
  label = 'adapt',
): Promise<TrainResult> {
  const names = new Set(model.layers.map((l) => l.name));
  for (const n of cfg.trainableLayers)
    if (!names.has(n)) throw new Error(`train: no layer named "${n}" (layers: ${[...names].join(', ')})`);
  const V = card.tokens.inventory.length;
  for (const [i, e] of [...train, ...heldOut].entries()) {
    const bad = e.labels.find((t) => !Number.isInteger(t) || t < 0 || t >= V || t === card.tokens.blankIndex);
    if (bad !== undefined)
      throw new Error(
        `train: example ${i} has token id ${bad}, not a word of the model's ${V}-token inventory (blank ${card.tokens.blankIndex})`,
      );
  }
  if (trainingNow)
    throw new Error(
      'train: another training is running on this thread; run one at a time per thread (the studio runs each job in its own worker thread)',
    );
  trainingNow = true;
  const meanFrames = train.reduce((a, e) => a + e.feats.numFrames, 0) / Math.max(1, train.length);
  const sharded =
    train.length >= 2 &&
    Math.min(cfg.batchSize, train.length) * meanFrames >=
      (cfg.parallelMinBatchFrames ?? PARALLEL_MIN_BATCH_FRAMES);
  const run: TrainRun = { sharded, model, card, train, heldOut, cfg, onProgress, label };
  // tfjs draws dropout masks from seeds taken from Math.random; a seeded Math.random for the duration
  // of training makes runs repeatable (the global is restored even when training throws).
  const mathRandom = Math.random;
  Math.random = seededRandom(cfg.seed * 7919 + 17);
  for (const layer of model.layers) layer.trainable = cfg.trainableLayers.includes(layer.name);
  let worker: GradientWorker | null = null;
  try {
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    worker = sharded && (cfg.workers ?? 1) > 1 ? await startGradientWorker(run, vars) : null;
    return await trainEpochs(run, vars, worker);
  } finally {
    await worker?.close();
    for (const layer of model.layers) layer.trainable = true;
    Math.random = mathRandom;
    trainingNow = false;
  }
}

/** trainCtc swaps the thread's Math.random for a seeded one, so two trainings on one thread would draw from each other's stream. */
let trainingNow = false;

/** The inputs of one trainCtc call. */
interface TrainRun {
  /** Batches of 2 or more utterances are computed as two shards (see TrainConfig.workers). */
  sharded: boolean;
  model: tf.LayersModel;
  card: ModelCard;
  train: TrainExample[];
  heldOut: TrainExample[];
  cfg: TrainConfig;
  onProgress: ProgressFn;
  label: string;
}

/**
 * Start the data-parallel gradient worker; on failure report it and return null (training goes on
 * in this thread alone).
 */
async function startGradientWorker(
  { model, card, cfg, onProgress, label }: TrainRun,
  vars: tf.Variable[],
): Promise<GradientWorker | null> {
  if (tf.getBackend() !== 'wasm') return null; // native TensorFlow already uses every core
  try {
    return await GradientWorker.start(
      model,
      card.tokens.blankIndex,
      cfg.trainableLayers,
      vars,
      cfg.regularizer,
    );
  } catch (e) {
    onProgress({
      phase: 'train',
      label,
      done: 0,
      total: 0,
      message: `data-parallel worker unavailable (${(e as Error).message}); training on one thread`,
    });
    return null;
  }
}

/** Apply summed gradients (in `vars` order) with the optimizer, then dispose them. */
function applyGradients(optimizer: tf.Optimizer, vars: tf.Variable[], grads: tf.Tensor[]): void {
  const named: tf.NamedTensorMap = {};
  vars.forEach((v, i) => (named[v.name] = grads[i]));
  optimizer.applyGradients(named);
  tf.dispose(grads);
}

/**
 * Batch-norm moving statistics stay as they are during adaptation (the base model's, or those
 * re-estimated on target audio): tfjs updates them in every training-mode call, from padded batches
 * and from one shard only, so they are put back after each step.
 */
function holdMovingStatistics(model: tf.LayersModel): { restore(): void; dispose(): void } {
  const held = model.weights
    .filter((w) => /moving_(mean|variance)/.test(w.originalName))
    .map((w) => ({ w, value: w.read().clone() }));
  return {
    restore: () =>
      held.forEach(({ w, value }) =>
        tf.tidy(() => {
          w.write(value.clone());
        }),
      ),
    dispose: () => tf.dispose(held.map((h) => h.value)),
  };
}

/** One optimizer step on one batch (two shards when run.sharded); returns the batch loss. */
async function trainStep(
  run: TrainRun,
  vars: tf.Variable[],
  worker: GradientWorker | null,
  optimizer: tf.Optimizer,
  batch: number[],
  mats: FeatureMatrix[],
  shardSeed: () => number,
): Promise<number> {
  const { model, card, train, cfg } = run;
  const outLens = mats.map((m) => outputFrames(card.architecture, m.numFrames));
  const batchFrames = outLens.reduce((a, b) => a + b, 0);
  const shardOf = (from: number, to: number): Shard => ({
    x: padBatch(mats.slice(from, to)).x,
    labels: batch.slice(from, to).map((i) => train[i].labels),
    outLens: outLens.slice(from, to),
    batchUtterances: batch.length,
    batchFrames,
  });
  if (!(run.sharded && batch.length >= 2)) {
    const whole = shardOf(0, batch.length);
    const local = shardGradients(model, card.tokens.blankIndex, whole, vars, cfg.regularizer);
    whole.x.dispose();
    applyGradients(optimizer, vars, local.grads);
    return local.loss;
  }
  // Two shards: the first on this thread, the second on the worker, or after the first on this
  // thread when there is no worker; the second shard's dropout masks come from its own seed either
  // way, so one and two threads give the same result.
  const half = Math.ceil(batch.length / 2);
  const mine = shardOf(0, half);
  const theirs = shardOf(half, batch.length);
  const seed = Math.floor(shardSeed() * 2 ** 31);
  let remote: Promise<{ loss: number; grads: Float32Array[] }> | null = null;
  if (worker) {
    const weights = await Promise.all(vars.map(async (w) => ((await w.data()) as Float32Array).slice()));
    remote = worker.gradients(weights, theirs, seed);
    theirs.x.dispose();
  }
  const local = shardGradients(model, card.tokens.blankIndex, mine, vars, cfg.regularizer);
  mine.x.dispose();
  let other: { loss: number; grads: tf.Tensor[] };
  if (remote) {
    const r = await remote.catch((e: Error) => {
      tf.dispose(local.grads);
      throw e;
    });
    other = { loss: r.loss, grads: r.grads.map((g, i) => tf.tensor(g, local.grads[i].shape)) };
  } else {
    const mainRandom = Math.random;
    Math.random = seededRandom(seed);
    try {
      other = shardGradients(model, card.tokens.blankIndex, theirs, vars, cfg.regularizer);
    } catch (e) {
      tf.dispose(local.grads);
      throw e;
    } finally {
      Math.random = mainRandom;
      theirs.x.dispose();
    }
  }
  const summed = tf.tidy(() => local.grads.map((g, i) => tf.add(g, other.grads[i])));
  tf.dispose([...local.grads, ...other.grads]);
  applyGradients(optimizer, vars, summed);
  return local.loss + other.loss;
}

async function trainEpochs(
  run: TrainRun,
  vars: tf.Variable[],
  worker: GradientWorker | null,
): Promise<TrainResult> {
  const { model, card, train, heldOut, cfg, onProgress, label } = run;
  const optimizer = tf.train.adam(cfg.learningRate);
  const stats = holdMovingStatistics(model);
  let bestWeights: tf.Tensor[] | null = null;
  try {
    let learningRate = cfg.learningRate;
    let lastDecay = 0;
    const rand = seededRandom(cfg.seed);
    // Second shards' dropout seeds come from their own stream, so batches are drawn as without shards.
    const shardSeeds = seededRandom(cfg.seed + 1);
    const logs: EpochLog[] = [];
    let best = Infinity;
    let bestEpoch = 0;
    let steps = 0;
    const totalSteps = cfg.epochs * Math.ceil(train.length / cfg.batchSize);
    let initialHeldOut: number | null = null;
    if (heldOut.length) {
      // Epoch 0 is the starting model: if no epoch beats it on held-out data, it is what we keep.
      initialHeldOut = await heldOutLoss(model, card, heldOut);
      best = initialHeldOut;
      bestWeights = model.getWeights().map((w) => w.clone());
    }
    for (let epoch = 1; epoch <= cfg.epochs; epoch++) {
      const t0 = performance.now();
      let lossSum = 0;
      let lossCount = 0;
      for (const batch of lengthBatches(
        train.map((e) => e.feats.numFrames),
        cfg.batchSize,
        rand,
      )) {
        const mats = batch.map((i) =>
          cfg.specAugment ? specAugment(train[i].feats, cfg.specAugment, rand) : train[i].feats,
        );
        const v = await trainStep(run, vars, worker, optimizer, batch, mats, shardSeeds);
        stats.restore();
        lossSum += v;
        lossCount++;
        steps++;
        onProgress({ phase: 'train', label, done: steps, total: totalSteps, loss: v });
      }
      const trainLoss = lossSum / Math.max(1, lossCount);
      const ho = heldOut.length ? await heldOutLoss(model, card, heldOut) : null;
      const log: EpochLog = {
        epoch,
        trainLoss,
        heldOutLoss: ho,
        seconds: (performance.now() - t0) / 1000,
        numTensors: tf.memory().numTensors,
      };
      logs.push(log);
      onProgress({
        phase: 'train',
        label,
        done: steps,
        total: totalSteps,
        loss: trainLoss,
        message: `epoch ${epoch}: train loss ${trainLoss.toFixed(4)}${ho === null ? '' : `, held-out loss ${ho.toFixed(4)}`} (${log.seconds.toFixed(1)} s)`,
      });
      if (ho === null) {
        bestEpoch = epoch;
        continue;
      }
      if (ho < best - 1e-4) {
        best = ho;
        bestEpoch = epoch;
        tf.dispose(bestWeights ?? []);
        bestWeights = model.getWeights().map((w) => w.clone());
      } else if (epoch - bestEpoch >= cfg.patience) {
        break;
      } else if (cfg.lrDecayPatience && epoch - Math.max(bestEpoch, lastDecay) >= cfg.lrDecayPatience) {
        learningRate *= cfg.lrDecayFactor ?? 0.5;
        // AdamOptimizer reads learningRate on every step; its moment estimates are kept.
        (optimizer as unknown as { learningRate: number }).learningRate = learningRate;
        lastDecay = epoch;
        onProgress({
          phase: 'train',
          label,
          done: steps,
          total: totalSteps,
          message: `learning rate -> ${learningRate.toExponential(2)}`,
        });
      }
    }
    if (bestWeights) model.setWeights(bestWeights);
    // Early stopping ends before the planned steps: close the progress at what actually ran.
    if (steps !== totalSteps) onProgress({ phase: 'train', label, done: steps, total: steps });
    return { initialHeldOutLoss: initialHeldOut, epochs: logs, bestEpoch, steps, threads: worker ? 2 : 1 };
  } finally {
    tf.dispose(bestWeights ?? []);
    stats.dispose();
    optimizer.dispose();
  }
}
