/**
 * The adaptation job: score the test set (and the source test set) with the base model, adapt with
 * the chosen method on the adaptation set (plus optional augmentation, conservative-training KL term
 * and pseudo-labelled unlabelled audio), score again, save the adapted model and the report.
 *
 * The job runs in named stages, each a function in ./stages (icefall-style recipe stages):
 *   1. resolve settings (./config.ts)      2. load and check the sets (stages/sets.ts)
 *   3. features (stages/sets.ts)           4. decoder and LM-weight tuning (stages/decoder.ts)
 *   5. score before                         6. renormalisation (stages/renormalize.ts)
 *   7. training set: split, augmentation, re-splicing (stages/training-set.ts)
 *   8. training rounds: pseudo-labels, early stopping, refit (stages/rounds.ts)
 *   9. score after                          10. outputs: card, model, report (stages/outputs.ts)
 */
import path from 'node:path';
import { tf } from '../model/backend';
import { loadModel, saveModel } from '../model/checkpoint';
import { withEmbeddingTop } from '../model/embedding-top';
import type { ModelCard } from '../model/card';
import { buildDecoder, type DecoderSpec } from '../decode/options';
import { DEFAULT_SPECAUGMENT } from '../features/augment';
import { defaultFeatureCache } from '../features/cache';
import type { FeaturizedUtterance } from '../features/corpus';
import { evaluateFeaturized, type SetResult } from '../decode/evaluate';
import { PROFILES, type NormalizationProfile } from '../score';
import type { Report } from '../score/report';
import { writeReport } from '../score/writers';
import type { BackendInfo } from '../model/backend';
import type { ProgressFn } from '../progress';
import type { TrainConfig } from './train';
import { resolveSettings, withCardDefaults, type AdaptConfig, type ResolvedAdaptConfig } from './config';
import { checkRun, featurizeSets, loadSets } from './stages/sets';
import { basePosteriorsMemo, setupDecoder, type RunDecoder } from './stages/decoder';
import { renormalizeStage, type RenormalizationInfo } from './stages/renormalize';
import { tooShortNotes } from '../model/fit';
import { buildTrainingSet, type TrainingSet } from './stages/training-set';
import { trainRounds } from './stages/rounds';
import { adaptationReport, adaptationSummary, adaptedCardFor } from './stages/outputs';

export { DEFAULT_ADAPT, MAX_RESPLICE, type AdaptConfig } from './config';

export interface AdaptJobRequest {
  modelDir: string;
  /** Labelled adaptation set; may be omitted when `unlabelledManifest` is given (pseudo-labels only). */
  adaptManifest?: string;
  /** Unlabelled target audio (transcripts ignored): for pseudo-labels and/or statistics, as `settings.unlabelledUse` says. */
  unlabelledManifest?: string;
  /** Labelled source-domain data mixed into training against forgetting (see sourceMixCount). */
  sourceMixManifest?: string;
  testManifest: string;
  sourceTestManifest?: string;
  outDir: string;
  /**
   * The caller's settings; fields left out take the model card's adaptationDefaults (for the card's
   * method), then the method's and DEFAULT_ADAPT's (adapt/config.ts, withCardDefaults).
   */
  settings?: Partial<AdaptConfig>;
  normalization?: NormalizationProfile;
  decoder?: DecoderSpec;
  onProgress: ProgressFn;
}

const secondsSince = (t0: number): number => Number(((performance.now() - t0) / 1000).toFixed(3));

/** The training settings of a run, with the KL reference model when the KL term is on. */
function trainConfigFor(
  cfg: ResolvedAdaptConfig,
  set: TrainingSet,
  trainable: string[],
  reference: tf.LayersModel | null,
): TrainConfig {
  return {
    epochs: set.tooSmall && set.labelled.length ? Math.min(cfg.fixedEpochs, cfg.epochs) : cfg.epochs,
    batchSize: cfg.batchSize,
    learningRate: cfg.learningRate,
    seed: cfg.seed,
    trainableLayers: trainable,
    patience: cfg.patience,
    workers: cfg.workers,
    ...(cfg.specAugment ? { specAugment: DEFAULT_SPECAUGMENT } : {}),
    ...(reference ? { regularizer: { weight: cfg.klWeight, reference } } : {}),
  };
}

/**
 * Run an adaptation job (see the module comment for its stages). The base model folder is only read.
 * @throws Error (one line, naming the file) for bad input: missing files, transcripts with words the
 *   model lacks (except with the new-head method), an unknown method, a setting the method does not
 *   take, no adaptation data at all
 */
