/**
 * Start-up and tear-down shared by the UI tests: a fresh temporary folder (after building the
 * renderer if needed), the studio server on it, and a page in real Chromium that logs its errors.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startServer, type ServerConfig, type StudioServer } from '../../electron/server';
import { ensureRendererBuilt, RENDERER_DIR } from '../../electron/server/main';
import { launchChromium } from './browser';

/** Where the UI tests write their screenshots. */
export const SHOTS = path.resolve('test-results/ui');

export interface Studio {
  server: StudioServer;
  browser: Browser;
  page: Page;
}

/** Builds the renderer when it is missing or stale and makes a temporary folder named `prefix…`. */
export async function studioTmp(prefix: string): Promise<string> {
  ensureRendererBuilt();
  return mkdtemp(path.join(tmpdir(), prefix));
}

/**
 * Creates the screenshot folder, starts the server on the renderer build and opens a 1280×860 page
 * in Chromium (with `chromiumArgs`); the server is closed again if Chromium fails to start.
 */
export async function startStudio(
  config: Omit<ServerConfig, 'rendererDir'>,
  chromiumArgs: string[] = [],
): Promise<Studio> {
  await mkdir(SHOTS, { recursive: true });
  const server = await startServer({ rendererDir: RENDERER_DIR, ...config });
  try {
    const browser = await launchChromium(chromiumArgs);
    const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    page.on('pageerror', (err) => console.error('[browser]', err.message));
    return { server, browser, page };
  } catch (err) {
    await server.close();
    throw err;
  }
}

/** Closes what `startStudio` opened (whatever of it exists) and removes the temporary folder. */
export async function stopStudio(studio: Partial<Studio>, tmp: string | undefined): Promise<void> {
  await studio.browser?.close();
  await studio.server?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
}
