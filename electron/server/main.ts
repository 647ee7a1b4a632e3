/**
 * `npm run serve`: start browser mode. Builds the renderer first when out/renderer is missing, then
 * prints the address (with its access token) to open in a browser. Stop with Ctrl+C.
 *
 * Options: --port N (default: a random free port), --models DIR (default models/),
 * --runs DIR (default runs/), --projects DIR (default projects/), --build (rebuild the renderer even when it exists).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startServer } from './index';

export { REPO_ROOT, RENDERER_DIR, ensureRendererBuilt } from './build';
import { REPO_ROOT, RENDERER_DIR, ensureRendererBuilt } from './build';

export async function serve(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { port: { type: 'string' }, models: { type: 'string' }, runs: { type: 'string' }, projects: { type: 'string' }, build: { type: 'boolean' } },
  });
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port: expected an integer 0-65535, got ${values.port}`);
  ensureRendererBuilt(values.build ?? false);
  const server = await startServer({
    rendererDir: RENDERER_DIR,
    modelsDir: path.resolve(values.models ?? path.join(REPO_ROOT, 'models')),
    runsDir: path.resolve(values.runs ?? path.join(REPO_ROOT, 'runs')),
    projectsDir: path.resolve(values.projects ?? path.join(REPO_ROOT, 'projects')),
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
