/**
 * The engine facade: the only entry the CLI (and later the Electron IPC table and the browser-mode
 * server) call. Imports nothing from electron.
 */
import path from 'node:path';
import { stat } from 'node:fs/promises';
import { readText } from './util/files';
import { initBackend, tf, type BackendInfo } from './model/backend';
import { loadModel, saveModel } from './model/checkpoint';
import type { ModelCard } from './model/card';
import { countParams } from './model/acoustic';
import { seededRandom } from './model/batch';
import { encodeText } from './model/tokens';
import { readManifest, type Utterance } from './corpus/manifest';
import { featurizeCorpus, type FeaturizedUtterance } from './features/corpus';
import { evaluateFeaturized, type SetResult } from './decode/evaluate';
import { buildDecoder, tuneFusion, type DecoderSpec, type FusionTuning } from './decode/options';
import { computePosteriors, describeDecoder, type DecoderOptions } from './decode/recognize';
import { trainCtc, type TrainExample, type TrainResult } from './adapt/train';
import { DEFAULT_FINETUNE, finetuneLayers, type FinetuneConfig } from './adapt/finetune';
import { reportHeader, scoringInfo, setReport, utteranceRows, type Report } from './score/report';
import { writeReport } from './score/writers';
import { PROFILES, scoreUtterance, type NormalizationProfile } from './score';
import { matchById, readTranscripts } from './score/match';
export { loadProfile, PROFILES, type NormalizationProfile, type ProfileName } from './score';
import { writeFileAtomic } from './util/atomic';
import { NgramLM, trainKneserNey } from './decode/ngram';
import { noProgress, type ProgressFn } from './jobs/progress';
import { trainBaseModel, DEFAULT_BASE_RECIPE, type BaseRecipeConfig } from './recipes/base-model';

export type { Report } from './score/report';
export type { ProgressEvent, ProgressFn } from './jobs/progress';
export { DEFAULT_FINETUNE, type FinetuneConfig } from './adapt/finetune';
export type { DecoderSpec } from './decode/options';
export { DEFAULT_BASE_RECIPE, type BaseRecipeConfig } from './recipes/base-model';

export interface EvaluateRequest {
  modelDir: string;
  testManifest: string;
  outDir: string;
  /** Text normalisation applied to reference and hypothesis before scoring. Default "basic". */
  normalization?: NormalizationProfile;
  /** Decoder; default greedy. */
  decoder?: DecoderSpec;
  onProgress?: ProgressFn;
}

export interface AdaptRequest {
  modelDir: string;
  adaptManifest: string;
  testManifest: string;
  sourceTestManifest?: string;
  outDir: string;
  finetune?: Partial<FinetuneConfig>;
  normalization?: NormalizationProfile;
  /** Decoder for before and after; an LM weight left unset is tuned on the adaptation set. */
  decoder?: DecoderSpec;
  onProgress?: ProgressFn;
}

const secondsSince = (t0: number): number => Number(((performance.now() - t0) / 1000).toFixed(3));

/** Decoding real-time factor of a set: (acoustic model + decoder seconds) / audio seconds. */
const rtf = (r: SetResult): number => Number(((r.seconds.acoustic + r.seconds.decode) / Math.max(r.audioSeconds, 1e-9)).toFixed(5));

async function ensureFreeOutDir(outDir: string): Promise<void> {
  const exists = await stat(path.join(outDir, 'report.json')).then(
    () => true,
    () => false,
  );
  if (exists) throw new Error(`${outDir}: already holds a report.json; choose a new --out folder (results are never overwritten)`);
}

/** Check every transcript can be expressed in the model's tokens. */
function checkTranscripts(utts: Utterance[], card: ModelCard, manifest: string): void {
  for (const u of utts) {
    try {
      encodeText(u.text, card.tokens);
    } catch (err) {
      throw new Error(`${manifest}: utterance ${u.id}: ${(err as Error).message}`);
    }
  }
}

/**
 * Score a model on a test set and write `outDir/report.json` (`test.before` only).
 * @throws Error (one line, naming the file) for a missing/invalid model, manifest or audio file
 */
