/** The report written by `evaluate`, `adapt` and `score` (report.json). */
import { groupScores, poolScores, type CorpusScore, type UtteranceScore } from './index';
import { pairedBootstrap, DEFAULT_BOOTSTRAP, type BootstrapConfig, type Comparison } from './bootstrap';
import { analyzeErrors, type ErrorAnalysis } from './confusions';
import { describeProfile, type NormalizationProfile } from './normalize';
import { snakeKeys, type SnakeKeys } from '../util/case';
import type { AdaptationSummary } from '../adapt/stages/outputs';
import type { FusionTuning } from '../decode/options';

export const REPORT_FORMAT = 'accent-studio-report';
/**
 * 2: every key in snake_case (the `adaptation` block and the decoder's `tuning` were camelCase in 1);
 * version 1 reports are still read (upgradeReport).
 */
export const REPORT_VERSION = 2;

export const ALIGNMENT_NAME =
  'minimum-cost alignment, sclite weights (substitution 4, deletion 3, insertion 3)';

export interface SetReport {
  manifest: string;
  /** Pooled over the set: WER = (S + D + I) / N. */
  before: CorpusScore;
  after?: CorpusScore;
  /** Paired bootstrap of after vs before (null when the set has no reference words). */
  comparison?: Comparison | null;
  by_speaker: { before: Record<string, CorpusScore>; after?: Record<string, CorpusScore> };
  by_accent: { before: Record<string, CorpusScore>; after?: Record<string, CorpusScore> };
  errors: {
    before: ErrorAnalysis;
    after?: ErrorAnalysis;
    /** Per speaker, of the latest system (after if there is one). */
    by_speaker: Record<string, ErrorAnalysis>;
  };
}

interface SystemOutput {
  hypothesis: string;
  wer: number | null;
  substitutions: number;
  deletions: number;
  insertions: number;
  alignment: UtteranceScore['alignment'];
  /** Recognised words with the decoder's confidence in [0, 1], when a model produced them. */
  words?: { word: string; confidence: number }[];
}

/** Per-utterance row: reference, hypotheses before/after, counts. */
export interface UtteranceRow {
  set: 'test' | 'source_test';
  id: string;
  speaker?: string;
  accent?: string;
  reference: string;
  /** Reference words after normalisation. */
  reference_words: number;
  before: SystemOutput;
  after?: SystemOutput;
}

/** report.json's `adaptation` block: what the adaptation did (adapt/stages/outputs.ts), keys in snake_case. */
export type ReportAdaptation = SnakeKeys<AdaptationSummary>;

/** report.json's `decoder` block: which decoder ran and its settings (decode/recognize.ts describeDecoder). */
export interface ReportDecoder {
  kind: 'greedy' | 'beam';
  /** beam: hypotheses kept per frame. */
  beam_width?: number;
  /** beam: tokens more than this many nats below the frame's best are not extended. */
  token_prune_nats?: number;
  /** beam: added per emitted word (log domain). */
  word_bonus?: number;
  /** beam with an n-gram LM: its order, fusion weight and vocabulary size. */
  lm?: { order: number; weight: number; vocabulary: number } | null;
  grammar?: boolean;
  /** Lexicon size in words, or null without one. */
  lexicon?: number | null;
  /** (acoustic + decoding seconds) / audio seconds on the test set. */
  real_time_factor?: number;
  /** Where the LM weight was tuned, when it was. */
  tuned_on?: string;
  tuning?: SnakeKeys<FusionTuning>;
}

export interface Report {
  format: typeof REPORT_FORMAT;
  version: number;
  command: 'evaluate' | 'adapt' | 'score';
  created: string;
  backend: string;
  model: { dir: string; name: string };
  adapted_model?: { dir: string; name: string };
  adaptation?: ReportAdaptation;
  /** Which decoder ran, with its settings (and the LM weight tuning grid when tuned). */
  decoder?: ReportDecoder;
  scoring: {
    normalization: ReturnType<typeof describeProfile>;
    alignment: string;
    bootstrap: BootstrapConfig;
  };
  test: SetReport;
  source_test?: SetReport;
  utterances: UtteranceRow[];
  seconds: { features: number; adaptation: number; scoring: number; total: number };
  notes: string[];
}

