/**
 * Runtime validation of every contract request (zod). The Electron IPC table and the browser-mode
 * server both call `parseRequest`, so they accept and reject exactly the same payloads.
 * Objects are strict: an unknown field is an error, not silently dropped.
 */
import { z } from 'zod';
import {
  ADAPT_METHOD_NAMES,
  UNLABELLED_USE_NAMES,
  IMPORT_FORMAT_NAMES,
  METHOD_LIMITS,
  NAME_PATTERN,
  SPLIT_NAMES,
  TAKE_LIMITS,
  VOCABULARY_LIMITS,
  type OperationName,
  type Request,
} from './index';

const filePath = z.string().min(1, 'must not be empty').max(4096);
const name = (what: string) =>
  z
    .string()
    .regex(
      NAME_PATTERN,
      `${what} may hold only letters, digits, ".", "_" and "-" (1-64 characters, no leading dot)`,
    );
const empty = z.object({}).strict();

/** A number within its METHOD_LIMITS range (the same numbers the Adapt screen checks). */
function limited(key: keyof typeof METHOD_LIMITS): z.ZodNumber {
  const l: { min: number; max: number; integer: boolean; minExclusive?: boolean } = METHOD_LIMITS[key];
  let n = z.number();
  if (l.integer) n = n.int();
  n = l.minExclusive ? n.gt(l.min) : n.min(l.min);
  return n.max(l.max);
}

const RunRefSchema = z.object({ runName: name('runName'), project: name('project').optional() }).strict();

export const MethodSettingsSchema = z
  .object({
    method: z
      .enum(ADAPT_METHOD_NAMES, {
        error: `must be one of ${ADAPT_METHOD_NAMES.map((m) => `"${m}"`).join(', ')}`,
      })
      .optional(),
    topLayers: limited('topLayers').optional(),
    inputTransform: z.boolean().optional(),
    bottleneck: limited('bottleneck').optional(),
    embeddingLayers: limited('embeddingLayers').optional(),
    epochs: limited('epochs').optional(),
    fixedEpochs: limited('fixedEpochs').optional(),
    learningRate: limited('learningRate').optional(),
    klWeight: limited('klWeight').optional(),
    specAugment: z.boolean().optional(),
    speedPerturb: z.boolean().optional(),
    noiseSnrDb: limited('noiseSnrDb').optional(),
    resplice: limited('resplice').optional(),
    unlabelledUse: z
      .enum(UNLABELLED_USE_NAMES, {
        error: `must be one of ${UNLABELLED_USE_NAMES.map((u) => `"${u}"`).join(', ')}`,
      })
      .optional(),
    pseudoRounds: limited('pseudoRounds').optional(),
    pseudoThreshold: limited('pseudoThreshold').optional(),
    renormalize: z.boolean().optional(),
  })
  .strict()
  .superRefine((m, ctx) => {
    for (const k of ['pseudoRounds', 'pseudoThreshold'] as const)
      if (m[k] !== undefined && m.unlabelledUse !== undefined && m.unlabelledUse !== 'pseudo-labels')
        ctx.addIssue({
          code: 'custom',
          path: [k],
          message: `applies to unlabelledUse "pseudo-labels" only, not "${m.unlabelledUse}"`,
        });
    const method = m.method ?? 'finetune';
    if (m.topLayers !== undefined && method !== 'finetune')
      ctx.addIssue({
        code: 'custom',
        path: ['topLayers'],
        message: `applies to method "finetune" only, not "${method}"`,
      });
    if (m.inputTransform !== undefined && method !== 'finetune')
      ctx.addIssue({
        code: 'custom',
        path: ['inputTransform'],
        message: `applies to method "finetune" only, not "${method}"`,
      });
    if (m.bottleneck !== undefined && method !== 'adapters')
      ctx.addIssue({
        code: 'custom',
        path: ['bottleneck'],
        message: `applies to method "adapters" only, not "${method}"`,
      });
  });

export const DecoderSettingsSchema = z
  .object({
    kind: z.enum(['greedy', 'beam']),
    beamWidth: limited('beamWidth').optional(),
    grammarFile: filePath.optional(),
    lmFromAdapt: z.boolean().optional(),
  })
  .strict()
  .refine((d) => d.kind === 'beam' || (d.beamWidth === undefined && !d.grammarFile && !d.lmFromAdapt), {
    message: 'beamWidth, grammarFile and lmFromAdapt need kind "beam"',
  });

