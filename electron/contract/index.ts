/**
 * The typed API between the renderer and the engine host: one map of operation -> request/response
 * and one map of events. Plain data only (no tensors, no class instances). Imported as types by the
 * preload bridge, the main-process IPC table, the browser-mode server and the renderer.
 *
 * The runtime validators of every request live in ./schemas.ts (zod); this file has no runtime
 * dependency so that the sandboxed preload script can import `channel` from it.
 */
import type { Report, ProgressEvent, DecoderSpec } from '../engine';
import type { ModelCard } from '../engine/model/card';
import type { MethodName } from '../engine/adapt/methods';
import type { UnlabelledUse } from '../engine/adapt/config';
import type { FormatName } from '../engine/corpus';

export type { Report, ProgressEvent, DecoderSpec, ModelCard };

/**
 * Names the renderer chooses for a job and for an output folder: letters, digits, `.`, `_`, `-`;
 * 1-64 characters, not starting with a dot (so a name can never climb out of the runs folder).
 */
export const NAME_PATTERN = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$/;

/**
 * The adaptation methods of the engine's registry (electron/engine/adapt/methods), by name. Kept here
 * as plain data so that the schemas and the renderer need no engine code; a compile-time check below
 * and a test keep it equal to the registry.
 */
export const ADAPT_METHOD_NAMES = [
  'finetune',
  'new-head',
  'adapters',
  'lhuc',
  'input-transform',
] as const satisfies readonly MethodName[];
export type AdaptMethodName = (typeof ADAPT_METHOD_NAMES)[number];
type MustBeTrue<T extends true> = T;
/** Compile-time check: every registry method is listed (fails to compile when the registry gains one). */
export type EveryMethodListed = MustBeTrue<
  [Exclude<MethodName, AdaptMethodName>] extends [never] ? true : false
>;

/** One adaptation method as the method picker shows it (operation `methods`). */
export interface MethodInfo {
  name: AdaptMethodName;
  /** One line from the registry. */
  summary: string;
  /** The Adam learning rate the method uses when none is given. */
  defaultLearningRate: number;
  /** The KL weight against forgetting the method uses when none is given (0 = off). */
  defaultKlWeight: number;
}

/**
 * What an adaptation does with its unlabelled utterances (MethodSettings.unlabelledUse; the engine's
 * UNLABELLED_USES, kept equal by a compile-time check): train on their confident pseudo-labels,
 * only re-estimate the normalisation statistics on them, or ignore them.
 */
export const UNLABELLED_USE_NAMES = [
  'pseudo-labels',
  'statistics',
  'none',
] as const satisfies readonly UnlabelledUse[];
export type UnlabelledUseName = (typeof UNLABELLED_USE_NAMES)[number];
/** Compile-time check: every engine use is listed. */
export type EveryUnlabelledUseListed = MustBeTrue<
  [Exclude<UnlabelledUse, UnlabelledUseName>] extends [never] ? true : false
>;

/**
 * Ranges of the numeric MethodSettings, inclusive unless named `...Exclusive`: the schema
 * (./schemas.ts) checks requests against them and the Adapt screen checks its form with the same
 * numbers before Start. The engine may narrow them for a model (finetune's top layers: at most the
 * model's weight layers).
 */
export const METHOD_LIMITS = {
  topLayers: { min: 1, max: 20, integer: true },
  bottleneck: { min: 1, max: 256, integer: true },
  embeddingLayers: { min: 0, max: 5, integer: true },
  epochs: { min: 1, max: 500, integer: true },
  fixedEpochs: { min: 1, max: 500, integer: true },
  /** Above 0 (exclusive), at most 1. */
  learningRate: { min: 0, max: 1, integer: false, minExclusive: true },
  klWeight: { min: 0, max: 100, integer: false },
  noiseSnrDb: { min: -10, max: 60, integer: false },
  resplice: { min: 0, max: 20, integer: true },
  pseudoRounds: { min: 1, max: 10, integer: true },
  pseudoThreshold: { min: 0, max: 1, integer: false },
  beamWidth: { min: 1, max: 256, integer: true },
} as const satisfies Record<string, { min: number; max: number; integer: boolean; minExclusive?: boolean }>;
export type LimitedSetting = keyof typeof METHOD_LIMITS;

