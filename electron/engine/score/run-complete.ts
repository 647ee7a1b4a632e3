/**
 * The run-completion marker. A run folder (evaluate, adapt, score) is finished only when it holds
 * `run-complete.json`, written atomically as the very last step, after the adapted model (adapt),
 * report.json and its companions. A folder without it is an incomplete run (killed, crashed or
 * still running): the catalog (listRuns, listModels), readReport, Compare and exportModel ignore or
 * refuse it, and a new run refuses to write into it before doing any work.
 *
 * `run-complete.json`: `{format: "accent-studio-run-complete", version: 1, command, created,
 * files}`, `files` listing what the run wrote, relative to the run folder (`model/` for the
 * adapted model folder, `trn/...` for the trn files).
 */
import { stat } from 'node:fs/promises';
import { readJsonDocument } from '../util/files';
import path from 'node:path';
import { writeJsonAtomic } from '../util/atomic';

export const RUN_COMPLETE_FILE = 'run-complete.json';
export const RUN_COMPLETE_FORMAT = 'accent-studio-run-complete';
export const RUN_COMPLETE_VERSION = 1;

export interface RunComplete {
  format: typeof RUN_COMPLETE_FORMAT;
  version: number;
  command: 'evaluate' | 'adapt' | 'score';
  /** ISO 8601 time the run finished. */
  created: string;
  /** Files and folders the run wrote, relative to the run folder, sorted. */
  files: string[];
}

/**
 * Names a run writes into its folder. A new run refuses a folder holding any of them (a finished
 * run, or the remains of one that was killed); other files (the split manifests a project run
 * writes first) are allowed.
 */
export const RUN_OUTPUTS = [
  RUN_COMPLETE_FILE,
  'report.json',
  'report.html',
  'utterances.csv',
  'trn',
  'model',
] as const;

/**
 * Mark a run folder complete: the last write of a run.
 * @throws Error naming the file when it cannot be written
 */
export async function writeRunComplete(
  outDir: string,
  command: RunComplete['command'],
  files: string[],
): Promise<RunComplete> {
  const marker: RunComplete = {
    format: RUN_COMPLETE_FORMAT,
    version: RUN_COMPLETE_VERSION,
    command,
    created: new Date().toISOString(),
    files: [...files].sort(),
  };
  await writeJsonAtomic(path.join(outDir, RUN_COMPLETE_FILE), marker);
  return marker;
}

/**
 * Read and check a run folder's completion marker.
 * @throws Error naming the file: `<dir>/run-complete.json: missing (the run did not finish: it was
 *   stopped, failed, or is still running)`, not JSON, not a marker, or a newer version
 */
export async function readRunComplete(runDir: string): Promise<RunComplete> {
  const file = path.join(runDir, RUN_COMPLETE_FILE);
  const raw = await readJsonDocument(
    file,
    'missing (the run did not finish: it was stopped, failed, or is still running)',
  );
  if (raw?.format !== RUN_COMPLETE_FORMAT)
    throw new Error(
      `${file}: not a run-completion marker (format is ${JSON.stringify(raw?.format)}, expected "${RUN_COMPLETE_FORMAT}")`,
    );
  if (typeof raw.version !== 'number' || raw.version > RUN_COMPLETE_VERSION) {
    throw new Error(
      `${file}: marker version ${String(raw.version)} is not one this program reads (up to ${RUN_COMPLETE_VERSION})`,
    );
  }
  return raw as unknown as RunComplete;
}

/** True when the run folder holds a valid completion marker. */
export const isRunComplete = (runDir: string): Promise<boolean> =>
  readRunComplete(runDir).then(
    () => true,
    () => false,
  );

/**
 * Check, before any work, that a run may write into `outDir`: it may be missing, or hold none of
 * RUN_OUTPUTS.
 * @throws Error naming the folder: a finished run (`already holds a finished run`) or an incomplete
 *   one (`holds an incomplete run (report.json, model/ without run-complete.json)`), asking for a new
 *   folder; `is not a folder` for a file
 */
export async function ensureFreeRunDir(outDir: string): Promise<void> {
  const st = await stat(outDir).catch(() => null);
  if (!st) return;
  if (!st.isDirectory()) throw new Error(`${outDir}: is not a folder; choose a new --out folder`);
  if (await isRunComplete(outDir))
    throw new Error(
      `${outDir}: already holds a finished run; choose a new --out folder (results are never overwritten)`,
    );
  const found: string[] = [];
  for (const name of RUN_OUTPUTS) {
    const s = await stat(path.join(outDir, name)).catch(() => null);
    if (s) found.push(s.isDirectory() ? `${name}/` : name);
  }
  if (found.length > 0) {
    throw new Error(
      `${outDir}: holds an incomplete run (${found.join(', ')} without ${RUN_COMPLETE_FILE}: it was stopped or failed); delete the folder or choose a new --out folder`,
    );
  }
}
