/**
 * The renderer's typed client of the contract (electron/contract). In the desktop app it wraps the
 * preload bridge (`window.studio`); in browser mode it talks to the local server over HTTP
 * (`POST /api/<op>` with the access token from the page address, progress as server-sent events).
 * Both implement the same StudioApi type.
 */
import {
  OPERATION_NAMES,
  type JobProgress,
  type OperationName,
  type Request,
  type Response,
  type StudioApi,
} from '../../../electron/contract';

/** Error of a failed operation; `cancelled` when the job was cancelled. */
export class StudioError extends Error {
  constructor(
    message: string,
    readonly cancelled = false,
  ) {
    super(message);
    this.name = 'StudioError';
  }
}

/** Electron prefixes errors thrown in handlers with "Error invoking remote method 'studio:x': Error: ". */
const cleanIpcMessage = (m: string): string =>
  m.replace(/^Error invoking remote method '[^']+': (?:\w*Error: )?/, '');

function bridgeApi(bridge: StudioApi): StudioApi {
  const wrap =
    <K extends OperationName>(op: K) =>
    async (req: Request<K>): Promise<Response<K>> => {
      try {
        return await (bridge[op] as (r: Request<K>) => Promise<Response<K>>)(req);
      } catch (err) {
        const message = cleanIpcMessage((err as Error).message ?? String(err));
        throw new StudioError(message, /: cancelled$/.test(message));
      }
    };
  const ops = Object.fromEntries(OPERATION_NAMES.map((op) => [op, wrap(op)]));
  return { ...(ops as Omit<StudioApi, 'onProgress'>), onProgress: (fn) => bridge.onProgress(fn) };
}

/** Browser-mode client. `token` is the per-start access token the server printed in the address. */
export function httpApi(token: string, base = ''): StudioApi {
  const listeners = new Set<(e: JobProgress) => void>();
  // Opened at once and kept open, so that no event of a job is missed while the stream connects.
  const source = new EventSource(`${base}/api/events?token=${encodeURIComponent(token)}`);
  source.addEventListener('progress', (ev) => {
    const e = JSON.parse((ev as MessageEvent<string>).data) as JobProgress;
    for (const l of listeners) l(e);
  });

  const call =
    <K extends OperationName>(op: K) =>
    async (req: Request<K>): Promise<Response<K>> => {
      let res: globalThis.Response;
      try {
        res = await fetch(`${base}/api/${op}`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'X-Studio-Token': token },
          body: JSON.stringify(req ?? {}),
        });
      } catch (err) {
        throw new StudioError(
          `${op}: the studio server does not answer (${(err as Error).message}); is "npm run serve" still running?`,
        );
      }
      const body = (await res
        .json()
        .catch(() => ({ error: `${op}: HTTP ${res.status} without a JSON body` }))) as { error?: string };
      if (!res.ok) {
        // 409 is a cancelled job ("job <id>: cancelled"); any other conflict (a second Start of a
        // job, a busy queue) is an error the user must see, not a quiet "cancelled".
        const message = body.error ?? `${op}: HTTP ${res.status}${res.status === 409 ? ' Conflict' : ''}`;
        throw new StudioError(message, res.status === 409 && /: cancelled$/.test(message));
      }
      return body as Response<K>;
    };

  const ops = Object.fromEntries(OPERATION_NAMES.map((op) => [op, call(op)]));
  return {
    ...(ops as Omit<StudioApi, 'onProgress'>),
    onProgress: (fn) => {
      listeners.add(fn);
      return () => void listeners.delete(fn);
    },
  };
}

/**
 * The API of this window: the preload bridge when present, else browser mode with the token from
 * the address (`?token=`). Returns null when neither is available.
 */
export function connectStudio(win: Window = window): { api: StudioApi; mode: 'desktop' | 'browser' } | null {
  const bridge = (win as unknown as { studio?: StudioApi }).studio;
  if (bridge) return { api: bridgeApi(bridge), mode: 'desktop' };
  const token = new URLSearchParams(win.location.search).get('token');
  if (token) return { api: httpApi(token), mode: 'browser' };
  return null;
}