/** A short label (speaker, accent): no control characters, at most 64 characters; may be empty. */
const label = z
  .string()
  .max(64, 'must be at most 64 characters')
  // eslint-disable-next-line no-control-regex -- refusing control characters is the point
  .refine((v) => !/[\u0000-\u001f\u007f]/.test(v), 'must not contain control characters (tabs, new lines)');

// eslint-disable-next-line no-control-regex -- refusing control characters is the point
const noControl = (v: string): boolean => !/[\u0000-\u001f\u007f]/.test(v);

/** An utterance id as the manifest holds it: 1-256 characters, no control characters. */
const utteranceId = z
  .string()
  .min(1, 'must not be empty')
  .max(256, 'must be at most 256 characters')
  .refine(noControl, 'must not contain control characters');

/** One manifest line, as deleteUtterance and saveTake return it for undo. */
const manifestLine = z
  .string()
  .min(2, 'must be a manifest line')
  .max(100_000, 'must be at most 100000 characters')
  .refine((l) => !/\n|\r(?!$)/.test(l), 'must be one line');
/** A 0-based line position. */
const lineIndex = z.number().int('must be a whole number').min(0).max(10_000_000);

/** Largest base64 text of a take: TAKE_LIMITS.maxSeconds at the highest rate, 4 bytes a sample. */
export const MAX_TAKE_BASE64_CHARS =
  Math.ceil((TAKE_LIMITS.maxSeconds * TAKE_LIMITS.maxSampleRateHz * 4) / 3) * 4;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Bytes a base64 text decodes to (the text already checked against BASE64). */
export const base64Bytes = (b64: string): number =>
  (b64.length / 4) * 3 - (b64.endsWith('==') ? 2 : b64.endsWith('=') ? 1 : 0);

export const SaveTakeSchema = z
  .object({
    project: name('project'),
    promptText: z
      .string()
      .trim()
      .min(1, 'must not be empty (the prompt is the transcript of the take)')
      .max(TAKE_LIMITS.maxPromptChars, `must be at most ${TAKE_LIMITS.maxPromptChars} characters`)
      // eslint-disable-next-line no-control-regex -- refusing control characters is the point
      .refine((v) => !/[\u0000-\u001f\u007f]/.test(v), 'must be one line without control characters'),
    speaker: label.transform((v) => v.trim()),
    accent: label.transform((v) => v.trim()),
    sampleRateHz: z
      .number()
      .int('must be a whole number of Hz')
      .min(TAKE_LIMITS.minSampleRateHz, `must be at least ${TAKE_LIMITS.minSampleRateHz} Hz`)
      .max(TAKE_LIMITS.maxSampleRateHz, `must be at most ${TAKE_LIMITS.maxSampleRateHz} Hz`),
    samples: z
      .string()
      .min(1, 'must not be empty (an empty take)')
      .max(MAX_TAKE_BASE64_CHARS, `is too large (at most ${TAKE_LIMITS.maxSeconds} s of audio)`)
      .refine(
        (v) => v.length % 4 === 0 && BASE64.test(v),
        'must be base64 (of Float32 little-endian samples)',
      ),
    replaces: utteranceId.optional(),
  })
  .strict()
  .superRefine((r, ctx) => {
    if (r.samples.length % 4 !== 0 || !BASE64.test(r.samples) || r.samples.length > MAX_TAKE_BASE64_CHARS)
      return;
    const bytes = base64Bytes(r.samples);
    if (bytes % 4 !== 0)
      ctx.addIssue({
        code: 'custom',
        path: ['samples'],
        message: `holds ${bytes} bytes, not a whole number of Float32 samples (4 bytes each)`,
      });
    else if (bytes / 4 > r.sampleRateHz * TAKE_LIMITS.maxSeconds) {
      ctx.addIssue({
        code: 'custom',
        path: ['samples'],
        message: `is ${(bytes / 4 / r.sampleRateHz).toFixed(1)} s long at ${r.sampleRateHz} Hz; a take may be at most ${TAKE_LIMITS.maxSeconds} s`,
      });
    }
  });

/** Longest transcript editUtterances accepts, characters. */
export const MAX_TRANSCRIPT_CHARS = 2000;

export const UtteranceChangesSchema = z
  .object({
    text: z
      .string()
      .max(MAX_TRANSCRIPT_CHARS, `must be at most ${MAX_TRANSCRIPT_CHARS} characters`)
      .refine(noControl, 'must be one line without control characters')
      .transform((v) => v.trim())
      .optional(),
    speaker: label.transform((v) => v.trim()).optional(),
    accent: label.transform((v) => v.trim()).optional(),
    split: z
      .enum(SPLIT_NAMES, { error: `must be one of ${SPLIT_NAMES.map((s) => `"${s}"`).join(', ')}` })
      .optional(),
  })
  .strict()
  .refine(
    (c) => Object.values(c).some((v) => v !== undefined),
    'must change at least one of text, speaker, accent, split',
  );

