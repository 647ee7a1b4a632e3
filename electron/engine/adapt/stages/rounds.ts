/**
 * Adaptation job stage 8: the training rounds. Without unlabelled audio, one round: train with early
 * stopping on the held-out part, then (refit) restart from the starting weights and train the chosen
 * number of epochs on everything. With unlabelled audio, each round first pseudo-labels it with the
 * current model (the base model in round 1: later rounds label with the model the round before
 * trained) and keeps the confident utterances; a round whose labels are all the previous round's
 * ends the rounds (it would retrain on the same data from the same starting weights: the same
 * losses and the same model).
 */
import { tf } from '../../model/backend';
import type { ModelCard } from '../../model/card';
import type { FeaturizedUtterance } from '../../features/corpus';
import { computePosteriors, decodePosteriors, GREEDY } from '../../decode/recognize';
import type { ProgressFn } from '../../progress';
import { trainCtc, type TrainConfig, type TrainExample, type TrainResult } from '../train';
import type { ResolvedAdaptConfig } from '../config';
import { MAX_TRAIN_UTTERANCE_SEC } from '../../audio/limits';
import { splitHeldOut, toExample, type TrainingSet } from './training-set';

/** What the rounds did, for the report. */
export interface RoundsResult {
  /** The last round's early-stopping pass (null when nothing trained). */
  result: TrainResult | null;
  /** The last round's refit pass (null without one). */
  refit: TrainResult | null;
  pseudoLog: { round: number; kept: number; of: number; changed: number }[];
  /** Utterances of the unlabelled set given. */
  unlabelled: number;
  /** Examples the final weights' last pass trained on (0 when nothing trained). */
  trainedOn: number;
  /** tf.memory().numTensors before training (the report records it to show nothing leaks). */
  tensorsBefore: number;
}

/**
 * Pseudo-labels: the greedy transcript of each unlabelled utterance under `model`, kept when every
 * word's confidence is at least `threshold` (utterances too long to train on, MAX_TRAIN_UTTERANCE_SEC,
 * are never pseudo-labelled).
 * @returns the kept examples, and their transcripts by index into `unlabelled`
 */
async function pseudoLabel(
  model: tf.LayersModel,
  card: ModelCard,
  unlabelled: FeaturizedUtterance[],
  threshold: number,
  onProgress: ProgressFn,
  label: string,
): Promise<{ examples: TrainExample[]; texts: Map<number, string> }> {
  const posts = await computePosteriors(
    model,
    card,
    unlabelled.map((i) => i.feats),
    onProgress,
    label,
  );
  const examples: TrainExample[] = [];
  const texts = new Map<number, string>();
  posts.forEach((p, i) => {
    const r = decodePosteriors(p, card, GREEDY);
    const sec = (unlabelled[i].feats.numFrames * card.features.hopMs) / 1000;
    const confident = r.words.length > 0 && r.words.every((w) => w.confidence >= threshold);
    if (confident && sec <= MAX_TRAIN_UTTERANCE_SEC) {
      examples.push(toExample(unlabelled[i], card, r.text));
      texts.set(i, r.text);
    }
  });
  return { examples, texts };
}

/**
 * Train `model` in place.
 * @param renormalized whether statistics were re-estimated (only changes a message)
 */
export async function trainRounds(
  model: tf.LayersModel,
  card: ModelCard,
  set: TrainingSet,
  unlabelled: FeaturizedUtterance[],
  cfg: ResolvedAdaptConfig,
  trainCfg: TrainConfig,
  renormalized: boolean,
  onProgress: ProgressFn,
): Promise<RoundsResult> {
  const { labelled, split, sourceMix } = set;
  const trainDerived = set.derived.filter((a) => !split.heldOut.includes(a.from)).map((a) => a.example);
  const allDerived = set.derived.map((a) => a.example);
  const startWeights = model.getWeights().map((w) => w.clone());
  const tensorsBefore = tf.memory().numTensors;
  const usePseudo = unlabelled.length > 0 && cfg.pseudoRounds > 0;
  const rounds = usePseudo ? cfg.pseudoRounds : 1;
  let pseudo: TrainExample[] = [];
  let lastTexts = new Map<number, string>();
  let trainedOn = 0;
  const pseudoLog: RoundsResult['pseudoLog'] = [];
  let result: TrainResult | null = null;
  let refit: TrainResult | null = null;
  try {
    for (let round = 1; round <= rounds; round++) {
      if (usePseudo) {
        const labelled = await pseudoLabel(
          model,
          card,
          unlabelled,
          cfg.pseudoThreshold,
          onProgress,
          `pseudo-label round ${round}`,
        );
        const { texts } = labelled;
        const changed = [...texts].filter(([i, t]) => lastTexts.get(i) !== t).length;
        const same = round > 1 && changed === 0 && texts.size === lastTexts.size;
        pseudoLog.push({ round, kept: texts.size, of: unlabelled.length, changed });
        onProgress({
          phase: 'train',
          label: 'pseudo-labels',
          done: round,
          total: rounds,
          message: `pseudo-label round ${round}: kept ${texts.size} of ${unlabelled.length} unlabelled utterances${round > 1 ? `, ${changed} changed since round ${round - 1}` : ''}${same ? ': the same labels as round ' + (round - 1) + ', so no more rounds (training again would repeat it)' : ''}`,
        });
        if (same) break;
        pseudo = labelled.examples;
        lastTexts = texts;
        if (round > 1) model.setWeights(startWeights);
      }
      // Held-out for early stopping: labelled if any, else a slice of the pseudo-labelled set.
      let trainSet = [...split.train.map((i) => labelled[i]), ...trainDerived, ...pseudo, ...sourceMix];
      let heldOut = split.heldOut.map((i) => labelled[i]);
      if (!labelled.length && pseudo.length >= 2) {
        const ps = splitHeldOut(pseudo.length, cfg.heldOutFraction, cfg.seed);
        trainSet = [...ps.train.map((i) => pseudo[i]), ...sourceMix];
        heldOut = ps.heldOut.map((i) => pseudo[i]);
      }
      if (trainSet.length === 0) {
        onProgress({
          phase: 'train',
          label: 'adapt',
          done: 1,
          total: 1,
          message: `nothing to train on (no labelled data and no confident pseudo-labels): the ${renormalized ? 'weights are kept (with the re-estimated statistics)' : 'base weights are kept'}`,
        });
        break;
      }
      result = await trainCtc(model, card, trainSet, heldOut, trainCfg, onProgress, cfg.method);
      trainedOn = result.bestEpoch > 0 ? trainSet.length : 0;
      refit = null;
      if (cfg.refit && result.bestEpoch > 0 && heldOut.length > 0 && labelled.length > 0) {
        // Pass 2: from the starting weights, the chosen number of epochs on every utterance.
        model.setWeights(startWeights);
        const all = [...labelled, ...allDerived, ...pseudo, ...sourceMix];
        trainedOn = all.length;
        refit = await trainCtc(
          model,
          card,
          all,
          [],
          { ...trainCfg, epochs: result.bestEpoch },
          onProgress,
          'refit on all',
        );
      } else if (result.bestEpoch === 0) {
        onProgress({
          phase: 'train',
          label: cfg.method,
          done: 1,
          total: 1,
          message: 'no epoch beat the starting model on held-out data: the base weights are kept',
        });
      }
    }
  } finally {
    tf.dispose(startWeights);
  }
  return { result, refit, pseudoLog, tensorsBefore, unlabelled: unlabelled.length, trainedOn };
}
