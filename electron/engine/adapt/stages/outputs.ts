/**
 * Adaptation job stage 10: what a run leaves behind: the summary of what the adaptation did (the
 * report's `adaptation` block and the adapted card's), the adapted model's card, and the report.
 */
import path from 'node:path';
import type { tf } from '../../model/backend';
import type { ModelCard } from '../../model/card';
import { countParams } from '../../model/acoustic';
import type { SetResult } from '../../decode/evaluate';
import { describeDecoder } from '../../decode/recognize';
import type { NormalizationProfile } from '../../score';
import { reportHeader, scoringInfo, setReport, utteranceRows, type Report } from '../../score/report';
import type { BackendInfo } from '../../model/backend';
import type { ResolvedAdaptConfig } from '../config';
import type { RoundsResult } from './rounds';
import type { TrainingSet } from './training-set';
import type { RenormalizationInfo } from './renormalize';
import type { RunDecoder } from './decoder';
import type { RunSets } from './sets';
import type { EpochLog } from '../train';
import { snakeKeys } from '../../util/case';

/** Parameters of `model` in the layers named (the others counted as frozen). */
function countTrainable(model: tf.LayersModel, names: string[]): number {
  const prev = model.layers.map((l) => l.trainable);
  model.layers.forEach((l) => (l.trainable = names.includes(l.name)));
  const n = countParams(model, true);
  model.layers.forEach((l, i) => (l.trainable = prev[i]));
  return n;
}

/**
 * What an adaptation did: the resolved settings, what trained, the data it trained on and the epoch
 * logs. The adapted card's `adaptation` block holds it as is; report.json's `adaptation` block holds
 * it with snake_case keys (score/report.ts ReportAdaptation).
 */
export interface AdaptationSummary extends ResolvedAdaptConfig {
  /** One line describing the method (its registry summary). */
  methodSummary: string;
  /** Layer names whose weights trained. */
  trainableLayers: string[];
  trainableParams: number;
  totalParams: number;
  /** Labelled adaptation utterances. */
  labelledUtterances: number;
  /** Labelled utterances the final weights trained on (all after a refit, else the training part). */
  adaptationUtterances: number;
  /** Speed-perturbed and noisy copies. */
  augmentedCopies: number;
  resplicedUtterances: number;
  sourceMixUtterances: number;
  /** Utterances of the unlabelled set that were read (0 without one, or with `unlabelledUse` "none"). */
  unlabelledUtterances: number;
  /**
   * Per pseudo-labelling round: confident utterances kept of the unlabelled set, and how many of
   * them differ (another transcript, or newly kept) from the previous round's (all in round 1).
   */
  pseudoLabels: { round: number; kept: number; of: number; changed: number }[];
  /** Training examples of the final weights' last pass: labelled, augmented, re-spliced, pseudo-labelled and source-mix. */
  trainingUtterances: number;
  renormalization: RenormalizationInfo | null;
  heldOutUtterances: number;
  heldOutIds: string[];
  /** Tokens the method added (new-head), in output order after the base model's. */
  addedTokens: string[];
  /** Held-out loss per target token of the starting weights (null without a held-out set). */
  initialHeldOutLoss: number | null;
  /** Epoch whose weights were kept (0 = the starting weights). */
  bestEpoch: number;
  /** Optimiser steps of both passes. */
  steps: number;
  trainingThreads: number;
  epochLog: EpochLog[];
  /** The refit pass's epochs (null without a refit). */
  refitEpochLog: EpochLog[] | null;
  /** tf.memory().numTensors before training. */
  tensorsBeforeTraining: number;
}

/** The summary of a finished adaptation (see AdaptationSummary). */
export function adaptationSummary(
  cfg: ResolvedAdaptConfig,
  methodSummary: string,
  model: tf.LayersModel,
  trainable: string[],
  set: TrainingSet,
  rounds: RoundsResult,
  renormalization: RenormalizationInfo | null,
  addedTokens: string[],
): AdaptationSummary {
  const { result, refit } = rounds;
  return {
    ...cfg,
    methodSummary,
    trainableLayers: trainable,
    trainableParams: countTrainable(model, trainable),
    totalParams: countParams(model),
    labelledUtterances: set.labelled.length,
    adaptationUtterances: refit ? set.labelled.length : set.split.train.length,
    augmentedCopies: set.derived.length - set.respliced,
    resplicedUtterances: set.respliced,
    sourceMixUtterances: set.sourceMix.length,
    unlabelledUtterances: rounds.unlabelled,
    pseudoLabels: rounds.pseudoLog,
    trainingUtterances: rounds.trainedOn,
    renormalization,
    heldOutUtterances: set.split.heldOut.length,
    heldOutIds: set.split.heldOut.map((i) => set.utts[i].id),
    addedTokens,
    initialHeldOutLoss: result?.initialHeldOutLoss ?? null,
    bestEpoch: result?.bestEpoch ?? 0,
    steps: (result?.steps ?? 0) + (refit?.steps ?? 0),
    trainingThreads: result?.threads ?? 1,
    epochLog: result?.epochs ?? [],
    refitEpochLog: refit?.epochs ?? null,
    tensorsBeforeTraining: rounds.tensorsBefore,
  };
}

