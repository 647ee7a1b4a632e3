/**
 * The engine host: one handler per contract operation, shared by the Electron IPC table
 * (electron/main/ipc.ts) and the browser-mode server (electron/server/). Every payload is validated
 * with the contract's schemas; long jobs run in worker threads (jobs.ts); results are plain data.
 */
import { rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { backendInfo } from '../engine';
import { parseRequest } from '../contract/schemas';
import type { AdaptRequest, DecoderSettings, EvaluateRequest, JobProgress, MethodInfo, MethodSettings, OperationName, Request, Response } from '../contract';
import type { AdaptConfig, DecoderSpec } from '../engine';
import { METHODS, METHOD_NAMES } from '../engine/adapt/methods';
import { JobRunner, type WorkerEntry, type WorkerJob } from './jobs';
import { listModels, listRuns, readManifestRows, readReportFile } from './catalog';
import { ProjectStore } from './projects';

export { JobCancelledError } from './jobs';
export { InvalidRequestError } from '../contract/schemas';

export interface HostConfig {
  /** Folder of base model folders (the repository's models/). */
  modelsDir: string;
  /** Folder where runs (report + adapted model) are written, one folder per run name. */
  runsDir: string;
  /** Folder holding the project folders (one per project name); default: `projects/` beside runsDir. */
  projectsDir?: string;
  /** Built worker script; default: worker.ts run with tsx (development, browser mode, tests). */
  worker?: WorkerEntry;
}

type Handlers = { [K in OperationName]: (req: Request<K>) => Promise<Response<K>> };

const exists = (p: string): Promise<boolean> => stat(p).then(() => true, () => false);

const decoderSpec = (d: DecoderSettings | undefined): DecoderSpec | undefined => (d ? { ...d } : undefined);

/** The registry as the method picker shows it (no engine code reaches the renderer). */
export const methodInfos = (): MethodInfo[] => METHOD_NAMES.map((name) => ({ name, summary: METHODS[name].summary, defaultLearningRate: METHODS[name].learningRate }));

/**
 * The UI's adaptation settings as the engine's AdaptConfig fields. Only given fields are set, so
 * the rest keep DEFAULT_ADAPT (an absent learning rate = the method's own default).
 */
export function adaptSettings(m: MethodSettings | undefined): Partial<AdaptConfig> | undefined {
  if (!m) return undefined;
  const out: Partial<AdaptConfig> = {
    method: m.method,
    topLayers: m.topLayers,
    bottleneck: m.bottleneck,
    epochs: m.epochs,
    learningRate: m.learningRate,
    klWeight: m.klWeight,
    specAugment: m.specAugment,
    speedPerturb: m.speedPerturb,
    noiseSnrDb: m.noiseSnrDb,
    pseudoRounds: m.pseudoRounds,
    pseudoThreshold: m.pseudoThreshold,
  };
  // `{...DEFAULT_ADAPT, ...settings}` would let an undefined field override a default: drop them.
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined)) as Partial<AdaptConfig>;
}

export class Host {
  private readonly jobs: JobRunner;
  private readonly listeners = new Set<(e: JobProgress) => void>();
  private readonly handlers: Handlers;
  readonly projects: ProjectStore;

  constructor(readonly config: HostConfig) {
    this.jobs = new JobRunner(config.worker);
    this.projects = new ProjectStore(path.resolve(config.projectsDir ?? path.join(path.dirname(path.resolve(config.runsDir)), 'projects')));
    this.handlers = {
      backend: async () => {
        const b = await backendInfo();
        return { name: b.name, detail: b.detail };
      },
      methods: async () => methodInfos(),
      evaluate: (req) => this.runJob(req, { op: 'evaluate', request: { modelDir: req.modelDir, testManifest: req.testManifest, outDir: this.runDir(req.runName), decoder: decoderSpec(req.decoder) } }),
      adapt: (req) =>
        this.runJob(req, {
          op: 'adapt',
          request: {
            modelDir: req.modelDir,
            adaptManifest: req.adaptManifest,
            testManifest: req.testManifest,
            sourceTestManifest: req.sourceTestManifest,
            unlabelledManifest: req.unlabelledManifest,
            outDir: this.runDir(req.runName),
            settings: adaptSettings(req.method),
            decoder: decoderSpec(req.decoder),
          },
        }),
      cancel: async (req) => ({ cancelled: await this.jobs.cancel(req.jobId) }),
      listModels: () => listModels(config.modelsDir, config.runsDir),
      listRuns: () => listRuns(config.runsDir),
      readReport: (req) => readReportFile(path.join(this.runDir(req.runName), 'report.json')),
      readManifest: (req) => readManifestRows(req.path),
      listProjects: () => this.projects.list(),
      createProject: (req) => this.projects.create(req.name),
      openProject: (req) => this.projects.open(req.name),
      importIntoProject: (req) => this.projects.importInto(req),
      saveTake: (req) => this.projects.saveTake(req),
    };
  }

  /**
   * Validate a payload and run the operation.
   * @throws InvalidRequestError for a payload that fails the contract's schema; otherwise the
   *   operation's own one-line error (JobCancelledError for a cancelled job)
   */
  call<K extends OperationName>(op: K, payload: unknown): Promise<Response<K>> {
    let req: Request<K>;
    try {
      req = parseRequest(op, payload);
    } catch (err) {
      return Promise.reject(err);
    }
    return (this.handlers[op] as (r: Request<K>) => Promise<Response<K>>)(req);
  }

  /** Subscribe to progress events of every job; returns the unsubscribe function. */
  onProgress(fn: (e: JobProgress) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Cancel every running job. */
  dispose(): Promise<void> {
    return this.jobs.cancelAll();
  }

  private runDir(runName: string): string {
    return path.join(this.config.runsDir, runName);
  }

  /**
   * Run a job in a worker. The run folder must not exist; when the job fails or is cancelled before
   * its report is written, the folder (created by this job) is removed again.
   */
  private async runJob(req: EvaluateRequest | AdaptRequest, job: WorkerJob): Promise<Response<'adapt'>> {
    const outDir = job.request.outDir;
    if (await exists(outDir)) throw new Error(`${outDir}: a run named "${req.runName}" already exists; choose a new name (results are never overwritten)`);
    try {
      return await this.jobs.run(req.jobId, job, (e) => {
        for (const fn of this.listeners) fn({ ...e, jobId: req.jobId });
      });
    } catch (err) {
      if (!(await exists(path.join(outDir, 'report.json')))) await rm(outDir, { recursive: true, force: true });
      throw err;
    }
  }
}
