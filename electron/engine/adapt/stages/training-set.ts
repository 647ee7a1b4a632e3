/**
 * Adaptation job stage 7: the training examples of a run: the labelled adaptation set, its split into
 * training and held-out utterances for early stopping, augmented copies (speed, noise), word
 * re-spliced copies (../splice.ts) and the source-mix examples.
 */
import type { ModelCard } from '../../model/card';
import { timeSubsampling } from '../../model/acoustic';
import { seededRandom } from '../../model/batch';
import { shuffleInPlace } from '../../util/shuffle';
import { encodeText } from '../../model/tokens';
import type { Utterance } from '../../corpus/manifest';
import { featurizeAugmented, type FeaturizedUtterance } from '../../features/corpus';
import type { Posteriors } from '../../decode/recognize';
import type { ProgressFn } from '../../progress';
import { resplice } from '../splice';
import { trainableItems } from '../../model/fit';
import type { TrainExample } from '../train';
import type { ResolvedAdaptConfig } from '../config';

/** Indices of the labelled utterances that train and that are held out for early stopping. */
export interface HeldOutSplit {
  train: number[];
  heldOut: number[];
}

/** Split indices into train and held-out, seeded; at least one held out when n >= 2. */
export function splitHeldOut(n: number, fraction: number, seed: number): HeldOutSplit {
  const idx = shuffleInPlace([...Array(n).keys()], seededRandom(seed));
  const k = n < 2 ? 0 : Math.max(1, Math.round(n * fraction));
  return { heldOut: idx.slice(0, k), train: idx.slice(k) };
}

/** An augmented or re-spliced copy with the index of the labelled utterance it comes from. */
export interface DerivedExample {
  example: TrainExample;
  from: number;
}

/** The training material of a run. */
export interface TrainingSet {
  /** The adaptation utterances that train (too short or too long ones left out: model/fit.ts). */
  utts: Utterance[];
  /** Why utterances were left out of training (one note each). */
  notes: string[];
  labelled: TrainExample[];
  split: HeldOutSplit;
  /** True when the set is too small to hold `minHeldOut` utterances out: fixed epochs on all. */
  tooSmall: boolean;
  /** Augmented copies followed by re-spliced copies. */
  derived: DerivedExample[];
  /** How many of `derived` are re-spliced (the rest are augmented). */
  respliced: number;
  sourceMix: TrainExample[];
}

/** A featurised utterance as a CTC example with its (or the given) transcript encoded by `card`. */
export function toExample(it: FeaturizedUtterance, card: ModelCard, text = it.utt.text): TrainExample {
  return { feats: it.feats, labels: encodeText(text, card.tokens) };
}

/**
 * Build the training set.
 * @param adaptItems the adaptation set's features under `adaptedCard`'s statistics (augmentation
 *   re-reads the audio of their utterances)
 * @param baseCard the base model's card (its alignment gives the re-splicing word boundaries)
 * @param posteriors the base model's posteriors on `adaptItems` (computed only when re-splicing)
 */
export async function buildTrainingSet(
  cfg: ResolvedAdaptConfig,
  adaptItems: FeaturizedUtterance[],
  sourceMixItems: FeaturizedUtterance[],
  adaptedCard: ModelCard,
  baseCard: ModelCard,
  posteriors: (items: FeaturizedUtterance[], label: string) => Promise<Posteriors[]>,
  onProgress: ProgressFn,
): Promise<TrainingSet> {
  // Utterances too short for the model to emit their reference, or too long to train on, are left
  // out of training with a note (model/fit.ts); they stay in the report's data counts.
  const fit = trainableItems(adaptItems, adaptedCard);
  adaptItems = fit.kept;
  for (const w of fit.notes)
    onProgress({ phase: 'train', label: 'adaptation set', done: 0, total: 1, message: `warning: ${w}` });
  const utts = adaptItems.map((it) => it.utt);
  const labelled = adaptItems.map((it) => toExample(it, adaptedCard));
  const sourceMix = sourceMixItems.map((it) => toExample(it, adaptedCard));
  const tooSmall = Math.round(labelled.length * cfg.heldOutFraction) < cfg.minHeldOut;
  const split = tooSmall
    ? { train: labelled.map((_, i) => i), heldOut: [] as number[] }
    : splitHeldOut(labelled.length, cfg.heldOutFraction, cfg.seed);
  if (tooSmall && labelled.length) {
    onProgress({
      phase: 'train',
      label: cfg.method,
      done: 0,
      total: 1,
      message: `${labelled.length} labelled utterances: too few to hold ${cfg.minHeldOut} out for early stopping; training ${Math.min(cfg.fixedEpochs, cfg.epochs)} epochs on all`,
    });
  }
  const derived = await augmentedCopies(cfg, utts, split, adaptedCard, onProgress);
  const spliced = await resplicedCopies(
    cfg,
    labelled,
    adaptItems,
    split,
    adaptedCard,
    baseCard,
    posteriors,
    onProgress,
  );
  return {
    utts,
    notes: fit.notes,
    labelled,
    split,
    tooSmall,
    derived: [...derived, ...spliced],
    respliced: spliced.length,
    sourceMix,
  };
}

