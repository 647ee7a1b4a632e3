/**
 * The parts shared by the recipes that train a CTC model from waveforms (recipes/base-model.ts: the
 * digit base model; recipes/vocabulary.ts: a user's word list from synthetic speech): the waveform
 * helpers of stage 1 (perturb, silence, concat), the float files of the stage artifacts, stages 2-5
 * (features, train, evaluate, export) and the stage driver (runHeadRecipe) that skips finished stages
 * and resumes (stages.ts holds the markers).
 *
 * Stage artifacts in the work folder:
 * 1. `1-prepare`: `plan.json` (the recipe's counts + one entry per waveform: set, text, source,
 *    samples) and `audio.f32` (the waveforms, float32 at the model's rate, in plan order);
 * 2. `2-features`: `features.json` (per example: set, frames, dim, labels) and `features.f32`;
 * 3. `3-train`: the checkpoint `model/` (a model folder whose card has the epoch log);
 * 4. `4-evaluate`: `metrics.json`;
 * 5. `5-export`: the model folder itself (`outDir`, never overwritten).
 */
import type { tf } from '../model/backend';
import type { ModelCard } from '../model/card';
import { loadModel, saveModel } from '../model/checkpoint';
import { encodeText, type TokenConfig } from '../model/tokens';
import { extractFeatures, type FeatureConfig } from '../features';
import { DEFAULT_SPECAUGMENT } from '../features/augment';
import { addNoise, bandLimit, gaussian, reverberate, speedPerturb } from '../audio/perturb';
import { trainCtc, type TrainExample } from '../adapt/train';
import { weightLayerNames } from '../model/acoustic';
import type { ProgressFn } from '../progress';
import { writeFileAtomic, writeJsonAtomic } from '../util/atomic';
import { pathExists, readText } from '../util/files';
import { modelCardMarkdown } from './model-card-md';
import { beginStage, markDone, planStage, skipStage, stageIsCurrent, type StagePlan } from './stages';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Speed-perturb (0.9-1.1 on a 0.01 grid, so the resampling ratio stays a small fraction), then with
 * probability `channelFraction` a room (RT60 0.15-0.7 s) and a microphone band (high-pass 50-400 Hz,
 * low-pass 2.8-4 kHz), then noise at `snrDb` and a gain of +-6 dB. Consumes `rand` in a fixed order
 * (the shipped weights depend on it).
 */
export function perturb(
  x: Float32Array,
  rateHz: number,
  rand: () => number,
  snrDb: number,
  channelFraction = 0,
): Float32Array {
  const factor = 0.9 + Math.round(20 * rand()) / 100;
  const gain = 10 ** ((rand() * 12 - 6) / 20);
  let sped = speedPerturb(x, rateHz, factor);
  if (channelFraction > 0 && rand() < channelFraction) {
    sped = reverberate(sped, rateHz, 0.15 + 0.55 * rand(), rand);
    sped = bandLimit(sped, rateHz, 50 + 350 * rand(), 2800 + 1200 * rand());
  }
  const y = addNoise(sped, snrDb, rand);
  for (let i = 0; i < y.length; i++) y[i] *= gain;
  return y;
}

/** `numSamples` of Gaussian noise at RMS `level` (full scale 1): the low noise between words. */
export function silence(numSamples: number, level: number, rand: () => number): Float32Array {
  const s = new Float32Array(numSamples);
  for (let i = 0; i < numSamples; i++) s[i] = level * gaussian(rand);
  return s;
}

/** The arrays one after the other. */
export function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** A waveform with its transcript and where it came from (a clip id, "copy of <id>", "string", "tts ..."). */
export interface Wave {
  samples: Float32Array;
  text: string;
  source: string;
}

/** The waveforms of stage 1: training and held out (early stopping). */
export interface WaveSets {
  train: Wave[];
  heldOut: Wave[];
}

/** Output of stage 2. */
export interface Features {
  train: TrainExample[];
  heldOut: TrainExample[];
}

/** Float32 arrays concatenated into one little-endian file, written atomically. */
export async function writeFloats(file: string, arrays: Float32Array[]): Promise<void> {
  const all = new Float32Array(arrays.reduce((a, x) => a + x.length, 0));
  let off = 0;
  for (const x of arrays) {
    all.set(x, off);
    off += x.length;
  }
  await writeFileAtomic(file, new Uint8Array(all.buffer, all.byteOffset, all.byteLength));
}

