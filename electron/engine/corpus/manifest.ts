/**
 * NeMo-style JSON Lines manifests: one utterance per line with `audio_filepath`, `duration` (s),
 * `text`, optional `offset` (s) and any metadata (`speaker`, `accent`, ...). A relative
 * `audio_filepath` is resolved against the manifest's own folder.
 */
import path from 'node:path';
import { z } from 'zod';
import { readTextFile } from '../util/files';

/** One utterance of a corpus. */
export interface Utterance {
  /** Unique within the manifest: the audio file's base name (plus offset for segments). */
  id: string;
  /** Absolute path of the audio file. */
  audioPath: string;
  /** Duration, seconds, as the manifest says. */
  durationSec: number;
  /** Start within the audio file, seconds (NeMo `offset`). */
  offsetSec?: number;
  /** Reference transcript (may be empty for unlabelled audio). */
  text: string;
  /** True when the manifest line has no `text` field at all (unlabelled), not an empty one. */
  textMissing?: boolean;
  speaker?: string;
  accent?: string;
  /** Where the utterance was read from, "<manifest>:<line>" (for error messages). */
  source?: string;
  /** Every other field of the manifest line, kept as is. */
  meta: Record<string, unknown>;
}

/**
 * Check that every utterance of a labelled set has a transcript field.
 * @param role what the set is for, e.g. "test set" (for the message)
 * @throws Error `"<manifest>:<line>: no \"text\" field: ..."` for the first one without
 */
export function requireTranscripts(utts: Utterance[], role: string): void {
  const u = utts.find((x) => x.textMissing);
  if (u)
    throw new Error(
      `${u.source ?? u.id}: no "text" field: the ${role} needs transcripts (write "text": "" for an utterance with nothing said)`,
    );
}

export const LineSchema = z
  .object({
    audio_filepath: z.string().min(1),
    duration: z.number().nonnegative().optional(),
    text: z.string().optional(),
    offset: z.number().nonnegative().optional(),
    speaker: z.union([z.string(), z.number()]).optional(),
    accent: z.string().optional(),
  })
  .passthrough();

/**
 * The id of a manifest line without an explicit id: the audio file's base name without extension,
 * plus `_<offset, 2 decimals>` for a segment (NeMo's segment convention).
 */
export function defaultUtteranceId(audioFilepath: string, offsetSec?: number): string {
  const id = path.basename(audioFilepath).replace(/\.[^.]+$/, '');
  return offsetSec === undefined ? id : `${id}_${offsetSec.toFixed(2)}`;
}

/**
 * Read and validate a manifest. Its bytes are decoded by the rule every reader shares
 * (util/text.ts decodeText: UTF-8, byte-order marks, UTF-16, Latin-1 with a note), as import does.
 * Errors never quote the file's content (the path may name any file).
 * @param file manifest path
 * @param notes when given, receives `"<file>: not valid UTF-8; read as Latin-1"` (or the UTF-16
 *   note) for a file that is not plain UTF-8, for the run's report
 * @throws Error `"<file>:<line>: not valid JSON"`, `"<file>:<line>: not a JSON object"` or
 *   `"<file>:<line>: <field>: ..."` for missing/ill-typed fields; `"<file>: manifest not found"`,
 *   `"<file>: manifest is a folder, expected a file"`, `"<file>: manifest is not a regular file ..."`
 *   or `"<file>: manifest holds no utterances"`
 */
export async function readManifest(file: string, notes?: string[]): Promise<Utterance[]> {
  const { text, note } = await readTextFile(file, 'manifest');
  if (note) notes?.push(`${file}: ${note}`);
  const base = path.dirname(path.resolve(file));
  const out: Utterance[] = [];
  const seen = new Map<string, number>();
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (!line) continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      // JSON.parse's message quotes the line's start: never echo a file's content.
      throw new Error(`${file}:${i + 1}: not valid JSON`);
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
      throw new Error(`${file}:${i + 1}: not a JSON object`);
    const r = LineSchema.safeParse(parsed);
    if (!r.success) {
      const msg = r.error.issues.map((is) => `${is.path.join('.') || '(line)'}: ${is.message}`).join('; ');
      throw new Error(`${file}:${i + 1}: ${msg}`);
    }
    const { audio_filepath, duration, text: transcript, offset, speaker, accent, ...meta } = r.data;
    const audioPath = path.isAbsolute(audio_filepath) ? audio_filepath : path.resolve(base, audio_filepath);
    let id = defaultUtteranceId(audio_filepath, offset);
    const n = seen.get(id) ?? 0;
    seen.set(id, n + 1);
    if (n > 0) id += `#${n + 1}`;
    out.push({
      id,
      audioPath,
      durationSec: duration ?? 0,
      offsetSec: offset,
      text: (transcript ?? '').trim(),
      ...(transcript === undefined ? { textMissing: true } : {}),
      speaker: speaker === undefined ? undefined : String(speaker),
      accent,
      meta,
      source: `${file}:${i + 1}`,
    });
  }
  if (out.length === 0) throw new Error(`${file}: manifest holds no utterances`);
  return out;
}
