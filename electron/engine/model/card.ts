/**
 * The model card: a versioned, validated JSON document stored beside the weights (card.json).
 * It fixes everything needed to use the weights correctly: features, sample rate, tokens, architecture,
 * plus provenance (training data, licence) and measured results.
 */
import { z } from 'zod';
import { FeatureConfigSchema, featureDim } from '../features/config';
import { TokenConfigSchema } from './tokens';

export const CARD_FORMAT = 'accent-studio-model-card';
export const CARD_VERSION = 1;

const Conv1dCtcSchema = z.object({
  type: z.literal('conv1d-ctc'),
  /** Input feature dimension per frame. */
  inputDim: z.number().int().positive(),
  /** One entry per conv layer, bottom to top. */
  convLayers: z.array(
    z.object({
      filters: z.number().int().positive(),
      kernelSize: z.number().int().positive(),
      stride: z.number().int().positive(),
    }),
  ),
  /** Dropout after each conv layer while training. */
  dropout: z.number().min(0).max(0.9),
  /** Output tokens (blank included). */
  numTokens: z.number().int().min(2),
  /** Trainable parameters in total. */
  numParams: z.number().int().nonnegative().optional(),
});

/**
 * Any TensorFlow.js LayersModel (e.g. a Keras model converted with tensorflowjs_converter) mapping
 * [batch, frames, inputDim] features to [batch, ceil(frames / subsampling), numTokens] CTC logits.
 * The card is written by the user who imports the model.
 */
const LayersModelSchema = z.object({
  type: z.literal('layers-model'),
  inputDim: z.number().int().positive(),
  numTokens: z.number().int().min(2),
  /** Time subsampling of the model: output frames = ceil(input frames / subsampling). */
  subsampling: z.number().int().positive(),
  numParams: z.number().int().nonnegative().optional(),
});

export const ArchitectureSchema = z.discriminatedUnion('type', [Conv1dCtcSchema, LayersModelSchema]);
export type Architecture = z.infer<typeof ArchitectureSchema>;
export type Conv1dCtcArchitecture = z.infer<typeof Conv1dCtcSchema>;

const MetricSchema = z.object({
  testSet: z.string(),
  utterances: z.number().int(),
  wer: z.number(),
  substitutions: z.number().int(),
  deletions: z.number().int(),
  insertions: z.number().int(),
  referenceWords: z.number().int(),
  backend: z.string().optional(),
});

/**
 * Adaptation settings this model measured best with (optional). They apply under the user's own
 * settings and over the method's defaults, and only to runs of `method` (the card's method is also
 * the run's method when the user names none): user settings > card defaults > method defaults >
 * DEFAULT_ADAPT (adapt/config.ts, withCardDefaults). A program that predates the block ignores it and
 * uses its global defaults, which still run, so the card version stays 1.
 */
export const AdaptationDefaultsSchema = z
  .object({
    /** The method the defaults are for (an adaptation method's name, checked when a run resolves it). */
    method: z.string().min(1),
    topLayers: z.number().int().positive().optional(),
    inputTransform: z.boolean().optional(),
    bottleneck: z.number().int().positive().optional(),
    /** Speech-embedding models: the embedding's top conv layers that adapt with the head (0 = none). */
    embeddingLayers: z.number().int().min(0).max(5).optional(),
    /** Adam learning rate. */
    learningRate: z.number().positive().max(1).optional(),
    /** Weight of the KL term; 0 = off. */
    klWeight: z.number().min(0).optional(),
    resplice: z.number().int().min(0).optional(),
    /** Fraction held out for early stopping; 0 = none: `fixedEpochs` epochs on the whole set. */
    heldOutFraction: z.number().min(0).max(0.5).optional(),
    fixedEpochs: z.number().int().positive().optional(),
    /** Why these settings (the measurement they come from). */
    source: z.string().optional(),
  })
  .strict();
export type AdaptationDefaults = z.infer<typeof AdaptationDefaultsSchema>;

