/**
 * The engine facade: the whole jobs, each one call that reads its inputs, runs and writes its report
 * (evaluate, adapt, score, buildLm, trainBase), and backendInfo. The CLI, the host's job worker
 * (behind the Electron IPC table and the browser-mode server) and the benchmarks run jobs through it.
 *
 * It is not the only entry. Callers that need one stage's own pieces import that stage directly:
 * - corpus/ (format registry, project store, manifests): the CLI's import and export, the host's
 *   project operations and the contract's format names;
 * - adapt/methods (the method registry): the host's method picker and the contract's method names;
 * - model/card, score/report, score (card parsing, report format and types): the host's model and
 *   run catalogue, the contract, the CLI's tables;
 * - audio/wav, audio/split: the host's recorded takes, the CLI's silence splitting;
 * - util/ (atomic writes, path checks, TypeScript worker threads): the host;
 * - progress.ts (the event type): the CLI's progress bars;
 * - stage internals (model, features, decode, adapt/train): the benchmarks and the tests.
 * The engine imports nothing from electron, host, contract, cli, main, server or renderer.
 */
import path from 'node:path';
import { pathExists, readText } from './util/files';
import { initBackend, type BackendInfo } from './model/backend';
import { loadModel } from './model/checkpoint';
import type { ModelCard } from './model/card';
import { readManifest, requireTranscripts } from './corpus/manifest';
import { featurizeCorpus } from './features/corpus';
import { defaultFeatureCache } from './features/cache';
import { evaluateFeaturized, type SetResult } from './decode/evaluate';
import { buildDecoder, decoderWarnings, type DecoderSpec } from './decode/options';
import { describeDecoder } from './decode/recognize';
import { runAdaptation, type AdaptJobRequest } from './adapt/job';
import { reportHeader, scoringInfo, setReport, utteranceRows, type Report } from './score/report';
import { writeReport } from './score/writers';
import { ensureFreeRunDir } from './score/run-complete';
import { PROFILES, scoreUtterance, type NormalizationProfile } from './score';
import { matchById, readTranscripts } from './score/match';
export { loadProfile, PROFILES, type NormalizationProfile, type ProfileName } from './score';
import { writeFileAtomic } from './util/atomic';
import { NgramLM, trainKneserNey } from './decode/ngram';
import { noProgress, type ProgressFn } from './progress';
import { tooShortNotes } from './model/fit';
import { trainBaseModel, DEFAULT_BASE_RECIPE, type BaseRecipeConfig } from './recipes/base-model';
import { importOnnxModel } from './model/onnx/import';
import {
  DEFAULT_VOCABULARY,
  readWordList,
  trainVocabulary,
  vocabularyTokens,
  type VocabularyConfig,
} from './recipes/vocabulary';
import { findSynthesizer, type Synthesizer } from './synth';

export type { Report } from './score/report';
export type { ProgressEvent, ProgressFn } from './progress';
export { DEFAULT_ADAPT, type AdaptConfig } from './adapt/job';
export { definedSettings, UNLABELLED_USES, type UnlabelledUse } from './adapt/config';
export { METHODS, METHOD_NAMES, type MethodName } from './adapt/methods';
export type { DecoderSpec } from './decode/options';
export { DEFAULT_BASE_RECIPE, type BaseRecipeConfig } from './recipes/base-model';
export { DEFAULT_VOCABULARY, type VocabularyConfig } from './recipes/vocabulary';

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

/** See AdaptJobRequest (adapt/job.ts); settings default to DEFAULT_ADAPT. */
export type AdaptRequest = Omit<AdaptJobRequest, 'onProgress'> & { onProgress?: ProgressFn };

const secondsSince = (t0: number): number => Number(((performance.now() - t0) / 1000).toFixed(3));

/** Decoding real-time factor of a set: (acoustic model + decoder seconds) / audio seconds. */
const rtf = (r: SetResult): number =>
  Number(((r.seconds.acoustic + r.seconds.decode) / Math.max(r.audioSeconds, 1e-9)).toFixed(5));

