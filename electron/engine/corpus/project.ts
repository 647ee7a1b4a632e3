/**
 * The project store: a folder a person can read and diff.
 *
 * ```
 * <project>/
 *   project.json          {"format": "accent-studio-project", "version": 1, name, created,
 *                          audio: {"audio/x.wav": {sha256, bytes, source}}, imports: [...]}
 *   manifest.jsonl        the canonical manifest: NeMo JSON Lines with an explicit `id`, paths
 *                         relative to the project (`audio/x.wav`), `sample_rate_hz`, `channels`
 *   manifest.jsonl.bak    the previous manifest, kept on every rewrite
 *   audio/                copies of the imported audio (the originals are never modified)
 *   runs/<id>/            one folder per adaptation or evaluation run (settings, model, reports)
 * ```
 *
 * Every write is atomic (temporary file, flush, rename: util/atomic.ts), so a process killed at any
 * moment leaves the old or the new state of each file. An import copies audio first (new names
 * only), then writes project.json (which records each copy's sha256, and the import as pending with
 * the files it copied: `pendingAudio`), then the manifest, then project.json again without
 * `pendingAudio`; if a copy fails, the copies of that import are removed and nothing else changes.
 * A process killed during an import can leave audio copies and `.tmp` files no record names
 * (orphans), or a pending import that never reached the manifest: `openProject` reports both
 * (with changed or missing audio, after re-hashing it) and `cleanProject` removes them.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readdir, readFile, realpath, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { copyFileAtomic, writeFileAtomic, writeJsonAtomic } from '../util/atomic';
import type { Utterance } from './manifest';
import { isInside, type ExportResult, type ImportOptions, type SkippedItem } from './common';
import { importNemo, nemoLine } from './nemo';
import { FORMATS, importCorpus, type FormatName } from './index';

export const PROJECT_FORMAT = 'accent-studio-project';
export const PROJECT_VERSION = 1;
export const PROJECT_FILE = 'project.json';
export const MANIFEST_FILE = 'manifest.jsonl';

/** project.json. */
export interface ProjectFile {
  format: typeof PROJECT_FORMAT;
  version: number;
  name: string;
  /** ISO 8601. */
  created: string;
  /** Project-relative audio path -> its sha256 (hex), size in bytes and the original it was copied from. */
  audio: Record<string, { sha256: string; bytes: number; source: string }>;
  /** One entry per import, oldest first. */
  imports: ProjectImportRecord[];
}

/** One import of project.json. */
export interface ProjectImportRecord {
  format: string;
  source: string;
  /** ISO 8601. */
  date: string;
  imported: number;
  skipped: number;
  /**
   * Present only while the import is not known to have reached the manifest: the project-relative
   * audio files (`audio/x.wav`) it copied. Removed once the manifest is written; an entry killed
   * before that keeps it, and openProject reports it as an incomplete import.
   */
  pendingAudio?: string[];
}

/** A problem found when opening a project. */
export interface ProjectProblem {
  file: string;
  /**
   * `orphan`: a file in `audio/` no record or manifest line names, or a `.tmp` file left by an
   * interrupted write; `incomplete-import`: an import project.json records whose utterances never
   * reached the manifest (cleanProject removes both).
   */
  problem: 'missing' | 'changed' | 'unrecorded' | 'unreadable' | 'orphan' | 'incomplete-import';
  detail: string;
}

/** An opened project. */
export interface OpenProject {
  dir: string;
  project: ProjectFile;
  /** Utterances of the canonical manifest, audio paths absolute. */
  utterances: Utterance[];
  /** Changed, missing or unrecorded audio and unreadable manifest lines; empty when all is well. */
  problems: ProjectProblem[];
}

/** What an import into a project did. */
export interface ProjectImportSummary {
  imported: number;
  utterances: Utterance[];
  skipped: SkippedItem[];
  warnings: SkippedItem[];
}

