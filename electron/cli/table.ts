/** Readable result tables for the terminal (cli-table3). */
import Table from 'cli-table3';
import type { Report } from '../engine';
import type { ReportAdaptation, ReportDecoder } from '../engine/score/report';
import type { CorpusScore } from '../engine/score';
import type { SynthesizerInfo } from '../engine/synth';

const pct = (x: number | null): string => (x === null ? 'n/a' : `${(x * 100).toFixed(2)}%`);

function row(label: string, s: CorpusScore): string[] {
  return [
    label,
    pct(s.wer),
    String(s.substitutions),
    String(s.deletions),
    String(s.insertions),
    String(s.reference_words),
    pct(s.cer),
    String(s.utterances),
  ];
}

/** One line for the decoder block of a report. */
function describe(d: ReportDecoder): string {
  if (d.kind !== 'beam') return 'greedy';
  const parts = [`beam ${d.beam_width}`];
  if (d.grammar) parts.push('grammar');
  if (d.lm) parts.push(`${d.lm.order}-gram LM (weight ${d.lm.weight}, word bonus ${d.word_bonus})`);
  if (d.lexicon) parts.push(`lexicon of ${d.lexicon} words`);
  return parts.join(' + ');
}

/**
 * One line for what an adaptation did, from report.json's `adaptation` block, e.g.
 * "adaptation: finetune (top 4 + input transform), KL 1: 249,203 of 356,979 parameters train;
 * 8 utterances + 16 re-spliced; 15 epochs; 45 steps in all, 2 threads".
 */
export function describeAdaptation(a: ReportAdaptation): string {
  const count = (x: number): string => x.toLocaleString('en-US');
  const detail =
    a.method === 'finetune'
      ? ` (top ${a.top_layers}${a.input_transform ? ' + input transform' : ''})`
      : a.method === 'adapters'
        ? ` (bottleneck ${a.bottleneck})`
        : '';
  const extras = [
    a.embedding_layers ? `+ ${a.embedding_layers} embedding conv layers` : '',
    a.kl_weight ? `KL ${a.kl_weight}` : '',
    a.spec_augment ? 'SpecAugment' : '',
    a.renormalization ? 'renormalised' : '',
    a.unlabelled_use === 'none' ? 'unlabelled audio ignored' : '',
  ].filter(Boolean);
  const data = [
    `${count(a.adaptation_utterances)} utterances`,
    a.augmented_copies ? `${count(a.augmented_copies)} speed/noise copies` : '',
    a.respliced_utterances ? `${count(a.respliced_utterances)} re-spliced` : '',
    a.source_mix_utterances ? `${count(a.source_mix_utterances)} source-mix` : '',
    a.pseudo_labels.length
      ? `pseudo-labels kept ${a.pseudo_labels.map((p) => `${p.kept}/${p.of}`).join(', ')} (by round)`
      : '',
  ].filter(Boolean);
  const run = a.epoch_log.length;
  const schedule = a.held_out_utterances
    ? `early stopping on ${a.held_out_utterances} held-out utterances chose epoch ${a.best_epoch} of ${run}${a.refit_epoch_log ? ', then a refit on all' : ''}`
    : `${run} epochs`;
  const threads = a.training_threads;
  return (
    `adaptation: ${a.method}${detail}${extras.length ? `, ${extras.join(', ')}` : ''}: ${count(a.trainable_params)} of ${count(a.total_params)} parameters train; ` +
    `${data.join(' + ')}${a.resplice && !a.respliced_utterances ? ' (none re-spliced: no multi-word utterances)' : ''}; ${schedule}; ${count(a.steps)} steps in all, ${threads} thread${threads === 1 ? '' : 's'}`
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
  const lines = [
    `model: ${r.model.name}${r.adapted_model ? ` -> ${r.adapted_model.name}` : ''}   backend: ${r.backend}`,
    t.toString(),
  ];
  for (const [name, set] of [
    ['test', r.test],
    ['source test', r.source_test],
  ] as const) {
    const c = set?.comparison;
    if (!set || !c) continue;
    const rel = c.before.value > 0 ? (-c.change.value / c.before.value) * 100 : 0;
    lines.push(
      `${name}: WER ${pct(c.before.value)} [${pct(c.before.lo)}, ${pct(c.before.hi)}] -> ${pct(c.after.value)} [${pct(c.after.lo)}, ${pct(c.after.hi)}]; ` +
        `change ${c.change.value > 0 ? '+' : ''}${(c.change.value * 100).toFixed(2)} points [${(c.change.lo * 100).toFixed(2)}, ${(c.change.hi * 100).toFixed(2)}] ` +
        `${c.before.value > 0 ? `(${rel >= 0 ? `${rel.toFixed(1)}% relative reduction` : `${(-rel).toFixed(1)}% relative rise`}), ` : '; '}P(adapted better) ${c.prob_after_better.toFixed(3)}: ${c.verdict}`,
    );
  }
  if (r.test.comparison)
    lines.push(
      `  (95% intervals: paired bootstrap over utterances, ${r.test.comparison.resamples} resamples, seed ${r.test.comparison.seed})`,
    );
  if (r.adaptation) lines.push(describeAdaptation(r.adaptation));
  if (r.decoder) lines.push(`decoder: ${describe(r.decoder)}`);
  lines.push(
    `normalisation: ${r.scoring.normalization.name}${r.scoring.normalization.rules.length ? ` (${r.scoring.normalization.rules.join('; ')})` : ''}`,
  );
  const s = r.seconds;
  if (r.command === 'adapt')
    lines.push(
      `time: features ${s.features.toFixed(1)} s, adaptation ${s.adaptation.toFixed(1)} s, scoring ${s.scoring.toFixed(1)} s, total ${s.total.toFixed(1)} s`,
    );
  else if (r.command === 'evaluate')
    lines.push(
      `time: features ${s.features.toFixed(1)} s, recognition and scoring ${s.scoring.toFixed(1)} s, total ${s.total.toFixed(1)} s`,
    );
  return lines.join('\n');
}

/** The synthesizers available here (the `synthesizers` command). */
export function formatSynthesizers(rows: SynthesizerInfo[]): string {
  const t = new Table({
    head: ['name', 'version', 'licence', 'voices', 'languages'],
    style: { head: [], border: [] },
    colWidths: [null, 40, null, null, 50],
    wordWrap: true,
  });
  for (const r of rows)
    t.push([
      r.name,
      r.version,
      r.licence,
      String(r.voiceCount),
      r.languages.length > 12
        ? `${r.languages.length} languages: ${r.languages.slice(0, 12).join(', ')}, ...`
        : r.languages.join(', '),
    ]);
  return t.toString();
}