/**
 * The defaults of the MethodSettings the Adapt screen shows before the user changes them: the
 * engine's DEFAULT_ADAPT and finetune's defaults (electron/engine/adapt/config.ts; the contract has
 * no runtime dependency on the engine, so tests/host/host.test.ts checks that they are equal).
 */
export const METHOD_DEFAULTS = {
  method: 'finetune',
  topLayers: 4,
  inputTransform: true,
  bottleneck: 8,
  embeddingLayers: 0,
  epochs: 40,
  fixedEpochs: 15,
  resplice: 2,
  unlabelledUse: 'pseudo-labels',
  pseudoRounds: 2,
  pseudoThreshold: 0.9,
} as const satisfies Partial<Record<keyof MethodSettings, unknown>>;

/**
 * Adaptation settings the UI exposes; the host maps them onto the engine's AdaptConfig
 * (electron/engine/adapt/job.ts, DEFAULT_ADAPT). Absent fields take the model card's
 * adaptationDefaults (for the card's method), then the engine's defaults.
 */
export interface MethodSettings {
  /** Adaptation method; default "finetune". */
  method?: AdaptMethodName;
  /** finetune only: weight layers that train, counted from the top. Integer in [1, 20]; default 4. */
  topLayers?: number;
  /** finetune only: also train an affine input transform (identity at start). Absent = the method's default (true). */
  inputTransform?: boolean;
  /** adapters only: bottleneck width. Integer in [1, 256]; default 8. */
  bottleneck?: number;
  /**
   * Speech-embedding models only: the embedding's top conv layers (integer in [0, 5]) that join the
   * adapted model (finetune trains them; LHUC and adapters are added after them); 0 = the head only.
   * Absent = the model card's default, else 0.
   */
  embeddingLayers?: number;
  /** Maximum epochs. Integer in [1, 500]; default 40. */
  epochs?: number;
  /** Epochs when the adaptation set is too small for early stopping (under 23 utterances), at most `epochs`. Integer in [1, 500]; default 15. */
  fixedEpochs?: number;
  /** Adam learning rate, in (0, 1]; absent = the method's own default (see MethodInfo). */
  learningRate?: number;
  /** Against forgetting: weight of KL(base || adapted) per frame, in [0, 100]; 0 = off; absent = the method's default (see MethodInfo). */
  klWeight?: number;
  /** SpecAugment time and frequency masks while training. Default false. */
  specAugment?: boolean;
  /** Speed-perturbed copies (0.9 and 1.1) of the adaptation audio. Default false. */
  speedPerturb?: boolean;
  /** A noisy copy of the adaptation audio at this SNR in dB, in [-10, 60]; absent = none. */
  noiseSnrDb?: number;
  /** Word re-splicing: new utterances per labelled multi-word utterance, its words reordered. Integer in [0, RESPLICE_MAX]; 0 = off; default 2. */
  resplice?: number;
  /**
   * What the unlabelled audio (`unlabelledManifest`, or a project's unlabelled split) is for:
   * "pseudo-labels" (default; `pseudoRounds` rounds of self-training), "statistics" (re-estimate the
   * normalisation statistics on it, as `renormalize`, and nothing else) or "none" (ignored). Needs it.
   */
  unlabelledUse?: UnlabelledUseName;
  /** Pseudo-labelling rounds on `unlabelledManifest` (unlabelledUse "pseudo-labels" only). Integer in [1, 10]; default 2. Needs it. */
  pseudoRounds?: number;
  /** Keep a pseudo-labelled utterance when every word's confidence is at least this, in [0, 1]; default 0.9. Needs it. */
  pseudoThreshold?: number;
  /** Unsupervised: re-estimate global CMVN / batch-norm statistics on the target audio before training. Default false. */
  renormalize?: boolean;
}

/** Decoder settings the UI exposes: a subset of the engine's DecoderSpec. */
export interface DecoderSettings {
  kind: 'greedy' | 'beam';
  /** Beam width, integer in [1, 256]; default 16. Beam only. */
  beamWidth?: number;
  /** Grammar file (see electron/engine/decode/grammar.ts). Beam only. */
  grammarFile?: string;
  /** Train a trigram LM from the adaptation transcripts (adapt only). Beam only. */
  lmFromAdapt?: boolean;
}

