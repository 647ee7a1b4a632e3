/**
 * Start a worker thread on one of our TypeScript modules, from source or from the built bundle.
 *
 * From source (tsx, vitest, the CLI) a small bootstrap registers tsx's ESM loader inside the worker
 * thread and then imports the .ts file (Node 20 does not apply `--import tsx` from a worker's execArgv
 * to the worker's own imports). Built by electron-vite, the worker is its own entry (.js) in the
 * output folder.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

/** How to start a worker script. */
export interface WorkerEntry {
  /** Absolute path of the worker module: built .js, or .ts when `tsxApiUrl` is set. */
  file: string;
  /** When set, `file` is TypeScript, imported after registering tsx's ESM loader from this file URL. */
  tsxApiUrl?: string;
}

/**
 * The source entry of a TypeScript worker module, loaded through tsx's ESM API.
 * @param file absolute path of the .ts module
 * @throws Error when the file does not exist or tsx is not installed
 */
export function sourceEntry(file: string): WorkerEntry {
  if (!existsSync(file))
    throw new Error(`${file}: worker source not found; a built app must pass the built worker's path`);
  const tsxApi = path.join(
    path.dirname(createRequire(import.meta.url).resolve('tsx')),
    'esm',
    'api',
    'index.mjs',
  );
  return { file, tsxApiUrl: pathToFileURL(tsxApi).href };
}

/**
 * Find a worker module by name: `<dir>/<name>.ts` when `dir` holds sources, else the built
 * `<name>.js` in `dir` or its parent (bundled chunks may sit one folder below the entries).
 * @param dir folder of the calling module (path.dirname(fileURLToPath(import.meta.url)))
 * @throws Error when neither exists
 */
export function findWorkerEntry(dir: string, name: string): WorkerEntry {
  const ts = path.join(dir, `${name}.ts`);
  if (existsSync(ts)) return sourceEntry(ts);
  for (const d of [dir, path.dirname(dir)]) {
    const js = path.join(d, `${name}.js`);
    if (existsSync(js)) return { file: js };
  }
  throw new Error(`worker "${name}": neither ${ts} nor a built ${name}.js near ${dir}`);
}

/** Start a worker thread for an entry with the given workerData. */
export function startWorker(entry: WorkerEntry, workerData: unknown): Worker {
  if (!entry.tsxApiUrl) return new Worker(entry.file, { workerData });
  // An eval'd worker is a CommonJS script: dynamic import() only.
  const bootstrap = `import(${JSON.stringify(entry.tsxApiUrl)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(pathToFileURL(entry.file).href)}); })
    .catch((err) => { throw err; });`;
  return new Worker(bootstrap, { eval: true, workerData });
}