export async function evaluate(req: EvaluateRequest): Promise<Report> {
  const onProgress = req.onProgress ?? noProgress;
  const t0 = performance.now();
  await ensureFreeOutDir(req.outDir);
  const backend = await initBackend();
  const { model, card } = await loadModel(req.modelDir);
  try {
    const utts = await readManifest(req.testManifest);
    const tf0 = performance.now();
    const items = await featurizeCorpus(utts, card.features, card.cmvnStats, onProgress, 'test');
    const features = secondsSince(tf0);
    const profile = req.normalization ?? PROFILES.basic;
    const decoder = await buildDecoder(req.decoder);
    const r = await evaluateFeaturized(model, card, items, onProgress, 'test', profile, decoder);
    const report: Report = {
      ...reportHeader('evaluate', backend.name),
      model: { dir: path.resolve(req.modelDir), name: card.name },
      decoder: describeDecoder(decoder, { real_time_factor: rtf(r) }),
      scoring: scoringInfo(profile),
      test: setReport(path.resolve(req.testManifest), r.utterances),
      utterances: utteranceRows('test', r.utterances, undefined, { before: r.recognitions }),
      seconds: { features, adaptation: 0, scoring: Number((r.seconds.acoustic + r.seconds.decode + r.seconds.scoring).toFixed(3)), total: secondsSince(t0) },
      notes: [`backend: ${backend.detail}`],
    };
    await writeReport(req.outDir, report);
    return report;
  } finally {
    model.dispose();
  }
}

/** Split utterance indices into train and held-out, seeded. */
function splitHeldOut(n: number, fraction: number, seed: number): { train: number[]; heldOut: number[] } {
  const idx = [...Array(n).keys()];
  const rand = seededRandom(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [idx[i], idx[j]] = [idx[j], idx[i]];
  }
  const k = n < 2 ? 0 : Math.max(1, Math.round(n * fraction));
  return { heldOut: idx.slice(0, k), train: idx.slice(k) };
}

/**
 * Adapt a base model by fine-tuning on an adaptation set; score the test set (and the source test set)
 * before and after. Writes `outDir/model/` (new model folder with card) and `outDir/report.json`.
 * The base model folder is only read.
 * @throws Error (one line) for bad input: missing files, transcripts with words the model lacks, ...
 */
