/**
 * Hugging Face `audiofolder` datasets, import and export: a folder with `metadata.csv` or
 * `metadata.jsonl` whose `file_name` column points at audio files relative to the metadata file,
 * and a transcript column (`transcription`, `sentence`, `text` or `transcript`, first found).
 * Speaker: `speaker_id`, `speaker` or `client_id`; accent: `accent` or `accents`. Other columns go
 * to `meta`. Split folders (`train/metadata.csv`, `test/...`) one level down are read too, with the
 * split name in `meta.split`. Id: an `id` column if present, else the audio file's base name.
 * https://huggingface.co/docs/datasets/audio_dataset#audiofolder
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
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

const TEXT_COLUMNS = ['transcription', 'sentence', 'text', 'transcript'];
const SPEAKER_COLUMNS = ['speaker_id', 'speaker', 'client_id'];
const ACCENT_COLUMNS = ['accent', 'accents'];

async function findMetadata(dir: string): Promise<{ file: string; split?: string }[]> {
  const found: { file: string; split?: string }[] = [];
  const pick = async (d: string, split?: string) => {
    const names = await readdir(d);
    const f = names.includes('metadata.csv')
      ? 'metadata.csv'
      : names.includes('metadata.jsonl')
        ? 'metadata.jsonl'
        : undefined;
    if (f) found.push({ file: path.join(d, f), split });
  };
  await pick(dir);
  if (found.length === 0) {
    for (const e of await readdir(dir, { withFileTypes: true }))
      if (e.isDirectory()) await pick(path.join(dir, e.name), e.name);
  }
  return found;
}

/**
 * Rows of a metadata file as string-keyed records; bad rows are reported in `skipped`.
 * @param root the dataset folder the file must stay in (also through links), or undefined (allowOutside)
 * @throws Error `"<file>: metadata file \"metadata.csv\" is a link to ..., outside the imported folder; ..."`
 */
async function readRows(
  file: string,
  c: ImportCollector,
  root: string | undefined,
): Promise<{ row: Record<string, unknown>; where: string }[]> {
  const read = await readTextInside(file, root, 'metadata file');
  if ('reason' in read) throw new Error(`${file}: ${read.reason}`);
  const { text, note } = read;
  if (note) c.warn(file, note);
  const out: { row: Record<string, unknown>; where: string }[] = [];
  if (file.endsWith('.jsonl')) {
    text.split(/\r?\n/).forEach((line, i) => {
      if (!line.trim()) return;
      try {
        const v = JSON.parse(line);
        if (v && typeof v === 'object' && !Array.isArray(v)) out.push({ row: v, where: `${file}:${i + 1}` });
        else c.skip(`${file}:${i + 1}`, 'line is not a JSON object');
      } catch {
        c.skip(`${file}:${i + 1}`, 'line is not valid JSON'); // never quote the line (JSON.parse's message does)
      }
    });
    return out;
  }
  let rows: Record<string, string>[];
  try {
    rows = parse(text, {
      columns: true,
      skip_empty_lines: true,
      relax_column_count: true,
      skip_records_with_error: true,
      on_skip: (err) => {
        c.skip(
          `${file}:${err?.lines ?? '?'}`,
          `CSV row could not be read (${err?.code ?? 'unknown error'})` /* csv-parse's message quotes the row */,
        );
        return undefined;
      },
    }) as Record<string, string>[];
  } catch (err) {
    c.skip(file, `CSV file could not be read (${(err as Error).message})`);
    return out;
  }
  // Line numbers: header is line 1; rows with embedded newlines make this approximate, so name the row.
  rows.forEach((row, i) => out.push({ row, where: `${file}: row ${i + 1}` }));
  return out;
}

const first = (row: Record<string, unknown>, cols: string[]): [string | undefined, unknown] => {
  for (const k of cols) if (row[k] !== undefined && row[k] !== null && row[k] !== '') return [k, row[k]];
  return [undefined, undefined];
};

