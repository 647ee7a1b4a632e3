/**
 * Line-level editing of a project's manifest.jsonl (the Data screen): each line is parsed the way
 * the engine's NeMo importer reads it (explicit `id`, else the audio file's stem plus offset), and
 * only the lines an operation changes are re-serialised; every other line stays byte for byte, so a
 * deleted line put back by undo restores the file exactly. The `split` of an utterance is a `split`
 * field of its line ("adapt", "test" or "unlabelled"; absent = "adapt" with a transcript, else
 * "unlabelled").
 *
 * Pure functions over the manifest's text; ProjectStore (projects.ts) reads and writes the files
 * (atomically, keeping manifest.jsonl.bak) under its per-project lock.
 */
import path from 'node:path';
import { LineSchema } from '../engine/corpus/manifest';
import { nameProblem, unsafeNameReason } from '../engine/corpus/common';
import {
  SPLIT_NAMES,
  type DeletedUtterance,
  type ProjectData,
  type ProjectRow,
  type SplitCounts,
  type SplitName,
  type UtteranceChanges,
} from '../contract';

/** A manifest's text as lines (the newline after the last line is not a line of its own). */
export function manifestLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Lines back to text, each ending in a newline. */
export const joinLines = (lines: string[]): string => lines.map((l) => `${l}\n`).join('');

const isInside = (root: string, p: string): boolean => {
  const rel = path.relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
};

/** One parsed line: its row, or why it cannot be read. */
export type ParsedLine = { row: ProjectRow; obj: Record<string, unknown> } | { error: string };

/** Parse one manifest line of the project at `dir` (audio must stay inside the folder). */
export function parseLine(dir: string, raw: string): ParsedLine {
  const line = raw.trim();
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return { error: 'line is not valid JSON' }; // never quote the line (JSON.parse's message does)
  }
  const r = LineSchema.safeParse(parsed);
  if (!r.success)
    return {
      error: r.error.issues.map((is) => `${is.path.join('.') || '(line)'}: ${is.message}`).join('; '),
    };
  const obj = parsed as Record<string, unknown>;
  const { audio_filepath: ref, duration, text, offset, speaker, accent } = r.data;
  const audioPath = path.isAbsolute(ref) ? path.normalize(ref) : path.resolve(dir, ref);
  if (!isInside(dir, audioPath)) return { error: `audio path "${ref}" leaves the project folder` };
  const rawId = obj.id;
  let id: string;
  if (typeof rawId === 'string' && rawId.trim()) id = rawId.trim();
  else {
    id = path.basename(ref).replace(/\.[^.]+$/, '');
    if (offset !== undefined) id += `_${offset.toFixed(2)}`;
  }
  // An id or speaker that cannot be a file name (`../x`, `..`) would let an export write outside its
  // folder: such a line is unreadable here as in the engine's importer (restoreUtterance refuses it).
  const bad = nameProblem({ id, speaker: speaker === undefined ? undefined : String(speaker) });
  if (bad) return { error: bad };
  const transcript = (text ?? '').trim();
  const split: SplitName = SPLIT_NAMES.includes(obj.split as SplitName)
    ? (obj.split as SplitName)
    : transcript
      ? 'adapt'
      : 'unlabelled';
  return {
    obj,
    row: {
      id,
      text: transcript,
      ...(speaker !== undefined ? { speaker: String(speaker) } : {}),
      ...(accent !== undefined ? { accent } : {}),
      durationSec: duration ?? 0,
      ...(offset !== undefined ? { offsetSec: offset } : {}),
      audioPath,
      audioRef: ref,
      split,
    },
  };
}

/** The manifest parsed: rows (first line of an id wins), unreadable lines, and id -> line index. */
export interface ParsedManifest {
  lines: string[];
  rows: ProjectRow[];
  objs: Map<string, Record<string, unknown>>;
  indexOf: Map<string, number>;
  unreadable: { line: number; reason: string }[];
}

export function parseManifest(dir: string, text: string): ParsedManifest {
  const lines = manifestLines(text);
  const out: ParsedManifest = { lines, rows: [], objs: new Map(), indexOf: new Map(), unreadable: [] };
  lines.forEach((raw, i) => {
    if (!raw.trim()) return;
    const p = parseLine(dir, raw);
    if ('error' in p) out.unreadable.push({ line: i + 1, reason: p.error });
    else if (out.indexOf.has(p.row.id))
      out.unreadable.push({
        line: i + 1,
        reason: `duplicate utterance id "${p.row.id}" (first on line ${out.indexOf.get(p.row.id)! + 1})`,
      });
    else {
      out.rows.push(p.row);
      out.objs.set(p.row.id, p.obj);
      out.indexOf.set(p.row.id, i);
    }
  });
  return out;
}

