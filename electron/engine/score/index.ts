/**
 * Scoring stage: word error rate (WER) and character error rate (CER) of hypotheses against
 * references, pooled over the test set: WER = (S + D + I) / N summed over utterances, not a mean of
 * utterance WERs.
 */
import { addCounts, align, errorRate, type AlignedPair, type ErrorCounts } from './align';
import { normalizeText, PROFILES, type NormalizationProfile } from './normalize';

export {
  align,
  addCounts,
  errorRate,
  type AlignedPair,
  type Alignment,
  type ErrorCounts,
  type AlignOp,
} from './align';
export {
  PROFILES,
  loadProfile,
  normalizeText,
  describeProfile,
  type NormalizationProfile,
  type ProfileName,
} from './normalize';

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
  /** Mean of per-utterance WERs (utterances with an empty reference excluded). Not the headline figure. */
  mean_utterance_wer: number | null;
  /** Median of per-utterance WERs (same exclusion). Not the headline figure. */
  median_utterance_wer: number | null;
  /** Utterances whose reference is empty after normalisation (no utterance WER; insertions still count). */
  empty_references: number;
}

/**
 * Score one utterance: normalise both sides with the profile (default "basic"), align, count.
 * An empty reference gives wer = null; an empty hypothesis gives all deletions.
 */
export function scoreUtterance(
  u: { id: string; reference: string; hypothesis: string; speaker?: string; accent?: string },
  profile: NormalizationProfile = PROFILES.basic,
): UtteranceScore {
  const r = normalizeText(u.reference, profile);
  const h = normalizeText(u.hypothesis, profile);
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

function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Pool utterance scores into test-set figures (independent of utterance order). */
export function poolScores(utts: UtteranceScore[]): CorpusScore {
  const w = addCounts(utts.map((u) => u.words));
  const c = addCounts(utts.map((u) => u.chars));
  const uttWers = utts.map((u) => u.wer).filter((x): x is number => x !== null);
  return {
    wer: errorRate(w),
    substitutions: w.substitutions,
    deletions: w.deletions,
    insertions: w.insertions,
    reference_words: w.referenceWords,
    cer: errorRate(c),
    utterances: utts.length,
    sentence_correct: utts.filter((u) => u.reference === u.hypothesis).length,
    mean_utterance_wer: uttWers.length ? uttWers.reduce((a, b) => a + b, 0) / uttWers.length : null,
    median_utterance_wer: median(uttWers),
    empty_references: utts.length - uttWers.length,
  };
}

/** Pooled scores per group (speaker or accent), groups sorted by name; missing keys group as "(unknown)". */
export function groupScores(utts: UtteranceScore[], key: 'speaker' | 'accent'): Record<string, CorpusScore> {
  const groups = new Map<string, UtteranceScore[]>();
  for (const u of utts) {
    const k = u[key] ?? '(unknown)';
    groups.set(k, [...(groups.get(k) ?? []), u]);
  }
  return Object.fromEntries([...groups.keys()].sort().map((k) => [k, poolScores(groups.get(k)!)]));
}