/**
 * A file written by writeFloats, split back into arrays of the given lengths.
 * @throws Error naming the file when its size does not match the lengths
 */
export async function readFloats(file: string, lengths: number[]): Promise<Float32Array[]> {
  const buf = await readFile(file);
  const all = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  const total = lengths.reduce((a, n) => a + n, 0);
  if (all.length !== total)
    throw new Error(`${file}: holds ${all.length} values, its index says ${total} (delete the stage folder)`);
  const out: Float32Array[] = [];
  let off = 0;
  for (const n of lengths) {
    out.push(all.subarray(off, off + n));
    off += n;
  }
  return out;
}

/**
 * Stage 1's artifact: `audio.f32` (every waveform, train then held out) and `plan.json` (`summary`'s
 * fields, the sample rate, and one entry per waveform).
 */
export async function writePlan(
  dir: string,
  summary: object,
  data: WaveSets,
  sampleRateHz: number,
): Promise<void> {
  const entry = (set: string) => (w: Wave) => ({
    set,
    text: w.text,
    source: w.source,
    samples: w.samples.length,
  });
  await writeFloats(
    path.join(dir, 'audio.f32'),
    [...data.train, ...data.heldOut].map((w) => w.samples),
  );
  await writeJsonAtomic(path.join(dir, 'plan.json'), {
    ...summary,
    sampleRateHz,
    train: data.train.map(entry('train')),
    heldOut: data.heldOut.map(entry('heldOut')),
  });
}

type PlanEntry = { text: string; source: string; samples: number };

/** Stage 1's summary fields (plan.json without the waveform entries; see writePlan). */
export async function loadPlanSummary<S>(dir: string): Promise<S> {
  const plan = JSON.parse(await readText(path.join(dir, 'plan.json'), 'recipe plan')) as Record<
    string,
    unknown
  >;
  const { train: _t, heldOut: _h, sampleRateHz: _r, ...summary } = plan;
  return summary as S;
}

/** Stage 1's artifact read back: the summary fields and the waveforms (see writePlan). */
export async function loadPlan<S>(dir: string): Promise<S & WaveSets> {
  const plan = JSON.parse(await readText(path.join(dir, 'plan.json'), 'recipe plan')) as {
    train: PlanEntry[];
    heldOut: PlanEntry[];
  };
  const entries = [...plan.train, ...plan.heldOut];
  const audio = await readFloats(
    path.join(dir, 'audio.f32'),
    entries.map((e) => e.samples),
  );
  const waves = entries.map((e, i) => ({ samples: audio[i], text: e.text, source: e.source }));
  return {
    ...(await loadPlanSummary<S>(dir)),
    train: waves.slice(0, plan.train.length),
    heldOut: waves.slice(plan.train.length),
  };
}

/**
 * Stage 2, features: `features` (log-mel or the speech embedding) of every waveform, and the
 * transcripts as token ids. Artifact in `dir`: `features.json` (per example: set, frames, dim, labels)
 * and `features.f32` (the [frames, dim] matrices in that order).
 * @throws Error when a transcript has a word outside `tokens`
 */
export async function computeFeatures(
  features: FeatureConfig,
  tokens: TokenConfig,
  data: WaveSets,
  dir: string,
  onProgress: ProgressFn,
): Promise<Features> {
  const toExample = (w: Wave): TrainExample => ({
    feats: extractFeatures(w.samples, features),
    labels: encodeText(w.text, tokens),
  });
  const train: TrainExample[] = [];
  for (let i = 0; i < data.train.length; i++) {
    train.push(toExample(data.train[i]));
    if (i % 50 === 0 || i === data.train.length - 1)
      onProgress({ phase: 'features', label: 'training features', done: i + 1, total: data.train.length });
  }
  const heldOut = data.heldOut.map(toExample);
  const entry = (set: string) => (e: TrainExample) => ({
    set,
    numFrames: e.feats.numFrames,
    dim: e.feats.dim,
    labels: e.labels,
  });
  await writeFloats(
    path.join(dir, 'features.f32'),
    [...train, ...heldOut].map((e) => e.feats.data),
  );
  await writeJsonAtomic(path.join(dir, 'features.json'), {
    train: train.map(entry('train')),
    heldOut: heldOut.map(entry('heldOut')),
  });
  return { train, heldOut };
}

