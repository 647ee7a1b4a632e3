/**
 * Report files written beside report.json: per-utterance CSV (csv-stringify), sclite `trn` files
 * (reference and hypotheses, so a user can re-score with `sclite -r ref.trn trn -h hyp.trn trn`), and a
 * self-contained HTML report with a coloured before/after alignment view.
 */
import { stringify } from 'csv-stringify/sync';
import path from 'node:path';
import type { AlignedPair } from './align';
import type { Report, SetReport, UtteranceRow } from './report';
import { writeFileAtomic, writeJsonAtomic } from '../util/atomic';
import { writeRunComplete } from './run-complete';

const fmt = (x: number | null | undefined): string => (x === null || x === undefined ? '' : x.toFixed(4));

/** Per-utterance CSV: one row per utterance and set. */
export function utterancesCsv(rows: UtteranceRow[]): string {
  const header = [
    'set',
    'id',
    'speaker',
    'accent',
    'reference',
    'hyp_before',
    'wer_before',
    'S_before',
    'D_before',
    'I_before',
    'hyp_after',
    'wer_after',
    'S_after',
    'D_after',
    'I_after',
  ];
  const body = rows.map((r) => [
    r.set,
    r.id,
    r.speaker ?? '',
    r.accent ?? '',
    r.reference,
    r.before.hypothesis,
    fmt(r.before.wer),
    r.before.substitutions,
    r.before.deletions,
    r.before.insertions,
    r.after?.hypothesis ?? '',
    fmt(r.after?.wer),
    r.after?.substitutions ?? '',
    r.after?.deletions ?? '',
    r.after?.insertions ?? '',
  ]);
  return stringify([header, ...body]);
}

/** sclite utterance id: "(speaker-utterance)" with characters sclite treats specially replaced. */
function trnId(r: UtteranceRow): string {
  const clean = (s: string) => s.replace(/[()\s-]/g, '_');
  return `(${clean(r.speaker ?? 'spk')}-${clean(r.id)})`;
}

/** A trn file: one `words (speaker-id)` line per utterance. */
export function trn(rows: UtteranceRow[], side: 'reference' | 'before' | 'after'): string {
  return (
    rows
      .map((r) => {
        const text =
          side === 'reference'
            ? r.reference
            : side === 'before'
              ? r.before.hypothesis
              : (r.after?.hypothesis ?? '');
        return `${text} ${trnId(r)}`;
      })
      .join('\n') + '\n'
  );
}

const esc = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const pct = (x: number | null | undefined): string =>
  x === null || x === undefined ? 'n/a' : `${(x * 100).toFixed(2)}%`;
/** A WER difference in points, signed. */
const pts = (x: number): string => `${x > 0 ? '+' : ''}${(x * 100).toFixed(2)}`;

function alignmentHtml(a: AlignedPair[]): string {
  if (a.length === 0) return '<span class="muted">(empty)</span>';
  return a
    .map((p) => {
      if (p.op === 'C') return `<span class="c">${esc(p.ref!)}</span>`;
      if (p.op === 'S')
        return `<span class="s" title="substitution">${esc(p.ref!)}&rarr;${esc(p.hyp!)}</span>`;
      if (p.op === 'D') return `<span class="d" title="deletion">${esc(p.ref!)}</span>`;
      return `<span class="i" title="insertion">+${esc(p.hyp!)}</span>`;
    })
    .join(' ');
}

