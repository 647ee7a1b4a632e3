/**
 * The settings of an adaptation run: every field with its default, and their resolution against the
 * chosen method (the method's own defaults where the request leaves a setting open).
 */
import { tf } from '../model/backend';
import type { AdaptationDefaults } from '../model/card';
import { defaultWorkers } from './parallel';
import { METHODS, type AdaptMethod, type MethodName } from './methods';

/** Every setting of an adaptation run. */
export interface AdaptConfig {
  /** Adaptation method (see adapt/methods). Default "finetune". */
  method: MethodName;
  /** finetune: weight layers that train, from the top. Default 4. */
  topLayers: number;
  /**
   * finetune: also train an input transform (identity at start) before the first layer; null = the
   * method's default (true for finetune). Only finetune accepts true.
   */
  inputTransform: boolean | null;
  /** adapters: bottleneck width. Default 8. */
  bottleneck: number;
  /**
   * Speech-embedding models: the embedding's top conv layers (0-5) that join the adapted model
   * (model/embedding-top.ts; the frozen part below is computed once per utterance): finetune trains
   * them, LHUC and adapters are added after them too. 0 = the head only (default).
   */
  embeddingLayers: number;
  /** Maximum epochs. Default 40. */
  epochs: number;
  /** Default 8. */
  batchSize: number;
  /** Adam learning rate; null = the method's own default. */
  learningRate: number | null;
  /** Early-stopping patience, epochs. Default 6. */
  patience: number;
  /** Fraction of the labelled adaptation set held out for early stopping. Default 0.2. */
  heldOutFraction: number;
  /**
   * Early stopping needs at least this many held-out utterances (a loss on 1-4 utterances is too
   * noisy to choose epochs by); with fewer, nothing is held out and `fixedEpochs` epochs train on the
   * whole set. Default 5.
   */
  minHeldOut: number;
  /** Epochs when the set is too small for early stopping (at most `epochs`). Default 15. */
  fixedEpochs: number;
  /**
   * After early stopping has chosen the number of epochs, restart from the starting weights and train
   * that many epochs on the whole adaptation set. Default true (8-50 utterances are too few to leave
   * a fifth out of the final model).
   */
  refit: boolean;
  seed: number;
  /** Conservative training: weight of KL(base || adapted) per frame; 0 = off; null = the method's default (1 for finetune, else 0). */
  klWeight: number | null;
  /** SpecAugment time and frequency masks while training. Default false. */
  specAugment: boolean;
  /** Speed-perturbed copies (0.9 and 1.1) of the adaptation audio. Default false. */
  speedPerturb: boolean;
  /** A noisy copy of the adaptation audio at this SNR (dB); null = none. Default null. */
  noiseSnrDb: number | null;
  /**
   * Word re-splicing (adapt/splice.ts): from every labelled utterance of two or more words, this many
   * new utterances with its words, cut at their forced-alignment boundaries, in another order;
   * 0 = off; at most MAX_RESPLICE. Default 2. Single-word utterances are left alone, and so are
   * utterances with words the base model cannot emit (new-head's new tokens).
   */
  resplice: number;
  /**
   * Against forgetting: this many utterances of the source-mix manifest (labelled source-domain
   * data, e.g. the base model's training set) train alongside the adaptation set. Default 50 (used
   * only when a source-mix manifest is given).
   */
  sourceMixCount: number;
  /**
   * What the unlabelled set (when one is given) is for: "pseudo-labels" (self-training: `pseudoRounds`
   * rounds of labelling it with the current model and training on the confident labels), "statistics"
   * (only re-estimate the normalisation statistics on it, as `renormalize`; no pseudo-labels) or
   * "none" (ignored: not even read). Default "pseudo-labels".
   */
  unlabelledUse: UnlabelledUse;
  /** Pseudo-labelling rounds on the unlabelled set (when one is given and `unlabelledUse` is "pseudo-labels"). Default 2. */
  pseudoRounds: number;
  /** Keep a pseudo-labelled utterance when every word's confidence is at least this. Default 0.9. */
  pseudoThreshold: number;
  /**
   * Unsupervised: re-estimate the model's normalisation statistics (global CMVN, batch-norm moving
   * statistics; adapt/renormalize.ts) on the target audio (the unlabelled set if given, else the
   * adaptation set's audio) before any training. Default false.
   */
  renormalize: boolean;
  /**
   * Training threads on the wasm backend: 2 = data-parallel, half of every batch on a gradient
   * worker (adapt/parallel.ts). Default: 2 when the machine has 2 or more cores, else 1.
   */
  workers: number;
}

/** What an adaptation run may do with its unlabelled set (AdaptConfig.unlabelledUse). */
export const UNLABELLED_USES = ['pseudo-labels', 'statistics', 'none'] as const;
export type UnlabelledUse = (typeof UNLABELLED_USES)[number];

