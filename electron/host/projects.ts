/**
 * The studio's project folders: `<projects root>/<name>/` (names are NAME_PATTERN, checked by the
 * contract's schemas, so nothing leaves the root), the recently opened list
 * (`<projects root>/recent-projects.json`, written atomically), imports through the engine's project
 * store, and recorded takes.
 *
 * A take is written as `audio/take-NNNN.wav` (16-bit PCM at the device rate, numbers only increase:
 * never an existing name), its sha256 recorded in project.json, and one line appended to
 * manifest.jsonl in the engine's NeMo line format (the previous manifest kept as manifest.jsonl.bak).
 * A re-recorded take replaces the earlier take's manifest line in the same write; the earlier audio
 * file stays (and stays recorded in project.json), so restoreTake can swap the two back.
 * The engine has no "append utterance" function, so the append is here, with the same atomic writes
 * and the same order as an import (audio, then project.json, then the manifest). Every change to
 * one project runs under a per-project lock, so two takes never race for a name.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, realpath, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { encodeWav16Sliced } from '../engine/audio/wav';
import { FORMATS, importCorpus } from '../engine/corpus';
import { nemoLine } from '../engine/corpus/nemo';
import { unsafeNameReason } from '../engine/corpus/common';
import {
  cleanProject,
  createProject,
  importIntoProject,
  MANIFEST_FILE,
  openProject,
  PROJECT_FILE,
  type OpenProject,
  type ProjectFile,
} from '../engine/corpus/project';
import type { Utterance } from '../engine/corpus/manifest';
import { writeFileAtomic, writeJsonAtomic } from '../engine/util/atomic';
import { pathExists, isRegularFile } from '../engine/util/files';
import { assignImportSplits, importSplitCounts } from './import-split';
import {
  deleteLine,
  editLines,
  joinLines,
  parseManifest,
  projectData,
  restoreLine,
  splitManifests,
  AUDIO_MIME,
  type ParsedManifest,
} from './project-data';
import {
  IMPORT_FORMAT_NAMES,
  MAX_PLAY_BYTES,
  SPLIT_NAMES,
  type ImportPreview,
  type ImportSplitCounts,
  NAME_PATTERN,
  type DeletedUtterance,
  type EditUtterancesRequest,
  type ProjectAudio,
  type ProjectData,
  type RestoreUtteranceRequest,
  type SplitName,
  type CleanedProject,
  type ImportFormatInfo,
  type ImportIntoProjectRequest,
  type ImportSummaryInfo,
  type ProjectInfo,
  type RecentProject,
  type RestoredTake,
  type RestoreTakeRequest,
  type SavedTake,
  type SaveTakeRequest,
} from '../contract';

export const RECENT_FILE = 'recent-projects.json';
const RECENT_FORMAT = 'accent-studio-recent-projects';
const RECENT_MAX = 12;
const TAKE_PATTERN = /^take-(\d+)(?:\.[A-Za-z0-9]+)?$/;

/** Samples handled between yields to the event loop while saving a take (1 s at 48 kHz). */
const TAKE_SLICE_SAMPLES = 48_000;

/**
 * A take's samples from base64 of Float32 little-endian, decoded in slices of TAKE_SLICE_SAMPLES
 * with a yield to the event loop between them (a 60 s take at 48 kHz is 15 MB of base64: decoded
 * at once it held the host's event loop for about a second).
 * @returns the samples and their peak level in dBFS (null for silence)
 * @throws Error `samples: N bytes is not a whole number of Float32 samples`; `samples: sample i is
 *   NaN (expected finite values in [-1, 1])`
 */
