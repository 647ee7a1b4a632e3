/**
 * Browser-mode server limits: a request body over the limit is answered 413 with a JSON error (not a
 * reset connection), and the server keeps answering afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer, type StudioServer } from '../../electron/server';

/** POST a body to the server with node:http; resolves with the status and the body text. */
function post(
  server: StudioServer,
  op: string,
  body: Buffer,
  chunked = false,
): Promise<{ status: number; text: string }> {
  const length = chunked ? { 'transfer-encoding': 'chunked' } : { 'content-length': String(body.length) };
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: server.port,
        method: 'POST',
        path: `/api/${op}`,
        headers: { 'content-type': 'application/json', 'x-studio-token': server.token, ...length },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (chunked) for (let i = 0; i < body.length; i += 64 << 10) req.write(body.subarray(i, i + (64 << 10)));
    req.end(chunked ? undefined : body);
  });
}

describe('browser-mode server: request size limit', () => {
  let tmp: string;
  let server: StudioServer;

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(tmpdir(), 'studio-server-'));
    server = await startServer({
      modelsDir: path.join(tmp, 'models'),
      runsDir: path.join(tmp, 'runs'),
      rendererDir: path.join(tmp, 'renderer'),
    });
  });

  afterAll(async () => {
    await server?.close();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('answers 413 with a JSON error for a body over 1 MiB, then keeps serving', async () => {
    const big = Buffer.from(JSON.stringify({ path: 'x'.repeat(2 << 20) }));
    const r = await post(server, 'readManifest', big);
    expect(r.status).toBe(413);
    expect(JSON.parse(r.text)).toEqual({
      error: `readManifest: request body larger than ${1 << 20} bytes (1 MiB)`,
    });
    // Also when the client sends no Content-Length (chunked): the limit counts the bytes received.
    const chunked = await post(server, 'listRuns', big, true);
    expect(chunked.status).toBe(413);
    expect(JSON.parse(chunked.text).error).toBe(
      `listRuns: request body larger than ${1 << 20} bytes (1 MiB)`,
    );
    const ok = await post(server, 'listRuns', Buffer.from('{}'));
    expect([ok.status, JSON.parse(ok.text)]).toEqual([200, []]);
  });
});
