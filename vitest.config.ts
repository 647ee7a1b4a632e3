import { defineConfig } from 'vitest/config';
import { tmpdir } from 'node:os';
import path from 'node:path';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // tfjs keeps one global engine per process; files run in separate forked processes.
    pool: 'forks',
    // Builds the renderer once for the UI test files (tests/ui), which run in parallel.
    globalSetup: ['tests/ui/global-setup.ts'],
    // A fresh feature cache per run: tests never read features cached by an earlier version.
    env: { ACCENT_STUDIO_CACHE: path.join(tmpdir(), `accent-studio-test-cache-${process.pid}`) },
  },
});
