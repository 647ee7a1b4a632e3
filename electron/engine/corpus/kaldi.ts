/**
 * Kaldi data directories, import and export: `wav.scp` (`<recording-id> <path>`), `text`
 * (`<utterance-id> <transcript>`), `utt2spk` (`<utterance-id> <speaker>`), optional `segments`
 * (`<utterance-id> <recording-id> <start s> <end s>`, end -1 = to the end). Without `segments` the
 * utterance id is the recording id. A piped `wav.scp` entry (`sph2pipe ... |`) and archive entries
 * (`foo.ark:123`) are refused: they need Kaldi's tools to produce audio. Relative paths resolve
 * against the data directory. We also read and write a non-standard `utt2accent` (Kaldi ignores it).
 * https://kaldi-asr.org/doc/data_prep.html
 */
import path from 'node:path';
import { access } from 'node:fs/promises';
import type { Utterance } from './manifest';
import { AudioNamer } from './nemo';
import {
  ExportWriter,
  exportable,
  ImportCollector,
  isDirectory,
  readTextInside,
  resolveAudioPath,
  type ExportResult,
  type ImportOptions,
  type ImportResult,
} from './common';

type Table = Map<string, { value: string; where: string }>;

/**
 * Read a `<key> <value...>` file; missing optional files give an empty table.
 * @param root the data directory the file must stay in (also through links), or undefined (allowOutside)
 * @throws Error `"<file>: Kaldi file not found"` (required files), `"<file>: Kaldi file \"text\" is a
 *   link to ..., outside the imported folder; ..."`, `"<file>: Kaldi file is a folder, expected a file"`
 */
async function readTable(
  file: string,
  c: ImportCollector,
  required: boolean,
  root: string | undefined,
): Promise<Table> {
  const table: Table = new Map();
  if (!required) {
    try {
      await access(file);
    } catch {
      return table;
    }
  }
  const read = await readTextInside(file, root, 'Kaldi file');
  if ('reason' in read) throw new Error(`${file}: ${read.reason}`);
  const { text, note } = read;
  if (note) c.warn(file, note);
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line) return;
    const where = `${file}:${i + 1}`;
    const m = /^(\S+)(?:\s+(.*))?$/.exec(line)!;
    if (table.has(m[1])) {
      c.skip(
        where,
        `duplicate utterance id "${m[1]}" in ${path.basename(file)} (first seen at ${table.get(m[1])!.where})`,
      );
      return;
    }
    table.set(m[1], { value: (m[2] ?? '').trim(), where });
  });
  return table;
}

/**
 * Import a Kaldi data directory.
 * @param dir the data directory
 * @throws Error `"<dir>: folder not found"`, `"<dir>/wav.scp: Kaldi file not found"` or the same for `text`
 */
export async function importKaldi(dir: string, options: ImportOptions = {}): Promise<ImportResult> {
  const root = path.resolve(dir);
  if (!(await isDirectory(root))) throw new Error(`${root}: folder not found`);
  const c = new ImportCollector(options);
  const inside = options.allowOutside ? undefined : root;
  const wavScp = await readTable(path.join(root, 'wav.scp'), c, true, inside);
  const text = await readTable(path.join(root, 'text'), c, true, inside);
  const utt2spk = await readTable(path.join(root, 'utt2spk'), c, false, inside);
  const utt2accent = await readTable(path.join(root, 'utt2accent'), c, false, inside);
  const segments = await readTable(path.join(root, 'segments'), c, false, inside);
  const audio = new Map<string, string>();
  for (const [rec, { value, where }] of wavScp) {
    if (value.endsWith('|')) {
      c.skip(
        where,
        `"${rec}" is a piped command ("${value}"); Accent Studio does not run commands: convert the audio to WAV first and list the files in wav.scp`,
      );
    } else if (/\.ark:\d+$/.test(value)) {
      c.skip(
        where,
        `"${rec}" points into a Kaldi archive ("${value}"); extract it to WAV files first (wav-copy)`,
      );
    } else if (!value) {
      c.skip(where, `"${rec}" has no path`);
    } else {
      const r = await resolveAudioPath(root, value, options.allowOutside ? undefined : root);
      if ('reason' in r) c.skip(where, r.reason);
      else audio.set(rec, r.path);
    }
  }
  const make = (id: string, rec: string, where: string, offsetSec?: number, durationSec = 0) => {
    const audioPath = audio.get(rec);
    if (!audioPath) {
      if (!wavScp.has(rec)) c.skip(where, `"${id}": recording "${rec}" is not in wav.scp`);
      return;
    }
    const t = text.get(id);
    if (!t) {
      c.skip(where, `"${id}" has no transcript in text`);
      return;
    }
    c.add(
      {
        id,
        audioPath,
        durationSec,
        offsetSec,
        text: t.value,
        speaker: utt2spk.get(id)?.value || undefined,
        accent: utt2accent.get(id)?.value || undefined,
        meta: {},
      },
      t.where,
    );
  };
  if (segments.size > 0) {
    for (const [id, { value, where }] of segments) {
      const [rec, startS, endS] = value.split(/\s+/);
      const start = Number(startS);
      const end = Number(endS);
      if (
        !rec ||
        !Number.isFinite(start) ||
        start < 0 ||
        !Number.isFinite(end) ||
        (end !== -1 && end <= start)
      ) {
        c.skip(where, `"${id}": segment line needs "<recording> <start s> <end s>" with end > start (or -1)`); // never quote the line
        continue;
      }
      const whole = start === 0 && end === -1;
      make(id, rec, where, whole ? undefined : start, end === -1 ? 0 : end - start);
    }
    for (const [id, { where }] of text)
      if (!segments.has(id)) c.skip(where, `"${id}" is in text but not in segments`);
  } else {
    for (const [id, { where }] of text) make(id, id, where);
  }
  return c.result();
}

