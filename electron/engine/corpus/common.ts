/**
 * Shared parts of the importers and exporters: the result types, transcript decoding (UTF-8,
 * byte-order marks, Latin-1 fallback), path containment (of audio, transcripts and every other file
 * an importer reads, and of every file an exporter writes), utterance id and speaker checks, and the
 * export folder writer.
 */
import { mkdir, readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Utterance } from './manifest';
import type { SilenceSplitConfig } from '../audio/split';
import { copyFileAtomic, writeFileAtomic } from '../util/atomic';
import { readTextFile } from '../util/files';

/** An item an import or export left out, and why, in plain words. */
export interface SkippedItem {
  /** The file (or `file:line`) the item came from. */
  file: string;
  reason: string;
}

/** What an importer read. Importers never throw for a bad item, only for a missing/unreadable source. */
export interface ImportResult {
  utterances: Utterance[];
  skipped: SkippedItem[];
  /** Things that were read but deserve a note (e.g. "decoded as Latin-1"). */
  warnings: SkippedItem[];
}

/** Importer settings. */
export interface ImportOptions {
  /**
   * Accept audio paths that leave the imported folder's tree (through `..`, an absolute path or a
   * symbolic link). Default false for folder formats: such items are skipped with the reason.
   * NeMo manifests are files, not folders, and allow them by default (the shared benchmark
   * manifests point at `../fsdd/...`); set `containAudio: true` to refuse them there too.
   */
  allowOutside?: boolean;
  /** NeMo only: refuse audio outside the manifest's folder tree. Default false. */
  containAudio?: boolean;
  /** Keep utterances whose transcript is empty (unlabelled audio). Default false: skipped. */
  allowEmptyText?: boolean;
  /**
   * Split each whole recording at silences into utterances: NeMo segments (`offset` / `duration`,
   * seconds) of the original file with empty transcripts, to be transcribed later (see
   * splitRecordings). `true` uses DEFAULT_SILENCE_SPLIT; an object overrides its fields
   * (`minSilenceMs` in ms, `thresholdDb` in dBFS, ...). Implies allowEmptyText. Default: off.
   */
  splitSilences?: boolean | Partial<SilenceSplitConfig>;
}

/** What an exporter wrote. */
export interface ExportResult {
  /** The folder written. */
  outDir: string;
  /** Utterances written. */
  exported: number;
  skipped: SkippedItem[];
}

export type Importer = (source: string, options?: ImportOptions) => Promise<ImportResult>;
export type Exporter = (utterances: Utterance[], outDir: string) => Promise<ExportResult>;

/** Accumulates utterances and skipped items; refuses duplicate ids and (by default) empty transcripts. */
export class ImportCollector {
  readonly utterances: Utterance[] = [];
  readonly skipped: SkippedItem[] = [];
  readonly warnings: SkippedItem[] = [];
  private readonly ids = new Map<string, string>();
  constructor(private readonly options: ImportOptions = {}) {}

  skip(file: string, reason: string): void {
    this.skipped.push({ file, reason });
  }

  warn(file: string, reason: string): void {
    this.warnings.push({ file, reason });
  }

  /**
   * Add an utterance unless its id or speaker cannot be a file name (see unsafeNameReason), its id
   * is taken or its transcript is empty; `where` names its origin.
   */
  add(u: Utterance, where: string): boolean {
    const bad = nameProblem(u);
    if (bad) {
      this.skip(where, bad);
      return false;
    }
    const first = this.ids.get(u.id);
    if (first !== undefined) {
      this.skip(where, `duplicate utterance id "${u.id}" (first seen at ${first})`);
      return false;
    }
    if (!u.text.trim() && !this.options.allowEmptyText) {
      this.skip(where, `empty transcript for "${u.id}"`);
      return false;
    }
    this.ids.set(u.id, where);
    this.utterances.push(u);
    return true;
  }

  result(): ImportResult {
    return { utterances: this.utterances, skipped: this.skipped, warnings: this.warnings };
  }
}

/** Transcript and manifest decoding: the one rule in util/text.ts, shared with evaluate, adapt and score. */
export { decodeText } from '../util/text';

/**
 * Why `name` (an utterance id or a speaker) cannot be used as one file or folder name inside an
 * export folder, or undefined when it can. Exporters name files `<id>.<ext>` and plain-folder
 * exports make a folder per speaker, so `..`, `.`, a path separator, control characters or a
 * name over 200 bytes (file systems allow 255, and an extension is added) would leave the folder or
 * fail. Checked on import (the item is skipped with this reason) and again on export.
 */
export function unsafeNameReason(name: string): string | undefined {
  if (name === '') return 'is empty';
  if (name === '.' || name === '..') return `is "${name}", which names a folder, not a file`;
  if (/[/\\]/.test(name)) return 'holds a path separator ("/" or "\\")';
  // eslint-disable-next-line no-control-regex -- refusing control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'holds control characters';
  if (Buffer.byteLength(name) > 200) return `is ${Buffer.byteLength(name)} bytes long (at most 200)`;
  return undefined;
}

/** The reason an utterance's id or speaker cannot name a file (unsafeNameReason), or undefined. */
export function nameProblem(u: Pick<Utterance, 'id' | 'speaker'>): string | undefined {
  const id = unsafeNameReason(u.id);
  if (id)
    return `utterance id ${JSON.stringify(u.id)} cannot be a file name: it ${id}; rename it in the source`;
  // An empty speaker is no speaker (exporters write no folder for it).
  const spk = u.speaker ? unsafeNameReason(u.speaker) : undefined;
  if (spk)
    return `speaker ${JSON.stringify(u.speaker)} of "${u.id}" cannot be a folder name: it ${spk}; rename it in the source`;
  return undefined;
}