export async function adapt(req: AdaptRequest): Promise<Report> {
  const onProgress = req.onProgress ?? noProgress;
  const cfg: FinetuneConfig = { ...DEFAULT_FINETUNE, ...req.finetune };
  const t0 = performance.now();
  await ensureFreeOutDir(req.outDir);
  const backend = await initBackend();
  const { model, card } = await loadModel(req.modelDir);
  try {
    const trainable = finetuneLayers(model, cfg.topLayers);
    const adaptUtts = await readManifest(req.adaptManifest);
    checkTranscripts(adaptUtts, card, req.adaptManifest);
    const testUtts = await readManifest(req.testManifest);
    const sourceUtts = req.sourceTestManifest ? await readManifest(req.sourceTestManifest) : null;

    const tf0 = performance.now();
    const adaptItems = await featurizeCorpus(adaptUtts, card.features, card.cmvnStats, onProgress, 'adaptation set');
    const testItems = await featurizeCorpus(testUtts, card.features, card.cmvnStats, onProgress, 'test');
    const sourceItems = sourceUtts ? await featurizeCorpus(sourceUtts, card.features, card.cmvnStats, onProgress, 'source test') : null;
    const features = secondsSince(tf0);

    const profile = req.normalization ?? PROFILES.basic;
    let decoder: DecoderOptions = await buildDecoder(req.decoder, adaptUtts.map((u) => u.text));
    let tuning: FusionTuning | null = null;
    if (decoder.kind === 'beam' && decoder.lm && req.decoder?.lmWeight === undefined) {
      // Tune LM weight and word bonus on the adaptation set, with the base model's posteriors.
      const posts = await computePosteriors(model, card, adaptItems.map((i) => i.feats), onProgress, 'tune LM weight');
      tuning = tuneFusion(card, adaptItems, posts, decoder, profile);
      decoder = { ...decoder, lmWeight: tuning.lmWeight, beam: { ...decoder.beam, wordBonus: tuning.wordBonus } };
    }
    const score = async (items: FeaturizedUtterance[] | null, label: string): Promise<SetResult | null> =>
      items ? evaluateFeaturized(model, card, items, onProgress, label, profile, decoder) : null;
    const testBefore = (await score(testItems, 'test (before)'))!;
    const sourceBefore = await score(sourceItems, 'source (before)');

    const ta0 = performance.now();
    const examples: TrainExample[] = adaptItems.map((it) => ({ feats: it.feats, labels: encodeText(it.utt.text, card.tokens) }));
    const split = splitHeldOut(examples.length, cfg.heldOutFraction, cfg.seed);
    const tensorsBefore = tf.memory().numTensors;
    const trainCfg = {
      epochs: cfg.epochs,
      batchSize: cfg.batchSize,
      learningRate: cfg.learningRate,
      seed: cfg.seed,
      trainableLayers: trainable,
      patience: cfg.patience,
    };
    const baseWeights = cfg.refit ? model.getWeights().map((w) => w.clone()) : [];
    // Pass 1: train on the split, early-stop on the held-out slice.
    const result: TrainResult = await trainCtc(
      model,
      card,
      split.train.map((i) => examples[i]),
      split.heldOut.map((i) => examples[i]),
      trainCfg,
      onProgress,
      'fine-tune',
    );
    // Pass 2 (refit): from the base weights, the chosen number of epochs on every utterance.
    let refit: TrainResult | null = null;
    if (cfg.refit && result.bestEpoch > 0 && split.heldOut.length > 0) {
      model.setWeights(baseWeights);
      refit = await trainCtc(model, card, examples, [], { ...trainCfg, epochs: result.bestEpoch }, onProgress, 'refit on all');
    } else if (cfg.refit && result.bestEpoch === 0) {
      onProgress({ phase: 'train', label: 'fine-tune', done: 1, total: 1, message: 'no epoch beat the base model on held-out data: the base weights are kept' });
    }
    tf.dispose(baseWeights);
    const adaptation = secondsSince(ta0);

    const testAfter = (await score(testItems, 'test (after)'))!;
    const sourceAfter = await score(sourceItems, 'source (after)');

    const settings = {
      method: 'finetune',
      ...cfg,
      trainableLayers: trainable,
      trainableParams: countTrainable(model, trainable),
      adaptationUtterances: refit ? examples.length : split.train.length,
      heldOutUtterances: split.heldOut.length,
      heldOutIds: split.heldOut.map((i) => adaptUtts[i].id),
      initialHeldOutLoss: result.initialHeldOutLoss,
      bestEpoch: result.bestEpoch,
      steps: result.steps,
      epochLog: result.epochs,
      refitEpochLog: refit?.epochs ?? null,
      tensorsBeforeTraining: tensorsBefore,
    };
    const adaptedCard: ModelCard = {
      ...card,
      name: `${card.name}+finetune(${path.basename(req.adaptManifest).replace(/\.jsonl?$/, '')})`,
      description: `${card.name} fine-tuned (top ${cfg.topLayers} layers) on ${path.basename(req.adaptManifest)}.`,
      created: new Date().toISOString(),
      parent: card.name,
      adaptation: { ...settings, adaptManifest: path.resolve(req.adaptManifest) },
      trainingData: [
        ...card.trainingData,
        { name: path.basename(req.adaptManifest), utterances: adaptUtts.length, licence: 'as the adaptation data', attribution: path.resolve(req.adaptManifest) },
      ],
      metrics: [
        {
          testSet: path.basename(req.testManifest),
          utterances: testAfter.score.utterances,
          wer: testAfter.score.wer ?? 0,
          substitutions: testAfter.score.substitutions,
          deletions: testAfter.score.deletions,
          insertions: testAfter.score.insertions,
          referenceWords: testAfter.score.reference_words,
          backend: backend.name,
        },
      ],
    };
    const modelOut = path.join(req.outDir, 'model');
    await saveModel(modelOut, model, adaptedCard);

    const report: Report = {
      ...reportHeader('adapt', backend.name),
      model: { dir: path.resolve(req.modelDir), name: card.name },
      adapted_model: { dir: path.resolve(modelOut), name: adaptedCard.name },
      adaptation: settings,
      decoder: describeDecoder(decoder, { real_time_factor: rtf(testAfter), ...(tuning ? { tuned_on: 'adaptation set (base model)', tuning } : {}) }),
      scoring: scoringInfo(profile),
      test: setReport(path.resolve(req.testManifest), testBefore.utterances, testAfter.utterances),
      ...(sourceBefore && sourceAfter
        ? { source_test: setReport(path.resolve(req.sourceTestManifest!), sourceBefore.utterances, sourceAfter.utterances) }
        : {}),
      utterances: [
        ...utteranceRows('test', testBefore.utterances, testAfter.utterances, { before: testBefore.recognitions, after: testAfter.recognitions }),
        ...(sourceBefore && sourceAfter
          ? utteranceRows('source_test', sourceBefore.utterances, sourceAfter.utterances, { before: sourceBefore.recognitions, after: sourceAfter.recognitions })
          : []),
      ],
      seconds: {
        features,
        adaptation,
        scoring: Number(
          [testBefore, testAfter, sourceBefore, sourceAfter].reduce((a, r) => a + (r ? r.seconds.acoustic + r.seconds.decode + r.seconds.scoring : 0), 0).toFixed(3),
        ),
        total: secondsSince(t0),
      },
      notes: [`backend: ${backend.detail}`],
    };
    await writeReport(req.outDir, report);
    return report;
  } finally {
    model.dispose();
  }
}