export interface EvaluateRequest {
  /** Client-chosen job id (NAME_PATTERN); progress events and `cancel` refer to it. */
  jobId: string;
  modelDir: string;
  testManifest: string;
  /** Output folder name (NAME_PATTERN), created inside the runs folder; must not exist yet. */
  runName: string;
  decoder?: DecoderSettings;
}

export interface AdaptRequest {
  jobId: string;
  modelDir: string;
  /** Required unless `fromProject` is given. */
  adaptManifest?: string;
  /** Required unless `fromProject` is given. */
  testManifest?: string;
  /**
   * Adapt from a project's splits (project name, NAME_PATTERN) instead of the manifest paths: the host
   * writes the project's adapt / test / unlabelled utterances to `<run>/splits/*.jsonl` and adapts on
   * them (the unlabelled split, when not empty, is the pseudo-labelling audio). Excludes
   * adaptManifest, testManifest and unlabelledManifest.
   */
  fromProject?: string;
  sourceTestManifest?: string;
  /** Unlabelled audio of the target accent (transcripts ignored): pseudo-label self-training. */
  unlabelledManifest?: string;
  /** Output folder name (NAME_PATTERN), created inside the runs folder; must not exist yet. */
  runName: string;
  method?: MethodSettings;
  decoder?: DecoderSettings;
}

/** A model folder found by listModels. */
export interface ModelEntry {
  /** Absolute folder path: what evaluate/adapt take as modelDir. */
  dir: string;
  /**
   * "base": a folder under models/ (shipped with the program); "user": a model made in the studio
   * (trainVocabulary), a folder of the user's models folder in the studio's data folder;
   * "adapted": `<runs>/<run>/model`.
   */
  kind: 'base' | 'user' | 'adapted';
  /** Run name for adapted models. */
  run?: string;
  /** Project (NAME_PATTERN) whose `runs/` folder holds the run; absent for the studio's runs folder. */
  project?: string;
  /** The parsed card, or null with `error` when card.json is missing or invalid. */
  card: ModelCard | null;
  error?: string;
}

/** A run folder found by listRuns (newest first). */
export interface RunEntry {
  name: string;
  /** Project whose `runs/` folder holds the run (adapted from its splits); absent for the studio's runs folder. */
  project?: string;
  dir: string;
  command: Report['command'];
  created: string;
  modelName: string;
  adaptedModelName?: string;
  testWerBefore: number | null;
  testWerAfter?: number | null;
}

/** Export an adapted model with its run's report (operation `exportModel`). */
export interface ExportModelRequest {
  /** Run name (NAME_PATTERN) whose `model/` is exported. */
  run: string;
  /** Project holding the run in its `runs/`; absent for the studio's runs folder. */
  project?: string;
  /** New folder name (NAME_PATTERN) inside the exports root (or `folder`); must not exist yet. */
  name: string;
  /** A folder the user chose (absolute path of an existing folder) instead of the exports root. */
  folder?: string;
}

export interface ExportedModel {
  /** Absolute path of the written folder. */
  path: string;
  /** Files written, relative to `path` (sorted; trn/ files as "trn/<file>"). */
  files: string[];
}

/** What a native file dialog is asked for (operation `chooseFile`). */
export interface ChooseFileRequest {
  /** "manifest": one file (.jsonl, .json, .tsv, .csv); "folder": one directory. */
  purpose: 'manifest' | 'folder';
  /** Dialog title. */
  title: string;
}

/** Browser mode has no native dialogs (`available: false`); in the desktop app `path` is null when the dialog was cancelled. */
export type ChooseFileResponse = { available: false } | { available: true; path: string | null };

/** One manifest line as the Data screen shows it. */
export interface ManifestRow {
  id: string;
  text: string;
  speaker?: string;
  accent?: string;
  durationSec: number;
  audioPath: string;
}

/** The split of a project utterance (the `split` field of its manifest line). */
export const SPLIT_NAMES = ['adapt', 'test', 'unlabelled'] as const;
export type SplitName = (typeof SPLIT_NAMES)[number];

