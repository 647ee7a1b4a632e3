/** The IPC table: one handler per contract operation; validate, call the engine, return plain data. */
import type { IpcMain, WebContents } from 'electron';
import { z } from 'zod';
import { adapt, backendInfo, evaluate } from '../engine';
import { channel, PROGRESS_CHANNEL, type Operations } from '../contract';

const path = z.string().min(1);
const schemas = {
  evaluate: z.object({ modelDir: path, testManifest: path, outDir: path }).strict(),
  adapt: z
    .object({ modelDir: path, adaptManifest: path, testManifest: path, sourceTestManifest: path.optional(), outDir: path, topLayers: z.number().int().positive().optional() })
    .strict(),
  backend: z.object({}).strict(),
};

function parse<K extends keyof Operations>(op: K, payload: unknown): Operations[K]['request'] {
  const r = schemas[op].safeParse(payload);
  if (!r.success) throw new Error(`${op}: invalid request: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return r.data as Operations[K]['request'];
}

/** Register every handler. `sender` receives progress events. */
export function registerIpc(ipc: IpcMain, sender: () => WebContents | null): void {
  const progress = (e: unknown): void => sender()?.send(PROGRESS_CHANNEL, e);
  ipc.handle(channel('evaluate'), (_e, p) => evaluate({ ...parse('evaluate', p), onProgress: progress }));
  ipc.handle(channel('adapt'), (_e, p) => {
    const { topLayers, ...req } = parse('adapt', p);
    return adapt({ ...req, finetune: topLayers ? { topLayers } : undefined, onProgress: progress });
  });
  ipc.handle(channel('backend'), async (_e, p) => {
    parse('backend', p);
    const b = await backendInfo();
    return { name: b.name, detail: b.detail };
  });
}