/** The manifest paths of a run (as given). */
interface RunPaths {
  adaptManifest?: string;
  unlabelledManifest?: string;
  testManifest: string;
  sourceTestManifest?: string;
}

/** The adapted model's card: the base card's, with its lineage, training data and test metric. */
export function adaptedCardFor(
  baseCard: ModelCard,
  adaptedCard: ModelCard,
  summary: AdaptationSummary,
  methodSummary: string,
  paths: RunPaths,
  sets: RunSets,
  testAfter: SetResult,
  backend: BackendInfo,
): ModelCard {
  const setName = path.basename(paths.adaptManifest ?? paths.unlabelledManifest!).replace(/\.jsonl?$/, '');
  return {
    ...adaptedCard,
    name: `${baseCard.name}+${summary.method}(${setName})`,
    description: `${baseCard.name} adapted with ${summary.method} (${methodSummary}) on ${setName}.`,
    created: new Date().toISOString(),
    parent: baseCard.name,
    adaptation: { ...summary, adaptManifest: paths.adaptManifest ? path.resolve(paths.adaptManifest) : null },
    trainingData: [
      ...baseCard.trainingData,
      ...(paths.adaptManifest
        ? [
            {
              name: path.basename(paths.adaptManifest),
              utterances: sets.adapt.length,
              licence: 'as the adaptation data',
              attribution: path.resolve(paths.adaptManifest),
            },
          ]
        : []),
      ...(paths.unlabelledManifest
        ? [
            {
              name: `${path.basename(paths.unlabelledManifest)} (unlabelled, ${summary.pseudoLabels.length ? 'pseudo-labels' : 'statistics'})`,
              utterances: sets.unlabelled.length,
              licence: 'as the data',
              attribution: path.resolve(paths.unlabelledManifest),
            },
          ]
        : []),
    ],
    metrics: [
      {
        testSet: path.basename(paths.testManifest),
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
}

const rtf = (r: SetResult): number =>
  Number(((r.seconds.acoustic + r.seconds.decode) / Math.max(r.audioSeconds, 1e-9)).toFixed(5));

/** The scores of a run: the test set (and source test set) before and after adaptation. */
export interface RunScores {
  testBefore: SetResult;
  testAfter: SetResult;
  sourceBefore: SetResult | null;
  sourceAfter: SetResult | null;
}

/** The run's report (report.json); `seconds` as measured by the job. */
export function adaptationReport(
  backend: BackendInfo,
  modelDir: string,
  baseCard: ModelCard,
  modelOut: string,
  adaptedCard: ModelCard,
  summary: AdaptationSummary,
  run: RunDecoder,
  profile: NormalizationProfile,
  paths: RunPaths,
  scores: RunScores,
  readNotes: string[],
  seconds: { features: number; adaptation: number; total: number },
): Report {
  const { testBefore, testAfter, sourceBefore, sourceAfter } = scores;
  return {
    ...reportHeader('adapt', backend.name),
    model: { dir: path.resolve(modelDir), name: baseCard.name },
    adapted_model: { dir: path.resolve(modelOut), name: adaptedCard.name },
    adaptation: snakeKeys(summary),
    decoder: describeDecoder(run.decoder, {
      real_time_factor: rtf(testAfter),
      ...(run.tuning ? { tuned_on: 'adaptation set (base model)', tuning: snakeKeys(run.tuning) } : {}),
    }),
    scoring: scoringInfo(profile),
    test: setReport(path.resolve(paths.testManifest), testBefore.utterances, testAfter.utterances),
    ...(sourceBefore && sourceAfter
      ? {
          source_test: setReport(
            path.resolve(paths.sourceTestManifest!),
            sourceBefore.utterances,
            sourceAfter.utterances,
          ),
        }
      : {}),
    utterances: [
      ...utteranceRows('test', testBefore.utterances, testAfter.utterances, {
        before: testBefore.recognitions,
        after: testAfter.recognitions,
      }),
      ...(sourceBefore && sourceAfter
        ? utteranceRows('source_test', sourceBefore.utterances, sourceAfter.utterances, {
            before: sourceBefore.recognitions,
            after: sourceAfter.recognitions,
          })
        : []),
    ],
    seconds: {
      features: seconds.features,
      adaptation: seconds.adaptation,
      scoring: Number(
        [testBefore, testAfter, sourceBefore, sourceAfter]
          .reduce((a, r) => a + (r ? r.seconds.acoustic + r.seconds.decode + r.seconds.scoring : 0), 0)
          .toFixed(3),
      ),
      total: seconds.total,
    },
    notes: [
      `backend: ${backend.detail}`,
      ...(summary.trainingThreads > 1
        ? [
            `training: data-parallel on ${summary.trainingThreads} threads (a gradient worker thread took half of each batch)`,
          ]
        : []),
      ...readNotes.map((n) => `note: ${n}`),
      ...run.warnings.map((w) => `warning: ${w}`),
    ],
  };
}