/** One utterance of a project's manifest as the Data screen shows and edits it. */
export interface ProjectRow extends ManifestRow {
  /**
   * The line's `split`; a line without one (or with an unknown value) counts as "adapt" when it has
   * a transcript and "unlabelled" when not.
   */
  split: SplitName;
  /** Start within the audio file, seconds (segments). */
  offsetSec?: number;
  /** The audio path as the manifest line writes it (project-relative): what readProjectAudio takes. */
  audioRef: string;
}

/** Per-split totals of a project. */
export type SplitCounts = Record<SplitName, { utterances: number; totalSec: number }>;

/** A project's utterances (projectData and every edit operation answer with the state after it). */
export interface ProjectData {
  project: string;
  manifestPath: string;
  rows: ProjectRow[];
  splits: SplitCounts;
  /** Manifest lines that could not be read (kept in the file as they are; not editable here). */
  unreadable: { line: number; reason: string }[];
}

/** Fields editUtterances may change; an empty speaker or accent removes the field. */
export interface UtteranceChanges {
  text?: string;
  speaker?: string;
  accent?: string;
  split?: SplitName;
}

export interface EditUtterancesRequest {
  project: string;
  /** Utterance ids (1-10000, distinct); every one must exist. */
  ids: string[];
  changes: UtteranceChanges;
}

export interface DeleteUtteranceRequest {
  project: string;
  id: string;
}

/** What undoing a delete needs: the exact manifest line and where it was. */
export interface DeletedUtterance {
  id: string;
  /** The manifest line, byte for byte (without its newline). */
  line: string;
  /** Its 0-based position among the manifest's lines. */
  index: number;
}

export interface RestoreUtteranceRequest {
  project: string;
  /** The deleted line as deleteUtterance returned it; its id must not be in the manifest now. */
  line: string;
  /** Where to put it back (clamped to the manifest's length). */
  index: number;
}

/** Audio of one project file for playback (readProjectAudio). */
export interface ProjectAudio {
  /** The project-relative path. */
  path: string;
  /** MIME type from the extension. */
  mime: string;
  /** The file's bytes, base64. */
  data: string;
}

/** Largest audio file readProjectAudio sends, bytes. */
export const MAX_PLAY_BYTES = 64 * 1024 * 1024;

/**
 * Corpus formats `importIntoProject` reads (electron/engine/corpus FORMATS), as plain data; a
 * compile-time check keeps the list equal to the engine's.
 */
export const IMPORT_FORMAT_NAMES = [
  'nemo',
  'hf-audiofolder',
  'common-voice',
  'kaldi',
  'plain-folder',
] as const satisfies readonly FormatName[];
export type ImportFormatName = (typeof IMPORT_FORMAT_NAMES)[number];
/** Compile-time check: every engine format is listed. */
export type EveryFormatListed = MustBeTrue<
  [Exclude<FormatName, ImportFormatName>] extends [never] ? true : false
>;

/** Recording limits of `saveTake` (checked by its schema). */
/** Largest `MethodSettings.resplice` (the engine's MAX_RESPLICE). */
export const RESPLICE_MAX = METHOD_LIMITS.resplice.max;

export const TAKE_LIMITS = {
  minSampleRateHz: 8000,
  maxSampleRateHz: 96000,
  /** Longest take, seconds. */
  maxSeconds: 60,
  /** Longest prompt text, characters. */
  maxPromptChars: 500,
} as const;

/** A problem openProject found (engine ProjectProblem). */
export interface ProjectProblemInfo {
  file: string;
  /** `orphan`: a leftover file of an interrupted import; `incomplete-import`: an import that never reached the manifest. */
  problem: 'missing' | 'changed' | 'unrecorded' | 'unreadable' | 'orphan' | 'incomplete-import';
  detail: string;
}

/** An opened project as the Project and Record screens show it. */
export interface ProjectInfo {
  /** Folder name inside the projects root (NAME_PATTERN). */
  name: string;
  /** Absolute folder path. */
  dir: string;
  /** The canonical manifest (absolute path), e.g. for the Data and Adapt screens. */
  manifestPath: string;
  created: string;
  utterances: number;
  /** Sum of the utterances' durations, seconds. */
  totalSec: number;
  speakers: number;
  /** True when the audio was re-hashed for this answer (openProject, importIntoProject); saveTake does not. */
  verified: boolean;
  /** Changed, missing or unrecorded audio (when verified) and unreadable manifest lines; empty when all is well. */
  problems: ProjectProblemInfo[];
  imports: { format: string; source: string; date: string; imported: number; skipped: number }[];
}

