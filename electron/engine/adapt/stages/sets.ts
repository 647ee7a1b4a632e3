/**
 * Adaptation job stages 2-3: read the manifests of a run, refuse what cannot run before any work
 * starts, and compute (or take from the cache) the features of every set.
 */
import type { ModelCard } from '../../model/card';
import { encodeText } from '../../model/tokens';
import { readManifest, requireTranscripts, type Utterance } from '../../corpus/manifest';
import { featurizeCorpus, type FeaturizedUtterance } from '../../features/corpus';
import type { FeatureCache } from '../../features/cache';
import type { ProgressFn } from '../../progress';
import { batchNormLayers } from '../renormalize';
import type { ResolvedAdaptConfig } from '../config';
import type { tf } from '../../model/backend';

/** The manifests a run names (paths as given). */
export interface SetPaths {
  adaptManifest?: string;
  unlabelledManifest?: string;
  sourceMixManifest?: string;
  testManifest: string;
  sourceTestManifest?: string;
}

/** The utterances of every set of a run; absent sets are empty (source test: null). */
export interface RunSets {
  adapt: Utterance[];
  unlabelled: Utterance[];
  /** `sourceMixCount` utterances spread evenly over the source-mix manifest. */
  sourceMix: Utterance[];
  test: Utterance[];
  source: Utterance[] | null;
  /** Notes on how the manifests were read (e.g. "FILE: not valid UTF-8; read as Latin-1"). */
  notes: string[];
}

/** Features of the sets, in the same order as their utterances. */
export interface RunItems {
  adapt: FeaturizedUtterance[];
  unlabelled: FeaturizedUtterance[];
  sourceMix: FeaturizedUtterance[];
  test: FeaturizedUtterance[];
  source: FeaturizedUtterance[] | null;
}

/**
 * Read every manifest of the run.
 * @param sourceMixCount how many source-mix utterances to keep (an even spread keeps every class)
 * @throws Error (naming the file) for an unreadable or malformed manifest
 */
export async function loadSets(paths: SetPaths, sourceMixCount: number): Promise<RunSets> {
  const notes: string[] = []; // manifests read as Latin-1 or UTF-16 (util/text.ts decodeText)
  const read = (p: string | undefined) => (p ? readManifest(p, notes) : Promise.resolve([] as Utterance[]));
  const sourceMixAll = await read(paths.sourceMixManifest);
  const mixCount = Math.min(sourceMixCount, sourceMixAll.length);
  return {
    adapt: await read(paths.adaptManifest),
    unlabelled: await read(paths.unlabelledManifest),
    sourceMix: Array.from(
      { length: mixCount },
      (_, i) => sourceMixAll[Math.floor((i * sourceMixAll.length) / Math.max(1, mixCount))],
    ),
    test: await readManifest(paths.testManifest, notes),
    source: paths.sourceTestManifest ? await readManifest(paths.sourceTestManifest, notes) : null,
    notes,
  };
}

/**
 * Refuse, before any work starts, what cannot run: adaptation transcripts with words the adapted
 * model cannot emit, a KL term against a model with other outputs, missing transcripts, nothing to
 * re-estimate, an unlabelled set that nothing would use.
 * @param card the base model's card; `adaptedCard` the prepared model's (new-head may add tokens)
 * @throws Error naming the manifest, the utterance or the setting
 */
export function checkRun(
  sets: RunSets,
  paths: SetPaths & { modelDir: string },
  cfg: ResolvedAdaptConfig,
  card: ModelCard,
  adaptedCard: ModelCard,
  model: tf.LayersModel,
): void {
  for (const u of sets.adapt) {
    try {
      encodeText(u.text, adaptedCard.tokens);
    } catch (err) {
      throw new Error(
        `${paths.adaptManifest}: utterance ${u.id}: ${(err as Error).message}${cfg.method === 'new-head' ? '' : ' (the new-head method can add words)'}`,
        { cause: err },
      );
    }
  }
  if (cfg.klWeight > 0 && adaptedCard.tokens.inventory.length !== card.tokens.inventory.length) {
    const added = adaptedCard.tokens.inventory.slice(card.tokens.inventory.length);
    throw new Error(
      `adapt: --kl-weight compares outputs with the base model's, but new-head adds ${added.length} word(s) the base model lacks (${added.join(', ')}); use one or the other`,
    );
  }
  requireTranscripts(sets.adapt, 'adaptation set');
  requireTranscripts(sets.test, 'test set');
  if (sets.source) requireTranscripts(sets.source, 'source test set');
  requireTranscripts(sets.sourceMix, 'source-mix set');
  if (cfg.renormalize && card.features.cmvn !== 'global' && batchNormLayers(model).length === 0) {
    throw new Error(
      `adapt --renormalize: ${paths.modelDir} has no normalisation statistics to re-estimate: it normalises each utterance by its own statistics (features.cmvn "${card.features.cmvn}") and has no batch-norm layers`,
    );
  }
  if (sets.unlabelled.length && cfg.pseudoRounds === 0 && !cfg.renormalize) {
    throw new Error(
      `adapt: the unlabelled set ${paths.unlabelledManifest} would not be used (--pseudo-rounds 0 and no --renormalize)`,
    );
  }
}

/**
 * Features of every set with the card's feature settings and CMVN statistics (through the cache).
 * @param labelSuffix appended to each progress label (e.g. " (new statistics)")
 */
export async function featurizeSets(
  sets: RunSets,
  card: ModelCard,
  onProgress: ProgressFn,
  cache: FeatureCache | null,
  labelSuffix = '',
): Promise<RunItems> {
  const feats = (utts: Utterance[], label: string) =>
    utts.length
      ? featurizeCorpus(utts, card.features, card.cmvnStats, onProgress, label + labelSuffix, cache)
      : Promise.resolve([] as FeaturizedUtterance[]);
  return {
    adapt: await feats(sets.adapt, 'adaptation set'),
    unlabelled: await feats(sets.unlabelled, 'unlabelled'),
    sourceMix: await feats(sets.sourceMix, 'source mix'),
    test: await featurizeCorpus(
      sets.test,
      card.features,
      card.cmvnStats,
      onProgress,
      'test' + labelSuffix,
      cache,
    ),
    source: sets.source
      ? await featurizeCorpus(
          sets.source,
          card.features,
          card.cmvnStats,
          onProgress,
          'source test' + labelSuffix,
          cache,
        )
      : null,
  };
}
