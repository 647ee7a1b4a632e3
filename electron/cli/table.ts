/** Readable result tables for the terminal (cli-table3). */
import Table from 'cli-table3';
import type { Report } from '../engine';
import type { CorpusScore } from '../engine/score';

const pct = (x: number | null): string => (x === null ? 'n/a' : `${(x * 100).toFixed(2)}%`);

function row(label: string, s: CorpusScore): string[] {
  return [label, pct(s.wer), String(s.substitutions), String(s.deletions), String(s.insertions), String(s.reference_words), pct(s.cer), String(s.utterances)];
}

/** Format a report as a table of WER with S/D/I/N, before and after, plus timings. */
export function formatReport(r: Report): string {
  const t = new Table({ head: ['set', 'WER', 'S', 'D', 'I', 'N', 'CER', 'utts'], style: { head: [], border: [] } });
  t.push(row('test before', r.test.before));
  if (r.test.after) t.push(row('test after', r.test.after));
  if (r.source_test) {
    t.push(row('source before', r.source_test.before));
    if (r.source_test.after) t.push(row('source after', r.source_test.after));
  }
  const lines = [`model: ${r.model.name}   backend: ${r.backend}`, t.toString()];
  if (r.test.after && r.test.before.wer !== null && r.test.after.wer !== null) {
    const d = r.test.after.wer - r.test.before.wer;
    const rel = r.test.before.wer > 0 ? (-d / r.test.before.wer) * 100 : 0;
    lines.push(`test WER ${pct(r.test.before.wer)} -> ${pct(r.test.after.wer)} (${d <= 0 ? '' : '+'}${(d * 100).toFixed(2)} points, ${rel.toFixed(1)}% relative reduction)`);
  }
  const s = r.seconds;
  lines.push(`time: features ${s.features.toFixed(1)} s, adaptation ${s.adaptation.toFixed(1)} s, scoring ${s.scoring.toFixed(1)} s, total ${s.total.toFixed(1)} s`);
  return lines.join('\n');
}
