/** Evaluate a model on a test set: features, recognition, scoring. */
import type { tf } from '../model/backend';
import type { ModelCard } from '../model/card';
import type { Utterance } from '../corpus/manifest';
import { featurizeCorpus, type FeaturizedUtterance } from '../features/corpus';
import {
  poolScores,
  scoreUtterance,
  PROFILES,
  type CorpusScore,
  type NormalizationProfile,
  type UtteranceScore,
} from '../score';
import type { ProgressFn } from '../progress';
import {
  computePosteriors,
  decodePosteriors,
  GREEDY,
  type DecoderOptions,
  type Posteriors,
  type Recognition,
} from './recognize';

export interface SetResult {
  score: CorpusScore;
  utterances: UtteranceScore[];
  /** Per utterance, the recognised words with confidences. */
  recognitions: Recognition[];
  seconds: { acoustic: number; decode: number; scoring: number };
  /** Audio duration of the set, seconds (from the feature frame count and hop). */
  audioSeconds: number;
}

/** Score recognitions of featurised utterances against their transcripts. */
export function scoreRecognitions(
  items: FeaturizedUtterance[],
  recs: Recognition[],
  profile: NormalizationProfile,
): UtteranceScore[] {
  return items.map((it, k) =>
    scoreUtterance(
      {
        id: it.utt.id,
        reference: it.utt.text,
        hypothesis: recs[k].text,
        speaker: it.utt.speaker,
        accent: it.utt.accent,
      },
      profile,
    ),
  );
}

/**
 * Decode already computed posteriors and score them.
 * @param acousticSeconds time spent computing the posteriors (reported)
 */
export function evaluatePosteriors(
  card: ModelCard,
  items: FeaturizedUtterance[],
  post: Posteriors[],
  decoder: DecoderOptions,
  profile: NormalizationProfile,
  acousticSeconds = 0,
): SetResult {
  const t0 = performance.now();
  const recognitions = post.map((p) => decodePosteriors(p, card, decoder));
  const t1 = performance.now();
  const utterances = scoreRecognitions(items, recognitions, profile);
  const score = poolScores(utterances);
  const audioSeconds = items.reduce((a, it) => a + it.feats.numFrames, 0) * (card.features.hopMs / 1000);
  return {
    score,
    utterances,
    recognitions,
    seconds: {
      acoustic: acousticSeconds,
      decode: (t1 - t0) / 1000,
      scoring: (performance.now() - t1) / 1000,
    },
    audioSeconds,
  };
}

/**
 * Recognise already-featurised utterances and score them against their transcripts.
 * @returns pooled score and per-utterance results (with alignment), in input order
 */
export async function evaluateFeaturized(
  model: tf.LayersModel,
  card: ModelCard,
  items: FeaturizedUtterance[],
  onProgress: ProgressFn,
  label: string,
  profile: NormalizationProfile = PROFILES.basic,
  decoder: DecoderOptions = GREEDY,
): Promise<SetResult> {
  const t0 = performance.now();
  const post = await computePosteriors(
    model,
    card,
    items.map((i) => i.feats),
    onProgress,
    label,
  );
  return evaluatePosteriors(card, items, post, decoder, profile, (performance.now() - t0) / 1000);
}

/** Featurise then evaluate (convenience for one-off sets). */
export async function evaluateSet(
  model: tf.LayersModel,
  card: ModelCard,
  utts: Utterance[],
  onProgress: ProgressFn,
  label: string,
  decoder: DecoderOptions = GREEDY,
): Promise<SetResult & { featureSeconds: number }> {
  const t0 = performance.now();
  const items = await featurizeCorpus(utts, card.features, card.cmvnStats, onProgress, label);
  const featureSeconds = (performance.now() - t0) / 1000;
  return {
    ...(await evaluateFeaturized(model, card, items, onProgress, label, PROFILES.basic, decoder)),
    featureSeconds,
  };
}
