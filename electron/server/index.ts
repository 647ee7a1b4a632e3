/**
 * Browser mode: a local HTTP server (node:http, no electron) that serves the built renderer and
 * exposes the contract's operations to it, for machines where the Electron binary cannot run.
 *
 * - Listens on 127.0.0.1 only, on a random free port by default.
 * - A random access token is made per start; the studio opens at `http://127.0.0.1:PORT/?token=...`.
 *   Every /api request must carry it (header `x-studio-token`, or `?token=` for the event stream,
 *   which EventSource cannot give headers); anything else gets 403. Static files of the renderer
 *   need no token (they hold no data).
 * - `POST /api/<operation>` with a JSON body -> 200 and the JSON response; 400 `{error}` for
 *   malformed JSON or a payload that fails the contract's schema (the same validation as the
 *   Electron IPC table); 404 for an unknown operation; 409 for a cancelled job; 413 `{error}` for a
 *   body over the limit (1 MiB; saveTake: its schema's longest take), answered once the body has
 *   arrived (a body over 64 MiB is cut off instead); 422 `{error}` when the operation fails (the
 *   engine's one-line message, naming the file).
 * - `GET /api/events` is a server-sent event stream of every job's progress (`event: progress`).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { Host, InvalidRequestError, JobCancelledError, type HostConfig } from '../host';
import { isOperation, MAX_TAKE_BASE64_CHARS } from '../contract/schemas';
import { CONTENT_SECURITY_POLICY } from './security';

export interface ServerConfig extends HostConfig {
  /** Built renderer (electron-vite's out/renderer). */
  rendererDir: string;
  /** Default 0: a random free port. */
  port?: number;
  /** Largest accepted request body, bytes. Default 1 MiB (saveTake: large enough for its schema's longest take). */
  maxBodyBytes?: number;
}

export interface StudioServer {
  /** The address to open, token included. */
  url: string;
  port: number;
  token: string;
  host: Host;
  /** Cancel running jobs, end event streams and stop listening. */
  close(): Promise<void>;
}

const HOST = '127.0.0.1';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

const BASE_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  // The token is in the page URL: never send it anywhere in a Referer.
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, {
    ...BASE_HEADERS,
    'Content-Type': 'application/json; charset=utf-8',
    'Cache-Control': 'no-store',
  });
  res.end(JSON.stringify(body));
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Past this many bytes an over-limit body is no longer read to its end: the connection is dropped.
 * Below it the rest of the body is read and discarded, so the client, still sending, receives the
 * 413 answer instead of a reset connection (closing a socket with unread data resets it).
 */
const DRAIN_LIMIT_BYTES = 64 << 20;

const mib = (bytes: number): string => `${Number((bytes / 2 ** 20).toFixed(2))} MiB`;

/**
 * Read a request body as text.
 * @throws HttpError 413 `<op>: request body larger than N bytes (X MiB)` once the whole body has
 *   arrived (when it exceeds `limit`); for a body past DRAIN_LIMIT_BYTES (or a Content-Length
 *   saying so) the request is destroyed as well
 */
function readBody(req: IncomingMessage, limit: number, op: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const tooLarge = (): HttpError =>
      new HttpError(413, `${op}: request body larger than ${limit} bytes (${mib(limit)})`);
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > DRAIN_LIMIT_BYTES) {
      reject(tooLarge());
      req.destroy();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > DRAIN_LIMIT_BYTES) {
        reject(tooLarge());
        req.destroy();
      } else if (size <= limit) chunks.push(c);
      else chunks.length = 0; // over the limit: keep reading to the end, keep nothing
    });
    req.on('end', () =>
      size > limit ? reject(tooLarge()) : resolve(Buffer.concat(chunks).toString('utf8')),
    );
    req.on('error', reject);
  });
}

