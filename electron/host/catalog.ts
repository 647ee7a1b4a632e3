/**
 * Read-only views of the studio's folders: model folders (base models under the models folder,
 * adapted models under `<runs>/<run>/model`), run folders and their report.json, and manifests.
 */
import { readdir } from 'node:fs/promises';
import { readJsonDocument, isRegularFile } from '../engine/util/files';
import path from 'node:path';
import { parseCard } from '../engine/model/card';
import { readManifest as readManifestFile } from '../engine/corpus/manifest';
import { REPORT_FORMAT, REPORT_VERSION, upgradeReport } from '../engine/score/report';
import { isRunComplete, readRunComplete } from '../engine/score/run-complete';
import type { ManifestRow, ModelEntry, Report, RunEntry } from '../contract';

/** Sub-folders of `dir` (none when it does not exist), sorted by name. */
async function subfolders(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort();
}

/** A folder of runs: the studio's runs folder (no project) or a project's `runs/`. */
export interface RunsFolder {
  dir: string;
  project?: string;
}

/** A model folder as listModels lists it (null when it holds neither card.json nor model.json). */
export async function modelEntry(
  dir: string,
  kind: ModelEntry['kind'],
  run?: string,
  project?: string,
): Promise<ModelEntry | null> {
  const cardPath = path.join(dir, 'card.json');
  if (!(await isRegularFile(cardPath)) && !(await isRegularFile(path.join(dir, 'model.json')))) return null;
  const base = { dir: path.resolve(dir), kind, ...(run ? { run } : {}), ...(project ? { project } : {}) };
  try {
    return { ...base, card: parseCard(await readJsonDocument(cardPath, 'missing'), cardPath) };
  } catch (err) {
    // readJsonDocument and parseCard name the file and never quote it.
    return { ...base, card: null, error: (err as Error).message };
  }
}

const folders = (runs: string | RunsFolder[]): RunsFolder[] =>
  typeof runs === 'string' ? [{ dir: runs }] : runs;

/**
 * Base models (folders of `modelsDir` holding card.json or model.json), then the user's models (the
 * same in `userModelsDir`, when given; saveModel's temporary `<name>.partial-<pid>` folders left
 * out), then adapted models of runs (`runs`: the studio's runs folder, or several runs folders: the
 * studio's and the projects'). Adapted models of incomplete runs (no run-complete.json: stopped,
 * failed or still running) are left out.
 */
export async function listModels(
  modelsDir: string,
  runs: string | RunsFolder[],
  userModelsDir?: string,
): Promise<ModelEntry[]> {
  const out: ModelEntry[] = [];
  for (const name of await subfolders(modelsDir)) {
    const m = await modelEntry(path.join(modelsDir, name), 'base');
    if (m) out.push(m);
  }
  if (userModelsDir)
    for (const name of await subfolders(userModelsDir)) {
      if (/\.partial-\d+$/.test(name)) continue;
      const m = await modelEntry(path.join(userModelsDir, name), 'user');
      if (m) out.push(m);
    }
  for (const f of folders(runs)) {
    for (const run of await subfolders(f.dir)) {
      if (!(await isRunComplete(path.join(f.dir, run)))) continue;
      const m = await modelEntry(path.join(f.dir, run, 'model'), 'adapted', run, f.project);
      if (m) out.push(m);
    }
  }
  return out;
}

/**
 * Read and check a report.json.
 * @throws Error naming the file: missing, not JSON, not a report, or a newer version
 */
export async function readReportFile(file: string): Promise<Report> {
  const raw = await readJsonDocument(file, 'no report (the run has not finished)');
  if (raw?.format !== REPORT_FORMAT)
    throw new Error(`${file}: not a report (its "format" is not "${REPORT_FORMAT}")`);
  if (typeof raw.version !== 'number' || raw.version > REPORT_VERSION) {
    throw new Error(
      `${file}: report version ${String(raw.version)} is not one this program reads (up to ${REPORT_VERSION})`,
    );
  }
  return upgradeReport(raw as { version: number } & Record<string, unknown>);
}

/**
 * A finished run's report: the run folder must hold run-complete.json (written last), then report.json.
 * @throws Error naming the file: the marker missing (the run did not finish) or damaged, or the
 *   report's own errors (readReportFile)
 */
export async function readRunReport(runDir: string): Promise<Report> {
  await readRunComplete(runDir);
  return readReportFile(path.join(runDir, 'report.json'));
}

/**
 * Finished runs (folders of the runs folders holding run-complete.json and report.json), newest
 * first. Incomplete runs and unreadable reports are skipped.
 */
export async function listRuns(runs: string | RunsFolder[]): Promise<RunEntry[]> {
  const out: RunEntry[] = [];
  for (const f of folders(runs))
    for (const name of await subfolders(f.dir)) {
      const dir = path.join(f.dir, name);
      if (!(await isRegularFile(path.join(dir, 'report.json')))) continue;
      try {
        const r = await readRunReport(dir);
        out.push({
          name,
          ...(f.project ? { project: f.project } : {}),
          dir: path.resolve(dir),
          command: r.command,
          created: r.created,
          modelName: r.model.name,
          ...(r.adapted_model ? { adaptedModelName: r.adapted_model.name } : {}),
          testWerBefore: r.test.before.wer,
          ...(r.test.after ? { testWerAfter: r.test.after.wer } : {}),
        });
      } catch {
        // a damaged report is not a finished run; readReport shows its error when asked directly
      }
    }
  return out.sort((a, b) => (a.created < b.created ? 1 : a.created > b.created ? -1 : 0));
}

/** A manifest's utterances as table rows. */
export async function readManifestRows(file: string): Promise<{ path: string; rows: ManifestRow[] }> {
  const utts = await readManifestFile(file);
  return {
    path: path.resolve(file),
    rows: utts.map((u) => ({
      id: u.id,
      text: u.text,
      speaker: u.speaker,
      accent: u.accent,
      durationSec: u.durationSec,
      audioPath: u.audioPath,
    })),
  };
}
