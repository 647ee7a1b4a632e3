/**
 * Mozilla Common Voice TSV, import and export: `path` (audio file name, looked up in the `clips/`
 * folder beside the TSV, else beside the TSV itself), `sentence`, `client_id` (speaker),
 * `accents` (or the older `accent`); other columns (`age`, `gender`, `locale`, `up_votes`, ...) go to
 * `meta`. The files are tab-separated without quoting (a `"` in a sentence is literal). Id: the
 * audio file's base name (`common_voice_en_123`).
 */
import path from 'node:path';
import { readdir } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import type { Utterance } from './manifest';
import {
  audioNameFor,
  ExportWriter,
  exportable,
  ImportCollector,
  isDirectory,
  readTextInside,
  resolveAudioPath,
  segmentReason,
  stem,
  type ExportResult,
  type ImportOptions,
  type ImportResult,
} from './common';
import { readTextFile } from '../util/files';

/** TSVs tried, in order, when a Common Voice folder (not a file) is given. */
export const CV_DEFAULT_TSVS = ['validated.tsv', 'train.tsv', 'dev.tsv', 'test.tsv'];
const CORE = ['path', 'sentence', 'client_id', 'accents', 'accent'];

/**
 * Import a Common Voice TSV.
 * @param source a TSV file, or a Common Voice folder (the first of CV_DEFAULT_TSVS found is read)
 * @throws Error `"<source>: not found"`, `"<dir>: no Common Voice TSV (...)"`, or
 *   `"<file>: no 'path' column ..."` when the header is not Common Voice's
 */
export async function importCommonVoice(source: string, options: ImportOptions = {}): Promise<ImportResult> {
  let file = path.resolve(source);
  let read: { text: string; note?: string };
  if (await isDirectory(file)) {
    const names = await readdir(file);
    const hit = CV_DEFAULT_TSVS.find((n) => names.includes(n));
    if (!hit) throw new Error(`${file}: no Common Voice TSV (looked for ${CV_DEFAULT_TSVS.join(', ')})`);
    const dir = file;
    file = path.join(dir, hit);
    // A TSV found in the folder may not be a link leaving it (one named on the command line may).
    const r = await readTextInside(file, options.allowOutside ? undefined : dir, 'Common Voice TSV');
    if ('reason' in r) throw new Error(`${file}: ${r.reason}`);
    read = r;
  } else read = await readTextFile(file, 'Common Voice TSV');
  const { text, note } = read;
  const c = new ImportCollector(options);
  if (note) c.warn(file, note);
  const dir = path.dirname(file);
  const clips = (await isDirectory(path.join(dir, 'clips'))) ? path.join(dir, 'clips') : dir;
  const lines = text.split(/\r?\n/);
  const header = (lines[0] ?? '').split('\t').map((h) => h.trim());
  if (!header.includes('path') || !header.includes('sentence')) {
    throw new Error(
      `${file}: no 'path' and 'sentence' columns in the header (line 1 has ${header.filter(Boolean).length} tab-separated columns); not a Common Voice TSV`,
    ); // never quote the line
  }
  for (let i = 1; i < lines.length; i++) {
    if (!lines[i].trim()) continue;
    const where = `${file}:${i + 1}`;
    let cells: string[];
    try {
      cells =
        (parse(lines[i], { delimiter: '\t', quote: false, relax_column_count: true }) as string[][])[0] ?? [];
    } catch (err) {
      c.skip(where, `row could not be read (${(err as Error).message})`);
      continue;
    }
    const row: Record<string, string> = {};
    header.forEach((h, k) => (row[h] = cells[k] ?? ''));
    if (!row.path) {
      c.skip(where, 'empty path');
      continue;
    }
    const resolved = await resolveAudioPath(clips, row.path, options.allowOutside ? undefined : dir);
    if ('reason' in resolved) {
      c.skip(where, resolved.reason);
      continue;
    }
    const meta: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(row)) if (!CORE.includes(k) && v !== '') meta[k] = v;
    const accent = row.accents || row.accent;
    c.add(
      {
        id: stem(row.path),
        audioPath: resolved.path,
        durationSec: 0,
        text: row.sentence.trim(),
        speaker: row.client_id || undefined,
        accent: accent || undefined,
        meta,
      },
      where,
    );
  }
  return c.result();
}

const CV_COLUMNS = [
  'client_id',
  'path',
  'sentence',
  'up_votes',
  'down_votes',
  'age',
  'gender',
  'accents',
  'locale',
  'segment',
];

/**
 * Export as Common Voice: `<outDir>/validated.tsv` (Common Voice's columns; `age`, `gender`,
 * `locale`, ... from metadata) and audio in `<outDir>/clips/<id>.<ext>`. Tabs and line breaks in a
 * transcript become spaces (the format cannot hold them). Segments are skipped, and so are
 * utterances whose id or speaker cannot be a file name (see exportable).
 * @throws Error when outDir is not empty, or a copy/write fails
 */
export async function exportCommonVoice(all: Utterance[], outDir: string): Promise<ExportResult> {
  const w = await ExportWriter.create(outDir);
  const { utterances, skipped } = exportable(all);
  const clean = (v: unknown) => (v === undefined || v === null ? '' : String(v).replace(/[\t\r\n]+/g, ' '));
  const lines = [CV_COLUMNS.join('\t')];
  for (const u of utterances) {
    if (u.offsetSec !== undefined) {
      skipped.push({ file: u.audioPath, reason: segmentReason(u, 'Common Voice') });
      continue;
    }
    const name = audioNameFor(u);
    await w.copyAudio(u.audioPath, path.join('clips', name));
    const m = u.meta as Record<string, unknown>;
    const row: Record<string, unknown> = {
      ...m,
      client_id: u.speaker,
      path: name,
      sentence: u.text,
      accents: u.accent,
    };
    lines.push(CV_COLUMNS.map((k) => clean(row[k])).join('\t'));
  }
  await w.writeText('validated.tsv', lines.join('\n') + '\n');
  return { outDir: w.outDir, exported: lines.length - 1, skipped };
}
