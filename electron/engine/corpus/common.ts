/**
 * Shared parts of the importers and exporters: the result types, transcript decoding (UTF-8,
 * byte-order marks, Latin-1 fallback), path containment, and the export folder writer.
 */
import { mkdir, readdir, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Utterance } from './manifest';
import type { SilenceSplitConfig } from '../audio/split';
import { copyFileAtomic, writeFileAtomic } from '../util/atomic';

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

  /** Add an utterance unless its id is taken or its transcript is empty; `where` names its origin. */
  add(u: Utterance, where: string): boolean {
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
import { decodeText } from '../util/text';

/**
 * Read a text source file (manifest, transcript) with decodeText.
 * @throws Error `"<file>: <what> not found"` or `"<file>: <reason>"`
 */
export async function readSourceText(file: string, what = 'file'): Promise<{ text: string; note?: string }> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(`${file}: ${code === 'ENOENT' ? `${what} not found` : code === 'EISDIR' ? `${what} is a folder, expected a file` : (err as Error).message}`);
  }
  return decodeText(bytes);
}

/** True when `p` is `root` or inside it (lexically). */
export function isInside(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/**
 * Resolve an audio reference from a manifest against the manifest's folder and check it stays
 * inside `root` (when given): first lexically (`..`, absolute paths), then after following links.
 * @param base folder relative references resolve against
 * @param ref the path as written in the manifest
 * @param root the imported folder, or undefined to allow any path
 * @returns the absolute path, or a reason in plain words for refusing it
 */
export async function resolveAudioPath(base: string, ref: string, root: string | undefined): Promise<{ path: string } | { reason: string }> {
  const p = path.isAbsolute(ref) ? path.normalize(ref) : path.resolve(base, ref);
  if (root === undefined) return { path: p };
  if (!isInside(root, p)) return { reason: `audio path "${ref}" leaves the imported folder (${root}); import with --allow-outside to accept it` };
  try {
    const [real, realRoot] = await Promise.all([realpath(p), realpath(root)]);
    if (!isInside(realRoot, real)) return { reason: `audio path "${ref}" is a link to ${real}, outside the imported folder; import with --allow-outside to accept it` };
  } catch {
    // A missing file is reported by the audio check, with its own reason.
  }
  return { path: p };
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
 * copies audio byte for byte (temporary file, flush, rename), writes text files atomically.
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

  /** Copy `src` to `rel` (relative to the export folder); returns the absolute destination. */
  async copyAudio(src: string, rel: string): Promise<string> {
    return copyFileAtomic(src, path.join(this.outDir, rel));
  }

  /** Write a text file atomically. */
  async writeText(rel: string, text: string): Promise<void> {
    await writeFileAtomic(path.join(this.outDir, rel), text);
  }
}

/** Audio file name for an exported utterance: `<id><ext of the source>` (".wav" when none). */
export function audioNameFor(u: Utterance): string {
  return `${u.id}${path.extname(u.audioPath) || '.wav'}`;
}

/** The reason an utterance that is a segment of a longer file cannot go to a format without segments. */
export function segmentReason(u: Utterance, format: string): string {
  return `"${u.id}" is a segment (offset ${u.offsetSec}s) of a longer file; ${format} has no segments (export to NeMo or Kaldi)`;
}