/** Fail fast, before loading or training anything, when outDir holds a finished or incomplete run. */
const ensureFreeOutDir = ensureFreeRunDir;

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
    const readNotes: string[] = [];
    const utts = await readManifest(req.testManifest, readNotes);
    requireTranscripts(utts, 'test set');
    // Decoder files (grammar, word list, LM) are read and checked before any audio work.
    const decoder = await buildDecoder(req.decoder);
    for (const n of readNotes)
      onProgress({ phase: 'evaluate', label: 'manifest', done: 0, total: 1, message: `note: ${n}` });
    const tf0 = performance.now();
    const items = await featurizeCorpus(
      utts,
      card.features,
      card.cmvnStats,
      onProgress,
      'test',
      defaultFeatureCache(),
    );
    const features = secondsSince(tf0);
    const profile = req.normalization ?? PROFILES.basic;
    const warnings = [...decoderWarnings(decoder, card), ...tooShortNotes(items, card, 'test')];
    for (const w of warnings)
      onProgress({ phase: 'evaluate', label: 'decoder', done: 0, total: 1, message: `warning: ${w}` });
    const r = await evaluateFeaturized(model, card, items, onProgress, 'test', profile, decoder);
    const report: Report = {
      ...reportHeader('evaluate', backend.name),
      model: { dir: path.resolve(req.modelDir), name: card.name },
      decoder: describeDecoder(decoder, { real_time_factor: rtf(r) }),
      scoring: scoringInfo(profile),
      test: setReport(path.resolve(req.testManifest), r.utterances),
      utterances: utteranceRows('test', r.utterances, undefined, { before: r.recognitions }),
      seconds: {
        features,
        adaptation: 0,
        scoring: Number((r.seconds.acoustic + r.seconds.decode + r.seconds.scoring).toFixed(3)),
        total: secondsSince(t0),
      },
      notes: [
        `backend: ${backend.detail}`,
        ...readNotes.map((n) => `note: ${n}`),
        ...warnings.map((w) => `warning: ${w}`),
      ],
    };
    await writeReport(req.outDir, report);
    return report;
  } finally {
    model.dispose();
  }
}

/**
 * Adapt a base model with the chosen method (default: fine-tuning) on an adaptation set; score the
 * test set (and the source test set) before and after. Writes `outDir/model/` (new model folder
 * with card), `outDir/report.json` and its companions. The base model folder is only read.
 * @throws Error (one line) for bad input: missing files, transcripts with words the model lacks, ...
 */
export async function adapt(req: AdaptRequest): Promise<Report> {
  await ensureFreeOutDir(req.outDir);
  const backend = await initBackend();
  return runAdaptation({ ...req, onProgress: req.onProgress ?? noProgress }, backend);
}

/**
 * Train the shipped base model from the source-domain manifest (the recipe in recipes/base-model.ts),
 * skipping the stages finished earlier in the work folder (default `<outDir>.work`).
 * @throws Error when outDir exists (and is not this recipe's finished export) or inputs are unreadable
 */
export async function trainBase(
  req: Pick<BaseRecipeConfig, 'trainManifest' | 'testManifest' | 'outDir'> &
    Partial<BaseRecipeConfig> & { onProgress?: ProgressFn },
): Promise<ModelCard> {
  const backend = await initBackend();
  return trainBaseModel({ ...DEFAULT_BASE_RECIPE, ...req }, req.onProgress ?? noProgress, backend.name);
}

/**
 * See VocabularyConfig (recipes/vocabulary.ts); `synth` is a synthesizer name or several separated by
 * commas (`espeak-ng,flite`; default: the first available).
 */
export type VocabularyRequest = Pick<VocabularyConfig, 'wordsFile' | 'outDir' | 'command'> &
  Partial<Omit<VocabularyConfig, 'synths'>> & { synth?: string; onProgress?: ProgressFn };