/** sha256 of a file, hex, read as a stream (bounded memory for long recordings). */
export async function sha256File(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
  return h.digest('hex');
}

/**
 * Create an empty project.
 * @param dir a new or empty folder
 * @throws Error `"<dir>: folder is not empty; a project needs a new or empty folder"`
 */
export async function createProject(
  dir: string,
  name = path.basename(path.resolve(dir)),
): Promise<ProjectFile> {
  const root = path.resolve(dir);
  try {
    if ((await readdir(root)).length > 0)
      throw new Error(`${root}: folder is not empty; a project needs a new or empty folder`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await mkdir(path.join(root, 'audio'), { recursive: true });
  await mkdir(path.join(root, 'runs'), { recursive: true });
  const project: ProjectFile = {
    format: PROJECT_FORMAT,
    version: PROJECT_VERSION,
    name,
    created: new Date().toISOString(),
    audio: {},
    imports: [],
  };
  await writeFileAtomic(path.join(root, MANIFEST_FILE), '');
  await writeJsonAtomic(path.join(root, PROJECT_FILE), project);
  return project;
}

async function readProjectFile(root: string): Promise<ProjectFile> {
  const file = path.join(root, PROJECT_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(
      `${file}: ${code === 'ENOENT' ? 'not a project (project.json not found)' : (err as Error).message}`,
      { cause: err },
    );
  }
  let p: ProjectFile;
  try {
    p = JSON.parse(text);
  } catch {
    throw new Error(`${file}: not valid JSON`); // never quote the file (JSON.parse's message does)
  }
  if (p?.format !== PROJECT_FORMAT)
    throw new Error(`${file}: not a project file (its "format" is not "${PROJECT_FORMAT}")`);
  if (!Number.isInteger(p.version) || p.version > PROJECT_VERSION) {
    throw new Error(
      `${file}: version ${p.version} is newer than this program reads (${PROJECT_VERSION}); update Accent Studio`,
    );
  }
  return p;
}

/**
 * Open a project: read project.json (format and version checked) and the manifest, and re-hash
 * every audio file the manifest uses.
 * @param options.verify re-hash the audio (default true)
 * @throws Error naming project.json when it is missing, not JSON, of another format or a newer version
 */
export async function openProject(dir: string, options: { verify?: boolean } = {}): Promise<OpenProject> {
  const root = path.resolve(dir);
  const project = await readProjectFile(root);
  const manifest = path.join(root, MANIFEST_FILE);
  const problems: ProjectProblem[] = [];
  let utterances: Utterance[] = [];
  const text = await readFile(manifest, 'utf8').catch(() => undefined);
  if (text === undefined)
    problems.push({ file: manifest, problem: 'missing', detail: 'the manifest is missing' });
  else if (text.trim()) {
    const r = await importNemo(manifest, { allowEmptyText: true, containAudio: true });
    utterances = r.utterances;
    for (const s of r.skipped) problems.push({ file: s.file, problem: 'unreadable', detail: s.reason });
  }
  const leftovers = await findLeftovers(root, project, utterances);
  for (const f of leftovers.orphans) problems.push({ file: f.file, problem: 'orphan', detail: f.detail });
  for (const i of leftovers.incomplete) {
    const rec = project.imports[i];
    const n = rec.pendingAudio?.length ?? 0;
    problems.push({
      file: path.join(root, PROJECT_FILE),
      problem: 'incomplete-import',
      detail: `the import of ${rec.source} (${rec.date}, ${rec.imported} utterance${rec.imported === 1 ? '' : 's'}) never reached the manifest (interrupted); its ${n} audio file${n === 1 ? ' is' : 's are'} unused: clean the project to remove ${n === 1 ? 'it' : 'them'} and the record, then import again`,
    });
  }
  if (options.verify !== false) {
    for (const abs of new Set(utterances.map((u) => u.audioPath))) {
      const rel = path.relative(root, abs).split(path.sep).join('/');
      const rec = project.audio[rel];
      let hash: string;
      try {
        hash = await sha256File(abs);
      } catch {
        problems.push({ file: abs, problem: 'missing', detail: 'audio file is missing' });
        continue;
      }
      if (!rec)
        problems.push({
          file: abs,
          problem: 'unrecorded',
          detail: 'audio file has no recorded sha256 in project.json',
        });
      else if (rec.sha256 !== hash)
        problems.push({
          file: abs,
          problem: 'changed',
          detail: `audio file changed since import (sha256 ${hash.slice(0, 12)}..., recorded ${rec.sha256.slice(0, 12)}...)`,
        });
    }
  }
  return { dir: root, project, utterances, problems };
}

/** Names util/atomic.ts gives its temporary files: `.<name>.<pid>.<ms>.tmp`. */
const ATOMIC_TMP = /^\..+\.\d+\.\d+\.tmp$/;

/** What an interrupted import or write left in a project (see findLeftovers). */
export interface ProjectLeftovers {
  /** Files to remove: absolute paths inside the project, with what they are. */
  orphans: { file: string; detail: string }[];
  /** Indexes into project.imports of pending imports none of whose audio the manifest uses. */
  incomplete: number[];
  /** Indexes of pending imports whose utterances did reach the manifest (only the record is stale). */
  finished: number[];
}

/**
 * Find what a killed import, take or write left behind: `.tmp` files of atomic writes in the
 * project folder and in `audio/`, files in `audio/` that neither project.json nor the manifest
 * names, and pending imports (project.json `pendingAudio`) that never reached the manifest. Audio
 * that project.json records but no manifest line uses (a deleted utterance, kept for undo) is left
 * alone. Only regular files directly in the project folder or `audio/` are considered.
 * @param utterances the manifest's utterances (audio paths absolute)
 */
export async function findLeftovers(
  root: string,
  project: ProjectFile,
  utterances: Utterance[],
): Promise<ProjectLeftovers> {
  const used = new Set(utterances.map((u) => path.relative(root, u.audioPath).split(path.sep).join('/')));
  const recorded = new Set(Object.keys(project.audio));
  const orphans: ProjectLeftovers['orphans'] = [];
  const filesIn = async (rel: string): Promise<string[]> => {
    const entries = await readdir(path.join(root, rel), { withFileTypes: true }).catch(() => []);
    return entries
      .filter((e) => e.isFile())
      .map((e) => e.name)
      .sort();
  };
  for (const name of await filesIn('.')) {
    if (ATOMIC_TMP.test(name))
      orphans.push({ file: path.join(root, name), detail: 'temporary file left by an interrupted write' });
  }
  for (const name of await filesIn('audio')) {
    const rel = `audio/${name}`;
    if (ATOMIC_TMP.test(name))
      orphans.push({
        file: path.join(root, 'audio', name),
        detail: 'temporary file left by an interrupted audio copy',
      });
    else if (!recorded.has(rel) && !used.has(rel))
      orphans.push({
        file: path.join(root, 'audio', name),
        detail:
          'audio file that neither project.json nor the manifest names (left by an interrupted import or take)',
      });
  }
  const incomplete: number[] = [];
  const finished: number[] = [];
  project.imports.forEach((rec, i) => {
    if (!Array.isArray(rec.pendingAudio)) return;
    (rec.pendingAudio.some((rel) => used.has(rel)) ? finished : incomplete).push(i);
  });
  return { orphans, incomplete, finished };
}

/** What cleanProject did. */
export interface CleanSummary {
  /** Files removed (absolute paths). */
  removed: string[];
  /** Incomplete imports whose records were removed. */
  removedImports: { source: string; date: string }[];
  /** Pending imports that had reached the manifest and are now recorded as complete. */
  completedImports: number;
}

/**
 * Remove what interrupted imports left (see findLeftovers): orphan and `.tmp` files, and the audio
 * and project.json records of incomplete imports, so that importing the same source again copies
 * each file once. project.json is rewritten first (atomically), then the files are removed, so a
 * clean-up killed half-way leaves only orphans, which the next clean-up removes. Run it when no
 * import into the project is running (the studio runs it under the project's lock).
 * @throws Error from openProject; `"<file>: not inside <project>/audio; not removed"` for a record
 *   of project.json that names a file elsewhere
 */
export async function cleanProject(dir: string): Promise<CleanSummary> {
  const root = path.resolve(dir);
  const { project, utterances } = await openProject(root, { verify: false });
  const found = await findLeftovers(root, project, utterances);
  const audioDir = path.join(root, 'audio');
  const realAudio = await realpath(audioDir).catch(() => audioDir);
  const realRoot = await realpath(root);
  // Never remove anything outside <project>/audio (project.json may have been edited by hand).
  const inAudio = (rel: string): string => {
    const abs = path.resolve(root, rel);
    if (path.dirname(abs) !== audioDir || !isInside(realRoot, realAudio))
      throw new Error(`${abs}: not inside ${audioDir}; not removed`);
    return abs;
  };
  const drop = new Set(found.incomplete);
  const removeRel = found.incomplete.flatMap((i) => project.imports[i].pendingAudio ?? []);
  const removeAbs = removeRel.map(inAudio);
  const audio = { ...project.audio };
  for (const rel of removeRel) delete audio[rel];
  const imports = project.imports
    .map((rec, i) => {
      if (!found.finished.includes(i)) return rec;
      const { pendingAudio: _p, ...done } = rec;
      void _p;
      return done;
    })
    .filter((_, i) => !drop.has(i));
  if (drop.size > 0 || found.finished.length > 0)
    await writeJsonAtomic(path.join(root, PROJECT_FILE), { ...project, audio, imports });
  const removed: string[] = [];
  for (const f of [...found.orphans.map((o) => o.file), ...removeAbs]) {
    const st = await stat(f).catch(() => undefined);
    if (!st?.isFile()) continue;
    await rm(f, { force: true });
    removed.push(f);
  }
  return {
    removed,
    removedImports: found.incomplete.map((i) => ({
      source: project.imports[i].source,
      date: project.imports[i].date,
    })),
    completedImports: found.finished.length,
  };
}

/**
 * Write the canonical manifest (keeping the previous one as manifest.jsonl.bak), atomically.
 * @param utterances audio paths absolute and inside the project folder
 */
export async function writeProjectManifest(dir: string, utterances: Utterance[]): Promise<void> {
  const root = path.resolve(dir);
  const file = path.join(root, MANIFEST_FILE);
  const old = await readFile(file).catch(() => undefined);
  if (old !== undefined) await writeFileAtomic(`${file}.bak`, old);
  const rel = (p: string) => path.relative(root, p).split(path.sep).join('/');
  await writeFileAtomic(file, utterances.map((u) => nemoLine(u, rel(u.audioPath)) + '\n').join(''));
}

/**
 * Import a corpus into a project (created when the folder is new or empty). Bad items are
 * skipped with reasons; ids already in the project are skipped; audio is copied into `audio/`.
 * @param onProgress (done, total) while checking audio
 * @throws Error when the source is missing (naming it), the folder is neither a project nor empty,
 *   or a copy/write fails (the project is left as it was)
 */
export async function importIntoProject(
  dir: string,
  format: FormatName,
  source: string,
  options: ImportOptions = {},
  onProgress?: (done: number, total: number) => void,
): Promise<ProjectImportSummary> {
  const root = path.resolve(dir);
  // Read and check the source before touching the project folder: a missing source creates nothing.
  const read = await importCorpus(format, source, options, onProgress);
  const isProject = await readFile(path.join(root, PROJECT_FILE)).then(
    () => true,
    () => false,
  );
  if (!isProject) await createProject(root);
  const opened = await openProject(root, { verify: false });
  const skipped = [...read.skipped];
  const existing = new Set(opened.utterances.map((u) => u.id));
  const fresh = read.utterances.filter((u) => {
    if (!existing.has(u.id)) return true;
    skipped.push({ file: u.audioPath, reason: `duplicate utterance id "${u.id}" (already in the project)` });
    return false;
  });
  // Copy each distinct source file once, under a name not yet used in audio/.
  const used = new Set([
    ...Object.keys(opened.project.audio),
    ...(await readdir(path.join(root, 'audio')).catch(() => [] as string[])).map((n) => `audio/${n}`),
  ]);
  const copies = new Map<string, string>();
  const audio = { ...opened.project.audio };
  try {
    for (const u of fresh) {
      if (copies.has(u.audioPath)) continue;
      const ext = path.extname(u.audioPath) || '.wav';
      const base = (u.offsetSec === undefined ? u.id : path.basename(u.audioPath, ext)).replace(
        /[\\/:*?"<>|]/g,
        '_',
      );
      let rel = `audio/${base}${ext}`;
      for (let k = 2; used.has(rel); k++) rel = `audio/${base}-${k}${ext}`;
      used.add(rel);
      const dest = path.join(root, rel);
      await copyFileAtomic(u.audioPath, dest);
      copies.set(u.audioPath, dest);
      const { size } = await import('node:fs/promises').then((fs) => fs.stat(dest));
      audio[rel] = { sha256: await sha256File(dest), bytes: size, source: u.audioPath };
    }
  } catch (err) {
    for (const dest of copies.values()) await rm(dest, { force: true });
    throw err;
  }
  const added = fresh.map((u) => ({
    ...u,
    audioPath: copies.get(u.audioPath)!,
    meta: { ...u.meta, source_path: u.audioPath },
  }));
  const record: ProjectImportRecord = {
    format,
    source: path.resolve(source),
    date: new Date().toISOString(),
    imported: added.length,
    skipped: skipped.length,
  };
  const rels = [...copies.values()].map((d) => path.relative(root, d).split(path.sep).join('/'));
  // Pending until the manifest holds the new lines: a kill in between is found by openProject.
  const project: ProjectFile = {
    ...opened.project,
    audio,
    imports: [...opened.project.imports, rels.length > 0 ? { ...record, pendingAudio: rels } : record],
  };
  await writeJsonAtomic(path.join(root, PROJECT_FILE), project);
  await writeProjectManifest(root, [...opened.utterances, ...added]);
  if (rels.length > 0)
    await writeJsonAtomic(path.join(root, PROJECT_FILE), {
      ...project,
      imports: [...opened.project.imports, record],
    });
  const warnings = [...read.warnings];
  const leftovers = opened.problems.filter(
    (p) => p.problem === 'orphan' || p.problem === 'incomplete-import',
  ).length;
  if (leftovers > 0)
    warnings.push({
      file: root,
      reason: `the project holds ${leftovers} leftover${leftovers === 1 ? '' : 's'} of an interrupted import (unused audio or .tmp files, or an import that never reached the manifest): clean the project to remove them`,
    });
  return { imported: added.length, utterances: added, skipped, warnings };
}

/**
 * Export a project's utterances to a format.
 * @param outDir a new or empty folder
 * @throws Error from openProject, or when outDir is not empty
 */
export async function exportProject(dir: string, format: FormatName, outDir: string): Promise<ExportResult> {
  const { utterances } = await openProject(dir, { verify: false });
  const clean = utterances.map((u) => {
    const { sample_rate_hz: _r, channels: _c, source_path: _s, ...meta } = u.meta as Record<string, unknown>;
    return { ...u, meta: format === 'nemo' ? u.meta : meta };
  });
  return FORMATS[format].exporter(clean, outDir);
}