/** The fields every report starts with. */
export function reportHeader(
  command: Report['command'],
  backend: string,
): Pick<Report, 'format' | 'version' | 'command' | 'created' | 'backend'> {
  return {
    format: REPORT_FORMAT,
    version: REPORT_VERSION,
    command,
    created: new Date().toISOString(),
    backend,
  };
}

/** Scoring settings block of a report. */
export function scoringInfo(
  profile: NormalizationProfile,
  bootstrap: BootstrapConfig = DEFAULT_BOOTSTRAP,
): Report['scoring'] {
  return { normalization: describeProfile(profile), alignment: ALIGNMENT_NAME, bootstrap };
}

/**
 * Everything a report says about one set, from per-utterance scores of one or two systems.
 * @param after scores of the adapted system in the same utterance order, if any
 */
export function setReport(
  manifest: string,
  before: UtteranceScore[],
  after?: UtteranceScore[],
  bootstrap: BootstrapConfig = DEFAULT_BOOTSTRAP,
): SetReport {
  const latest = after ?? before;
  const bySpeaker = new Map<string, UtteranceScore[]>();
  for (const u of latest)
    bySpeaker.set(u.speaker ?? '(unknown)', [...(bySpeaker.get(u.speaker ?? '(unknown)') ?? []), u]);
  return {
    manifest,
    before: poolScores(before),
    ...(after ? { after: poolScores(after) } : {}),
    ...(after
      ? {
          comparison: pairedBootstrap(
            before.map((u) => u.words),
            after.map((u) => u.words),
            bootstrap,
          ),
        }
      : {}),
    by_speaker: {
      before: groupScores(before, 'speaker'),
      ...(after ? { after: groupScores(after, 'speaker') } : {}),
    },
    by_accent: {
      before: groupScores(before, 'accent'),
      ...(after ? { after: groupScores(after, 'accent') } : {}),
    },
    errors: {
      before: analyzeErrors(before.map((u) => u.alignment)),
      ...(after ? { after: analyzeErrors(after.map((u) => u.alignment)) } : {}),
      by_speaker: Object.fromEntries(
        [...bySpeaker.keys()].sort().map((k) => [
          k,
          analyzeErrors(
            bySpeaker.get(k)!.map((u) => u.alignment),
            10,
          ),
        ]),
      ),
    },
  };
}

/** Build per-utterance rows from before (and optionally after) results of one set. */
export function utteranceRows(
  set: UtteranceRow['set'],
  before: UtteranceScore[],
  after?: UtteranceScore[],
  words?: { before?: { words: SystemOutput['words'] }[]; after?: { words: SystemOutput['words'] }[] },
): UtteranceRow[] {
  const pick = (u: UtteranceScore, w?: { words: SystemOutput['words'] }): SystemOutput => ({
    hypothesis: u.hypothesis,
    wer: u.wer,
    substitutions: u.words.substitutions,
    deletions: u.words.deletions,
    insertions: u.words.insertions,
    alignment: u.alignment,
    ...(w ? { words: w.words } : {}),
  });
  return before.map((b, i) => ({
    set,
    id: b.id,
    speaker: b.speaker,
    accent: b.accent,
    reference: b.reference,
    reference_words: b.words.referenceWords,
    before: pick(b, words?.before?.[i]),
    ...(after ? { after: pick(after[i], words?.after?.[i]) } : {}),
  }));
}

/**
 * A parsed report.json brought to the current version: version 1 reports had a camelCase
 * `adaptation` block and decoder `tuning`; their keys are converted to snake_case.
 * @param raw the parsed JSON, already checked to be a report of a version up to REPORT_VERSION
 */
export function upgradeReport(raw: { version: number } & Record<string, unknown>): Report {
  if (raw.version >= REPORT_VERSION) return raw as unknown as Report;
  const decoder = raw.decoder as Record<string, unknown> | undefined;
  return {
    ...raw,
    version: REPORT_VERSION,
    ...(raw.adaptation ? { adaptation: snakeKeys(raw.adaptation) } : {}),
    ...(decoder?.tuning ? { decoder: { ...decoder, tuning: snakeKeys(decoder.tuning) } } : {}),
  } as unknown as Report;
}