/** What cleanProject removed, and the project re-opened. */
export interface CleanedProject {
  /** Files removed (absolute paths inside the project's folder). */
  removed: string[];
  /** Imports whose records were removed because they never reached the manifest. */
  removedImports: { source: string; date: string }[];
  project: ProjectInfo;
}

/** A recently opened project (listProjects). */
export interface RecentProject {
  name: string;
  dir: string;
  /** ISO time it was last created or opened. */
  opened: string;
  /** False when the folder (or its project.json) is gone. */
  exists: boolean;
}

export interface ImportFormatInfo {
  name: ImportFormatName;
  summary: string;
  /** What the source path names ("a .jsonl manifest file", "the dataset folder", ...). */
  source: string;
}

/**
 * Which split imported utterances go to (electron/host/import-split.ts): all to one split, or whole
 * speakers to the test split by a seeded shuffle until it holds about `testFraction` of the labelled
 * utterances (a speaker is never in both adapt and test). Utterances without a transcript always go
 * to "unlabelled".
 */
export type ImportSplitChoice =
  | { mode: SplitName }
  | { mode: 'by-speaker'; /** In (0, 1). */ testFraction: number; /** Integer in [0, 2^32). */ seed: number };

/** Per split: utterances, distinct speakers and seconds. */
export type ImportSplitCounts = Record<SplitName, { utterances: number; speakers: number; totalSec: number }>;

export interface ImportIntoProjectRequest {
  /** Project name (NAME_PATTERN) inside the projects root. */
  project: string;
  format: ImportFormatName;
  /** Manifest file or corpus folder to import from (read only). */
  source: string;
  /** Where the imported utterances go; absent = no `split` field written (adapt when transcribed, else unlabelled). */
  split?: ImportSplitChoice;
}

/** What an import would do (operation `previewImport`): nothing is copied or written. */
export interface ImportPreview {
  /** Utterances that would be imported (after skipping bad items and ids already in the project). */
  utterances: number;
  skipped: { file: string; reason: string }[];
  warnings: { file: string; reason: string }[];
  /** How they would be split. */
  splits: ImportSplitCounts;
}

export interface ImportSummaryInfo {
  imported: number;
  skipped: { file: string; reason: string }[];
  warnings: { file: string; reason: string }[];
  /** The project after the import. */
  project: ProjectInfo;
  /** How the imported utterances were split (when the request chose a split). */
  splits?: ImportSplitCounts;
}

export interface SaveTakeRequest {
  /** Project name (NAME_PATTERN) inside the projects root. */
  project: string;
  /** The prompt read aloud: the utterance's transcript. */
  promptText: string;
  /** Speaker label; empty = none. */
  speaker: string;
  /** Accent label; empty = none. */
  accent: string;
  /** The capture device's rate, Hz (integer, TAKE_LIMITS). The WAV is written at this rate. */
  sampleRateHz: number;
  /** Mono samples: base64 of Float32 little-endian, at most TAKE_LIMITS.maxSeconds long. */
  samples: string;
  /**
   * A re-recording: the utterance id of the take this one replaces. Its manifest line is removed in
   * the same write that adds the new take (its audio file stays, recorded in project.json), and
   * returned as `replaced` for undo (restoreTake).
   */
  replaces?: string;
}

export interface SavedTake {
  /** Utterance id (also the file's base name), e.g. "take-0003". */
  id: string;
  /** Absolute path of the written WAV. */
  audioPath: string;
  /** Path relative to the project ("audio/take-0003.wav"). */
  relPath: string;
  durationSec: number;
  sampleRateHz: number;
  /** Peak level of the take, dBFS (-Infinity is sent as null for silence). */
  peakDbfs: number | null;
  /** The project after the take. */
  project: ProjectInfo;
  /** The take this one replaced (SaveTakeRequest.replaces): its manifest line and where it was. */
  replaced?: DeletedUtterance;
}

