/** The report written by `evaluate` and `adapt` (report.json), and its console table. */
import type { CorpusScore, UtteranceScore } from './index';

export const REPORT_FORMAT = 'accent-studio-report';
export const REPORT_VERSION = 1;

export interface SetReport {
  manifest: string;
  before: CorpusScore;
  after?: CorpusScore;
}

/** Per-utterance row: reference, hypotheses before/after, counts. */
export interface UtteranceRow {
  set: 'test' | 'source_test';
  id: string;
  speaker?: string;
  accent?: string;
  reference: string;
  before: { hypothesis: string; wer: number | null; substitutions: number; deletions: number; insertions: number; alignment: UtteranceScore['alignment'] };
  after?: { hypothesis: string; wer: number | null; substitutions: number; deletions: number; insertions: number; alignment: UtteranceScore['alignment'] };
}

export interface Report {
  format: typeof REPORT_FORMAT;
  version: number;
  command: 'evaluate' | 'adapt';
  created: string;
  backend: string;
  model: { dir: string; name: string };
  adapted_model?: { dir: string; name: string };
  adaptation?: Record<string, unknown>;
  test: SetReport;
  source_test?: SetReport;
  utterances: UtteranceRow[];
  seconds: { features: number; adaptation: number; scoring: number; total: number };
  notes: string[];
}

/** Build per-utterance rows from before (and optionally after) results of one set. */
export function utteranceRows(set: UtteranceRow['set'], before: UtteranceScore[], after?: UtteranceScore[]): UtteranceRow[] {
  const pick = (u: UtteranceScore) => ({
    hypothesis: u.hypothesis,
    wer: u.wer,
    substitutions: u.words.substitutions,
    deletions: u.words.deletions,
    insertions: u.words.insertions,
    alignment: u.alignment,
  });
  return before.map((b, i) => ({
    set,
    id: b.id,
    speaker: b.speaker,
    accent: b.accent,
    reference: b.reference,
    before: pick(b),
    ...(after ? { after: pick(after[i]) } : {}),
  }));
}
