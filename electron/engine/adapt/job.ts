/**
 * The adaptation job: score the test set (and the source test set) with the base model, adapt with
 * the chosen method on the adaptation set (plus optional augmentation, conservative-training KL term
 * and pseudo-labelled unlabelled audio), score again, save the adapted model and the report.
 */
import path from 'node:path';
import { tf } from '../model/backend';
import { loadModel, saveModel } from '../model/checkpoint';
import type { ModelCard } from '../model/card';
import { countParams, timeSubsampling } from '../model/acoustic';
import { seededRandom } from '../model/batch';
import { encodeText } from '../model/tokens';
import { tooShortNotes, trainableItems } from '../model/fit';
import { MAX_TRAIN_UTTERANCE_SEC } from '../audio/limits';
import { readManifest, requireTranscripts, type Utterance } from '../corpus/manifest';
import { featurizeAugmented, featurizeCorpus, type FeaturizedUtterance } from '../features/corpus';
import { DEFAULT_SPECAUGMENT } from '../features/augment';
import { defaultFeatureCache } from '../features/cache';
import { evaluateFeaturized, type SetResult } from '../decode/evaluate';
import { buildDecoder, decoderWarnings, tuneFusion, type DecoderSpec, type FusionTuning } from '../decode/options';
import { computePosteriors, decodePosteriors, describeDecoder, GREEDY, type DecoderOptions, type Posteriors } from '../decode/recognize';
import { PROFILES, type NormalizationProfile } from '../score';
import { reportHeader, scoringInfo, setReport, utteranceRows, type Report } from '../score/report';
import { writeReport } from '../score/writers';
import type { BackendInfo } from '../model/backend';
import type { ProgressFn } from '../jobs/progress';
import { defaultWorkers } from './parallel';
import { batchNormLayers, reestimateBatchNorm } from './renormalize';
import { cmvnStats } from '../features/cmvn';
import { resplice } from './splice';
import { trainCtc, type TrainConfig, type TrainExample, type TrainResult } from './train';
import { METHODS, type MethodName } from './methods';
import { chainBreak } from './methods/types';

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
  /** Pseudo-labelling rounds on the unlabelled set (when one is given). Default 2. */
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

/** Largest `resplice` (every copy holds a full copy of the utterance's features). */
export const MAX_RESPLICE = 20;

export const DEFAULT_ADAPT: AdaptConfig = {
  method: 'finetune',
  topLayers: 4,
  inputTransform: null,
  bottleneck: 8,
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
  pseudoRounds: 2,
  pseudoThreshold: 0.9,
  renormalize: false,
  workers: defaultWorkers(),
};

export interface AdaptJobRequest {
  modelDir: string;
  /** Labelled adaptation set; may be omitted when `unlabelledManifest` is given (pseudo-labels only). */
  adaptManifest?: string;
  /** Unlabelled target audio (transcripts ignored) for pseudo-label self-training. */
  unlabelledManifest?: string;
  /** Labelled source-domain data mixed into training against forgetting (see sourceMixCount). */
  sourceMixManifest?: string;
  testManifest: string;
  sourceTestManifest?: string;
  outDir: string;
  settings?: Partial<AdaptConfig>;
  normalization?: NormalizationProfile;
  decoder?: DecoderSpec;
  onProgress: ProgressFn;
}

const secondsSince = (t0: number): number => Number(((performance.now() - t0) / 1000).toFixed(3));
const rtf = (r: SetResult): number => Number(((r.seconds.acoustic + r.seconds.decode) / Math.max(r.audioSeconds, 1e-9)).toFixed(5));

/** Split indices into train and held-out, seeded; at least one held out when n >= 2. */
function splitHeldOut(n: number, fraction: number, seed: number): { train: number[]; heldOut: number[] } {
  const idx = [...Array(n).keys()];
  const rand = seededRandom(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [idx[i], idx[j]] = [idx[j], idx[i]];
  }
  const k = n < 2 ? 0 : Math.max(1, Math.round(n * fraction));
  return { heldOut: idx.slice(0, k), train: idx.slice(k) };
}