/**
 * Undo a re-recording (operation `restoreTake`): put a replaced take's line back where it was and
 * take the line of the take that replaced it out, in one manifest write (no audio file is removed).
 */
export interface RestoreTakeRequest {
  project: string;
  /** The replaced take's line, as SavedTake.replaced gave it; its id must not be in the manifest. */
  line: string;
  index: number;
  /** Utterance id of the take to take out in its place (it must be in the manifest). */
  discard: string;
}

export interface RestoredTake {
  /** The take taken out: its line and where it was (restoreTake with it swaps back). */
  discarded: DeletedUtterance;
  /** The project after the swap. */
  project: ProjectInfo;
}

/** A speech synthesizer that can make a vocabulary's training speech (operation `synthesizers`). */
export interface SynthesizerInfo {
  /** What trainVocabulary's `synth` takes, e.g. "espeak-ng". */
  id: string;
  /** As the model card names it, e.g. "espeak-ng (system)". */
  name: string;
  version: string;
  licence: string;
  /** Language prefixes of its voices (e.g. "en"), sorted. */
  languages: string[];
  /** Number of voices (all languages). */
  voices: number;
}

/**
 * Limits of a word list and of the vocabulary training settings (checked by the schemas; the
 * Vocabulary screen checks its form with the same numbers).
 */
export const VOCABULARY_LIMITS = {
  /** Longest word list, characters. */
  maxChars: 20_000,
  /** Most lines of a word list (entries, comments and empty lines). */
  maxLines: 500,
  /** Synthetic training utterances. */
  utterances: { min: 20, max: 20_000, integer: true },
  /** Maximum epochs (early stopping may end sooner). */
  epochs: { min: 1, max: 100, integer: true },
} as const;

/** A word list to check (operation `checkWords`): the text as typed or imported. */
export interface CheckWordsRequest {
  /**
   * One entry per line: a word or a short phrase; `token<TAB>spoken form` makes the synthesizer say
   * it differently; `#` starts a comment (electron/engine/recipes/vocabulary.ts parseWordList).
   */
  words: string;
  /**
   * Also have the synthesizer say every entry once and report those it cannot say (a worker; about
   * a tenth of a second per entry). Needs a word list without bad lines. Default false.
   */
  say?: boolean;
  /** Synthesizer id (SynthesizerInfo.id); default the first available. */
  synth?: string;
  /** Language of the voices (SynthesizerInfo.languages); default "en". */
  language?: string;
}

/** One problem of a word list, by its 1-based line. */
export interface WordListProblem {
  line: number;
  message: string;
}

/** What checkWords found. */
export interface WordListCheck {
  /** The entries of the lines without problems, in order. */
  entries: { line: number; text: string; spoken: string }[];
  /** The distinct words (the model's tokens), in order of first appearance. */
  words: string[];
  /** Lines that cannot be entries (every one, not only the first), by line. */
  problems: WordListProblem[];
  /** Entries the synthesizer cannot say (`say: true` and no bad lines), else null. */
  unsayable: WordListProblem[] | null;
}

/** Train a model for a word list from synthetic speech (operation `trainVocabulary`). */
export interface TrainVocabularyRequest {
  /** Client-chosen job id (NAME_PATTERN); progress events and `cancel` refer to it. */
  jobId: string;
  /**
   * The new model's name (NAME_PATTERN): its folder in the user's models folder. Refused when a
   * model (shipped or the user's) or a word list of that name exists.
   */
  name: string;
  /** The word list (see CheckWordsRequest.words); a list with a bad line is refused with every bad line. */
  words: string;
  /** Synthesizer id; default the first available. */
  synth?: string;
  /** Language of the voices; default "en". */
  language?: string;
  /** Synthetic training utterances (VOCABULARY_LIMITS); default 60 per word, at least 1000. */
  utterances?: number;
  /** Maximum epochs (VOCABULARY_LIMITS); default 30. */
  epochs?: number;
}

/** A finished run by name (and project, for a run in a project's runs/). */
export interface RunRef {
  runName: string;
  project?: string;
}

/** One side of compareRuns: the run's final system ("after" of an adaptation, else its model). */
export interface ComparedSystem {
  /** `project/run` or `run`. */
  run: string;
  /** Model name of the system scored. */
  system: string;
  /** True when the system is the run's adapted model. */
  adapted: boolean;
}

