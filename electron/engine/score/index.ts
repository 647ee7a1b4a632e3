/**
 * Scoring stage: word error rate (WER) and character error rate (CER) of hypotheses against
 * references, pooled over the test set: WER = (S + D + I) / N summed over utterances, not a mean of
 * utterance WERs.
 */
import { words } from '../model/tokens';
import { addCounts, align, errorRate, type AlignedPair, type ErrorCounts } from './align';

export { align, addCounts, errorRate, type AlignedPair, type Alignment, type ErrorCounts, type AlignOp } from './align';

/** Scored utterance. */
export interface UtteranceScore {
  id: string;
  reference: string;
  hypothesis: string;
  speaker?: string;
  accent?: string;
  words: ErrorCounts;
  chars: ErrorCounts;
  /** Utterance WER; null when the reference has no words. */
  wer: number | null;
  alignment: AlignedPair[];
}

/** Pooled result over a test set. */
export interface CorpusScore {
  /** Pooled WER (S + D + I) / N; null when the references hold no words. */
  wer: number | null;
  substitutions: number;
  deletions: number;
  insertions: number;
  reference_words: number;
  /** Pooled CER over characters (spaces between words count as characters). */
  cer: number | null;
  utterances: number;
  /** Utterances whose hypothesis equals the reference. */
  sentence_correct: number;
}

/** Text is lower-cased and split on whitespace; the same for reference and hypothesis. */
function tokensOf(text: string): string[] {
  return words(text.toLowerCase());
}

/** Score one utterance. */
export function scoreUtterance(
  u: { id: string; reference: string; hypothesis: string; speaker?: string; accent?: string },
): UtteranceScore {
  const r = tokensOf(u.reference);
  const h = tokensOf(u.hypothesis);
  const a = align(r, h);
  const c = align([...r.join(' ')], [...h.join(' ')]);
  const { pairs, ...wordCounts } = a;
  const { pairs: _charPairs, ...charCounts } = c;
  void _charPairs;
  return {
    id: u.id,
    reference: r.join(' '),
    hypothesis: h.join(' '),
    speaker: u.speaker,
    accent: u.accent,
    words: wordCounts,
    chars: charCounts,
    wer: errorRate(wordCounts),
    alignment: pairs,
  };
}

/** Pool utterance scores into test-set figures. */
export function poolScores(utts: UtteranceScore[]): CorpusScore {
  const w = addCounts(utts.map((u) => u.words));
  const c = addCounts(utts.map((u) => u.chars));
  return {
    wer: errorRate(w),
    substitutions: w.substitutions,
    deletions: w.deletions,
    insertions: w.insertions,
    reference_words: w.referenceWords,
    cer: errorRate(c),
    utterances: utts.length,
    sentence_correct: utts.filter((u) => u.reference === u.hypothesis).length,
  };
}
