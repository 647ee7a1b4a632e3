/**
 * `npm run serve`: start browser mode. Builds the renderer first when out/renderer is missing, then
 * prints the address (with its access token) to open in a browser. Stop with Ctrl+C.
 *
 * Options: --port N (default: a random free port), --models DIR (default models/),
 * --runs DIR (default runs/), --projects DIR (default projects/), --exports DIR (default: `exports/` in
 * the user's data folder, see userDataDir; never inside the program's folder), --user-models DIR
 * (default `models/` in the user's data folder: models made in the studio), --vocabularies DIR
 * (default `vocabularies/` there: their word lists), --build (rebuild the renderer even when it exists).
 */
import { homedir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startServer } from './index';

export { REPO_ROOT, RENDERER_DIR, ensureRendererBuilt } from './build';
import { REPO_ROOT, RENDERER_DIR, ensureRendererBuilt } from './build';

/**
 * The studio's folder in the user's data folder, as Electron's app.getPath('userData') would place
 * it: `%APPDATA%\\Accent Studio` (Windows), `~/Library/Application Support/Accent Studio` (macOS),
 * `$XDG_DATA_HOME/accent-studio` or `~/.local/share/accent-studio` (Linux and others).
 */
export function userDataDir(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  home: string = homedir(),
): string {
  if (platform === 'win32')
    return path.win32.join(env.APPDATA || path.win32.join(home, 'AppData', 'Roaming'), 'Accent Studio');
  if (platform === 'darwin') return path.posix.join(home, 'Library', 'Application Support', 'Accent Studio');
  return path.posix.join(
    env.XDG_DATA_HOME && path.posix.isAbsolute(env.XDG_DATA_HOME)
      ? env.XDG_DATA_HOME
      : path.posix.join(home, '.local', 'share'),
    'accent-studio',
  );
}

export async function serve(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      models: { type: 'string' },
      runs: { type: 'string' },
      projects: { type: 'string' },
      exports: { type: 'string' },
      'user-models': { type: 'string' },
      vocabularies: { type: 'string' },
      build: { type: 'boolean' },
    },
  });
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`--port: expected an integer 0-65535, got ${values.port}`);
  ensureRendererBuilt(values.build ?? false);
  const server = await startServer({
    rendererDir: RENDERER_DIR,
    modelsDir: path.resolve(values.models ?? path.join(REPO_ROOT, 'models')),
    runsDir: path.resolve(values.runs ?? path.join(REPO_ROOT, 'runs')),
    projectsDir: path.resolve(values.projects ?? path.join(REPO_ROOT, 'projects')),
    exportsDir: path.resolve(values.exports ?? path.join(userDataDir(), 'exports')),
    userModelsDir: path.resolve(values['user-models'] ?? path.join(userDataDir(), 'models')),
    vocabulariesDir: path.resolve(values.vocabularies ?? path.join(userDataDir(), 'vocabularies')),
    port,
  });
  console.log(
    `Accent Studio (browser mode) is running. Open:\n\n  ${server.url}\n\nThe address holds this session's access token; stop with Ctrl+C.`,
  );
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