export const ModelCardSchema = z.object({
  format: z.literal(CARD_FORMAT),
  version: z.number().int().positive(),
  name: z.string(),
  description: z.string(),
  created: z.string(),
  architecture: ArchitectureSchema,
  features: FeatureConfigSchema,
  /** Global CMVN statistics, required when features.cmvn === "global". */
  cmvnStats: z.object({ mean: z.array(z.number()), std: z.array(z.number()) }).optional(),
  tokens: TokenConfigSchema,
  trainingData: z.array(
    z.object({
      name: z.string(),
      utterances: z.number().int().nonnegative(),
      licence: z.string(),
      attribution: z.string(),
    }),
  ),
  licence: z.string(),
  metrics: z.array(MetricSchema),
  /** Adapted models: the base model's name and the adaptation settings. */
  parent: z.string().optional(),
  adaptation: z.record(z.string(), z.unknown()).optional(),
  /** How the weights were produced (command, seed). */
  recipe: z.record(z.string(), z.unknown()).optional(),
  adaptationDefaults: AdaptationDefaultsSchema.optional(),
});
export type ModelCard = z.infer<typeof ModelCardSchema>;
export type Metric = z.infer<typeof MetricSchema>;

/**
 * Validate a parsed card.
 * @param raw parsed JSON
 * @param where file name for messages
 * @throws Error naming the file: wrong format, newer version than this program reads, the first
 *   schema violations with their JSON paths, or a token listed twice
 *   (`"<where>: tokens.inventory lists \"one\" twice (at 2 and 5); every token must be listed once"`)
 */
export function parseCard(raw: unknown, where: string): ModelCard {
  const obj = raw as { format?: unknown; version?: unknown };
  if (!obj || obj.format !== CARD_FORMAT) {
    throw new Error(`${where}: not a model card (its "format" is not "${CARD_FORMAT}")`);
  }
  if (typeof obj.version === 'number' && obj.version > CARD_VERSION) {
    throw new Error(
      `${where}: model card version ${obj.version} is newer than this program reads (${CARD_VERSION}); update the program`,
    );
  }
  const r = ModelCardSchema.safeParse(raw);
  if (!r.success) {
    const issues = r.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new Error(`${where}: invalid model card: ${issues.join('; ')}`);
  }
  const card = r.data;
  if (card.tokens.blankIndex >= card.tokens.inventory.length) {
    throw new Error(
      `${where}: tokens.blankIndex ${card.tokens.blankIndex} is outside the inventory of ${card.tokens.inventory.length}`,
    );
  }
  const firstAt = new Map<string, number>();
  for (const [i, t] of card.tokens.inventory.entries()) {
    const j = firstAt.get(t);
    // A repeated token would make two outputs mean one word: training and decoding would each pick one.
    if (j !== undefined)
      throw new Error(
        `${where}: tokens.inventory lists ${JSON.stringify(t)} twice (at ${j} and ${i}); every token must be listed once`,
      );
    firstAt.set(t, i);
  }
  if (card.architecture.numTokens !== card.tokens.inventory.length) {
    throw new Error(
      `${where}: architecture has ${card.architecture.numTokens} outputs but the inventory has ${card.tokens.inventory.length} tokens`,
    );
  }
  if (card.architecture.inputDim !== featureDim(card.features)) {
    throw new Error(
      `${where}: architecture.inputDim is ${card.architecture.inputDim} but the feature settings give ${featureDim(card.features)} values per frame (${card.features.kind}, ${card.features.kind === 'mfcc' ? `numCeps ${card.features.numCeps}` : card.features.kind === 'speech-embedding' ? '96-dim embeddings' : `numMelBins ${card.features.numMelBins}`})`,
    );
  }
  if ((card.features.kind === 'speech-embedding') !== (card.features.frontEnd !== undefined)) {
    throw new Error(
      `${where}: features.kind "${card.features.kind}" ${card.features.frontEnd ? 'has' : 'needs'} a features.frontEnd (only kind "speech-embedding" has one)`,
    );
  }
  if (card.features.cmvn === 'global' && !card.cmvnStats) {
    throw new Error(`${where}: features.cmvn is "global" but cmvnStats is missing`);
  }
  return card;
}
