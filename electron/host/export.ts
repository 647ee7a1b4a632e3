/**
 * Exporting an adapted model: its model folder (model.json, weights*.bin, card.json, README.md when
 * present) and its run's report files (report.json, report.html, utterances.csv, trn/) are copied into
 * a new folder `<exports root>/<name>/`. The copy goes to a hidden temporary folder beside it first and
 * is renamed into place at the end, so a half-written export never appears under its name; an
 * existing folder is never overwritten.
 */
import { copyFile, mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { NAME_PATTERN, type ExportedModel } from '../contract';
import { readRunComplete } from '../engine/score/run-complete';
import { pathExists as exists, isRegularFile } from '../engine/util/files';

const isDir = (p: string): Promise<boolean> =>
  stat(p).then(
    (s) => s.isDirectory(),
    () => false,
  );

/** Model files copied: model.json, weights*.bin, card.json, README.md. */
const MODEL_FILE = /^(model\.json|weights.*\.bin|card\.json|README\.md)$/;
/** Report files of the run folder copied (when present); trn/ is copied as a folder. */
const REPORT_FILES = ['report.json', 'report.html', 'utterances.csv'];

/**
 * Export the adapted model of a run folder.
 * @param runDir the run folder (holding `model/` and report.json)
 * @param exportsRoot the exports folder (created when missing)
 * @param name the new folder's name (NAME_PATTERN)
 * @throws Error naming the folder: a bad name, a run without an adapted model, an incomplete run (no
 *   run-complete.json), or an export of that name that already exists
 */
export async function exportModel(runDir: string, exportsRoot: string, name: string): Promise<ExportedModel> {
  if (!NAME_PATTERN.test(name))
    throw new Error(
      `export name "${name}" may hold only letters, digits, ".", "_" and "-" (1-64 characters, no leading dot)`,
    );
  const modelDir = path.join(runDir, 'model');
  if (!(await isRegularFile(path.join(modelDir, 'model.json'))))
    throw new Error(`${modelDir}: no adapted model (model.json not found)`);
  // A run is finished only when its completion marker is there (written last, after the report files).
  await readRunComplete(runDir);
  const root = path.resolve(exportsRoot);
  const target = path.join(root, name);
  if (path.dirname(target) !== root) throw new Error(`export name "${name}" leaves the exports folder`);
  if (await exists(target))
    throw new Error(`${target}: already exists; choose a new export name (exports are never overwritten)`);
  await mkdir(root, { recursive: true });
  const tmp = path.join(root, `.${name}.tmp-${randomBytes(4).toString('hex')}`);
  const files: string[] = [];
  try {
    await mkdir(tmp);
    for (const f of (await readdir(modelDir)).sort()) {
      if (MODEL_FILE.test(f) && (await isRegularFile(path.join(modelDir, f)))) {
        await copyFile(path.join(modelDir, f), path.join(tmp, f));
        files.push(f);
      }
    }
    for (const f of REPORT_FILES) {
      if (await isRegularFile(path.join(runDir, f))) {
        await copyFile(path.join(runDir, f), path.join(tmp, f));
        files.push(f);
      }
    }
    const trn = path.join(runDir, 'trn');
    if (await isDir(trn)) {
      await mkdir(path.join(tmp, 'trn'));
      for (const f of (await readdir(trn)).sort()) {
        if (await isRegularFile(path.join(trn, f))) {
          await copyFile(path.join(trn, f), path.join(tmp, 'trn', f));
          files.push(`trn/${f}`);
        }
      }
    }
    // A folder made under this name meanwhile is not replaced: rename fails on a non-empty target,
    // and an empty one is checked for just before.
    if (await exists(target))
      throw new Error(`${target}: already exists; choose a new export name (exports are never overwritten)`);
    await rename(tmp, target);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
  return { path: target, files: files.sort() };
}