function setHtml(title: string, s: SetReport, rows: UtteranceRow[]): string {
  const line = (label: string, c: SetReport['before']) =>
    `<tr><td>${label}</td><td><b>${pct(c.wer)}</b></td><td>${c.substitutions}</td><td>${c.deletions}</td><td>${c.insertions}</td><td>${c.reference_words}</td><td>${pct(c.mean_utterance_wer)}</td><td>${pct(c.median_utterance_wer)}</td><td>${c.utterances}</td></tr>`;
  const cmp = s.comparison
    ? `<p class="verdict">Change ${pts(s.comparison.change.value)} WER points (95% CI ${pts(s.comparison.change.lo)} to ${pts(s.comparison.change.hi)}),
       P(adapted better) = ${s.comparison.prob_after_better.toFixed(3)}: <b>${esc(s.comparison.verdict)}</b>
       (paired bootstrap, ${s.comparison.resamples} resamples, seed ${s.comparison.seed})</p>`
    : '';
  const groupRows = (g: SetReport['by_speaker']) =>
    Object.entries(g.before)
      .map(
        ([k, v]) =>
          `<tr><td>${esc(k)}</td><td>${pct(v.wer)}</td>${g.after ? `<td>${pct(g.after[k]?.wer)}</td>` : ''}<td>${v.reference_words}</td></tr>`,
      )
      .join('');
  const groupHead = s.after ? '<th>WER before</th><th>WER after</th>' : '<th>WER</th>';
  const errs = s.errors.after ?? s.errors.before;
  const conf = errs.confusions
    .slice(0, 10)
    .map((c) => `<li>${esc(c.reference)} &rarr; ${esc(c.hypothesis)}: ${c.count}</li>`)
    .join('');
  const list = (xs: { word: string; count: number }[]) =>
    xs
      .slice(0, 10)
      .map((x) => `<li>${esc(x.word)}: ${x.count}</li>`)
      .join('') || '<li>none</li>';
  const utts = rows
    .map(
      (r) =>
        `<tr><td>${esc(r.id)}</td><td>${esc(r.speaker ?? '')}</td><td>${pct(r.before.wer)}<br>${alignmentHtml(r.before.alignment)}</td>${
          r.after ? `<td>${pct(r.after.wer)}<br>${alignmentHtml(r.after.alignment)}</td>` : ''
        }</tr>`,
    )
    .join('');
  return `<h2>${esc(title)}</h2><p class="muted">${esc(s.manifest)}</p>
<table><thead><tr><th></th><th>WER (pooled)</th><th>S</th><th>D</th><th>I</th><th>N</th><th>mean utt. WER</th><th>median utt. WER</th><th>utts</th></tr></thead>
<tbody>${line('before', s.before)}${s.after ? line('after', s.after) : ''}</tbody></table>${cmp}
<h3>Per speaker</h3><table><thead><tr><th>speaker</th>${groupHead}<th>N</th></tr></thead><tbody>${groupRows(s.by_speaker)}</tbody></table>
<h3>Per accent</h3><table><thead><tr><th>accent</th>${groupHead}<th>N</th></tr></thead><tbody>${groupRows(s.by_accent)}</tbody></table>
<h3>Most frequent errors${s.errors.after ? ' (after)' : ''}</h3>
<div class="cols"><div><b>confusions</b><ul>${conf || '<li>none</li>'}</ul></div><div><b>insertions</b><ul>${list(errs.insertions)}</ul></div><div><b>deletions</b><ul>${list(errs.deletions)}</ul></div></div>
<h3>Utterances</h3><table class="utts"><thead><tr><th>id</th><th>speaker</th><th>before</th>${rows[0]?.after ? '<th>after</th>' : ''}</tr></thead><tbody>${utts}</tbody></table>`;
}

/** A self-contained HTML page (inline CSS, no scripts, no external resources). */
export function reportHtml(r: Report): string {
  const test = setHtml(
    'Test set',
    r.test,
    r.utterances.filter((u) => u.set === 'test'),
  );
  const source = r.source_test
    ? setHtml(
        'Source test set (forgetting)',
        r.source_test,
        r.utterances.filter((u) => u.set === 'source_test'),
      )
    : '';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>WER report: ${esc(r.model.name)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem;color:#222}table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top}
.c{color:#222}.s{background:#fde2a6}.d{background:#f8c4c4;text-decoration:line-through}.i{background:#c9e7c9}.muted{color:#777}.verdict{font-size:1.05rem}.cols{display:flex;gap:3rem}
</style></head><body>
<h1>WER report</h1>
<p>Model <b>${esc(r.model.name)}</b>${r.adapted_model ? ` adapted to <b>${esc(r.adapted_model.name)}</b>` : ''}; backend ${esc(r.backend)}; normalisation "${esc(r.scoring.normalization.name)}"; ${esc(r.scoring.alignment)}; ${esc(r.created)}.</p>
<p class="muted">Legend: <span class="s">ref&rarr;hyp</span> substitution, <span class="d">word</span> deletion, <span class="i">+word</span> insertion.</p>
${test}${source}
</body></html>
`;
}

/**
 * Write report.json's companions into outDir: utterances.csv, report.html, and trn/ with ref and
 * hypothesis files per set (test, source_test).
 */
export async function writeReportFiles(outDir: string, r: Report): Promise<string[]> {
  const written: string[] = [];
  const put = async (rel: string, text: string) => {
    await writeFileAtomic(path.join(outDir, rel), text);
    written.push(rel);
  };
  await put('utterances.csv', utterancesCsv(r.utterances));
  await put('report.html', reportHtml(r));
  for (const set of ['test', 'source_test'] as const) {
    const rows = r.utterances.filter((u) => u.set === set);
    if (rows.length === 0) continue;
    await put(`trn/${set}.ref.trn`, trn(rows, 'reference'));
    await put(`trn/${set}.hyp-before.trn`, trn(rows, 'before'));
    if (rows[0].after) await put(`trn/${set}.hyp-after.trn`, trn(rows, 'after'));
  }
  return written;
}

/**
 * Write report.json and its companions (see writeReportFiles) into outDir, then, last of all, the
 * run-completion marker (run-complete.ts): the run's last write, so a run killed at any point before
 * it is never taken for a finished one. An adaptation's model/ is written before this is called.
 */
export async function writeReport(outDir: string, r: Report): Promise<void> {
  await writeJsonAtomic(path.join(outDir, 'report.json'), r);
  const files = await writeReportFiles(outDir, r);
  await writeRunComplete(outDir, r.command, [
    'report.json',
    ...files,
    ...(r.command === 'adapt' ? ['model/'] : []),
  ]);
}
