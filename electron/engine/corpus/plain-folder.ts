/**
 * A plain folder of audio files with transcripts beside them (`clip.wav` + `clip.txt` or
 * `clip.lab`, the layout of many TTS/ASR corpora and of Montreal Forced Aligner). Subfolders are
 * searched; a file in a subfolder takes the first folder under the root as its speaker
 * (`<root>/<speaker>/.../clip.wav`). Id: the audio file's base name. Transcripts may be UTF-8 (with
 * or without a byte-order mark), UTF-16 with a BOM, or Latin-1 (read with a warning).
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
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

/** File extensions taken as audio (lower-case). */
export const AUDIO_EXTENSIONS = ['.wav', '.flac', '.mp3', '.ogg', '.oga'];
const TRANSCRIPT_EXTENSIONS = ['.txt', '.lab'];

/**
 * Import a folder of audio files and transcripts.
 * @param dir the folder
 * @throws Error `"<dir>: folder not found"`
 */
export async function importPlainFolder(dir: string, options: ImportOptions = {}): Promise<ImportResult> {
  const root = path.resolve(dir);
  if (!(await isDirectory(root))) throw new Error(`${root}: folder not found`);
  const c = new ImportCollector(options);
  const walk = async (d: string): Promise<void> => {
    const entries = (await readdir(d, { withFileTypes: true })).sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    );
    const names = new Set(entries.map((e) => e.name));
    for (const e of entries) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) {
        await walk(full);
        continue;
      }
      const ext = path.extname(e.name).toLowerCase();
      if (!AUDIO_EXTENSIONS.includes(ext)) continue;
      // Links are followed only when they stay inside the folder (or with allowOutside).
      const r = await resolveAudioPath(root, full, options.allowOutside ? undefined : root);
      if ('reason' in r) {
        c.skip(full, r.reason);
        continue;
      }
      const s = stem(e.name);
      const tName = TRANSCRIPT_EXTENSIONS.map((t) => s + t).find((n) => names.has(n));
      let text = '';
      if (tName) {
        // The transcript obeys the audio's rule: a link leaving the folder is refused (unless
        // allowOutside), and so is anything that is not a regular file (a folder named a.txt).
        const tPath = path.join(d, tName);
        const decoded = await readTextInside(tPath, options.allowOutside ? undefined : root, 'transcript');
        if ('reason' in decoded) {
          c.skip(tPath, decoded.reason);
          continue;
        }
        if (decoded.note) c.warn(tPath, decoded.note);
        text = decoded.text.replace(/\s+/g, ' ').trim();
      } else if (!options.allowEmptyText) {
        c.skip(full, `no transcript beside it (${s}.txt or ${s}.lab)`);
        continue;
      }
      const rel = path.relative(root, full).split(path.sep);
      c.add(
        {
          id: s,
          audioPath: r.path,
          durationSec: 0,
          text,
          speaker: rel.length > 1 ? rel[0] : undefined,
          meta: {},
        },
        full,
      );
    }
  };
  await walk(root);
  return c.result();
}

/**
 * Export as a plain folder: `<outDir>/<speaker>/<id>.<ext>` (no speaker: `<outDir>/<id>.<ext>`)
 * with `<id>.txt` (UTF-8, one line) beside each. Accents and metadata are not kept (the format has
 * no place for them). Segments are skipped, and so are utterances whose id or speaker cannot be a
 * file name (see exportable).
 * @throws Error when outDir is not empty, or a copy/write fails
 */
export async function exportPlainFolder(all: Utterance[], outDir: string): Promise<ExportResult> {
  const w = await ExportWriter.create(outDir);
  const { utterances, skipped } = exportable(all);
  let n = 0;
  for (const u of utterances) {
    if (u.offsetSec !== undefined) {
      skipped.push({ file: u.audioPath, reason: segmentReason(u, 'a plain folder') });
      continue;
    }
    const sub = u.speaker ? u.speaker.replace(/[\\/]/g, '_') : '';
    await w.copyAudio(u.audioPath, path.join(sub, audioNameFor(u)));
    await w.writeText(path.join(sub, `${u.id}.txt`), u.text + '\n');
    n++;
  }
  return { outDir: w.outDir, exported: n, skipped };
}
