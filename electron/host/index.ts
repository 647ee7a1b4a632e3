/**
 * The engine host: one handler per contract operation, shared by the Electron IPC table
 * (electron/main/ipc.ts) and the browser-mode server (electron/server/). Every payload is validated
 * with the contract's schemas; long jobs run in worker threads (jobs.ts); results are plain data.
 */
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { backendInfo } from '../engine';
import { parseRequest } from '../contract/schemas';
import {
  NAME_PATTERN,
  type AdaptRequest,
  type DecoderSettings,
  type EvaluateRequest,
  type JobProgress,
  type MethodInfo,
  type MethodSettings,
  type OperationName,
  type Request,
  type Response,
  type RunRef,
  type TrainVocabularyRequest,
} from '../contract';
import { definedSettings, type AdaptConfig, type DecoderSpec } from '../engine';
import { METHODS, METHOD_NAMES } from '../engine/adapt/methods';
import { JobRunner, type WorkerEntry, type WorkerJob } from './jobs';
import {
  listModels,
  listRuns,
  modelEntry,
  readManifestRows,
  readRunReport,
  type RunsFolder,
} from './catalog';
import {
  checkWordList,
  DEFAULT_LANGUAGE,
  prepareVocabulary,
  removeVocabulary,
  synthesizerInfos,
  vocabularyCommand,
} from './vocabulary';
import type { ModelCard } from '../engine/model/card';
import { exportModel } from './export';
import { compareReports, readRunAudio } from './run-compare';
import { isRunComplete } from '../engine/score/run-complete';
import { ProjectStore } from './projects';
import { pathExists as exists } from '../engine/util/files';

export { JobCancelledError } from './jobs';
export { InvalidRequestError } from '../contract/schemas';

export interface HostConfig {
  /** Folder of base model folders (the repository's models/). */
  modelsDir: string;
  /** Folder where runs (report + adapted model) are written, one folder per run name. */
  runsDir: string;
  /** Folder holding the project folders (one per project name); default: `projects/` beside runsDir. */
  projectsDir?: string;
  /** Folder where exportModel writes; default: `exports/` beside runsDir. */
  exportsDir?: string;
  /**
   * The user's models (made in the studio: trainVocabulary), listed after the base models; default
   * `user-models/` beside runsDir. The desktop app and `npm run serve` use `models/` in the studio's
   * data folder (never the program's folder, which holds the shipped base models).
   */
  userModelsDir?: string;
  /** Word lists of the user's vocabularies, one folder per name (host/vocabulary.ts); default `vocabularies/` beside runsDir. */
  vocabulariesDir?: string;
  /** Built worker script; default: worker.ts run with tsx (development, browser mode, tests). */
  worker?: WorkerEntry;
  /** Jobs (evaluate, adapt) running at once; later ones are queued. Default MAX_RUNNING_JOBS (2). */
  maxRunningJobs?: number;
}

type Handlers = { [K in OperationName]: (req: Request<K>) => Promise<Response<K>> };

/** The error for a run name already taken: by a finished run, or by the folder of one that did not finish. */
async function runExistsError(outDir: string, runName: string): Promise<Error> {
  return (await isRunComplete(outDir))
    ? new Error(
        `${outDir}: a run named "${runName}" already exists; choose a new name (results are never overwritten)`,
      )
    : new Error(
        `${outDir}: a run named "${runName}" was started but did not finish (no run-complete.json), or is queued or running; choose a new name, or delete the folder if no job is using it`,
      );
}

/** `project/run` or `run`, as messages name a run. */
const refLabel = (r: RunRef): string => (r.project ? `${r.project}/${r.runName}` : r.runName);

const decoderSpec = (d: DecoderSettings | undefined): DecoderSpec | undefined => (d ? { ...d } : undefined);

/** The registry as the method picker shows it (no engine code reaches the renderer). */
export const methodInfos = (): MethodInfo[] =>
  METHOD_NAMES.map((name) => ({
    name,
    summary: METHODS[name].summary,
    defaultLearningRate: METHODS[name].learningRate,
    defaultKlWeight: METHODS[name].klWeight,
  }));

/**
 * The UI's adaptation settings as the engine's AdaptConfig fields. Only given fields are set, so
 * the rest keep DEFAULT_ADAPT (an absent learning rate = the method's own default).
 */
export function adaptSettings(m: MethodSettings | undefined): Partial<AdaptConfig> | undefined {
  // The contract's MethodSettings fields carry AdaptConfig's names (a compile error here if not).
  return m ? definedSettings(m) : undefined;
}

export class Host {
  private readonly jobs: JobRunner;
  private readonly listeners = new Set<(e: JobProgress) => void>();
  private readonly handlers: Handlers;
  readonly projects: ProjectStore;