function countTrainable(model: tf.LayersModel, names: string[]): number {
  const prev = model.layers.map((l) => l.trainable);
  model.layers.forEach((l) => (l.trainable = names.includes(l.name)));
  const n = countParams(model, true);
  model.layers.forEach((l, i) => (l.trainable = prev[i]));
  return n;
}

/**
 * Train the shipped base model from the source-domain manifest (the recipe in recipes/base-model.ts).
 * @throws Error when outDir exists or inputs are unreadable
 */
export async function trainBase(
  req: Pick<BaseRecipeConfig, 'trainManifest' | 'testManifest' | 'outDir'> & Partial<BaseRecipeConfig> & { onProgress?: ProgressFn },
): Promise<ModelCard> {
  const backend = await initBackend();
  return trainBaseModel({ ...DEFAULT_BASE_RECIPE, ...req }, req.onProgress ?? noProgress, backend.name);
}

export interface ScoreRequest {
  /** References: trn, JSON Lines {id, text} or a NeMo manifest. */
  refFile: string;
  /** Hypotheses of the base system (same formats). */
  hypFile: string;
  /** Hypotheses of a second (adapted) system: adds after, bootstrap and change. */
  hypAfterFile?: string;
  outDir: string;
  normalization?: NormalizationProfile;
  /** Score references without a hypothesis as empty hypotheses instead of failing. */
  missingAsEmpty?: boolean;
}

/**
 * Score existing transcripts (no model): match hypotheses to references by utterance id, write
 * report.json and its companions.
 * @throws Error listing missing or extra ids, or naming a malformed file and line
 */
export async function score(req: ScoreRequest): Promise<Report> {
  const t0 = performance.now();
  await ensureFreeOutDir(req.outDir);
  const profile = req.normalization ?? PROFILES.basic;
  const refs = await readTranscripts(req.refFile);
  const scoreSide = async (file: string) =>
    matchById(refs, await readTranscripts(file), file, req.missingAsEmpty).map(({ ref, hyp }) =>
      scoreUtterance({ id: ref.id, reference: ref.text, hypothesis: hyp, speaker: ref.speaker, accent: ref.accent }, profile),
    );
  const before = await scoreSide(req.hypFile);
  const after = req.hypAfterFile ? await scoreSide(req.hypAfterFile) : undefined;
  const report: Report = {
    ...reportHeader('score', 'none'),
    model: { dir: path.resolve(req.hypFile), name: path.basename(req.hypFile) },
    ...(req.hypAfterFile ? { adapted_model: { dir: path.resolve(req.hypAfterFile), name: path.basename(req.hypAfterFile) } } : {}),
    scoring: scoringInfo(profile),
    test: setReport(path.resolve(req.refFile), before, after),
    utterances: utteranceRows('test', before, after),
    seconds: { features: 0, adaptation: 0, scoring: secondsSince(t0), total: secondsSince(t0) },
    notes: [],
  };
  await writeReport(req.outDir, report);
  return report;
}

/**
 * Train a word n-gram LM from a text file (one sentence per line, lower-cased) and write it as ARPA.
 * @throws Error when the output exists, the text is unreadable or holds no words
 */
export async function buildLm(req: { textFile: string; outFile: string; order: number }): Promise<NgramLM> {
  const exists = await stat(req.outFile).then(
    () => true,
    () => false,
  );
  if (exists) throw new Error(`${req.outFile}: already exists; choose a new file`);
  const text = await readText(req.textFile);
  const lm = trainKneserNey(text.toLowerCase().split(/\r?\n/), { order: req.order });
  await writeFileAtomic(req.outFile, lm.toArpa());
  return lm;
}

/** Which backend runs (initialising it if needed). */
export async function backendInfo(): Promise<BackendInfo> {
  return initBackend();
}
