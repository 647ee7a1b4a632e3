/**
 * Real-browser harness of the UI tests: Debian's Chromium driven by playwright-core (no browser is
 * ever downloaded). Without /usr/bin/chromium the UI tests are skipped with a warning on a
 * developer machine and fail in CI (process.env.CI set), where .ci/run installs it.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);

/** Call at module level: warns (developer machine) or throws (CI) when Chromium is missing. */
export function requireChromium(): void {
  if (hasChromium) return;
  if (process.env.CI)
    throw new Error(
      `${CHROMIUM} is missing: the UI tests need Debian's chromium in CI (apt-get install -y chromium)`,
    );
  console.warn(
    `\n[tests/ui] SKIPPED: ${CHROMIUM} not found. Install it with "apt-get install -y chromium" to run the browser tests.\n`,
  );
}

/** @param extraArgs more Chromium switches (e.g. the fake microphone of the Record test) */
export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...extraArgs,
    ],
  });
}