export function splitCounts(rows: ProjectRow[]): SplitCounts {
  const c = Object.fromEntries(SPLIT_NAMES.map((s) => [s, { utterances: 0, totalSec: 0 }])) as SplitCounts;
  for (const r of rows) {
    c[r.split].utterances++;
    c[r.split].totalSec += r.durationSec;
  }
  return c;
}

export function projectData(project: string, manifestPath: string, m: ParsedManifest): ProjectData {
  return { project, manifestPath, rows: m.rows, splits: splitCounts(m.rows), unreadable: m.unreadable };
}

/**
 * Apply changes to the lines of `ids`. A line whose values do not change keeps its bytes.
 * @returns the new lines
 * @throws Error naming the first unknown id
 */
export function editLines(m: ParsedManifest, ids: string[], changes: UtteranceChanges): string[] {
  const lines = [...m.lines];
  for (const id of ids) {
    const i = m.indexOf.get(id);
    if (i === undefined) throw new Error(`no utterance "${id}" in the project's manifest`);
    const obj: Record<string, unknown> = { ...m.objs.get(id)! };
    let changed = false;
    const set = (k: string, v: string | undefined): void => {
      if (v === undefined) return;
      if (v === '' && k !== 'text') {
        if (k in obj) {
          delete obj[k];
          changed = true;
        }
      } else if (obj[k] !== v) {
        obj[k] = v;
        changed = true;
      }
    };
    set('text', changes.text);
    const badSpeaker = changes.speaker ? unsafeNameReason(changes.speaker) : undefined;
    if (badSpeaker)
      throw new Error(`speaker ${JSON.stringify(changes.speaker)} cannot be a folder name: it ${badSpeaker}`);
    set('speaker', changes.speaker);
    set('accent', changes.accent);
    set('split', changes.split);
    if (changed) lines[i] = JSON.stringify(obj);
  }
  return lines;
}

/** Remove the line of `id`. @throws Error for an unknown id */
export function deleteLine(m: ParsedManifest, id: string): { lines: string[]; deleted: DeletedUtterance } {
  const i = m.indexOf.get(id);
  if (i === undefined) throw new Error(`no utterance "${id}" in the project's manifest`);
  const lines = [...m.lines];
  const [line] = lines.splice(i, 1);
  return { lines, deleted: { id, line, index: i } };
}

/**
 * Put a deleted line back at `index` (clamped).
 * @throws Error when the line is not a readable manifest line of this project or its id is in use
 */
export function restoreLine(dir: string, m: ParsedManifest, line: string, index: number): string[] {
  const p = parseLine(dir, line);
  if ('error' in p) throw new Error(`cannot restore the line: ${p.error}`);
  if (m.indexOf.has(p.row.id))
    throw new Error(`cannot restore "${p.row.id}": the manifest already holds an utterance with this id`);
  const lines = [...m.lines];
  lines.splice(Math.min(index, lines.length), 0, line);
  return lines;
}

/**
 * The manifests of a project's splits for an adaptation run: each line as in the project, with its
 * audio path made absolute (so the files resolve from the run folder).
 * @throws Error when the adapt or test split is empty, or holds utterances without a transcript
 */
export function splitManifests(m: ParsedManifest): Record<SplitName, string> {
  const out = Object.fromEntries(SPLIT_NAMES.map((s) => [s, ''])) as Record<SplitName, string>;
  for (const r of m.rows) {
    const obj = { ...m.objs.get(r.id)!, id: r.id, audio_filepath: r.audioPath };
    out[r.split] += `${JSON.stringify(obj)}\n`;
  }
  for (const s of ['adapt', 'test'] as const) {
    const rows = m.rows.filter((r) => r.split === s);
    if (rows.length === 0)
      throw new Error(
        `the project's ${s} split is empty: set the split of some utterances to "${s}" in the Data screen`,
      );
    const untranscribed = rows.filter((r) => !r.text);
    if (untranscribed.length) {
      throw new Error(
        `${untranscribed.length} utterance${untranscribed.length === 1 ? '' : 's'} of the ${s} split ha${untranscribed.length === 1 ? 's' : 've'} no transcript (${untranscribed
          .slice(0, 3)
          .map((r) => `"${r.id}"`)
          .join(', ')}${untranscribed.length > 3 ? ', ...' : ''}): add one or set the split to "unlabelled"`,
      );
    }
  }
  return out;
}

/** MIME types of the audio readProjectAudio sends, by extension. */
export const AUDIO_MIME: Record<string, string> = {
  '.wav': 'audio/wav',
  '.wave': 'audio/wav',
  '.flac': 'audio/flac',
  '.mp3': 'audio/mpeg',
  '.ogg': 'audio/ogg',
  '.oga': 'audio/ogg',
  '.opus': 'audio/ogg',
};