/**
 * A path inside a project folder as a manifest line writes it: relative, "/" or "\\" separated, no
 * ".." segment, no drive letter. (The host checks again after resolving links.)
 */
export const ProjectPathSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(1024, 'must be at most 1024 characters')
  .refine(noControl, 'must not contain control characters')
  .refine((p) => !/^([/\\]|[A-Za-z]:)/.test(p), 'must be relative to the project folder (not absolute)')
  .refine((p) => !p.split(/[/\\]/).includes('..'), 'must not leave the project folder ("..")');

/** Where imported utterances go (ImportSplitChoice). */
export const ImportSplitSchema = z.union([
  z.object({ mode: z.enum(SPLIT_NAMES) }).strict(),
  z
    .object({
      mode: z.literal('by-speaker'),
      testFraction: z.number().gt(0, 'must be above 0').lt(1, 'must be below 1'),
      seed: z
        .number()
        .int('must be a whole number')
        .min(0, 'must be at least 0')
        .max(2 ** 32 - 1, 'must be below 2^32'),
    })
    .strict(),
]);

const ImportSchema = z
  .object({
    project: name('project'),
    format: z.enum(IMPORT_FORMAT_NAMES, {
      error: `must be one of ${IMPORT_FORMAT_NAMES.map((f) => `"${f}"`).join(', ')}`,
    }),
    source: filePath,
    split: ImportSplitSchema.optional(),
  })
  .strict();

/** A word list as typed or imported (VOCABULARY_LIMITS); tabs and line ends allowed, other control characters not. */
const wordList = z
  .string()
  .max(VOCABULARY_LIMITS.maxChars, `must be at most ${VOCABULARY_LIMITS.maxChars} characters`)
  .refine(
    (v) => v.split('\n').length <= VOCABULARY_LIMITS.maxLines,
    `must have at most ${VOCABULARY_LIMITS.maxLines} lines`,
  )
  .refine(
    // eslint-disable-next-line no-control-regex -- refusing control characters is the point
    (v) => !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(v),
    'must not contain control characters',
  );
const synthId = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9._-]{0,63}$/,
    'must be a synthesizer id (lower-case letters, digits, ".", "_", "-")',
  );
const language = z
  .string()
  .regex(/^[a-z]{2,3}(-[A-Za-z0-9]{1,8})*$/, 'must be a language tag such as "en" or "en-gb"')
  .max(35);
const vocabNumber = (key: 'utterances' | 'epochs') => {
  const l = VOCABULARY_LIMITS[key];
  return z.number().int('must be a whole number').min(l.min).max(l.max);
};

/**
 * One schema per operation. The `satisfies` at the end is the compile-time check that every
 * operation of the contract has one, of its request's type.
 */