function countTrainable(model: tf.LayersModel, names: string[]): number {
  const prev = model.layers.map((l) => l.trainable);
  model.layers.forEach((l) => (l.trainable = names.includes(l.name)));
  const n = countParams(model, true);
  model.layers.forEach((l, i) => (l.trainable = prev[i]));
  return n;
}

/**
 * Run an adaptation job (see the module comment). The base model folder is only read.
 * @throws Error (one line, naming the file) for bad input: missing files, transcripts with words the
 *   model lacks (except with the new-head method), an unknown method, no adaptation data at all
 */
export async function runAdaptation(req: AdaptJobRequest, backend: BackendInfo): Promise<Report> {
  const onProgress = req.onProgress;
  const given: AdaptConfig = { ...DEFAULT_ADAPT, ...req.settings };
  const method = METHODS[given.method];
  if (!method) throw new Error(`unknown adaptation method "${given.method}" (known: ${Object.keys(METHODS).join(', ')})`);
  if (given.inputTransform && given.method !== 'finetune') throw new Error(`adapt: --input-transform applies to method "finetune" only, not "${given.method}"`);
  if (!(Number.isInteger(given.resplice) && given.resplice >= 0 && given.resplice <= MAX_RESPLICE)) {
    throw new Error(`adapt: --resplice must be an integer from 0 to ${MAX_RESPLICE}, not ${given.resplice}`);
  }
  // The method's own defaults where the request leaves a setting open (null).
  if (!req.adaptManifest && !req.unlabelledManifest) throw new Error('adapt: give an adaptation set (--adapt) and/or unlabelled audio (--unlabelled)');
  const t0 = performance.now();
  const { model: base, card } = await loadModel(req.modelDir);
  const cfg = {
    ...given,
    klWeight: given.klWeight ?? method.klWeight,
    // By default finetune adds the input transform where it can (chain models; imported models may not be).
    inputTransform: given.inputTransform ?? (given.method === 'finetune' && METHODS.finetune.defaults.inputTransform === true && chainBreak(base) === null),
  };
  const disposables: tf.LayersModel[] = [base];
  try {
    const adaptUtts: Utterance[] = req.adaptManifest ? await readManifest(req.adaptManifest) : [];
    const unlabelledUtts: Utterance[] = req.unlabelledManifest ? await readManifest(req.unlabelledManifest) : [];
    // An even spread of the source-mix manifest (seeded order would also do; spread keeps every class).
    const sourceMixAll: Utterance[] = req.sourceMixManifest ? await readManifest(req.sourceMixManifest) : [];
    const mixCount = Math.min(cfg.sourceMixCount, sourceMixAll.length);
    const sourceMixUtts = Array.from({ length: mixCount }, (_, i) => sourceMixAll[Math.floor((i * sourceMixAll.length) / Math.max(1, mixCount))]);
    const testUtts = await readManifest(req.testManifest);
    const sourceUtts = req.sourceTestManifest ? await readManifest(req.sourceTestManifest) : null;
    const texts = adaptUtts.map((u) => u.text);
    const methodConfig = cfg.method === 'finetune' ? { topLayers: cfg.topLayers, inputTransform: cfg.inputTransform } : cfg.method === 'adapters' ? { bottleneck: cfg.bottleneck } : {};
    const prepared = (method.prepare as (b: tf.LayersModel, c: ModelCard, m: object, t: string[]) => ReturnType<typeof method.prepare>)(base, card, methodConfig, texts);
    const model = prepared.model;
    if (model !== base) disposables.push(model);
    let newCard = prepared.card;
    for (const u of adaptUtts) {
      try {
        encodeText(u.text, newCard.tokens);
      } catch (err) {
        throw new Error(`${req.adaptManifest}: utterance ${u.id}: ${(err as Error).message}${cfg.method === 'new-head' ? '' : ' (the new-head method can add words)'}`);
      }
    }

    // Refuse what cannot run before any work starts.
    if (cfg.klWeight > 0 && newCard.tokens.inventory.length !== card.tokens.inventory.length) {
      const added = newCard.tokens.inventory.slice(card.tokens.inventory.length);
      throw new Error(`adapt: --kl-weight compares outputs with the base model's, but new-head adds ${added.length} word(s) the base model lacks (${added.join(', ')}); use one or the other`);
    }
    requireTranscripts(adaptUtts, 'adaptation set');
    requireTranscripts(testUtts, 'test set');
    if (sourceUtts) requireTranscripts(sourceUtts, 'source test set');
    requireTranscripts(sourceMixUtts, 'source-mix set');
    if (cfg.renormalize && card.features.cmvn !== 'global' && batchNormLayers(model).length === 0) {
      throw new Error(
        `adapt --renormalize: ${req.modelDir} has no normalisation statistics to re-estimate: it normalises each utterance by its own statistics (features.cmvn "${card.features.cmvn}") and has no batch-norm layers`,
      );
    }
    if (unlabelledUtts.length && cfg.pseudoRounds === 0 && !cfg.renormalize) {
      throw new Error(`adapt: the unlabelled set ${req.unlabelledManifest} would not be used (--pseudo-rounds 0 and no --renormalize)`);
    }
    const tf0 = performance.now();
    const cache = defaultFeatureCache();
    const feats = (utts: Utterance[], label: string) => featurizeCorpus(utts, card.features, card.cmvnStats, onProgress, label, cache);
    let adaptItems = await feats(adaptUtts, 'adaptation set');
    let unlabelledItems = unlabelledUtts.length ? await feats(unlabelledUtts, 'unlabelled') : [];
    let sourceMixItems = sourceMixUtts.length ? await feats(sourceMixUtts, 'source mix') : [];
    const testItems = await feats(testUtts, 'test');
    const sourceItems = sourceUtts ? await feats(sourceUtts, 'source test') : null;
    // What the adapted model sees: the same features unless its CMVN statistics are re-estimated.
    let testItemsAfter = testItems;
    let sourceItemsAfter = sourceItems;
    let features = secondsSince(tf0);

    const profile = req.normalization ?? PROFILES.basic;
    let decoder: DecoderOptions = await buildDecoder(req.decoder, texts);
    const warnings = decoderWarnings(decoder, newCard);
    for (const w of warnings) onProgress({ phase: 'evaluate', label: 'decoder', done: 0, total: 1, message: `warning: ${w}` });
    // The base model's posteriors on the adaptation set, computed once for fusion tuning and word
    // alignment (again only if renormalisation has re-featurised the set in between).
    let basePosteriors: { items: FeaturizedUtterance[]; posts: Posteriors[] } | null = null;
    const adaptPosteriors = async (label: string): Promise<Posteriors[]> => {
      if (basePosteriors?.items !== adaptItems) basePosteriors = { items: adaptItems, posts: await computePosteriors(base, card, adaptItems.map((i) => i.feats), onProgress, label) };
      return basePosteriors.posts;
    };
    let tuning: FusionTuning | null = null;
    if (decoder.kind === 'beam' && decoder.lm && req.decoder?.lmWeight === undefined && adaptItems.length) {
      // Tune LM weight and word bonus on the adaptation set, with the base model's posteriors.
      const posts = await adaptPosteriors('tune LM weight');
      tuning = tuneFusion(card, adaptItems, posts, decoder, profile);
      decoder = { ...decoder, lmWeight: tuning.lmWeight, beam: { ...decoder.beam, wordBonus: tuning.wordBonus } };
    }
    const score = async (m: tf.LayersModel, c: ModelCard, items: FeaturizedUtterance[] | null, label: string): Promise<SetResult | null> =>
      items ? evaluateFeaturized(m, c, items, onProgress, label, profile, decoder) : null;
    for (const w of [...tooShortNotes(testItems, card, 'test'), ...(sourceItems ? tooShortNotes(sourceItems, card, 'source test') : [])]) {
      warnings.push(w);
      onProgress({ phase: 'evaluate', label: 'test', done: 0, total: 1, message: `warning: ${w}` });
    }
    const testBefore = (await score(base, card, testItems, 'test (before)'))!;
    const sourceBefore = await score(base, card, sourceItems, 'source (before)');

    // ---- adaptation ----
    const ta0 = performance.now();
    let renormalization: { statisticsFrom: string; utterances: number; cmvn: boolean; batchNormLayers: string[] } | null = null;
    if (cfg.renormalize) {
      const fromUnlabelled = unlabelledUtts.length > 0;
      const targetUtts = fromUnlabelled ? unlabelledUtts : adaptUtts;
      const global = card.features.cmvn === 'global';
      if (global) {
        const tr0 = performance.now();
        const raw = await featurizeCorpus(targetUtts, { ...card.features, cmvn: 'none' }, undefined, onProgress, 'target statistics', cache);
        newCard = { ...newCard, cmvnStats: cmvnStats(raw.map((r) => r.feats)) };
        const featsAfter = (utts: Utterance[], label: string) => featurizeCorpus(utts, newCard.features, newCard.cmvnStats, onProgress, label, cache);
        adaptItems = await featsAfter(adaptUtts, 'adaptation set (new statistics)');
        unlabelledItems = unlabelledUtts.length ? await featsAfter(unlabelledUtts, 'unlabelled (new statistics)') : [];
        sourceMixItems = sourceMixUtts.length ? await featsAfter(sourceMixUtts, 'source mix (new statistics)') : [];
        testItemsAfter = await featsAfter(testUtts, 'test (new statistics)');
        sourceItemsAfter = sourceUtts ? await featsAfter(sourceUtts, 'source test (new statistics)') : null;
        features = Number((features + secondsSince(tr0)).toFixed(3));
      }
      const bn = reestimateBatchNorm(model, (fromUnlabelled ? unlabelledItems : adaptItems).map((i) => i.feats), timeSubsampling(newCard.architecture));
      renormalization = { statisticsFrom: fromUnlabelled ? 'unlabelled set' : 'adaptation set (audio only)', utterances: targetUtts.length, cmvn: global, batchNormLayers: bn.map((b) => b.layer) };
      onProgress({
        phase: 'train',
        label: 'renormalize',
        done: 1,
        total: 1,
        message: `normalisation statistics re-estimated on ${targetUtts.length} target utterances: ${[global ? 'global CMVN' : '', bn.length ? `${bn.length} batch-norm layers` : ''].filter(Boolean).join(', ')}`,
      });
    }
    const toExample = (it: FeaturizedUtterance, text = it.utt.text): TrainExample => ({ feats: it.feats, labels: encodeText(text, newCard.tokens) });
    // Utterances too short for the model to emit their reference, or too long to train on, are left
    // out of training with a note (model/fit.ts); they stay in the report's data counts.
    const fit = trainableItems(adaptItems, newCard);
    if (fit.notes.length) {
      adaptItems = fit.kept;
      warnings.push(...fit.notes);
      for (const w of fit.notes) onProgress({ phase: 'train', label: 'adaptation set', done: 0, total: 1, message: `warning: ${w}` });
    }
    const trainUtts = adaptItems.map((it) => it.utt);
    const labelled = adaptItems.map((it) => toExample(it));
    const sourceMix = sourceMixItems.map((it) => toExample(it));
    const tooSmall = Math.round(labelled.length * cfg.heldOutFraction) < cfg.minHeldOut;
    const split = tooSmall ? { train: labelled.map((_, i) => i), heldOut: [] as number[] } : splitHeldOut(labelled.length, cfg.heldOutFraction, cfg.seed);
    if (tooSmall && labelled.length) {
      onProgress({ phase: 'train', label: cfg.method, done: 0, total: 1, message: `${labelled.length} labelled utterances: too few to hold ${cfg.minHeldOut} out for early stopping; training ${Math.min(cfg.fixedEpochs, cfg.epochs)} epochs on all` });
    }
    // Augmented copies, each with the index of the labelled utterance it comes from: copies of
    // held-out utterances must not train pass 1.
    const augmented: { example: TrainExample; from: number }[] = [];
    if (cfg.speedPerturb || cfg.noiseSnrDb !== null) {
      const from = cfg.refit ? trainUtts.map((_, i) => i) : split.train;
      const speeds = cfg.speedPerturb ? [0.9, 1.1] : [];
      const aug = await featurizeAugmented(from.map((i) => trainUtts[i]), newCard.features, newCard.cmvnStats, { speeds, noiseSnrDb: cfg.noiseSnrDb }, cfg.seed, onProgress);
      const perUtt = speeds.length + (cfg.noiseSnrDb !== null ? 1 : 0);
      augmented.push(...aug.map((it, k) => ({ example: toExample(it), from: from[Math.floor(k / perUtt)] })));
    }
    let respliced = 0;
    // Character models cut at their word separator token; without one there are no words to cut.
    const separator = newCard.tokens.unit === 'char' ? newCard.tokens.inventory.indexOf(' ') : null;
    const multiWord = labelled.some((ex) => (separator === null ? ex.labels.length > 1 : ex.labels.includes(separator)));
    if (cfg.resplice > 0 && separator === -1) {
      onProgress({ phase: 'train', label: 'resplice', done: 1, total: 1, message: 'word re-splicing skipped: the model\'s characters have no word separator (" ")' });
    } else if (cfg.resplice > 0 && multiWord) {
      // Word boundaries from the base model's alignment of each reference.
      const posts = await adaptPosteriors('word alignment');
      const r = resplice(labelled, posts, card.tokens.inventory.length, card.tokens.blankIndex, timeSubsampling(card.architecture), separator, cfg.resplice, seededRandom(cfg.seed + 1));
      // Without a refit, copies of held-out utterances would never train: leave them out.
      const used = cfg.refit ? r.spliced : r.spliced.filter((x) => !split.heldOut.includes(x.from));
      augmented.push(...used);
      respliced = used.length;
      onProgress({ phase: 'train', label: 'resplice', done: 1, total: 1, message: `word re-splicing: ${respliced} new utterances from ${r.cut} multi-word utterances` });
    }
    const trainAugmented = augmented.filter((a) => !split.heldOut.includes(a.from)).map((a) => a.example);
    const allAugmented = augmented.map((a) => a.example);
    let reference: tf.LayersModel | null = null;
    if (cfg.klWeight > 0) {
      reference = (await loadModel(req.modelDir)).model;
      disposables.push(reference);
    }
    const trainCfg: TrainConfig = {
      epochs: tooSmall && labelled.length ? Math.min(cfg.fixedEpochs, cfg.epochs) : cfg.epochs,
      batchSize: cfg.batchSize,
      learningRate: cfg.learningRate ?? method.learningRate,
      seed: cfg.seed,
      trainableLayers: prepared.trainable,
      patience: cfg.patience,
      workers: cfg.workers,
      ...(cfg.specAugment ? { specAugment: DEFAULT_SPECAUGMENT } : {}),
      ...(reference ? { regularizer: { weight: cfg.klWeight, reference } } : {}),
    };
    const startWeights = model.getWeights().map((w) => w.clone());
    const tensorsBefore = tf.memory().numTensors;
    const usePseudo = unlabelledItems.length > 0 && cfg.pseudoRounds > 0;
    const rounds = usePseudo ? cfg.pseudoRounds : 1;
    let pseudo: TrainExample[] = [];
    let pseudoLog: { round: number; kept: number; of: number }[] = [];
    let result: TrainResult | null = null;
    let refit: TrainResult | null = null;
    try {
      for (let round = 1; round <= rounds; round++) {
        if (usePseudo) {
          // Pseudo-labels from the current model (the base model in round 1), kept when confident.
          const posts = await computePosteriors(model, newCard, unlabelledItems.map((i) => i.feats), onProgress, `pseudo-label round ${round}`);
          pseudo = [];
          posts.forEach((p, i) => {
            const r = decodePosteriors(p, newCard, GREEDY);
            const sec = (unlabelledItems[i].feats.numFrames * newCard.features.hopMs) / 1000;
            const confident = r.words.length > 0 && r.words.every((w) => w.confidence >= cfg.pseudoThreshold);
            // too long to train on (MAX_TRAIN_UTTERANCE_SEC): never pseudo-labelled
            if (confident && sec <= MAX_TRAIN_UTTERANCE_SEC) pseudo.push(toExample(unlabelledItems[i], r.text));
          });
          pseudoLog.push({ round, kept: pseudo.length, of: unlabelledItems.length });
          onProgress({ phase: 'train', label: 'pseudo-labels', done: round, total: rounds, message: `pseudo-label round ${round}: kept ${pseudo.length} of ${unlabelledItems.length} unlabelled utterances` });
          if (round > 1) model.setWeights(startWeights);
        }
        // Held-out for early stopping: labelled if any, else a slice of the pseudo-labelled set.
        let trainSet = [...split.train.map((i) => labelled[i]), ...trainAugmented, ...pseudo, ...sourceMix];
        let heldOut = split.heldOut.map((i) => labelled[i]);
        if (!labelled.length && pseudo.length >= 2) {
          const ps = splitHeldOut(pseudo.length, cfg.heldOutFraction, cfg.seed);
          trainSet = [...ps.train.map((i) => pseudo[i]), ...sourceMix];
          heldOut = ps.heldOut.map((i) => pseudo[i]);
        }
        if (trainSet.length === 0) {
          onProgress({ phase: 'train', label: 'adapt', done: 1, total: 1, message: `nothing to train on (no labelled data and no confident pseudo-labels): the ${renormalization ? 'weights are kept (with the re-estimated statistics)' : 'base weights are kept'}` });
          break;
        }
        result = await trainCtc(model, newCard, trainSet, heldOut, trainCfg, onProgress, cfg.method);
        refit = null;
        if (cfg.refit && result.bestEpoch > 0 && heldOut.length > 0 && labelled.length > 0) {
          // Pass 2: from the starting weights, the chosen number of epochs on every utterance.
          model.setWeights(startWeights);
          refit = await trainCtc(model, newCard, [...labelled, ...allAugmented, ...pseudo, ...sourceMix], [], { ...trainCfg, epochs: result.bestEpoch }, onProgress, 'refit on all');
        } else if (result.bestEpoch === 0) {
          onProgress({ phase: 'train', label: cfg.method, done: 1, total: 1, message: 'no epoch beat the starting model on held-out data: the base weights are kept' });
        }
      }
    } finally {
      tf.dispose(startWeights);
    }
    const adaptation = secondsSince(ta0);

    const testAfter = (await score(model, newCard, testItemsAfter, 'test (after)'))!;
    const sourceAfter = await score(model, newCard, sourceItemsAfter, 'source (after)');

    const { ...cfgForReport } = cfg;
    const settings = {
      ...cfgForReport,
      learningRate: trainCfg.learningRate,
      methodSummary: method.summary,
      trainableLayers: prepared.trainable,
      trainableParams: countTrainable(model, prepared.trainable),
      totalParams: countParams(model),
      labelledUtterances: labelled.length,
      adaptationUtterances: refit ? labelled.length : split.train.length,
      augmentedCopies: augmented.length - respliced,
      resplicedUtterances: respliced,
      sourceMixUtterances: sourceMix.length,
      pseudoLabels: pseudoLog,
      renormalization,
      heldOutUtterances: split.heldOut.length,
      heldOutIds: split.heldOut.map((i) => trainUtts[i].id),
      addedTokens: newCard.tokens.inventory.slice(card.tokens.inventory.length),
      initialHeldOutLoss: result?.initialHeldOutLoss ?? null,
      bestEpoch: result?.bestEpoch ?? 0,
      steps: (result?.steps ?? 0) + (refit?.steps ?? 0),
      trainingThreads: result?.threads ?? 1,
      epochLog: result?.epochs ?? [],
      refitEpochLog: refit?.epochs ?? null,
      tensorsBeforeTraining: tensorsBefore,
    };
    const setName = path.basename(req.adaptManifest ?? req.unlabelledManifest!).replace(/\.jsonl?$/, '');
    const adaptedCard: ModelCard = {
      ...newCard,
      name: `${card.name}+${cfg.method}(${setName})`,
      description: `${card.name} adapted with ${cfg.method} (${method.summary}) on ${setName}.`,
      created: new Date().toISOString(),
      parent: card.name,
      adaptation: { ...settings, adaptManifest: req.adaptManifest ? path.resolve(req.adaptManifest) : null },
      trainingData: [
        ...card.trainingData,
        ...(req.adaptManifest ? [{ name: path.basename(req.adaptManifest), utterances: adaptUtts.length, licence: 'as the adaptation data', attribution: path.resolve(req.adaptManifest) }] : []),
        ...(req.unlabelledManifest ? [{ name: `${path.basename(req.unlabelledManifest)} (unlabelled, pseudo-labels)`, utterances: unlabelledUtts.length, licence: 'as the data', attribution: path.resolve(req.unlabelledManifest) }] : []),
      ],
      metrics: [
        {
          testSet: path.basename(req.testManifest),
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
    const modelOut = path.join(req.outDir, 'model');
    await saveModel(modelOut, model, adaptedCard);

    const report: Report = {
      ...reportHeader('adapt', backend.name),
      model: { dir: path.resolve(req.modelDir), name: card.name },
      adapted_model: { dir: path.resolve(modelOut), name: adaptedCard.name },
      adaptation: settings,
      decoder: describeDecoder(decoder, { real_time_factor: rtf(testAfter), ...(tuning ? { tuned_on: 'adaptation set (base model)', tuning } : {}) }),
      scoring: scoringInfo(profile),
      test: setReport(path.resolve(req.testManifest), testBefore.utterances, testAfter.utterances),
      ...(sourceBefore && sourceAfter ? { source_test: setReport(path.resolve(req.sourceTestManifest!), sourceBefore.utterances, sourceAfter.utterances) } : {}),
      utterances: [
        ...utteranceRows('test', testBefore.utterances, testAfter.utterances, { before: testBefore.recognitions, after: testAfter.recognitions }),
        ...(sourceBefore && sourceAfter
          ? utteranceRows('source_test', sourceBefore.utterances, sourceAfter.utterances, { before: sourceBefore.recognitions, after: sourceAfter.recognitions })
          : []),
      ],
      seconds: {
        features,
        adaptation,
        scoring: Number([testBefore, testAfter, sourceBefore, sourceAfter].reduce((a, r) => a + (r ? r.seconds.acoustic + r.seconds.decode + r.seconds.scoring : 0), 0).toFixed(3)),
        total: secondsSince(t0),
      },
      notes: [
        `backend: ${backend.detail}`,
        ...((result?.threads ?? 1) > 1 ? [`training: data-parallel on ${result!.threads} threads (a gradient worker thread took half of each batch)`] : []),
        ...warnings.map((w) => `warning: ${w}`),
      ],
    };
    await writeReport(req.outDir, report);
    return report;
  } finally {
    // Models that share layers: dispose the derived one first; a second dispose of shared layers is a no-op error.
    for (const m of disposables.reverse()) {
      try {
        m.dispose();
      } catch {
        /* already disposed through a model sharing its layers */
      }
    }
  }
}
