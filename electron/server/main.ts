/**
 * `npm run serve`: start browser mode. Builds the renderer first when out/renderer is missing, then
 * prints the address (with its access token) to open in a browser. Stop with Ctrl+C.
 *
 * Options: --port N (default: a random free port), --models DIR (default models/),
 * --runs DIR (default runs/), --build (rebuild the renderer even when it exists).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startServer } from './index';

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
    const sources = Math.max(newestMtime(path.join(REPO_ROOT, 'renderer')), newestMtime(path.join(REPO_ROOT, 'electron', 'contract')));
    if (statSync(built).mtimeMs >= sources) return;
  }
  console.error('Building the renderer (electron-vite build) ...');
  const bin = path.join(REPO_ROOT, 'node_modules', '.bin', process.platform === 'win32' ? 'electron-vite.cmd' : 'electron-vite');
  const r = spawnSync(bin, ['build'], { cwd: REPO_ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) throw new Error(`electron-vite build failed (exit code ${r.status ?? r.signal})`);
}

export async function serve(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { port: { type: 'string' }, models: { type: 'string' }, runs: { type: 'string' }, build: { type: 'boolean' } },
  });
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port: expected an integer 0-65535, got ${values.port}`);
  ensureRendererBuilt(values.build ?? false);
  const server = await startServer({
    rendererDir: RENDERER_DIR,
    modelsDir: path.resolve(values.models ?? path.join(REPO_ROOT, 'models')),
    runsDir: path.resolve(values.runs ?? path.join(REPO_ROOT, 'runs')),
    port,
  });
  console.log(`Accent Studio (browser mode) is running. Open:\n\n  ${server.url}\n\nThe address holds this session's access token; stop with Ctrl+C.`);
  const stop = (): void => void server.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  serve(process.argv.slice(2)).catch((err: Error) => {
    console.error(`serve: ${err.message}`);
    process.exit(1);
  });
}