  constructor(readonly config: HostConfig) {
    this.jobs = new JobRunner(config.worker, config.maxRunningJobs);
    this.projects = new ProjectStore(
      path.resolve(config.projectsDir ?? path.join(path.dirname(path.resolve(config.runsDir)), 'projects')),
    );
    this.handlers = {
      backend: async () => {
        const b = await backendInfo();
        return { name: b.name, detail: b.detail };
      },
      methods: async () => methodInfos(),
      evaluate: (req) =>
        this.runJob(req, {
          op: 'evaluate',
          request: {
            modelDir: req.modelDir,
            testManifest: req.testManifest,
            outDir: this.runDir(req.runName),
            decoder: decoderSpec(req.decoder),
          },
        }),
      adapt: (req) => this.adapt(req),
      cancel: async (req) => ({ cancelled: await this.jobs.cancel(req.jobId) }),
      listModels: async () =>
        listModels(
          config.modelsDir,
          await this.runsFolders(),
          this.beside('user-models', config.userModelsDir),
        ),
      listRuns: async () => listRuns(await this.runsFolders()),
      readReport: async (req) => readRunReport(await this.runDirOf(req.runName, req.project)),
      exportModel: async (req) => {
        if (
          req.folder !== undefined &&
          !(await stat(req.folder).then(
            (st) => st.isDirectory(),
            () => false,
          ))
        ) {
          throw new Error(`${req.folder}: export folder not found (choose an existing folder)`);
        }
        return exportModel(
          await this.runDirOf(req.run, req.project),
          req.folder ?? this.exportsDir,
          req.name,
        );
      },
      exportsRoot: async () => ({ path: this.exportsDir }),
      // Native dialogs exist in the desktop app only: electron/main/ipc.ts answers this operation there.
      chooseFile: async () => ({ available: false }),
      readManifest: (req) => readManifestRows(req.path),
      listProjects: () => this.projects.list(),
      createProject: (req) => this.projects.create(req.name),
      openProject: (req) => this.projects.open(req.name),
      previewImport: (req) => this.projects.previewImport(req),
      importIntoProject: (req) => this.projects.importInto(req),
      saveTake: (req) => this.projects.saveTake(req),
      restoreTake: (req) => this.projects.restoreTake(req),
      projectData: (req) => this.projects.data(req.project),
      editUtterances: (req) => this.projects.editUtterances(req),
      deleteUtterance: (req) => this.projects.deleteUtterance(req.project, req.id),
      restoreUtterance: (req) => this.projects.restoreUtterance(req),
      readProjectAudio: (req) => this.projects.readAudio(req.project, req.path),
      cleanProject: (req) => this.projects.clean(req.name),
      compareRuns: async (req) =>
        compareReports(
          refLabel(req.a),
          await readRunReport(await this.runDirOf(req.a.runName, req.a.project)),
          refLabel(req.b),
          await readRunReport(await this.runDirOf(req.b.runName, req.b.project)),
        ),
      readRunAudio: async (req) =>
        readRunAudio(
          refLabel(req),
          await readRunReport(await this.runDirOf(req.runName, req.project)),
          req.id,
        ),
      synthesizers: () => synthesizerInfos(),
      checkWords: async (req) => {
        const check = checkWordList(req.words);
        if (!req.say || check.problems.length > 0) return { ...check, unsayable: null };
        const unsayable = await this.jobs.runAside<{ line: number; message: string }[]>(
          `check-${Date.now().toString(36)}`,
          {
            op: 'sayWords',
            request: { words: req.words, synth: req.synth, language: req.language ?? DEFAULT_LANGUAGE },
          },
        );
        return { ...check, unsayable };
      },
      trainVocabulary: (req) => this.trainVocabulary(req),
    };
  }

  /** A data folder: the configured one, else `name` beside the runs folder. */
  private beside(name: string, configured: string | undefined): string {
    return path.resolve(configured ?? path.join(path.dirname(path.resolve(this.config.runsDir)), name));
  }