/**
 * Read a text file found inside an imported folder (a transcript, a Kaldi table, a metadata file):
 * refused when it leaves `root` through `..` or a link (unless `root` is undefined: allowOutside),
 * or is not a regular file. See resolveInside and readTextFile.
 * @param file the file's path (absolute, or relative to the current folder)
 * @param what what it is, for messages ("transcript", "Kaldi file", ...)
 * @returns the decoded text (and a note when not plain UTF-8), or the reason for refusing it
 */
export async function readTextInside(
  file: string,
  root: string | undefined,
  what: string,
): Promise<{ text: string; note?: string } | { reason: string }> {
  const r = await resolveInside(path.dirname(path.resolve(file)), path.basename(file), root, what);
  if ('reason' in r) return r;
  try {
    return await readTextFile(r.path, what);
  } catch (err) {
    return { reason: (err as Error).message.replace(`${r.path}: `, '') };
  }
}

/** True when `p` is `root` or inside it (lexically). */
export function isInside(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/**
 * Resolve a file reference against a folder and check it stays inside `root` (when given): first
 * lexically (`..`, absolute paths), then after following links (of the file and of every folder on
 * its way).
 * @param base folder relative references resolve against
 * @param ref the path as written in the source
 * @param root the imported folder, or undefined to allow any path
 * @param what what the file is, for the reason ("audio path", "transcript", ...)
 * @returns the absolute path, or a reason in plain words for refusing it
 */
export async function resolveInside(
  base: string,
  ref: string,
  root: string | undefined,
  what: string,
): Promise<{ path: string } | { reason: string }> {
  const p = path.isAbsolute(ref) ? path.normalize(ref) : path.resolve(base, ref);
  if (root === undefined) return { path: p };
  if (!isInside(root, p))
    return {
      reason: `${what} "${ref}" leaves the imported folder (${root}); import with --allow-outside to accept it`,
    };
  try {
    const [real, realRoot] = await Promise.all([realpath(p), realpath(root)]);
    if (!isInside(realRoot, real))
      return {
        reason: `${what} "${ref}" is a link to ${real}, outside the imported folder; import with --allow-outside to accept it`,
      };
  } catch {
    // A missing file is reported later by the reader, with its own reason.
  }
  return { path: p };
}

/** resolveInside for an audio reference from a manifest ("audio path ..." in reasons). */
export function resolveAudioPath(
  base: string,
  ref: string,
  root: string | undefined,
): Promise<{ path: string } | { reason: string }> {
  return resolveInside(base, ref, root, 'audio path');
}

/** Base name without its extension: the default utterance id of an audio file. */
export function stem(file: string): string {
  return path.basename(file).replace(/\.[^.]+$/, '');
}

/** Does a path exist and is it a folder? */
export async function isDirectory(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Writes an export folder: refuses a folder that already holds files (nothing is overwritten),
 * copies audio byte for byte (temporary file, flush, rename), writes text files atomically. Every
 * path is checked to stay inside the export folder (`target`), whatever the ids and speakers say.
 */
export class ExportWriter {
  private constructor(readonly outDir: string) {}

  /**
   * @throws Error `"<outDir>: export folder is not empty; choose a new folder"`
   */
  static async create(outDir: string): Promise<ExportWriter> {
    const dir = path.resolve(outDir);
    try {
      const entries = await readdir(dir);
      if (entries.length > 0) throw new Error(`${dir}: export folder is not empty; choose a new folder`);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    await mkdir(dir, { recursive: true });
    return new ExportWriter(dir);
  }

  /**
   * The absolute path of `rel` inside the export folder: the one check every exporter's writes go
   * through.
   * @throws Error `"<path>: leaves the export folder <outDir> (from \"<rel>\"); nothing was written there"`
   */
  target(rel: string): string {
    const abs = path.resolve(this.outDir, rel);
    if (abs === this.outDir || !isInside(this.outDir, abs))
      throw new Error(
        `${abs}: leaves the export folder ${this.outDir} (from ${JSON.stringify(rel)}); nothing was written there`,
      );
    return abs;
  }

  /** Copy `src` to `rel` (relative to the export folder); returns the absolute destination. */
  async copyAudio(src: string, rel: string): Promise<string> {
    return copyFileAtomic(src, this.target(rel));
  }

  /** Write a text file atomically. */
  async writeText(rel: string, text: string): Promise<void> {
    await writeFileAtomic(this.target(rel), text);
  }
}

/**
 * Utterances an exporter may write: those whose id and speaker can be file names (see
 * unsafeNameReason; a manifest edited by hand or a restored line may hold others). The rest are
 * returned as skipped items with the reason.
 */
export function exportable(utterances: Utterance[]): { utterances: Utterance[]; skipped: SkippedItem[] } {
  const ok: Utterance[] = [];
  const skipped: SkippedItem[] = [];
  for (const u of utterances) {
    const bad = nameProblem(u);
    if (bad) skipped.push({ file: u.source ?? u.audioPath, reason: bad });
    else ok.push(u);
  }
  return { utterances: ok, skipped };
}

/** Audio file name for an exported utterance: `<id><ext of the source>` (".wav" when none). */
export function audioNameFor(u: Utterance): string {
  return `${u.id}${path.extname(u.audioPath) || '.wav'}`;
}

/** The reason an utterance that is a segment of a longer file cannot go to a format without segments. */
export function segmentReason(u: Utterance, format: string): string {
  return `"${u.id}" is a segment (offset ${u.offsetSec}s) of a longer file; ${format} has no segments (export to NeMo or Kaldi)`;
}
