/** Readable result tables for the terminal (cli-table3). */
import Table from 'cli-table3';
import type { Report } from '../engine';
import type { CorpusScore } from '../engine/score';

const pct = (x: number | null): string => (x === null ? 'n/a' : `${(x * 100).toFixed(2)}%`);

function row(label: string, s: CorpusScore): string[] {
  return [label, pct(s.wer), String(s.substitutions), String(s.deletions), String(s.insertions), String(s.reference_words), pct(s.cer), String(s.utterances)];
}

/** One line for the decoder block of a report. */
function describe(d: Record<string, unknown>): string {
  if (d.kind !== 'beam') return 'greedy';
  const parts = [`beam ${d.beam_width}`];
  if (d.grammar) parts.push('grammar');
  const lm = d.lm as { order: number; weight: number } | null;
  if (lm) parts.push(`${lm.order}-gram LM (weight ${lm.weight}, word bonus ${d.word_bonus})`);
  if (d.lexicon) parts.push(`lexicon of ${d.lexicon} words`);
  return parts.join(' + ');
}

/**
 * One line for what an adaptation did, from report.json's `adaptation` block, e.g.
 * "adaptation: finetune (top 4 + input transform), KL 1: 249,203 of 356,979 parameters train;
 * 8 utterances + 16 re-spliced; 15 epochs; 45 steps in all, 2 threads".
 */
export function describeAdaptation(a: Record<string, unknown>): string {
  const n = (k: string): number => (typeof a[k] === 'number' ? (a[k] as number) : 0);
  const pseudo = Array.isArray(a.pseudoLabels) ? (a.pseudoLabels as { kept: number; of: number }[]) : [];
  const count = (x: number): string => x.toLocaleString('en-US');
  const method = String(a.method);
  const detail = method === 'finetune' ? ` (top ${n('topLayers')}${a.inputTransform ? ' + input transform' : ''})` : method === 'adapters' ? ` (bottleneck ${n('bottleneck')})` : '';
  const extras = [n('klWeight') ? `KL ${n('klWeight')}` : '', a.specAugment ? 'SpecAugment' : '', a.renormalization ? 'renormalised' : ''].filter(Boolean);
  const data = [
    `${count(n('adaptationUtterances'))} utterances`,
    n('augmentedCopies') ? `${count(n('augmentedCopies'))} speed/noise copies` : '',
    n('resplicedUtterances') ? `${count(n('resplicedUtterances'))} re-spliced` : '',
    n('sourceMixUtterances') ? `${count(n('sourceMixUtterances'))} source-mix` : '',
    pseudo.length ? `pseudo-labels kept ${pseudo.map((p) => `${p.kept}/${p.of}`).join(', ')} (by round)` : '',
  ].filter(Boolean);
  const run = Array.isArray(a.epochLog) ? a.epochLog.length : 0;
  const schedule = n('heldOutUtterances')
    ? `early stopping on ${n('heldOutUtterances')} held-out utterances chose epoch ${n('bestEpoch')} of ${run}${Array.isArray(a.refitEpochLog) ? ', then a refit on all' : ''}`
    : `${run} epochs`;
  const threads = n('trainingThreads');
  return (
    `adaptation: ${method}${detail}${extras.length ? `, ${extras.join(', ')}` : ''}: ${count(n('trainableParams'))} of ${count(n('totalParams'))} parameters train; ` +
    `${data.join(' + ')}${n('resplice') && !n('resplicedUtterances') ? ' (none re-spliced: no multi-word utterances)' : ''}; ${schedule}; ${count(n('steps'))} steps in all, ${threads} thread${threads === 1 ? '' : 's'}`
  );
}

/** Format a report as a table of WER with S/D/I/N, before and after, plus timings. */
export function formatReport(r: Report): string {
  const t = new Table({
    head: ['set', 'WER', 'S', 'D', 'I', 'N', 'CER', 'utts'],
    style: { head: [], border: [] },
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
  });
  t.push(row(r.test.after ? 'test before' : 'test', r.test.before));
  if (r.test.after) t.push(row('test after', r.test.after));
  const speakers = Object.keys(r.test.by_speaker.before);
  if (speakers.length > 1 && speakers.length <= 8) {
    for (const s of speakers) {
      t.push(row(`  ${s}${r.test.by_speaker.after ? ' before' : ''}`, r.test.by_speaker.before[s]));
      if (r.test.by_speaker.after) t.push(row(`  ${s} after`, r.test.by_speaker.after[s]));
    }
  }
  if (r.source_test) {
    t.push(row('source before', r.source_test.before));
    if (r.source_test.after) t.push(row('source after', r.source_test.after));
  }
  const lines = [`model: ${r.model.name}${r.adapted_model ? ` -> ${r.adapted_model.name}` : ''}   backend: ${r.backend}`, t.toString()];
  for (const [name, set] of [['test', r.test], ['source test', r.source_test]] as const) {
    const c = set?.comparison;
    if (!set || !c) continue;
    const rel = c.before.value > 0 ? (-c.change.value / c.before.value) * 100 : 0;
    lines.push(
      `${name}: WER ${pct(c.before.value)} [${pct(c.before.lo)}, ${pct(c.before.hi)}] -> ${pct(c.after.value)} [${pct(c.after.lo)}, ${pct(c.after.hi)}]; ` +
        `change ${c.change.value > 0 ? '+' : ''}${(c.change.value * 100).toFixed(2)} points [${(c.change.lo * 100).toFixed(2)}, ${(c.change.hi * 100).toFixed(2)}] ` +
        `${c.before.value > 0 ? `(${rel >= 0 ? `${rel.toFixed(1)}% relative reduction` : `${(-rel).toFixed(1)}% relative rise`}), ` : '; '}P(adapted better) ${c.prob_after_better.toFixed(3)}: ${c.verdict}`,
    );
  }
  if (r.test.comparison) lines.push(`  (95% intervals: paired bootstrap over utterances, ${r.test.comparison.resamples} resamples, seed ${r.test.comparison.seed})`);
  if (r.adaptation) lines.push(describeAdaptation(r.adaptation));
  if (r.decoder) lines.push(`decoder: ${describe(r.decoder)}`);
  lines.push(`normalisation: ${r.scoring.normalization.name}${r.scoring.normalization.rules.length ? ` (${r.scoring.normalization.rules.join('; ')})` : ''}`);
  const s = r.seconds;
  if (r.command === 'adapt') lines.push(`time: features ${s.features.toFixed(1)} s, adaptation ${s.adaptation.toFixed(1)} s, scoring ${s.scoring.toFixed(1)} s, total ${s.total.toFixed(1)} s`);
  else if (r.command === 'evaluate') lines.push(`time: features ${s.features.toFixed(1)} s, recognition and scoring ${s.scoring.toFixed(1)} s, total ${s.total.toFixed(1)} s`);
  return lines.join('\n');
}