const schemas = {
  backend: empty,
  methods: empty,
  evaluate: z
    .object({
      jobId: name('jobId'),
      modelDir: filePath,
      testManifest: filePath,
      runName: name('runName'),
      decoder: DecoderSettingsSchema.optional(),
    })
    .strict()
    .refine((r) => !r.decoder?.lmFromAdapt, {
      message: 'decoder.lmFromAdapt needs an adaptation set (use adapt)',
      path: ['decoder', 'lmFromAdapt'],
    }),
  adapt: z
    .object({
      jobId: name('jobId'),
      modelDir: filePath,
      adaptManifest: filePath.optional(),
      testManifest: filePath.optional(),
      fromProject: name('fromProject').optional(),
      sourceTestManifest: filePath.optional(),
      unlabelledManifest: filePath.optional(),
      runName: name('runName'),
      method: MethodSettingsSchema.optional(),
      decoder: DecoderSettingsSchema.optional(),
    })
    .strict()
    .superRefine((r, ctx) => {
      if (r.fromProject !== undefined) {
        for (const k of ['adaptManifest', 'testManifest', 'unlabelledManifest'] as const) {
          if (r[k] !== undefined)
            ctx.addIssue({
              code: 'custom',
              path: [k],
              message: "must be absent with fromProject (the project's splits are used)",
            });
        }
      } else {
        for (const k of ['adaptManifest', 'testManifest'] as const) {
          if (r[k] === undefined)
            ctx.addIssue({ code: 'custom', path: [k], message: 'is required (or adapt fromProject)' });
        }
      }
      for (const k of ['unlabelledUse', 'pseudoRounds', 'pseudoThreshold'] as const) {
        if (r.method?.[k] !== undefined && !r.unlabelledManifest && r.fromProject === undefined) {
          ctx.addIssue({
            code: 'custom',
            path: ['method', k],
            message:
              k === 'unlabelledUse'
                ? 'needs unlabelledManifest (unlabelled audio to use)'
                : 'needs unlabelledManifest (unlabelled audio to pseudo-label)',
          });
        }
      }
    }),
  cancel: z.object({ jobId: name('jobId') }).strict(),
  listModels: empty,
  listRuns: empty,
  readReport: z.object({ runName: name('runName'), project: name('project').optional() }).strict(),
  exportModel: z
    .object({
      run: name('run'),
      project: name('project').optional(),
      name: name('name'),
      folder: filePath
        .refine((p) => /^([/\\]|[A-Za-z]:[/\\])/.test(p), 'must be an absolute folder path')
        .optional(),
    })
    .strict(),
  exportsRoot: empty,
  chooseFile: z
    .object({
      purpose: z.enum(['manifest', 'folder'], { error: 'must be "manifest" or "folder"' }),
      title: z
        .string()
        .trim()
        .min(1, 'must not be empty')
        .max(200, 'must be at most 200 characters')
        .refine(noControl, 'must be one line without control characters'),
    })
    .strict(),
  readManifest: z.object({ path: filePath }).strict(),
  listProjects: empty,
  createProject: z.object({ name: name('name') }).strict(),
  openProject: z.object({ name: name('name') }).strict(),
  previewImport: ImportSchema,
  importIntoProject: ImportSchema,
  saveTake: SaveTakeSchema,
  projectData: z.object({ project: name('project') }).strict(),
  editUtterances: z
    .object({
      project: name('project'),
      ids: z
        .array(utteranceId)
        .min(1, 'must name at least one utterance')
        .max(10000, 'must name at most 10000 utterances')
        .refine((ids) => new Set(ids).size === ids.length, 'must not repeat an id'),
      changes: UtteranceChangesSchema,
    })
    .strict(),
  deleteUtterance: z.object({ project: name('project'), id: utteranceId }).strict(),
  restoreUtterance: z.object({ project: name('project'), line: manifestLine, index: lineIndex }).strict(),
  restoreTake: z
    .object({ project: name('project'), line: manifestLine, index: lineIndex, discard: utteranceId })
    .strict(),
  readProjectAudio: z.object({ project: name('project'), path: ProjectPathSchema }).strict(),
  cleanProject: z.object({ name: name('name') }).strict(),
  compareRuns: z.object({ a: RunRefSchema, b: RunRefSchema }).strict(),
  readRunAudio: z
    .object({
      runName: name('runName'),
      project: name('project').optional(),
      id: z.string().min(1, 'must not be empty').max(512, 'at most 512 characters'),
    })
    .strict(),
  synthesizers: empty,
  checkWords: z
    .object({
      words: wordList,
      say: z.boolean().optional(),
      synth: synthId.optional(),
      language: language.optional(),
    })
    .strict(),
  trainVocabulary: z
    .object({
      jobId: name('jobId'),
      name: name('name'),
      words: wordList,
      synth: synthId.optional(),
      language: language.optional(),
      utterances: vocabNumber('utterances').optional(),
      epochs: vocabNumber('epochs').optional(),
    })
    .strict(),
} satisfies { [K in OperationName]: z.ZodType<Request<K>> };

/** Thrown for a payload that does not match its operation's schema (HTTP 400 in browser mode). */
export class InvalidRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidRequestError';
  }
}

/** True when `op` names a contract operation. */
export const isOperation = (op: string): op is OperationName => Object.hasOwn(schemas, op);

/**
 * Validate a payload.
 * @throws InvalidRequestError `"adapt: invalid request: method.epochs: Too big: expected number to be <=500"`
 *   listing every issue with its JSON path
 */
export function parseRequest<K extends OperationName>(op: K, payload: unknown): Request<K> {
  const r = (schemas[op] as z.ZodType<Request<K>>).safeParse(payload ?? {});
  if (!r.success) {
    const issues = r.error.issues.map((i) => `${i.path.join('.') || '(request)'}: ${i.message}`);
    throw new InvalidRequestError(`${op}: invalid request: ${issues.join('; ')}`);
  }
  return r.data;
}