/** Output of one system on one utterance in compareRuns. */
export interface ComparedOutput {
  hypothesis: string;
  wer: number | null;
  alignment: Report['utterances'][number]['before']['alignment'];
}

/**
 * Two runs' final systems on the same test set (operation `compareRuns`): the paired bootstrap of B
 * against A (`comparison.before` = A, `comparison.after` = B; a negative change = B is better).
 */
export interface RunComparison {
  a: ComparedSystem;
  b: ComparedSystem;
  /** The test manifests the two reports name (they may differ in path when their utterances agree). */
  manifests: { a: string; b: string };
  comparison: NonNullable<Report['test']['comparison']>;
  /** Per test utterance, in run A's order. */
  utterances: { id: string; reference: string; a: ComparedOutput; b: ComparedOutput }[];
}

/** A test utterance's audio of a run (operation `readRunAudio`). */
export interface RunAudio {
  id: string;
  /** MIME type from the extension. */
  mime: string;
  /** The whole audio file's bytes, base64. */
  data: string;
  /** Start of the utterance within the file, seconds (segments only). */
  offsetSec?: number;
  durationSec: number;
}

export interface Operations {
  backend: { request: Record<string, never>; response: { name: string; detail: string } };
  /** The adaptation methods of the engine's registry, in registry order. */
  methods: { request: Record<string, never>; response: MethodInfo[] };
  /** Runs in a worker; resolves with the report when the job ends, rejects "cancelled" on cancel. */
  evaluate: { request: EvaluateRequest; response: Report };
  /** Runs in a worker; resolves with the report when the job ends, rejects "cancelled" on cancel. */
  adapt: { request: AdaptRequest; response: Report };
  /** Stop a running job (terminates its worker; a half-written run folder is removed). */
  cancel: { request: { jobId: string }; response: { cancelled: boolean } };
  /** The models, and where exportModel writes by default (the user's data folder, never the program's). */
  listModels: { request: Record<string, never>; response: ModelEntry[] };
  exportsRoot: { request: Record<string, never>; response: { path: string } };
  listRuns: { request: Record<string, never>; response: RunEntry[] };
  /** A run folder's report.json, by run name (and project, for runs in a project's runs/). */
  readReport: { request: { runName: string; project?: string }; response: Report };
  /** Copy an adapted model and its run's report files into a new folder under the exports root (atomically; never overwrites). */
  exportModel: { request: ExportModelRequest; response: ExportedModel };
  /** A native open dialog (desktop app only; browser mode answers `{available: false}`). */
  chooseFile: { request: ChooseFileRequest; response: ChooseFileResponse };
  readManifest: { request: { path: string }; response: { path: string; rows: ManifestRow[] } };
  /** The projects root, recently opened projects (newest first) and the formats import reads. */
  listProjects: {
    request: Record<string, never>;
    response: { root: string; recent: RecentProject[]; formats: ImportFormatInfo[] };
  };
  /** Create an empty project folder `<projects root>/<name>` (refused when it exists and is not empty). */
  createProject: { request: { name: string }; response: ProjectInfo };
  /** Open a project: re-hashes its audio and reports changed or missing files. */
  openProject: { request: { name: string }; response: ProjectInfo };
  /** What importIntoProject would import, and the split counts, without copying or writing anything. */
  previewImport: { request: ImportIntoProjectRequest; response: ImportPreview };
  /** Import a corpus into a project; bad items are skipped with their reasons. */
  importIntoProject: { request: ImportIntoProjectRequest; response: ImportSummaryInfo };
  /** Write a recorded take as a 16-bit WAV at the device rate into audio/ and append it to the manifest. */
  saveTake: { request: SaveTakeRequest; response: SavedTake };
  /** Undo a re-recording: the replaced take's line back, the replacing take's line out (audio kept). */
  restoreTake: { request: RestoreTakeRequest; response: RestoredTake };
  /** A project's utterances with their splits, and per-split totals. */
  projectData: { request: { project: string }; response: ProjectData };
  /** Change transcript, speaker, accent and/or split of utterances (manifest rewritten atomically, .bak kept). */
  editUtterances: { request: EditUtterancesRequest; response: ProjectData };
  /** Remove an utterance's manifest line (its audio file stays); the answer holds the line for undo. */
  deleteUtterance: {
    request: DeleteUtteranceRequest;
    response: { deleted: DeletedUtterance; data: ProjectData };
  };
  /** Undo a delete: put the exact line back at its position. */
  restoreUtterance: { request: RestoreUtteranceRequest; response: ProjectData };
  /** An audio file of the project (project-relative path; nothing outside the project folder). */
  readProjectAudio: { request: { project: string; path: string }; response: ProjectAudio };
  /** Remove what interrupted imports left (problems `orphan` and `incomplete-import`), then re-open the project. */
  cleanProject: { request: { name: string }; response: CleanedProject };
  /** Paired bootstrap of two runs' final systems; refused when they were scored on different test sets. */
  compareRuns: { request: { a: RunRef; b: RunRef }; response: RunComparison };
  /** The audio of a test utterance of a run, by run and utterance id (found through the run's test manifest). */
  readRunAudio: { request: RunRef & { id: string }; response: RunAudio };
  /** The speech synthesizers available here (none when no synthesizer is installed). */
  synthesizers: { request: Record<string, never>; response: SynthesizerInfo[] };
  /** Check a word list: every bad line, and (with `say`) the entries the synthesizer cannot say. */
  checkWords: { request: CheckWordsRequest; response: WordListCheck };
  /**
   * Runs in a worker like adapt (queued, progress, cancel): writes the word list into the studio's
   * data folder, trains the model into the user's models folder, resolves with its entry.
   */
  trainVocabulary: { request: TrainVocabularyRequest; response: ModelEntry };
}