export async function decodeTakeSamples(
  b64: string,
): Promise<{ samples: Float32Array; peakDbfs: number | null }> {
  const bytes = Buffer.byteLength(b64, 'base64');
  if (bytes % 4 !== 0 || bytes === 0)
    throw new Error(`samples: ${bytes} bytes is not a whole number of Float32 samples`);
  const out = new Float32Array(bytes / 4);
  // 3 samples = 12 bytes = 16 base64 characters: slices of whole samples and whole base64 quanta.
  const sliceChars = (TAKE_SLICE_SAMPLES / 3) * 16;
  let peak = 0;
  let i = 0;
  for (let at = 0; at < b64.length; at += sliceChars) {
    const buf = Buffer.from(b64.slice(at, at + sliceChars), 'base64');
    const view = new DataView(buf.buffer, buf.byteOffset, buf.length);
    for (let o = 0; o + 4 <= buf.length; o += 4, i++) {
      const v = view.getFloat32(o, true);
      if (!Number.isFinite(v))
        throw new Error(`samples: sample ${i} is ${v} (expected finite values in [-1, 1])`);
      out[i] = v;
      peak = Math.max(peak, Math.abs(v));
    }
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return { samples: out, peakDbfs: peak > 0 ? 20 * Math.log10(peak) : null };
}

export class ProjectStore {
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(readonly root: string) {}

  /** Folder of a project name (already NAME_PATTERN-checked by the schema; checked again here). */
  dirOf(name: string): string {
    if (!NAME_PATTERN.test(name))
      throw new Error(`project name "${name}" may hold only letters, digits, ".", "_" and "-"`);
    const dir = path.resolve(this.root, name);
    if (path.dirname(dir) !== path.resolve(this.root))
      throw new Error(`project name "${name}" leaves the projects folder`);
    return dir;
  }

  /** Run `fn` after every earlier change of the same key (a project name, or the recent list). */
  private locked<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(key) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const tail = next.catch(() => undefined);
    this.locks.set(key, tail);
    void tail.then(() => {
      if (this.locks.get(key) === tail) this.locks.delete(key);
    });
    return next;
  }

  /** The folder of an existing project (its project.json present). */
  async requireProject(name: string): Promise<string> {
    const dir = this.dirOf(name);
    if (!(await isRegularFile(path.join(dir, PROJECT_FILE))))
      throw new Error(`${dir}: no project named "${name}" (project.json not found); create it first`);
    return dir;
  }

  private info(name: string, opened: OpenProject, verified: boolean): ProjectInfo {
    return {
      name,
      dir: opened.dir,
      manifestPath: path.join(opened.dir, MANIFEST_FILE),
      created: opened.project.created,
      utterances: opened.utterances.length,
      totalSec: opened.utterances.reduce((a, u) => a + u.durationSec, 0),
      speakers: new Set(opened.utterances.map((u) => u.speaker).filter(Boolean)).size,
      verified,
      problems: opened.problems.map((p) => ({ file: p.file, problem: p.problem, detail: p.detail })),
      imports: opened.project.imports,
    };
  }

  private async readRecent(): Promise<{ name: string; opened: string }[]> {
    try {
      const raw = JSON.parse(await readFile(path.join(this.root, RECENT_FILE), 'utf8')) as {
        format?: string;
        projects?: unknown;
      };
      if (raw?.format !== RECENT_FORMAT || !Array.isArray(raw.projects)) return [];
      return raw.projects.filter(
        (p): p is { name: string; opened: string } =>
          typeof p?.name === 'string' && NAME_PATTERN.test(p.name) && typeof p.opened === 'string',
      );
    } catch {
      return []; // missing or damaged: start a new list
    }
  }

  private touchRecent(name: string): Promise<void> {
    return this.locked(`\0recent`, async () => {
      const list = [
        { name, opened: new Date().toISOString() },
        ...(await this.readRecent()).filter((p) => p.name !== name),
      ].slice(0, RECENT_MAX);
      await writeJsonAtomic(path.join(this.root, RECENT_FILE), {
        format: RECENT_FORMAT,
        version: 1,
        projects: list,
      });
    });
  }

  async list(): Promise<{ root: string; recent: RecentProject[]; formats: ImportFormatInfo[] }> {
    const recent: RecentProject[] = [];
    for (const p of await this.readRecent()) {
      const dir = this.dirOf(p.name);
      recent.push({
        name: p.name,
        dir,
        opened: p.opened,
        exists: await isRegularFile(path.join(dir, PROJECT_FILE)),
      });
    }
    const formats = IMPORT_FORMAT_NAMES.map((f) => ({
      name: f,
      summary: FORMATS[f].summary,
      source: FORMATS[f].source,
    }));
    return { root: path.resolve(this.root), recent, formats };
  }

  create(name: string): Promise<ProjectInfo> {
    return this.locked(name, async () => {
      const dir = this.dirOf(name);
      if (await isRegularFile(path.join(dir, PROJECT_FILE)))
        throw new Error(`${dir}: a project named "${name}" already exists; open it instead`);
      await createProject(dir, name);
      await this.touchRecent(name);
      return this.info(name, await openProject(dir), true);
    });
  }

  open(name: string): Promise<ProjectInfo> {
    return this.locked(name, async () => {
      const dir = await this.requireProject(name);
      const opened = await openProject(dir);
      await this.touchRecent(name);
      return this.info(name, opened, true);
    });
  }

  /** Remove what interrupted imports left (engine cleanProject), under the project's lock; re-opens it. */
  clean(name: string): Promise<CleanedProject> {
    return this.locked(name, async () => {
      const dir = await this.requireProject(name);
      const r = await cleanProject(dir);
      return {
        removed: r.removed,
        removedImports: r.removedImports,
        project: this.info(name, await openProject(dir), true),
      };
    });
  }

  /**
   * The split of speakers already in the project, for "split by speaker": a speaker found only in
   * the adapt split (or only in test) keeps it; speakers in neither or in both are free.
   */
  private speakerSplits(m: ParsedManifest): Map<string, 'adapt' | 'test'> {
    const seen = new Map<string, Set<SplitName>>();
    for (const r of m.rows)
      if (r.speaker && r.split !== 'unlabelled')
        seen.set(r.speaker, (seen.get(r.speaker) ?? new Set()).add(r.split));
    const out = new Map<string, 'adapt' | 'test'>();
    for (const [spk, splits] of seen) if (splits.size === 1) out.set(spk, [...splits][0] as 'adapt' | 'test');
    return out;
  }

  /** What importInto would import and how it would split it; reads the source, writes nothing. */
  previewImport(req: ImportIntoProjectRequest): Promise<ImportPreview> {
    return this.locked(req.project, async () => {
      const m = await this.readManifestOf(req.project);
      const read = await importCorpus(req.format, req.source);
      const existing = new Set(m.parsed.rows.map((r) => r.id));
      const skipped = [...read.skipped];
      const fresh = read.utterances.filter((u) => {
        if (!existing.has(u.id)) return true;
        skipped.push({
          file: u.audioPath,
          reason: `duplicate utterance id "${u.id}" (already in the project)`,
        });
        return false;
      });
      const splits = assignImportSplits(fresh, req.split ?? { mode: 'adapt' }, this.speakerSplits(m.parsed));
      return {
        utterances: fresh.length,
        skipped,
        warnings: read.warnings,
        splits: importSplitCounts(fresh, splits),
      };
    });
  }

  /**
   * Import a corpus; with `req.split`, every imported line gets its `split` field in the same
   * manifest write that follows the import (manifest.jsonl.bak stays the manifest from before it).
   */
  importInto(req: ImportIntoProjectRequest): Promise<ImportSummaryInfo> {
    return this.locked(req.project, async () => {
      const dir = await this.requireProject(req.project);
      const before = await this.readManifestOf(req.project);
      const r = await importIntoProject(dir, req.format, req.source);
      let splits: ImportSplitCounts | undefined;
      if (req.split) {
        const assigned = assignImportSplits(r.utterances, req.split, this.speakerSplits(before.parsed));
        const m = await this.readManifestOf(req.project);
        let lines = m.parsed.lines;
        for (const s of SPLIT_NAMES) {
          const ids = r.utterances.filter((u) => assigned.get(u.id) === s).map((u) => u.id);
          if (ids.length) lines = editLines({ ...m.parsed, lines }, ids, { split: s });
        }
        await writeFileAtomic(m.file, joinLines(lines));
        splits = importSplitCounts(r.utterances, assigned);
      }
      return {
        imported: r.imported,
        skipped: r.skipped,
        warnings: r.warnings,
        project: this.info(req.project, await openProject(dir), true),
        ...(splits ? { splits } : {}),
      };
    });
  }

  saveTake(req: SaveTakeRequest): Promise<SavedTake> {
    return this.locked(req.project, async () => {
      const { samples, peakDbfs } = await decodeTakeSamples(req.samples);
      const badSpeaker = req.speaker ? unsafeNameReason(req.speaker) : undefined;
      if (badSpeaker)
        throw new Error(`speaker ${JSON.stringify(req.speaker)} cannot be a folder name: it ${badSpeaker}`);
      const dir = await this.requireProject(req.project);
      const opened = await openProject(dir, { verify: false });
      const manifestFile = path.join(dir, MANIFEST_FILE);
      const oldManifest = await readFile(manifestFile, 'utf8').catch(() => '');
      // A re-recording: the earlier take's line goes (checked before any file is written).
      const replacing =
        req.replaces === undefined ? null : deleteLine(parseManifest(dir, oldManifest), req.replaces);
      // The next take number: above every take- name already used in audio/, project.json or the manifest.
      const audioDir = path.join(dir, 'audio');
      await mkdir(audioDir, { recursive: true });
      const names = [
        ...(await readdir(audioDir)),
        ...Object.keys(opened.project.audio).map((k) => path.basename(k)),
        ...opened.utterances.map((u) => u.id),
      ];
      const ids = new Set(opened.utterances.map((u) => u.id));
      let n = names.reduce((m, f) => Math.max(m, Number(TAKE_PATTERN.exec(f)?.[1] ?? 0)), 0) + 1;
      let id = `take-${String(n).padStart(4, '0')}`;
      while (ids.has(id) || (await pathExists(path.join(audioDir, `${id}.wav`))))
        id = `take-${String(++n).padStart(4, '0')}`;
      const rel = `audio/${id}.wav`;
      const file = path.join(dir, rel);
      const wav = await encodeWav16Sliced(samples, req.sampleRateHz, TAKE_SLICE_SAMPLES);
      await writeFileAtomic(file, wav);
      const durationSec = samples.length / req.sampleRateHz;
      const utt: Utterance = {
        id,
        audioPath: file,
        durationSec,
        text: req.promptText,
        ...(req.speaker ? { speaker: req.speaker } : {}),
        ...(req.accent ? { accent: req.accent } : {}),
        meta: { sample_rate_hz: req.sampleRateHz, channels: 1, recorded: new Date().toISOString() },
      };
      let projectWritten = false;
      try {
        const project: ProjectFile = {
          ...opened.project,
          audio: {
            ...opened.project.audio,
            [rel]: {
              sha256: createHash('sha256').update(wav).digest('hex'),
              bytes: wav.length,
              source: 'recorded in Accent Studio',
            },
          },
        };
        await writeJsonAtomic(path.join(dir, PROJECT_FILE), project);
        projectWritten = true;
        await writeFileAtomic(`${manifestFile}.bak`, oldManifest);
        const head = replacing
          ? joinLines(replacing.lines)
          : oldManifest && !oldManifest.endsWith('\n')
            ? `${oldManifest}\n`
            : oldManifest;
        await writeFileAtomic(manifestFile, `${head}${nemoLine(utt, rel)}\n`);
      } catch (err) {
        // Leave the project as it was: no file, no record of it.
        if (projectWritten)
          await writeJsonAtomic(path.join(dir, PROJECT_FILE), opened.project).catch(() => undefined);
        await rm(file, { force: true });
        throw err;
      }
      const after = await openProject(dir, { verify: false });
      return {
        id,
        audioPath: file,
        relPath: rel,
        durationSec,
        sampleRateHz: req.sampleRateHz,
        peakDbfs,
        project: this.info(req.project, after, false),
        ...(replacing ? { replaced: replacing.deleted } : {}),
      };
    });
  }

  /**
   * Undo a re-recording: the replaced take's line back at its place, the replacing take's line out,
   * in one manifest write (manifest.jsonl.bak keeps the one before); no audio file is touched.
   * @throws Error when `discard` is not in the manifest, or the line cannot be restored (its id in
   *   use, unreadable, audio outside the project)
   */
  restoreTake(req: RestoreTakeRequest): Promise<RestoredTake> {
    return this.locked(req.project, async () => {
      const m = await this.readManifestOf(req.project);
      const { lines, deleted } = deleteLine(m.parsed, req.discard);
      const restored = restoreLine(m.dir, parseManifest(m.dir, joinLines(lines)), req.line, req.index);
      await this.rewrite(req.project, m.file, m.dir, m.text, restored);
      return {
        discarded: deleted,
        project: this.info(req.project, await openProject(m.dir, { verify: false }), false),
      };
    });
  }

  /** The manifest of a project, read and parsed (call under the project's lock when changing it). */
  private async readManifestOf(
    name: string,
  ): Promise<{ dir: string; file: string; text: string; parsed: ParsedManifest }> {
    const dir = await this.requireProject(name);
    const file = path.join(dir, MANIFEST_FILE);
    const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return '';
      throw new Error(`${file}: ${err.message}`);
    });
    return { dir, file, text, parsed: parseManifest(dir, text) };
  }

  /** Rewrite the manifest atomically, the previous one kept as manifest.jsonl.bak; returns the new state. */
  private async rewrite(
    name: string,
    file: string,
    dir: string,
    oldText: string,
    lines: string[],
  ): Promise<ProjectData> {
    const text = joinLines(lines);
    if (text !== oldText) {
      await writeFileAtomic(`${file}.bak`, oldText);
      await writeFileAtomic(file, text);
    }
    return projectData(name, file, parseManifest(dir, text));
  }

  /** A project's utterances, splits and per-split totals. */
  data(name: string): Promise<ProjectData> {
    return this.locked(name, async () => {
      const m = await this.readManifestOf(name);
      return projectData(name, m.file, m.parsed);
    });
  }

  editUtterances(req: EditUtterancesRequest): Promise<ProjectData> {
    return this.locked(req.project, async () => {
      const m = await this.readManifestOf(req.project);
      return this.rewrite(req.project, m.file, m.dir, m.text, editLines(m.parsed, req.ids, req.changes));
    });
  }

  /** Remove an utterance's line; the audio file is left where it is (undo needs it). */
  deleteUtterance(project: string, id: string): Promise<{ deleted: DeletedUtterance; data: ProjectData }> {
    return this.locked(project, async () => {
      const m = await this.readManifestOf(project);
      const { lines, deleted } = deleteLine(m.parsed, id);
      return { deleted, data: await this.rewrite(project, m.file, m.dir, m.text, lines) };
    });
  }

  restoreUtterance(req: RestoreUtteranceRequest): Promise<ProjectData> {
    return this.locked(req.project, async () => {
      const m = await this.readManifestOf(req.project);
      return this.rewrite(
        req.project,
        m.file,
        m.dir,
        m.text,
        restoreLine(m.dir, m.parsed, req.line, req.index),
      );
    });
  }

  /**
   * Write the project's split manifests (`<outDir>/<project>-<split>.jsonl`, audio paths absolute)
   * for an adaptation run.
   * @returns the files written; `unlabelled` only when that split is not empty
   * @throws Error when the adapt or test split is empty or lacks transcripts
   */
  writeSplits(
    project: string,
    outDir: string,
  ): Promise<{ adapt: string; test: string; unlabelled?: string; counts: Record<SplitName, number> }> {
    return this.locked(project, async () => {
      const m = await this.readManifestOf(project);
      const texts = splitManifests(m.parsed);
      const file = (s: SplitName): string => path.join(outDir, `${project}-${s}.jsonl`);
      await writeFileAtomic(file('adapt'), texts.adapt);
      await writeFileAtomic(file('test'), texts.test);
      if (texts.unlabelled) await writeFileAtomic(file('unlabelled'), texts.unlabelled);
      const counts = { adapt: 0, test: 0, unlabelled: 0 };
      for (const r of m.parsed.rows) counts[r.split]++;
      return {
        adapt: file('adapt'),
        test: file('test'),
        ...(texts.unlabelled ? { unlabelled: file('unlabelled') } : {}),
        counts,
      };
    });
  }

  /**
   * An audio file of the project for playback.
   * @throws Error for a path leaving the project folder (also through a link), a missing or
   *   non-audio file, or one larger than MAX_PLAY_BYTES
   */
  async readAudio(project: string, rel: string): Promise<ProjectAudio> {
    const dir = await this.requireProject(project);
    const abs = path.resolve(dir, rel);
    const inside = (root: string, p: string): boolean => {
      const r = path.relative(root, p);
      return r !== '' && !r.startsWith('..') && !path.isAbsolute(r);
    };
    if (path.isAbsolute(rel) || !inside(dir, abs))
      throw new Error(`"${rel}": not a file inside the project folder`);
    const mime = AUDIO_MIME[path.extname(abs).toLowerCase()];
    if (!mime) throw new Error(`"${rel}": not an audio file (${Object.keys(AUDIO_MIME).join(', ')})`);
    let real: string;
    try {
      real = await realpath(abs);
    } catch {
      throw new Error(`${abs}: audio file is missing`);
    }
    if (!inside(await realpath(dir), real))
      throw new Error(`"${rel}": links to ${real}, outside the project folder`);
    const st = await stat(real);
    if (!st.isFile()) throw new Error(`${abs}: not a file`);
    if (st.size > MAX_PLAY_BYTES)
      throw new Error(
        `${abs}: ${(st.size / 2 ** 20).toFixed(0)} MiB is too large to play here (at most ${MAX_PLAY_BYTES / 2 ** 20} MiB)`,
      );
    return { path: rel, mime, data: (await readFile(real)).toString('base64') };
  }
}
