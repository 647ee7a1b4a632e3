/** Evaluate a model on a test set: features, recognition, scoring. */
import type { tf } from '../model/backend';
import type { ModelCard } from '../model/card';
import type { Utterance } from '../corpus/manifest';
import { featurizeCorpus, type FeaturizedUtterance } from '../features/corpus';
import { poolScores, scoreUtterance, PROFILES, type CorpusScore, type NormalizationProfile, type UtteranceScore } from '../score';
import type { ProgressFn } from '../jobs/progress';
import { recognize } from './recognize';

export interface SetResult {
  score: CorpusScore;
  utterances: UtteranceScore[];
  seconds: { decode: number; scoring: number };
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
): Promise<SetResult> {
  const t0 = performance.now();
  const hyps = await recognize(model, card, items.map((i) => i.feats), onProgress, label);
  const t1 = performance.now();
  const utterances = items.map((it, k) =>
    scoreUtterance({ id: it.utt.id, reference: it.utt.text, hypothesis: hyps[k], speaker: it.utt.speaker, accent: it.utt.accent }, profile),
  );
  const score = poolScores(utterances);
  return { score, utterances, seconds: { decode: (t1 - t0) / 1000, scoring: (performance.now() - t1) / 1000 } };
}

/** Featurise then evaluate (convenience for one-off sets). */
export async function evaluateSet(
  model: tf.LayersModel,
  card: ModelCard,
  utts: Utterance[],
  onProgress: ProgressFn,
  label: string,
): Promise<SetResult & { featureSeconds: number }> {
  const t0 = performance.now();
  const items = await featurizeCorpus(utts, card.features, card.cmvnStats, onProgress, label);
  const featureSeconds = (performance.now() - t0) / 1000;
  return { ...(await evaluateFeaturized(model, card, items, onProgress, label)), featureSeconds };
}