export async function runAdaptation(req: AdaptJobRequest, backend: BackendInfo): Promise<Report> {
  const onProgress = req.onProgress;
  if (!req.adaptManifest && !req.unlabelledManifest)
    throw new Error('adapt: give an adaptation set (--adapt) and/or unlabelled audio (--unlabelled)');
  const t0 = performance.now();
  const loaded = await loadModel(req.modelDir);
  const disposables: tf.LayersModel[] = [loaded.model];
  try {
    // 1-2. settings, sets, the method's model; refuse what cannot run before any work starts
    const given = withCardDefaults(req.settings ?? {}, loaded.card.adaptationDefaults);
    // With embedding layers, the base is the head with the embedding's top layers under it: its
    // output equals the head's, and its features are the frozen lower part's (model/embedding-top.ts).
    let loadedUsed = false;
    const loadBase = async (): Promise<{ model: tf.LayersModel; card: ModelCard }> => {
      const l = loadedUsed ? await loadModel(req.modelDir) : loaded;
      if (loadedUsed) disposables.push(l.model);
      loadedUsed = true;
      if (!given.embeddingLayers) return l;
      const top = withEmbeddingTop(l.model, l.card, given.embeddingLayers);
      disposables.push(top.model);
      return top;
    };
    const { model: base, card } = await loadBase();
    const { method, cfg } = resolveSettings(given, base);
    // "none": the unlabelled set is not even read; the run is as if none had been given.
    const paths = cfg.unlabelledUse === 'none' ? { ...req, unlabelledManifest: undefined } : req;
    if (!paths.adaptManifest && !paths.unlabelledManifest)
      throw new Error(
        'adapt: --unlabelled-use none ignores the unlabelled set, and there is no adaptation set (--adapt) to train on',
      );
    const sets = await loadSets(paths, cfg.sourceMixCount);
    const texts = sets.adapt.map((u) => u.text);
    const prepared = method.prepareFrom(base, card, cfg, texts);
    const model = prepared.model;
    if (model !== base) disposables.push(model);
    checkRun(sets, paths, cfg, card, prepared.card, model);
    // Decoder files (grammar, word list, LM) are read and checked before any audio work.
    const built = await buildDecoder(req.decoder, texts);
    for (const n of sets.notes)
      onProgress({ phase: 'adapt', label: 'manifest', done: 0, total: 1, message: `note: ${n}` });

    // 3. features
    const tf0 = performance.now();
    const cache = defaultFeatureCache();
    const itemsBefore = await featurizeSets(sets, card, onProgress, cache);
    let features = secondsSince(tf0);

    // 4-5. decoder, score before
    const profile = req.normalization ?? PROFILES.basic;
    const posteriors = basePosteriorsMemo(base, card, onProgress);
    const run: RunDecoder = await setupDecoder(
      built,
      req.decoder,
      prepared.card,
      card,
      itemsBefore.adapt,
      posteriors,
      profile,
      onProgress,
    );
    const score = async (
      m: tf.LayersModel,
      c: ModelCard,
      items: FeaturizedUtterance[] | null,
      label: string,
    ): Promise<SetResult | null> =>
      items ? evaluateFeaturized(m, c, items, onProgress, label, profile, run.decoder) : null;
    for (const w of [
      ...tooShortNotes(itemsBefore.test, card, 'test'),
      ...(itemsBefore.source ? tooShortNotes(itemsBefore.source, card, 'source test') : []),
    ]) {
      run.warnings.push(w);
      onProgress({ phase: 'evaluate', label: 'test', done: 0, total: 1, message: `warning: ${w}` });
    }
    const testBefore = (await score(base, card, itemsBefore.test, 'test (before)'))!;
    const sourceBefore = await score(base, card, itemsBefore.source, 'source (before)');

    // 6. renormalisation: what the adapted model sees from here on
    const ta0 = performance.now();
    let adaptedCard = prepared.card;
    let items = itemsBefore;
    let renormalization: RenormalizationInfo | null = null;
    if (cfg.renormalize) {
      const r = await renormalizeStage(model, adaptedCard, sets, items, onProgress, cache);
      adaptedCard = r.card;
      items = r.items;
      renormalization = r.info;
      features = Number((features + r.featureSeconds).toFixed(3));
    }

    // 7-8. training set and training rounds
    const set = await buildTrainingSet(
      cfg,
      items.adapt,
      items.sourceMix,
      adaptedCard,
      card,
      posteriors,
      onProgress,
    );
    let reference: tf.LayersModel | null = null;
    if (cfg.klWeight > 0) {
      // The KL reference: a second copy of the base model (methods may share layers with `base`).
      reference = (await loadBase()).model;
    }
    run.warnings.push(...set.notes);
    const rounds = await trainRounds(
      model,
      adaptedCard,
      set,
      items.unlabelled,
      cfg,
      trainConfigFor(cfg, set, prepared.trainable, reference),
      renormalization !== null,
      onProgress,
    );
    const adaptation = secondsSince(ta0);

    // 9. score after
    const testAfter = (await score(model, adaptedCard, items.test, 'test (after)'))!;
    const sourceAfter = await score(model, adaptedCard, items.source, 'source (after)');

    // 10. outputs
    const addedTokens = adaptedCard.tokens.inventory.slice(card.tokens.inventory.length);
    const summary = adaptationSummary(
      cfg,
      method.summary,
      model,
      prepared.trainable,
      set,
      rounds,
      renormalization,
      addedTokens,
    );
    const outCard = adaptedCardFor(
      card,
      adaptedCard,
      summary,
      method.summary,
      paths,
      sets,
      testAfter,
      backend,
    );
    const modelOut = path.join(req.outDir, 'model');
    await saveModel(modelOut, model, outCard);
    const report = adaptationReport(
      backend,
      req.modelDir,
      card,
      modelOut,
      outCard,
      summary,
      run,
      profile,
      req,
      { testBefore, testAfter, sourceBefore, sourceAfter },
      sets.notes,
      {
        features,
        adaptation,
        total: secondsSince(t0),
      },
    );
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
