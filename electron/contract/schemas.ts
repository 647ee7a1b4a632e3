/**
 * Runtime validation of every contract request (zod). The Electron IPC table and the browser-mode
 * server both call `parseRequest`, so they accept and reject exactly the same payloads.
 * Objects are strict: an unknown field is an error, not silently dropped.
 */
import { z } from 'zod';
import { ADAPT_METHOD_NAMES, NAME_PATTERN, type OperationName, type Request } from './index';

const filePath = z.string().min(1, 'must not be empty').max(4096);
const name = (what: string) => z.string().regex(NAME_PATTERN, `${what} may hold only letters, digits, ".", "_" and "-" (1-64 characters, no leading dot)`);
const empty = z.object({}).strict();

const finite = z.number().refine(Number.isFinite, 'must be a finite number');

export const MethodSettingsSchema = z
  .object({
    method: z.enum(ADAPT_METHOD_NAMES, { error: `must be one of ${ADAPT_METHOD_NAMES.map((m) => `"${m}"`).join(', ')}` }).optional(),
    topLayers: z.number().int().min(1).max(20).optional(),
    bottleneck: z.number().int().min(1).max(256).optional(),
    epochs: z.number().int().min(1).max(500).optional(),
    learningRate: z.number().positive().max(1).optional(),
    klWeight: z.number().min(0).max(100).optional(),
    specAugment: z.boolean().optional(),
    speedPerturb: z.boolean().optional(),
    noiseSnrDb: finite.min(-10).max(60).optional(),
    pseudoRounds: z.number().int().min(1).max(10).optional(),
    pseudoThreshold: z.number().min(0).max(1).optional(),
  })
  .strict()
  .superRefine((m, ctx) => {
    const method = m.method ?? 'finetune';
    if (m.topLayers !== undefined && method !== 'finetune') ctx.addIssue({ code: 'custom', path: ['topLayers'], message: `applies to method "finetune" only, not "${method}"` });
    if (m.bottleneck !== undefined && method !== 'adapters') ctx.addIssue({ code: 'custom', path: ['bottleneck'], message: `applies to method "adapters" only, not "${method}"` });
  });

export const DecoderSettingsSchema = z
  .object({
    kind: z.enum(['greedy', 'beam']),
    beamWidth: z.number().int().min(1).max(256).optional(),
    grammarFile: filePath.optional(),
    lmFromAdapt: z.boolean().optional(),
  })
  .strict()
  .refine((d) => d.kind === 'beam' || (d.beamWidth === undefined && !d.grammarFile && !d.lmFromAdapt), {
    message: 'beamWidth, grammarFile and lmFromAdapt need kind "beam"',
  });

const schemas = {
  backend: empty,
  methods: empty,
  evaluate: z
    .object({ jobId: name('jobId'), modelDir: filePath, testManifest: filePath, runName: name('runName'), decoder: DecoderSettingsSchema.optional() })
    .strict()
    .refine((r) => !r.decoder?.lmFromAdapt, { message: 'decoder.lmFromAdapt needs an adaptation set (use adapt)', path: ['decoder', 'lmFromAdapt'] }),
  adapt: z
    .object({
      jobId: name('jobId'),
      modelDir: filePath,
      adaptManifest: filePath,
      testManifest: filePath,
      sourceTestManifest: filePath.optional(),
      unlabelledManifest: filePath.optional(),
      runName: name('runName'),
      method: MethodSettingsSchema.optional(),
      decoder: DecoderSettingsSchema.optional(),
    })
    .strict()
    .superRefine((r, ctx) => {
      for (const k of ['pseudoRounds', 'pseudoThreshold'] as const) {
        if (r.method?.[k] !== undefined && !r.unlabelledManifest) ctx.addIssue({ code: 'custom', path: ['method', k], message: 'needs unlabelledManifest (unlabelled audio to pseudo-label)' });
      }
    }),
  cancel: z.object({ jobId: name('jobId') }).strict(),
  listModels: empty,
  listRuns: empty,
  readReport: z.object({ runName: name('runName') }).strict(),
  readManifest: z.object({ path: filePath }).strict(),
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
