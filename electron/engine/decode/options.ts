/**
 * Decoder set-up from user settings (CLI flags, UI choices): files are loaded here, an LM can be
 * trained from the adaptation transcripts, and the LM weight / word bonus can be tuned on the
 * adaptation set by a small grid search.
 */
import { readText } from '../util/files';
import type { ModelCard } from '../model/card';
import type { FeaturizedUtterance } from '../features/corpus';
import type { NormalizationProfile } from '../score';
import { DEFAULT_BEAM } from './beam';
import { Grammar } from './grammar';
import { Lexicon } from './lexicon';
import { NgramLM, trainKneserNey } from './ngram';
import { evaluatePosteriors } from './evaluate';
import { GREEDY, type DecoderOptions, type Posteriors } from './recognize';

/** User-facing decoder settings (plain data: CLI flags, IPC payloads). */
export interface DecoderSpec {
  kind: 'greedy' | 'beam';
  /** Default 16. */
  beamWidth?: number;
  /** ARPA file of a word n-gram LM. */
  lmFile?: string;
  /** Train a trigram Kneser-Ney LM from the adaptation set's transcripts (adapt only). */
  lmFromAdapt?: boolean;
  /** Shallow-fusion weight; tuned on the adaptation set when omitted and an adaptation set exists. Default 0.5. */
  lmWeight?: number;
  /** Natural-log bonus per word; tuned with the weight when that is tuned. Default 0. */
  wordBonus?: number;
  /** Grammar file (see decode/grammar.ts). */
  grammarFile?: string;
  /** Word list, one or more words per line (character models). */
  lexiconFile?: string;
}

/**
 * Build decoder options; LM files, grammars and word lists are read and validated here.
 * @param adaptTranscripts transcripts for `lmFromAdapt`
 * @throws Error naming the file for unreadable or malformed inputs, or when beam-only options are
 *   given with the greedy decoder
 */
export async function buildDecoder(
  spec: DecoderSpec | undefined,
  adaptTranscripts?: string[],
): Promise<DecoderOptions> {
  if (!spec || spec.kind === 'greedy') {
    if (spec && (spec.lmFile || spec.lmFromAdapt || spec.grammarFile || spec.lexiconFile)) {
      throw new Error('decoder: an LM, grammar or lexicon needs the beam decoder (--decoder beam)');
    }
    return GREEDY;
  }
  let lm: NgramLM | undefined;
  if (spec.lmFile && spec.lmFromAdapt)
    throw new Error('decoder: give either --lm FILE or --lm-from-adapt, not both');
  if (spec.lmFile) lm = await NgramLM.fromArpaFile(spec.lmFile);
  if (spec.lmFromAdapt) {
    if (!adaptTranscripts?.length)
      throw new Error('decoder: --lm-from-adapt needs an adaptation set with transcripts');
    lm = trainKneserNey(adaptTranscripts, { order: 3 });
  }
  let lexicon: Lexicon | undefined;
  if (spec.lexiconFile) {
    lexicon = Lexicon.fromText(await readText(spec.lexiconFile, 'word list'), spec.lexiconFile);
  }
  return {
    kind: 'beam',
    beam: {
      ...DEFAULT_BEAM,
      beamWidth: spec.beamWidth ?? DEFAULT_BEAM.beamWidth,
      wordBonus: spec.wordBonus ?? 0,
    },
    lmWeight: spec.lmWeight ?? 0.5,
    lm,
    grammar: spec.grammarFile ? await Grammar.fromFile(spec.grammarFile) : undefined,
    lexicon,
  };
}

export interface FusionTuning {
  lmWeight: number;
  wordBonus: number;
  /** WER on the tuning set for every grid point. */
  grid: { lmWeight: number; wordBonus: number; wer: number | null }[];
}

export const LM_WEIGHT_GRID = [0, 0.1, 0.25, 0.5, 0.75, 1, 1.5];
export const WORD_BONUS_GRID = [-1, 0, 0.5, 1, 2];

/**
 * Grid search of LM weight x word bonus minimising pooled WER on a (labelled) tuning set; ties go
 * to the smaller weight, then the bonus closest to 0.
 * @param posts posteriors of the tuning set's utterances (same order as items)
 */
export function tuneFusion(
  card: ModelCard,
  items: FeaturizedUtterance[],
  posts: Posteriors[],
  decoder: DecoderOptions,
  profile: NormalizationProfile,
): FusionTuning {
  const grid: FusionTuning['grid'] = [];
  let best = { lmWeight: decoder.lmWeight, wordBonus: decoder.beam.wordBonus, wer: Infinity };
  for (const lmWeight of LM_WEIGHT_GRID) {
    for (const wordBonus of WORD_BONUS_GRID) {
      const d: DecoderOptions = { ...decoder, lmWeight, beam: { ...decoder.beam, wordBonus } };
      const wer = evaluatePosteriors(card, items, posts, d, profile).score.wer;
      grid.push({ lmWeight, wordBonus, wer });
      const w = wer ?? Infinity;
      if (
        w < best.wer - 1e-12 ||
        (Math.abs(w - best.wer) <= 1e-12 &&
          Math.abs(wordBonus) < Math.abs(best.wordBonus) &&
          lmWeight <= best.lmWeight)
      ) {
        best = { lmWeight, wordBonus, wer: w };
      }
    }
  }
  return { lmWeight: best.lmWeight, wordBonus: best.wordBonus, grid };
}

/** At most this many of the grammar's words a model cannot emit are named in a warning. */
export const MAX_NAMED_GRAMMAR_WORDS = 3;

/**
 * Warnings about a decoder set-up for a model: grammar words a word-level model cannot emit (such a
 * branch of the grammar can never be recognised). The warning goes into responses and reports, so it
 * gives the count and names at most MAX_NAMED_GRAMMAR_WORDS words (of a file that parsed as a
 * grammar), never the whole file.
 */
export function decoderWarnings(d: DecoderOptions, card: ModelCard): string[] {
  if (!d.grammar || card.tokens.unit !== 'word') return [];
  const known = new Set(card.tokens.inventory);
  const missing = [...d.grammar.vocabulary].filter((w) => !known.has(w)).sort();
  if (!missing.length) return [];
  const named =
    missing.slice(0, MAX_NAMED_GRAMMAR_WORDS).join(', ') +
    (missing.length > MAX_NAMED_GRAMMAR_WORDS ? ', ...' : '');
  return [
    `${missing.length} grammar word${missing.length === 1 ? '' : 's'} the model cannot emit (never recognised): ${named}`,
  ];
}
