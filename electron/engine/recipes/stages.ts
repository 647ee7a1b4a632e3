/**
 * Re-runnable recipe stages (icefall's `--stage`/`--stop-stage`, made automatic): each stage writes
 * its artifact into its own folder of a work folder, then a marker `done.json` holding the marker
 * format and version, the stage's settings and a hash of them chained to the previous stage's hash.
 * Running a recipe again skips every stage whose marker matches; a stage whose settings (or an
 * earlier stage's) changed is cleared and run again, and the progress log says which setting
 * changed. Used by recipes/base-model.ts.
 */
import { createHash } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { ProgressFn } from '../progress';
import { writeJsonAtomic } from '../util/atomic';
import { pathExists, readText } from '../util/files';

export const STAGE_FORMAT = 'accent-studio-recipe-stage';
export const STAGE_VERSION = 1;

/** Contents of a stage's `done.json`. */
export interface StageMarker {
  format: typeof STAGE_FORMAT;
  version: number;
  /** Stage name, e.g. "1-prepare". */
  stage: string;
  /** sha256 (hex) of the settings and the previous stage's hash. */
  hash: string;
  settings: Record<string, unknown>;
}

/** A stage to run: its folder in the work folder and what decides whether its artifact is current. */
export interface StagePlan {
  name: string;
  dir: string;
  hash: string;
  settings: Record<string, unknown>;
}

/** sha256 of a stage's settings chained to the previous stage's hash (so a change redoes later stages). */
export function stageHash(settings: Record<string, unknown>, previousHash: string): string {
  return createHash('sha256').update(JSON.stringify({ previousHash, settings })).digest('hex');
}

/** The plan of stage `name` in `workDir`: its folder and its settings hash. */
export function planStage(
  workDir: string,
  name: string,
  settings: Record<string, unknown>,
  previousHash: string,
): StagePlan {
  return { name, dir: path.join(workDir, name), hash: stageHash(settings, previousHash), settings };
}

/**
 * The marker of a finished stage, or null when there is none or it is not a marker of this format.
 * @throws Error naming the file when it exists but is not valid JSON
 */
export async function readMarker(dir: string): Promise<StageMarker | null> {
  const file = path.join(dir, 'done.json');
  if (!(await pathExists(file))) return null;
  let m: unknown;
  try {
    m = JSON.parse(await readText(file, 'stage marker'));
  } catch {
    throw new Error(`${file}: not valid JSON (delete the stage folder to run the stage again)`);
  }
  const o = m as Partial<StageMarker> | null;
  return o && o.format === STAGE_FORMAT && o.version === STAGE_VERSION && typeof o.hash === 'string'
    ? (o as StageMarker)
    : null;
}

/** Names of the settings that differ between a marker and a plan (empty: an earlier stage changed). */
function changedSettings(old: Record<string, unknown>, now: Record<string, unknown>): string[] {
  const keys = new Set([...Object.keys(old ?? {}), ...Object.keys(now)]);
  return [...keys].filter((k) => JSON.stringify(old?.[k]) !== JSON.stringify(now[k]));
}

/** Whether a stage finished earlier with the plan's settings (its marker's hash matches). */
export async function stageIsCurrent(plan: StagePlan): Promise<boolean> {
  return (await readMarker(plan.dir))?.hash === plan.hash;
}

/** Log a message through `onProgress` (the CLI prints it as a line). */
function say(onProgress: ProgressFn, message: string): void {
  onProgress({ phase: 'features', label: 'recipe stages', done: 0, total: 1, message });
}

/** Report a current stage as skipped. */
export function skipStage(plan: StagePlan, onProgress: ProgressFn): void {
  say(onProgress, `stage ${plan.name}: finished earlier with the same settings, skipped (${plan.dir})`);
}

/**
 * Start a stage that is not current: report why it runs (no marker, or which settings changed, or
 * that an earlier stage changed), then clear its folder (a partial or outdated artifact) and create
 * it empty.
 */
export async function beginStage(plan: StagePlan, onProgress: ProgressFn): Promise<void> {
  const marker = await readMarker(plan.dir);
  if (marker) {
    const changed = changedSettings(marker.settings, plan.settings);
    say(
      onProgress,
      `stage ${plan.name}: ${changed.length ? `settings changed (${changed.join(', ')})` : 'an earlier stage changed'}, running it again`,
    );
  } else say(onProgress, `stage ${plan.name}: running`);
  await rm(plan.dir, { recursive: true, force: true });
  await mkdir(plan.dir, { recursive: true });
}

/** Mark a stage finished (written last, atomically, after its artifact). */
export async function markDone(plan: StagePlan): Promise<void> {
  const marker: StageMarker = {
    format: STAGE_FORMAT,
    version: STAGE_VERSION,
    stage: plan.name,
    hash: plan.hash,
    settings: plan.settings,
  };
  await writeJsonAtomic(path.join(plan.dir, 'done.json'), marker);
}