/**
 * Import an audiofolder dataset.
 * @param dir the dataset folder
 * @throws Error `"<dir>: folder not found"` or `"<dir>: no metadata.csv or metadata.jsonl"`
 */
export async function importHfAudiofolder(dir: string, options: ImportOptions = {}): Promise<ImportResult> {
  const root = path.resolve(dir);
  if (!(await isDirectory(root))) throw new Error(`${root}: folder not found`);
  const metas = await findMetadata(root);
  if (metas.length === 0)
    throw new Error(`${root}: no metadata.csv or metadata.jsonl (a Hugging Face audiofolder needs one)`);
  const c = new ImportCollector(options);
  for (const { file, split } of metas) {
    for (const { row, where } of await readRows(file, c, options.allowOutside ? undefined : root)) {
      const fileName = row.file_name;
      if (typeof fileName !== 'string' || !fileName) {
        c.skip(where, 'no file_name');
        continue;
      }
      const [textCol, transcript] = first(row, TEXT_COLUMNS);
      const [spkCol, speaker] = first(row, SPEAKER_COLUMNS);
      const [accCol, accent] = first(row, ACCENT_COLUMNS);
      const resolved = await resolveAudioPath(
        path.dirname(file),
        fileName,
        options.allowOutside ? undefined : root,
      );
      if ('reason' in resolved) {
        c.skip(where, resolved.reason);
        continue;
      }
      const meta: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(row))
        if (!['file_name', 'id', textCol, spkCol, accCol].includes(k)) meta[k] = v;
      if (split) meta.split = split;
      const id = typeof row.id === 'string' && row.id ? row.id : stem(fileName);
      c.add(
        {
          id,
          audioPath: resolved.path,
          durationSec: 0,
          text: transcript === undefined ? '' : String(transcript).trim(),
          speaker: speaker === undefined ? undefined : String(speaker),
          accent: accent === undefined ? undefined : String(accent),
          meta,
        },
        where,
      );
    }
  }
  return c.result();
}

/**
 * Export as an audiofolder: `<outDir>/metadata.csv` (file_name, transcription, speaker_id, accent,
 * then string/number metadata columns) and audio in `<outDir>/audio/<id>.<ext>`. Segments of longer
 * files are skipped (audiofolder has no offsets), and so are utterances whose id or speaker cannot be
 * a file name (see exportable).
 * @throws Error when outDir is not empty, or a copy/write fails
 */
export async function exportHfAudiofolder(all: Utterance[], outDir: string): Promise<ExportResult> {
  const w = await ExportWriter.create(outDir);
  const { utterances, skipped } = exportable(all);
  const metaCols = new Set<string>();
  for (const u of utterances)
    for (const [k, v] of Object.entries(u.meta))
      if (typeof v === 'string' || typeof v === 'number') metaCols.add(k);
  const base = ['file_name', 'transcription', 'speaker_id', 'accent'];
  const cols = [...base, ...[...metaCols].filter((k) => !base.includes(k) && k !== 'id')];
  const rows: string[][] = [];
  for (const u of utterances) {
    if (u.offsetSec !== undefined) {
      skipped.push({ file: u.audioPath, reason: segmentReason(u, 'audiofolder') });
      continue;
    }
    const rel = `audio/${audioNameFor(u)}`;
    await w.copyAudio(u.audioPath, rel);
    const m = u.meta as Record<string, unknown>;
    rows.push(
      cols.map((k) =>
        k === 'file_name'
          ? rel
          : k === 'transcription'
            ? u.text
            : k === 'speaker_id'
              ? (u.speaker ?? '')
              : k === 'accent'
                ? (u.accent ?? '')
                : m[k] === undefined
                  ? ''
                  : String(m[k]),
      ),
    );
  }
  await w.writeText('metadata.csv', stringify(rows, { header: true, columns: cols }));
  return { outDir: w.outDir, exported: rows.length, skipped };
}