/** Speed-perturbed (0.9, 1.1) and noisy copies; without a refit, only of the utterances that train. */
async function augmentedCopies(
  cfg: ResolvedAdaptConfig,
  adaptUtts: Utterance[],
  split: HeldOutSplit,
  card: ModelCard,
  onProgress: ProgressFn,
): Promise<DerivedExample[]> {
  if (!cfg.speedPerturb && cfg.noiseSnrDb === null) return [];
  const from = cfg.refit ? adaptUtts.map((_, i) => i) : split.train;
  const speeds = cfg.speedPerturb ? [0.9, 1.1] : [];
  const aug = await featurizeAugmented(
    from.map((i) => adaptUtts[i]),
    card.features,
    card.cmvnStats,
    { speeds, noiseSnrDb: cfg.noiseSnrDb },
    cfg.seed,
    onProgress,
  );
  const perUtt = speeds.length + (cfg.noiseSnrDb !== null ? 1 : 0);
  return aug.map((it, k) => ({ example: toExample(it, card), from: from[Math.floor(k / perUtt)] }));
}

/**
 * Word re-spliced copies of the multi-word utterances, cut at the base model's forced alignment.
 * Character models cut at their word separator token; without one there are no words to cut.
 * Without a refit, copies of held-out utterances would never train: they are left out.
 */
async function resplicedCopies(
  cfg: ResolvedAdaptConfig,
  labelled: TrainExample[],
  adaptItems: FeaturizedUtterance[],
  split: HeldOutSplit,
  adaptedCard: ModelCard,
  baseCard: ModelCard,
  posteriors: (items: FeaturizedUtterance[], label: string) => Promise<Posteriors[]>,
  onProgress: ProgressFn,
): Promise<DerivedExample[]> {
  if (cfg.resplice === 0) return [];
  const separator = adaptedCard.tokens.unit === 'char' ? adaptedCard.tokens.inventory.indexOf(' ') : null;
  if (separator === -1) {
    onProgress({
      phase: 'train',
      label: 'resplice',
      done: 1,
      total: 1,
      message: 'word re-splicing skipped: the model\'s characters have no word separator (" ")',
    });
    return [];
  }
  const multiWord = labelled.some((ex) =>
    separator === null ? ex.labels.length > 1 : ex.labels.includes(separator),
  );
  if (!multiWord) return [];
  const posts = await posteriors(adaptItems, 'word alignment');
  const r = resplice(
    labelled,
    posts,
    baseCard.tokens.inventory.length,
    baseCard.tokens.blankIndex,
    timeSubsampling(baseCard.architecture),
    separator,
    cfg.resplice,
    seededRandom(cfg.seed + 1),
  );
  const used = cfg.refit ? r.spliced : r.spliced.filter((x) => !split.heldOut.includes(x.from));
  onProgress({
    phase: 'train',
    label: 'resplice',
    done: 1,
    total: 1,
    message: `word re-splicing: ${used.length} new utterances from ${r.cut} multi-word utterances`,
  });
  return used;
}