/**
 * Train a model for a word list from synthetic speech (the recipe in recipes/vocabulary.ts), skipping
 * the stages finished earlier in the work folder (default `<outDir>.work`). Default utterances:
 * DEFAULT_VOCABULARY.utterancesPerWord per token, at least minUtterances; held out: a tenth of that.
 * @throws Error naming the file and line of a bad word list, the entries the synthesizer cannot say,
 *   or when outDir exists (and is not this recipe's finished export) or no synthesizer is available
 */
export async function vocabulary(req: VocabularyRequest): Promise<ModelCard> {
  const names = req.synth?.split(',').map((n) => n.trim()) ?? [undefined];
  const synths: Synthesizer[] = [];
  for (const n of names) synths.push(await findSynthesizer(n));
  const dup = synths.find((s, i) => synths.findIndex((t) => t.name === s.name) !== i);
  if (dup) throw new Error(`--synth ${req.synth}: ${dup.name} is named twice`);
  const backend = await initBackend();
  const { utterancesPerWord, minUtterances, ...defaults } = DEFAULT_VOCABULARY;
  const { onProgress, synth: _name, ...rest } = req;
  const numWords =
    rest.utterances === undefined
      ? vocabularyTokens(await readWordList(req.wordsFile)).inventory.length - 1
      : 0;
  const utterances = rest.utterances ?? Math.max(minUtterances, utterancesPerWord * numWords);
  return trainVocabulary(
    {
      ...defaults,
      ...rest,
      synths,
      utterances,
      heldOutUtterances: rest.heldOutUtterances ?? Math.max(20, Math.round(utterances / 10)),
    },
    onProgress ?? noProgress,
    backend.name,
  );
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
  const readNotes: string[] = [];
  const refs = await readTranscripts(req.refFile, readNotes);
  const scoreSide = async (file: string) =>
    matchById(refs, await readTranscripts(file, readNotes), file, req.missingAsEmpty).map(({ ref, hyp }) =>
      scoreUtterance(
        { id: ref.id, reference: ref.text, hypothesis: hyp, speaker: ref.speaker, accent: ref.accent },
        profile,
      ),
    );
  const before = await scoreSide(req.hypFile);
  const after = req.hypAfterFile ? await scoreSide(req.hypAfterFile) : undefined;
  const report: Report = {
    ...reportHeader('score', 'none'),
    model: { dir: path.resolve(req.hypFile), name: path.basename(req.hypFile) },
    ...(req.hypAfterFile
      ? { adapted_model: { dir: path.resolve(req.hypAfterFile), name: path.basename(req.hypAfterFile) } }
      : {}),
    scoring: scoringInfo(profile),
    test: setReport(path.resolve(req.refFile), before, after),
    utterances: utteranceRows('test', before, after),
    seconds: { features: 0, adaptation: 0, scoring: secondsSince(t0), total: secondsSince(t0) },
    notes: readNotes.map((n) => `note: ${n}`),
  };
  await writeReport(req.outDir, report);
  return report;
}

/**
 * Train a word n-gram LM from a text file (one sentence per line, lower-cased) and write it as ARPA.
 * @throws Error when the output exists, the text is unreadable or holds no words
 */
export async function buildLm(req: { textFile: string; outFile: string; order: number }): Promise<NgramLM> {
  if (await pathExists(req.outFile)) throw new Error(`${req.outFile}: already exists; choose a new file`);
  const text = await readText(req.textFile);
  const lm = trainKneserNey(text.toLowerCase().split(/\r?\n/), { order: req.order });
  await writeFileAtomic(req.outFile, lm.toArpa());
  return lm;
}

/** Which backend runs (initialising it if needed). */
export async function backendInfo(): Promise<BackendInfo> {
  return initBackend();
}

/**
 * Import an ONNX acoustic model into a new model folder (model/onnx/import.ts).
 * @throws Error naming the file (unsupported op with its node, card mismatch)
 */
export async function importOnnx(req: {
  onnxFile: string;
  cardFile: string;
  outDir: string;
}): Promise<ModelCard> {
  return importOnnxModel(req.onnxFile, req.cardFile, req.outDir);
}