/** Start the server; resolves once it listens. */
export async function startServer(config: ServerConfig): Promise<StudioServer> {
  const token = randomBytes(24).toString('base64url');
  const tokenBytes = Buffer.from(token);
  const host = new Host(config);
  const limit = config.maxBodyBytes ?? 1 << 20;
  const streams = new Set<ServerResponse>();
  const rendererDir = path.resolve(config.rendererDir);
  let port = 0;

  const tokenOk = (given: string | null | undefined): boolean => {
    if (!given) return false;
    const b = Buffer.from(given);
    return b.length === tokenBytes.length && timingSafeEqual(b, tokenBytes);
  };

  async function serveStatic(url: URL, res: ServerResponse): Promise<void> {
    const rel = decodeURIComponent(url.pathname).replace(/^\/+/, '') || 'index.html';
    let file = path.resolve(rendererDir, rel);
    if (file !== rendererDir && !file.startsWith(rendererDir + path.sep))
      throw new HttpError(404, 'not found');
    const st = await stat(file).catch(() => null);
    // Unknown paths without an extension fall back to the app (client-side routes).
    if (!st?.isFile()) {
      if (path.extname(rel)) throw new HttpError(404, `${url.pathname}: not found`);
      file = path.join(rendererDir, 'index.html');
    }
    const data = await readFile(file).catch(() => {
      throw new HttpError(
        404,
        `${url.pathname}: not found (build the renderer with "npx electron-vite build")`,
      );
    });
    res.writeHead(200, {
      ...BASE_HEADERS,
      'Content-Type': CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream',
      'Content-Security-Policy': CONTENT_SECURITY_POLICY,
      'Cache-Control': 'no-cache',
    });
    res.end(data);
  }

  function openEventStream(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, {
      ...BASE_HEADERS,
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
    });
    res.write(': connected\n\n');
    streams.add(res);
    const unsubscribe = host.onProgress((e) => res.write(`event: progress\ndata: ${JSON.stringify(e)}\n\n`));
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
    req.on('close', () => {
      clearInterval(heartbeat);
      unsubscribe();
      streams.delete(res);
    });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Only our own origin's host name is accepted (guards against DNS rebinding).
    const hostHeader = req.headers.host ?? '';
    if (hostHeader !== `${HOST}:${port}` && hostHeader !== `localhost:${port}`)
      throw new HttpError(403, `host ${JSON.stringify(hostHeader)} not allowed`);
    const url = new URL(req.url ?? '/', `http://${HOST}:${port}`);
    if (!url.pathname.startsWith('/api/')) {
      if (req.method !== 'GET' && req.method !== 'HEAD')
        throw new HttpError(405, `${req.method} not allowed`);
      return serveStatic(url, res);
    }
    const given = (req.headers['x-studio-token'] as string | undefined) ?? url.searchParams.get('token');
    if (!tokenOk(given))
      throw new HttpError(
        403,
        'missing or wrong access token (open the studio with the address the server printed)',
      );
    const op = url.pathname.slice('/api/'.length);
    if (op === 'events') {
      if (req.method !== 'GET') throw new HttpError(405, 'use GET for /api/events');
      return openEventStream(req, res);
    }
    if (!isOperation(op)) throw new HttpError(404, `unknown operation "${op}"`);
    if (req.method !== 'POST') throw new HttpError(405, `use POST for /api/${op}`);
    if (!(req.headers['content-type'] ?? '').startsWith('application/json'))
      throw new HttpError(415, 'send the request as application/json');
    // A recorded take is sent as base64 samples: its own, larger limit (the schema bounds it exactly).
    const text = await readBody(
      req,
      op === 'saveTake' ? Math.max(limit, MAX_TAKE_BASE64_CHARS + 4096) : limit,
      op,
    );
    let payload: unknown;
    try {
      payload = text.trim() ? JSON.parse(text) : {};
    } catch (err) {
      throw new HttpError(400, `${op}: request body is not valid JSON (${(err as Error).message})`);
    }
    try {
      sendJson(res, 200, await host.call(op, payload));
    } catch (err) {
      if (err instanceof InvalidRequestError) throw new HttpError(400, err.message);
      if (err instanceof JobCancelledError) throw new HttpError(409, err.message);
      throw new HttpError(422, (err as Error).message);
    }
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const status = err instanceof HttpError ? err.status : 500;
      if (!res.headersSent) sendJson(res, status, { error: (err as Error).message ?? String(err) });
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port ?? 0, HOST, () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://${HOST}:${port}/?token=${token}`,
    port,
    token,
    host,
    close: async () => {
      await host.dispose();
      for (const s of streams) s.end();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
