/**
 * Vitest global setup: build the renderer once, before any test file runs, when the UI tests can run
 * (Chromium present). The UI test files run in parallel processes and would otherwise race to
 * rebuild out/renderer. A no-op when the build is newer than every renderer and contract source.
 */
import { hasChromium } from './browser';
import { ensureRendererBuilt } from '../../electron/server/build';

export default function setup(): void {
  if (hasChromium) ensureRendererBuilt();
}