/**
 * The event of a job waiting for a free slot (the host runs at most MAX_RUNNING_JOBS jobs at once;
 * later ones wait in a first-come queue). Sent when the job is queued and whenever its place changes;
 * `queuePosition` 1 = next to start; 0 = leaving the queue now (its worker is starting).
 */
export interface QueuedEvent {
  phase: 'queued';
  label: string;
  done: 0;
  total: 0;
  queuePosition: number;
  loss?: undefined;
  message?: string;
}

/** Jobs that run at the same time in one host (Electron app or browser-mode server); later ones are queued. */
export const MAX_RUNNING_JOBS = 2;

/** A progress event of one job: the engine's progress, or its place in the queue. */
export type JobProgress = (ProgressEvent | QueuedEvent) & { jobId: string };

export interface Events {
  progress: JobProgress;
}

export type OperationName = keyof Operations;
export type Request<K extends OperationName> = Operations[K]['request'];
export type Response<K extends OperationName> = Operations[K]['response'];

export const OPERATION_NAMES = [
  'backend',
  'methods',
  'evaluate',
  'adapt',
  'cancel',
  'listModels',
  'listRuns',
  'readReport',
  'exportModel',
  'exportsRoot',
  'chooseFile',
  'readManifest',
  'listProjects',
  'createProject',
  'openProject',
  'previewImport',
  'importIntoProject',
  'saveTake',
  'restoreTake',
  'projectData',
  'editUtterances',
  'deleteUtterance',
  'restoreUtterance',
  'readProjectAudio',
  'cleanProject',
  'compareRuns',
  'readRunAudio',
  'synthesizers',
  'checkWords',
  'trainVocabulary',
] as const satisfies readonly OperationName[];
/**
 * Compile-time check: every operation of `Operations` is listed (fails to compile when one is added
 * to `Operations` only). The IPC table, the browser-mode server and the renderer's client register
 * exactly the names of this list.
 */
export type EveryOperationListed = MustBeTrue<
  [Exclude<OperationName, (typeof OPERATION_NAMES)[number]>] extends [never] ? true : false
>;

/** What the preload bridge exposes as `window.studio`, and what the browser-mode client implements. */
export type StudioApi = {
  [K in OperationName]: (req: Request<K>) => Promise<Response<K>>;
} & {
  /** Subscribe to progress events; returns the unsubscribe function. */
  onProgress: (fn: (e: JobProgress) => void) => () => void;
};

/** IPC channel of an operation. */
export const channel = (op: OperationName): string => `studio:${op}`;
export const PROGRESS_CHANNEL = 'studio:progress';
