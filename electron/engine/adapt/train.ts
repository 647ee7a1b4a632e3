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
import type { FeatureMatrix } from '../features/logmel';
import { specAugment, type SpecAugmentConfig } from '../features/augment';
import type { ProgressFn } from '../jobs/progress';

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
  regularizer?: { weight: number; reference: tf.LayersModel };
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
}

/** [batch, maxFrames] float32: 1 on each utterance's valid output frames, 0 on padding. */
function frameMask(outLens: number[], maxFrames: number): tf.Tensor2D {
  const m = new Float32Array(outLens.length * maxFrames);
  outLens.forEach((n, b) => m.fill(1, b * maxFrames, b * maxFrames + Math.min(n, maxFrames)));
  return tf.tensor2d(m, [outLens.length, maxFrames]);
}

/**
 * Mean CTC loss per target token of a model on examples (no dropout, no gradient).
 * Examples whose labels cannot fit in the output frames are skipped.
 */
export async function heldOutLoss(model: tf.LayersModel, card: ModelCard, examples: TrainExample[], batchSize = 32): Promise<number> {
  let total = 0;
  let tokens = 0;
  for (const batch of lengthBatches(examples.map((e) => e.feats.numFrames), batchSize)) {
    const { x, frames } = padBatch(batch.map((i) => examples[i].feats));
    const labels = batch.map((i) => examples[i].labels);
    const per: number[] = [];
    const loss = tf.tidy(() =>
      ctcLoss(model.apply(x, { training: false }) as tf.Tensor3D, labels, frames.map((f) => outputFrames(card.architecture, f)), { blank: card.tokens.blankIndex, reduction: 'sum' }, per),
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
 * @throws Error when a trainable layer name does not exist
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
  // tfjs draws dropout masks from seeds taken from Math.random; a seeded Math.random for the duration
  // of training makes runs repeatable (the global is restored even when training throws).
  const mathRandom = Math.random;
  Math.random = seededRandom(cfg.seed * 7919 + 17);
  try {
    return await trainLoop(model, card, train, heldOut, cfg, onProgress, label);
  } finally {
    Math.random = mathRandom;
  }
}

async function trainLoop(
  model: tf.LayersModel,
  card: ModelCard,
  train: TrainExample[],
  heldOut: TrainExample[],
  cfg: TrainConfig,
  onProgress: ProgressFn,
  label: string,
): Promise<TrainResult> {
  const names = new Set(model.layers.map((l) => l.name));
  for (const n of cfg.trainableLayers) if (!names.has(n)) throw new Error(`train: no layer named "${n}" (layers: ${[...names].join(', ')})`);
  for (const layer of model.layers) layer.trainable = cfg.trainableLayers.includes(layer.name);
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const optimizer = tf.train.adam(cfg.learningRate);
  let learningRate = cfg.learningRate;
  let lastDecay = 0;
  const rand = seededRandom(cfg.seed);
  const logs: EpochLog[] = [];
  let best = Infinity;
  let bestEpoch = 0;
  let bestWeights: tf.Tensor[] | null = null;
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
    for (const batch of lengthBatches(train.map((e) => e.feats.numFrames), cfg.batchSize, rand)) {
      const mats = batch.map((i) => (cfg.specAugment ? specAugment(train[i].feats, cfg.specAugment, rand) : train[i].feats));
      const { x, frames } = padBatch(mats);
      const labels = batch.map((i) => train[i].labels);
      const outLens = frames.map((f) => outputFrames(card.architecture, f));
      const reg = cfg.regularizer;
      // Reference log-posteriors and the valid-frame mask are constants of the step.
      const ref = reg ? tf.tidy(() => tf.logSoftmax(reg.reference.predict(x) as tf.Tensor3D, -1)) : null;
      const mask = ref ? frameMask(outLens, ref.shape[1]) : null;
      const cost = optimizer.minimize(
        () => {
          const logits = model.apply(x, { training: true }) as tf.Tensor3D;
          const ctc = ctcLoss(logits, labels, outLens, { blank: card.tokens.blankIndex, reduction: 'mean' });
          if (!ref || !mask || !reg) return ctc;
          const kl = tf.sum(tf.mul(tf.exp(ref), tf.sub(ref, tf.logSoftmax(logits, -1))), -1); // [B, T]
          const klMean = tf.div(tf.sum(tf.mul(kl, mask)), tf.sum(mask));
          return tf.add(ctc, tf.mul(reg.weight, klMean)) as tf.Scalar;
        },
        true,
        vars,
      );
      tf.dispose([x, ...(ref ? [ref] : []), ...(mask ? [mask] : [])]);
      const v = (await cost!.data())[0];
      cost!.dispose();
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
      onProgress({ phase: 'train', label, done: steps, total: totalSteps, message: `learning rate -> ${learningRate.toExponential(2)}` });
    }
  }
  if (bestWeights) {
    model.setWeights(bestWeights);
    tf.dispose(bestWeights);
  }
  optimizer.dispose();
  // Early stopping ends before the planned steps: close the progress at what actually ran.
  onProgress({ phase: 'train', label, done: steps, total: steps });
  for (const layer of model.layers) layer.trainable = true;
  return { initialHeldOutLoss: initialHeldOut, epochs: logs, bestEpoch, steps };
}
