/**
 * Building the renderer for browser mode (and the UI tests): electron-vite build when out/renderer is
 * missing or older than its sources. Kept free of engine imports so the test setup can load it cheaply.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const RENDERER_DIR = path.join(REPO_ROOT, 'out', 'renderer');

/** Newest modification time (ms) of the files under `dir`, recursively. */
function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/**
 * Build the renderer with electron-vite when out/renderer/index.html is missing, older than a source
 * file of the renderer or the contract, or when `force` is set.
 * @throws Error when the build fails
 */
export function ensureRendererBuilt(force = false): void {
  const built = path.join(RENDERER_DIR, 'index.html');
  if (!force && existsSync(built)) {
    const sources = Math.max(
      newestMtime(path.join(REPO_ROOT, 'renderer')),
      newestMtime(path.join(REPO_ROOT, 'electron', 'contract')),
    );
    if (statSync(built).mtimeMs >= sources) return;
  }
  console.error('Building the renderer (electron-vite build) ...');
  const bin = path.join(
    REPO_ROOT,
    'node_modules',
    '.bin',
    process.platform === 'win32' ? 'electron-vite.cmd' : 'electron-vite',
  );
  const r = spawnSync(bin, ['build'], { cwd: REPO_ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) throw new Error(`electron-vite build failed (exit code ${r.status ?? r.signal})`);
}