/** Kaldi sorts its tables in C-locale (byte) order. */
const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

/**
 * Export as a Kaldi data directory: `wav.scp` (absolute paths to audio copied into
 * `<outDir>/audio/`), `text`, `utt2spk` and `spk2utt` (an utterance without a speaker is its own
 * speaker, Kaldi's convention), `segments` when any utterance is a segment, `utt2accent` when any
 * has an accent. Tables are sorted in byte order. Whitespace inside ids or speakers becomes `_`.
 * Utterances whose id or speaker cannot be a file name are skipped (see exportable).
 * @throws Error when outDir is not empty, or a copy/write fails
 */
export async function exportKaldi(all: Utterance[], outDir: string): Promise<ExportResult> {
  const w = await ExportWriter.create(outDir);
  const { utterances, skipped } = exportable(all);
  const namer = new AudioNamer();
  const key = (s: string) => s.replace(/\s+/g, '_');
  const withSegments = utterances.some((u) => u.offsetSec !== undefined);
  const wav = new Map<string, string>();
  const text: string[] = [];
  const u2s: string[] = [];
  const u2a: string[] = [];
  const segs: string[] = [];
  const s2u = new Map<string, string[]>();
  for (const u of [...utterances].sort((a, b) => byteOrder(a.id, b.id))) {
    const id = key(u.id);
    const rel = await namer.place(u, w);
    const rec = withSegments ? key(path.basename(rel).replace(/\.[^.]+$/, '')) : id;
    wav.set(rec, path.join(w.outDir, rel));
    if (withSegments) {
      const start = u.offsetSec ?? 0;
      const end = u.offsetSec === undefined ? -1 : start + u.durationSec;
      segs.push(`${id} ${rec} ${start} ${end}`);
    }
    text.push(`${id} ${u.text.replace(/\s+/g, ' ')}`);
    const spk = key(u.speaker ?? u.id);
    u2s.push(`${id} ${spk}`);
    s2u.set(spk, [...(s2u.get(spk) ?? []), id]);
    if (u.accent !== undefined) u2a.push(`${id} ${key(u.accent)}`);
  }
  const lines = (xs: string[]) => xs.map((x) => x + '\n').join('');
  await w.writeText(
    'wav.scp',
    lines([...wav].sort((a, b) => byteOrder(a[0], b[0])).map(([r, p]) => `${r} ${p}`)),
  );
  await w.writeText('text', lines(text));
  await w.writeText('utt2spk', lines(u2s));
  await w.writeText(
    'spk2utt',
    lines([...s2u].sort((a, b) => byteOrder(a[0], b[0])).map(([s, us]) => `${s} ${us.join(' ')}`)),
  );
  if (withSegments) await w.writeText('segments', lines(segs));
  if (u2a.length > 0) await w.writeText('utt2accent', lines(u2a));
  return { outDir: w.outDir, exported: text.length, skipped };
}