/** Stage 2's artifact read back (see computeFeatures). */
export async function loadFeatures(dir: string): Promise<Features> {
  type Entry = { numFrames: number; dim: number; labels: number[] };
  const index = JSON.parse(await readText(path.join(dir, 'features.json'), 'feature index')) as {
    train: Entry[];
    heldOut: Entry[];
  };
  const entries = [...index.train, ...index.heldOut];
  const data = await readFloats(
    path.join(dir, 'features.f32'),
    entries.map((e) => e.numFrames * e.dim),
  );
  const examples = entries.map((e, i) => ({
    feats: { data: data[i], numFrames: e.numFrames, dim: e.dim },
    labels: e.labels,
  }));
  return { train: examples.slice(0, index.train.length), heldOut: examples.slice(index.train.length) };
}

/** Training settings of stage 3. */
export interface HeadTrainSettings {
  epochs: number;
  batchSize: number;
  learningRate: number;
  seed: number;
  workers: number;
}

/**
 * The five stages' folders and settings hashes, each chained to the one before, so a changed setting
 * re-runs its stage and every later one: stage 1 hashes the recipe's own `prepare` settings, stage 3
 * everything that changes the weights (not the output folder's name: the same training can be
 * exported under another --out), stage 4 the recipe's `evaluate` settings.
 * @param work the work folder
 * @param backend the TF.js backend that trains (part of stage 3's hash)
 */
export function headRecipeStages(
  work: string,
  prepare: Record<string, unknown>,
  cfg: HeadTrainSettings & { features: FeatureConfig; outDir: string },
  evaluate: Record<string, unknown>,
  backend: string,
): StagePlan[] {
  const { epochs, batchSize, learningRate, seed, workers } = cfg;
  const stages = [planStage(work, '1-prepare', prepare, '')];
  const next = (name: string, settings: Record<string, unknown>) =>
    stages.push(planStage(work, name, settings, stages.at(-1)!.hash));
  next('2-features', { features: cfg.features });
  next('3-train', { epochs, batchSize, learningRate, seed, workers, backend });
  next('4-evaluate', evaluate);
  next('5-export', { outDir: path.resolve(cfg.outDir) });
  return stages;
}

/**
 * Stage 3, train: trainCtc (adapt/train.ts) of every layer of `model` (built by the caller, with its
 * card): Adam at `learningRate` halved after 2 epochs without a lower held-out loss, SpecAugment,
 * early stopping (patience 6, best epoch's weights kept), on `workers` threads. Writes the epoch log
 * and best epoch into the card's recipe. Artifact: the checkpoint `dir/model`. The caller disposes
 * the model.
 */
export async function trainHead(
  settings: HeadTrainSettings,
  model: tf.LayersModel,
  card: ModelCard,
  feats: Features,
  dir: string,
  onProgress: ProgressFn,
  label: string,
): Promise<{ model: tf.LayersModel; card: ModelCard }> {
  const result = await trainCtc(
    model,
    card,
    feats.train,
    feats.heldOut,
    {
      epochs: settings.epochs,
      batchSize: settings.batchSize,
      learningRate: settings.learningRate,
      seed: settings.seed,
      trainableLayers: weightLayerNames(model),
      patience: 6,
      workers: settings.workers,
      lrDecayPatience: 2,
      lrDecayFactor: 0.5,
      specAugment: DEFAULT_SPECAUGMENT,
    },
    onProgress,
    label,
  );
  (card.recipe as Record<string, unknown>).epochLog = result.epochs.map((e) => ({
    epoch: e.epoch,
    trainLoss: Number(e.trainLoss.toFixed(4)),
    heldOutLoss: e.heldOutLoss === null ? null : Number(e.heldOutLoss.toFixed(4)),
    seconds: Number(e.seconds.toFixed(1)),
  }));
  (card.recipe as Record<string, unknown>).bestEpoch = result.bestEpoch;
  await saveModel(path.join(dir, 'model'), model, card);
  return { model, card };
}

/** Stage 3's checkpoint read back: the model and its card exactly as written (see trainHead). */
export async function loadCheckpoint(dir: string): Promise<{ model: tf.LayersModel; card: ModelCard }> {
  const { model } = await loadModel(path.join(dir, 'model'));
  const card = JSON.parse(await readText(path.join(dir, 'model', 'card.json'), 'model card')) as ModelCard;
  return { model, card };
}

/**
 * Stage 5, export: the model folder `outDir` (model.json, weights.bin, card.json with `metrics`,
 * the folder's name and `command`) and its README.md (model-card-md.ts).
 */