/** Largest `resplice` (every copy holds a full copy of the utterance's features). */
export const MAX_RESPLICE = 20;

export const DEFAULT_ADAPT: AdaptConfig = {
  method: 'finetune',
  topLayers: 4,
  inputTransform: null,
  bottleneck: 8,
  embeddingLayers: 0,
  epochs: 40,
  batchSize: 8,
  learningRate: null,
  patience: 6,
  heldOutFraction: 0.2,
  minHeldOut: 5,
  fixedEpochs: 15,
  refit: true,
  seed: 1,
  klWeight: null,
  specAugment: false,
  speedPerturb: false,
  noiseSnrDb: null,
  resplice: 2,
  sourceMixCount: 50,
  unlabelledUse: 'pseudo-labels',
  pseudoRounds: 2,
  pseudoThreshold: 0.9,
  renormalize: false,
  workers: defaultWorkers(),
};

/**
 * The settings a caller gave, without the fields it left undefined: `{...DEFAULT_ADAPT, ...given}`
 * would let an undefined field override a default. Used by the CLI and the host, which both map
 * their own option names onto AdaptConfig.
 */
export function definedSettings(given: {
  [K in keyof AdaptConfig]?: AdaptConfig[K] | undefined;
}): Partial<AdaptConfig> {
  return Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined)) as Partial<AdaptConfig>;
}

/**
 * The run's settings over the model card's adaptation defaults: user settings > card defaults >
 * DEFAULT_ADAPT (the method's own defaults fill what is still open, in resolveSettings). The card's
 * defaults apply only when the run's method is the card's method; the card's method is the run's
 * method when the user names none.
 * @param given the settings the caller gave (undefined fields are left open)
 * @param card the card's `adaptationDefaults`, if any
 * @returns every setting of the run (method defaults still null where open)
 */
export function withCardDefaults(
  given: { [K in keyof AdaptConfig]?: AdaptConfig[K] | undefined },
  card: AdaptationDefaults | undefined,
): AdaptConfig {
  const user = definedSettings(given);
  if (!card) return { ...DEFAULT_ADAPT, ...user };
  const { method: cardMethod, source: _source, ...cardSettings } = card;
  const method = (user.method ?? cardMethod) as MethodName;
  return { ...DEFAULT_ADAPT, ...(method === cardMethod ? cardSettings : {}), ...user, method };
}

/** The settings of a run with every method default filled in (what the report records). */
export interface ResolvedAdaptConfig extends AdaptConfig {
  klWeight: number;
  inputTransform: boolean;
  learningRate: number;
}

/**
 * Check the request's settings and fill in the method's defaults. `unlabelledUse` "statistics" turns
 * `renormalize` on and pseudo-labelling off (`pseudoRounds` 0); "none" turns pseudo-labelling off.
 * @param given the request's settings over DEFAULT_ADAPT
 * @param base the loaded base model (finetune's input-transform default depends on it)
 * @returns the method, its own config (read by the method from the settings) and the resolved settings
 * @throws Error for an unknown method or `unlabelledUse`, a setting the method does not take, or
 *   `resplice` out of range
 */
export function resolveSettings(
  given: AdaptConfig,
  base: tf.LayersModel,
): { method: AdaptMethod<object>; methodConfig: object; cfg: ResolvedAdaptConfig } {
  const method: AdaptMethod<object> | undefined = METHODS[given.method];
  if (!method)
    throw new Error(
      `unknown adaptation method "${given.method}" (known: ${Object.keys(METHODS).join(', ')})`,
    );
  if (!(Number.isInteger(given.resplice) && given.resplice >= 0 && given.resplice <= MAX_RESPLICE)) {
    throw new Error(`adapt: --resplice must be an integer from 0 to ${MAX_RESPLICE}, not ${given.resplice}`);
  }
  if (!UNLABELLED_USES.includes(given.unlabelledUse)) {
    throw new Error(
      `adapt: --unlabelled-use must be one of ${UNLABELLED_USES.join(', ')}, not "${String(given.unlabelledUse)}"`,
    );
  }
  if (given.unlabelledUse === 'statistics') given = { ...given, renormalize: true, pseudoRounds: 0 };
  else if (given.unlabelledUse === 'none') given = { ...given, pseudoRounds: 0 };
  const methodConfig = method.configFrom(given, base);
  const inputTransform = 'inputTransform' in methodConfig && methodConfig.inputTransform === true;
  return {
    method,
    methodConfig,
    cfg: {
      ...given,
      klWeight: given.klWeight ?? method.klWeight,
      learningRate: given.learningRate ?? method.learningRate,
      inputTransform,
    },
  };
}
