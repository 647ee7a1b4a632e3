/**
 * Adaptation job stage 6 (unsupervised, optional): re-estimate the model's normalisation statistics
 * on the target audio before any training: global CMVN (every set is re-featurised with the new
 * statistics) and batch-norm moving statistics (AdaBN; ../renormalize.ts).
 */
import type { tf } from '../../model/backend';
import type { ModelCard } from '../../model/card';
import { timeSubsampling } from '../../model/acoustic';
import { featurizeCorpus } from '../../features/corpus';
import { cmvnStats } from '../../features/cmvn';
import type { FeatureCache } from '../../features/cache';
import type { ProgressFn } from '../../progress';
import { reestimateBatchNorm } from '../renormalize';
import { featurizeSets, type RunItems, type RunSets } from './sets';

/** What the report records of a renormalisation. */
export interface RenormalizationInfo {
  statisticsFrom: string;
  utterances: number;
  cmvn: boolean;
  batchNormLayers: string[];
}

/**
 * Re-estimate the statistics on the unlabelled set if given, else on the adaptation set's audio.
 * Updates the batch-norm layers of `model` in place.
 * @returns the card with the new CMVN statistics, the sets' features under them (the same `items`
 *   when the model has no global CMVN) and the seconds spent re-featurising
 */
export async function renormalizeStage(
  model: tf.LayersModel,
  card: ModelCard,
  sets: RunSets,
  items: RunItems,
  onProgress: ProgressFn,
  cache: FeatureCache | null,
): Promise<{ card: ModelCard; items: RunItems; info: RenormalizationInfo; featureSeconds: number }> {
  const fromUnlabelled = sets.unlabelled.length > 0;
  const targetUtts = fromUnlabelled ? sets.unlabelled : sets.adapt;
  const global = card.features.cmvn === 'global';
  let featureSeconds = 0;
  if (global) {
    const t0 = performance.now();
    const raw = await featurizeCorpus(
      targetUtts,
      { ...card.features, cmvn: 'none' },
      undefined,
      onProgress,
      'target statistics',
      cache,
    );
    card = { ...card, cmvnStats: cmvnStats(raw.map((r) => r.feats)) };
    items = await featurizeSets(sets, card, onProgress, cache, ' (new statistics)');
    featureSeconds = (performance.now() - t0) / 1000;
  }
  const bn = reestimateBatchNorm(
    model,
    (fromUnlabelled ? items.unlabelled : items.adapt).map((i) => i.feats),
    timeSubsampling(card.architecture),
  );
  const info = {
    statisticsFrom: fromUnlabelled ? 'unlabelled set' : 'adaptation set (audio only)',
    utterances: targetUtts.length,
    cmvn: global,
    batchNormLayers: bn.map((b) => b.layer),
  };
  onProgress({
    phase: 'train',
    label: 'renormalize',
    done: 1,
    total: 1,
    message: `normalisation statistics re-estimated on ${targetUtts.length} target utterances: ${[global ? 'global CMVN' : '', bn.length ? `${bn.length} batch-norm layers` : ''].filter(Boolean).join(', ')}`,
  });
  return { card, items, info, featureSeconds };
}