  /**
   * A vocabulary model: the name reserved and the word list written (host/vocabulary.ts), then the
   * recipe in a job worker (queued like adapt, cancellable); the work folder is removed when the
   * model is written, and everything the job made when it fails or is cancelled.
   */
  private async trainVocabulary(req: TrainVocabularyRequest): Promise<Response<'trainVocabulary'>> {
    const f = await prepareVocabulary(req.name, req.words, {
      modelsDir: this.config.modelsDir,
      userModelsDir: this.beside('user-models', this.config.userModelsDir),
      vocabulariesDir: this.beside('vocabularies', this.config.vocabulariesDir),
    });
    const language = req.language ?? DEFAULT_LANGUAGE;
    try {
      await this.jobs.run<ModelCard>(
        req.jobId,
        {
          op: 'vocabulary',
          request: {
            wordsFile: f.wordsFile,
            outDir: f.modelDir,
            workDir: f.workDir,
            language,
            command: vocabularyCommand({ ...req, wordsFile: f.wordsFile, outDir: f.modelDir, language }),
            ...(req.synth !== undefined ? { synth: req.synth } : {}),
            ...(req.utterances !== undefined ? { utterances: req.utterances } : {}),
            ...(req.epochs !== undefined ? { epochs: req.epochs } : {}),
          },
        },
        (e) => {
          for (const fn of this.listeners) fn({ ...e, jobId: req.jobId });
        },
      );
    } catch (err) {
      await removeVocabulary(f);
      throw err;
    }
    await rm(f.workDir, { recursive: true, force: true });
    const entry = await modelEntry(f.modelDir, 'user');
    if (!entry) throw new Error(`${f.modelDir}: the job ended but wrote no model`);
    return entry;
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

  /**
   * An adaptation from manifest paths, or from a project's splits: then the run folder is
   * `<project>/runs/<runName>` (listed by listRuns and listModels with its project), created first and holds the split manifests (`<project>-adapt.jsonl`, `-test`, `-unlabelled`) the job
   * reads; a failed or cancelled job removes it again like any other.
   */
  private async adapt(req: AdaptRequest): Promise<Response<'adapt'>> {
    const outDir = req.fromProject
      ? path.join(await this.projects.requireProject(req.fromProject), 'runs', req.runName)
      : this.runDir(req.runName);
    let manifests = { adapt: req.adaptManifest, test: req.testManifest, unlabelled: req.unlabelledManifest };
    if (req.fromProject) {
      if (await exists(outDir)) throw await runExistsError(outDir, req.runName);
      try {
        const s = await this.projects.writeSplits(req.fromProject, outDir);
        if (
          (req.method?.pseudoRounds !== undefined ||
            req.method?.pseudoThreshold !== undefined ||
            req.method?.unlabelledUse !== undefined) &&
          !s.unlabelled
        ) {
          throw new Error(
            `project "${req.fromProject}": ${req.method?.unlabelledUse !== undefined ? 'unlabelledUse' : 'pseudo-label settings'} need${req.method?.unlabelledUse !== undefined ? 's' : ''} utterances in the unlabelled split`,
          );
        }
        manifests = { adapt: s.adapt, test: s.test, unlabelled: s.unlabelled };
      } catch (err) {
        await rm(outDir, { recursive: true, force: true });
        throw err;
      }
    }
    if (!manifests.adapt || !manifests.test)
      throw new Error('adapt: adaptManifest and testManifest are required (or fromProject)');
    return this.runJob(
      req,
      {
        op: 'adapt',
        request: {
          modelDir: req.modelDir,
          adaptManifest: manifests.adapt,
          testManifest: manifests.test,
          sourceTestManifest: req.sourceTestManifest,
          unlabelledManifest: manifests.unlabelled,
          outDir,
          settings: adaptSettings(req.method),
          decoder: decoderSpec(req.decoder),
        },
      },
      Boolean(req.fromProject),
    );
  }

  private runDir(runName: string): string {
    return path.join(this.config.runsDir, runName);
  }

  /** The exports root (exportModel). */
  get exportsDir(): string {
    return path.resolve(
      this.config.exportsDir ?? path.join(path.dirname(path.resolve(this.config.runsDir)), 'exports'),
    );
  }

  /** A run folder: in the studio's runs folder, or in a project's `runs/`. */
  private async runDirOf(runName: string, project?: string): Promise<string> {
    return project ? path.join(this.projects.dirOf(project), 'runs', runName) : this.runDir(runName);
  }

  /** The studio's runs folder, then the `runs/` of every project (by name). */
  private async runsFolders(): Promise<RunsFolder[]> {
    const out: RunsFolder[] = [{ dir: this.config.runsDir }];
    const entries = await readdir(this.projects.root, { withFileTypes: true }).catch(() => []);
    for (const e of entries
      .filter((d) => d.isDirectory() && NAME_PATTERN.test(d.name))
      .map((d) => d.name)
      .sort()) {
      const runs = path.join(this.projects.root, e, 'runs');
      if (await exists(runs)) out.push({ dir: runs, project: e });
    }
    return out;
  }

  /**
   * Run a job in a worker. The run folder must not exist (unless `prepared`: created by this request
   * with its input manifests); when the job fails or is cancelled before
   * its report is written, the folder (created by this job) is removed again.
   */
  private async runJob(
    req: EvaluateRequest | AdaptRequest,
    job: Extract<WorkerJob, { op: 'evaluate' | 'adapt' }>,
    prepared = false,
  ): Promise<Response<'adapt'>> {
    const outDir = job.request.outDir;
    if (!prepared) {
      // Made now (an exclusive mkdir), not when the job leaves the queue: a second request for the
      // same run name, queued or running, is refused at once.
      await mkdir(path.dirname(outDir), { recursive: true });
      try {
        await mkdir(outDir);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw await runExistsError(outDir, req.runName);
        throw err;
      }
    }
    try {
      return await this.jobs.run(req.jobId, job, (e) => {
        for (const fn of this.listeners) fn({ ...e, jobId: req.jobId });
      });
    } catch (err) {
      if (!(await isRunComplete(outDir))) await rm(outDir, { recursive: true, force: true });
      throw err;
    }
  }
}
