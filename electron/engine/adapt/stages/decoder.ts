/**
 * Adaptation job stage 4: the decoder of the run, its warnings, and the LM weight tuned on the
 * adaptation set when a language model is given without a weight.
 */
import type { tf } from '../../model/backend';
import type { ModelCard } from '../../model/card';
import type { FeaturizedUtterance } from '../../features/corpus';
import { decoderWarnings, tuneFusion, type DecoderSpec, type FusionTuning } from '../../decode/options';
import { computePosteriors, type DecoderOptions, type Posteriors } from '../../decode/recognize';
import type { NormalizationProfile } from '../../score';
import type { ProgressFn } from '../../progress';

/**
 * The base model's posteriors on a set, computed once per set of features: fusion tuning and word
 * re-splicing both need them on the adaptation set (again only if renormalisation re-featurised it).
 * @returns a function (items, label) -> posteriors, [numFrames, numTokens] log-probabilities each
 */
export function basePosteriorsMemo(base: tf.LayersModel, card: ModelCard, onProgress: ProgressFn) {
  let memo: { items: FeaturizedUtterance[]; posts: Posteriors[] } | null = null;
  return async (items: FeaturizedUtterance[], label: string): Promise<Posteriors[]> => {
    if (memo?.items !== items)
      memo = {
        items,
        posts: await computePosteriors(
          base,
          card,
          items.map((i) => i.feats),
          onProgress,
          label,
        ),
      };
    return memo.posts;
  };
}

/** The run's decoder after tuning, with what the report records of it. */
export interface RunDecoder {
  decoder: DecoderOptions;
  warnings: string[];
  tuning: FusionTuning | null;
}

/**
 * Check the built decoder against the model (warnings) and, with a language model and no LM weight
 * given, tune the weight and word bonus on the adaptation set with the base model's posteriors
 * (decode/options.ts tuneFusion). The decoder itself is built (its files read and checked) before
 * any audio work: decode/options.ts buildDecoder.
 */
export async function setupDecoder(
  built: DecoderOptions,
  spec: DecoderSpec | undefined,
  adaptedCard: ModelCard,
  baseCard: ModelCard,
  adaptItems: FeaturizedUtterance[],
  posteriors: (items: FeaturizedUtterance[], label: string) => Promise<Posteriors[]>,
  profile: NormalizationProfile,
  onProgress: ProgressFn,
): Promise<RunDecoder> {
  let decoder = built;
  const warnings = decoderWarnings(decoder, adaptedCard);
  for (const w of warnings)
    onProgress({ phase: 'evaluate', label: 'decoder', done: 0, total: 1, message: `warning: ${w}` });
  let tuning: FusionTuning | null = null;
  if (decoder.kind === 'beam' && decoder.lm && spec?.lmWeight === undefined && adaptItems.length) {
    const posts = await posteriors(adaptItems, 'tune LM weight');
    tuning = tuneFusion(baseCard, adaptItems, posts, decoder, profile);
    decoder = {
      ...decoder,
      lmWeight: tuning.lmWeight,
      beam: { ...decoder.beam, wordBonus: tuning.wordBonus },
    };
  }
  return { decoder, warnings, tuning };
}
