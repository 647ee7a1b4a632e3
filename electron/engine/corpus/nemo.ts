/**
 * NeMo JSON Lines manifests, import and export. One JSON object per line: `audio_filepath`,
 * `duration` (s), `text`, optional `offset` (s, a segment of a longer file), `speaker`, `accent`
 * and any other metadata. The line schema is manifest.ts's; unlike `readManifest` (which throws on
 * the first bad line, for the evaluation commands), the importer skips bad lines with the reason.
 *
 * Ids: an explicit string `id` field (written by our exporter and the project store) wins; else the
 * audio file's base name, plus `_<offset to 2 decimals>` for segments, as readManifest does.
 */
import path from 'node:path';
import { defaultUtteranceId, LineSchema, type Utterance } from './manifest';
import {
  ExportWriter,
  exportable,
  ImportCollector,
  resolveAudioPath,
  type ExportResult,
  type ImportOptions,
  type ImportResult,
} from './common';
import { readTextFile } from '../util/files';

/**
 * Import a NeMo manifest.
 * @param file the .jsonl / .json manifest
 * @param options see ImportOptions (audio outside the manifest's folder is allowed unless containAudio)
 * @throws Error `"<file>: manifest not found"` (the only error; bad lines are skipped)
 */
export async function importNemo(file: string, options: ImportOptions = {}): Promise<ImportResult> {
  const abs = path.resolve(file);
  const { text, note } = await readTextFile(abs, 'manifest');
  const c = new ImportCollector(options);
  if (note) c.warn(abs, note);
  const base = path.dirname(abs);
  const root = options.containAudio && !options.allowOutside ? base : undefined;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (!line) continue;
    const where = `${abs}:${i + 1}`;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      c.skip(where, 'line is not valid JSON'); // never quote the line (JSON.parse's message does)
      continue;
    }
    const r = LineSchema.safeParse(parsed);
    if (!r.success) {
      c.skip(where, r.error.issues.map((is) => `${is.path.join('.') || '(line)'}: ${is.message}`).join('; '));
      continue;
    }
    const {
      audio_filepath,
      duration,
      text: transcript,
      offset,
      speaker,
      accent,
      id: rawId,
      ...meta
    } = r.data as typeof r.data & { id?: unknown };
    const resolved = await resolveAudioPath(base, audio_filepath, root);
    if ('reason' in resolved) {
      c.skip(where, resolved.reason);
      continue;
    }
    let id: string;
    if (typeof rawId === 'string' && rawId.trim()) id = rawId.trim();
    else {
      id = defaultUtteranceId(audio_filepath, offset);
      if (rawId !== undefined) meta.id = rawId;
    }
    c.add(
      {
        id,
        audioPath: resolved.path,
        durationSec: duration ?? 0,
        offsetSec: offset,
        text: (transcript ?? '').trim(),
        speaker: speaker === undefined ? undefined : String(speaker),
        accent,
        meta,
      },
      where,
    );
  }
  return c.result();
}

/** One manifest line for an utterance whose audio is at `audioRef` (as written in the file). */
export function nemoLine(u: Utterance, audioRef: string): string {
  const line: Record<string, unknown> = { id: u.id, audio_filepath: audioRef, duration: u.durationSec };
  if (u.offsetSec !== undefined) line.offset = u.offsetSec;
  line.text = u.text;
  if (u.speaker !== undefined) line.speaker = u.speaker;
  if (u.accent !== undefined) line.accent = u.accent;
  for (const [k, v] of Object.entries(u.meta)) if (!(k in line)) line[k] = v;
  return JSON.stringify(line);
}

/**
 * Export to `<outDir>/manifest.jsonl` with the audio copied to `<outDir>/audio/` (a whole-file
 * utterance as `<id>.<ext>`; segments keep `offset` and share one copy of their source file).
 * Lines carry an explicit `id` so ids survive a round trip. Utterances whose id or speaker cannot
 * be a file name are skipped (see exportable).
 * @throws Error when outDir is not empty, or a copy/write fails
 */
export async function exportNemo(all: Utterance[], outDir: string): Promise<ExportResult> {
  const w = await ExportWriter.create(outDir);
  const { utterances, skipped } = exportable(all);
  const names = new AudioNamer();
  const lines: string[] = [];
  for (const u of utterances) {
    const rel = await names.place(u, w);
    lines.push(nemoLine(u, rel));
  }
  await w.writeText('manifest.jsonl', lines.map((l) => l + '\n').join(''));
  return { outDir: w.outDir, exported: lines.length, skipped };
}

/**
 * Chooses and copies audio files for exports that support segments: `audio/<id><ext>` for whole
 * files, `audio/<source stem><ext>` (made unique) once per source file for segments.
 */
export class AudioNamer {
  private readonly bySource = new Map<string, string>();
  private readonly used = new Set<string>();

  /** Copy the utterance's audio (once per source file for segments); returns the relative path. */
  async place(u: Utterance, w: ExportWriter): Promise<string> {
    const known = this.bySource.get(u.audioPath);
    if (known) return known;
    const ext = path.extname(u.audioPath) || '.wav';
    const base = u.offsetSec === undefined ? u.id : path.basename(u.audioPath, ext);
    let rel = `audio/${base}${ext}`;
    for (let k = 2; this.used.has(rel); k++) rel = `audio/${base}-${k}${ext}`;
    this.used.add(rel);
    this.bySource.set(u.audioPath, rel);
    await w.copyAudio(u.audioPath, rel);
    return rel;
  }
}