export async function exportHead(
  outDir: string,
  model: tf.LayersModel,
  card: ModelCard,
  metrics: ModelCard['metrics'],
  command: string,
): Promise<ModelCard> {
  const out: ModelCard = {
    ...card,
    name: path.basename(path.resolve(outDir)),
    metrics,
    recipe: { ...card.recipe, command },
  };
  await saveModel(outDir, model, out);
  await writeFileAtomic(path.join(outDir, 'README.md'), modelCardMarkdown(out));
  return out;
}

/** What a recipe does in each stage; runHeadRecipe calls them in order and skips the current ones. */
export interface HeadRecipe<S, M> {
  outDir: string;
  /** The five stages (prepare, features, train, evaluate, export), hashes chained. */
  stages: StagePlan[];
  /** Stage 1: the waveforms and the summary fields (the artifact is written here). */
  prepare(dir: string): Promise<S & WaveSets>;
  /** Stage 2 (usually computeFeatures). */
  features(data: WaveSets, dir: string): Promise<Features>;
  /** Stage 3 (usually trainHead). */
  train(summary: S, feats: Features, dir: string): Promise<{ model: tf.LayersModel; card: ModelCard }>;
  /** Stage 4: the metrics; writes `dir/metrics.json` with exactly what it returns. */
  evaluate(model: tf.LayersModel, card: ModelCard, dir: string): Promise<M>;
  /** Stage 5 (usually exportHead). */
  export(model: tf.LayersModel, card: ModelCard, metrics: M): Promise<ModelCard>;
}

/**
 * Run a recipe stage by stage in its work folder: stages finished earlier with the same settings are
 * skipped and their artifacts read back, so running the same command again after an interruption
 * resumes, and after a finished run returns the exported card. The weights do not depend on which
 * stages were skipped.
 * @throws Error when outDir already exists and is not this recipe's finished export (a model folder
 *   is never overwritten), or a stage fails or its artifact cannot be read
 */
export async function runHeadRecipe<S, M>(
  recipe: HeadRecipe<S, M>,
  onProgress: ProgressFn,
): Promise<ModelCard> {
  const { stages, outDir } = recipe;
  const [prepare, features, train, evaluate, exported] = stages;
  const outExists = await pathExists(outDir);
  // A stage is current when its marker matches and every earlier stage is current.
  const current: boolean[] = [];
  for (const s of stages) current.push((current.at(-1) ?? true) && (await stageIsCurrent(s)));
  current[4] &&= outExists; // the export's artifact is the model folder itself
  // Fail before the training, not at the end: a model folder is never overwritten.
  if (outExists && !current[4])
    throw new Error(`${outDir}: already exists; a model folder is never overwritten (choose a new --out)`);
  stages.forEach((s, k) => current[k] && skipStage(s, onProgress));
  if (current[4])
    return JSON.parse(await readText(path.join(outDir, 'card.json'), 'model card')) as ModelCard;
  let data: (S & WaveSets) | null = null;
  let feats: Features | null = null;
  let trained: { model: tf.LayersModel; card: ModelCard } | null = null;
  let metric: M | null = null;
  if (!current[0]) {
    await beginStage(prepare, onProgress);
    data = await recipe.prepare(prepare.dir);
    await markDone(prepare);
  }
  if (!current[1]) {
    data ??= await loadPlan<S>(prepare.dir);
    await beginStage(features, onProgress);
    feats = await recipe.features(data, features.dir);
    await markDone(features);
  }
  try {
    if (!current[2]) {
      feats ??= await loadFeatures(features.dir);
      const summary: S = data ?? (await loadPlanSummary<S>(prepare.dir));
      data = null; // the waveforms are not needed any more
      await beginStage(train, onProgress);
      trained = await recipe.train(summary, feats, train.dir);
      await markDone(train);
    }
    trained ??= await loadCheckpoint(train.dir);
    if (!current[3]) {
      await beginStage(evaluate, onProgress);
      metric = await recipe.evaluate(trained.model, trained.card, evaluate.dir);
      await markDone(evaluate);
    }
    metric ??= JSON.parse(await readText(path.join(evaluate.dir, 'metrics.json'), 'metrics')) as M;
    await beginStage(exported, onProgress);
    const card = await recipe.export(trained.model, trained.card, metric);
    await markDone(exported);
    return card;
  } finally {
    trained?.model.dispose();
  }
}
