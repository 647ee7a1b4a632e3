/**
 * Project screen in real Chromium (issue 14 item 16): a project holding what a killed import leaves
 * (an audio copy no record names, a partial `.tmp` file) shows them as leftovers when opened, and
 * "Clean up" removes exactly those files.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { StudioServer } from '../../electron/server';
import { importIntoProject } from '../../electron/engine/corpus/project';
import { hasChromium, requireChromium } from './browser';
import { startStudio, stopStudio, studioTmp } from './studio-fixture';
import { toneWav, writeAt } from '../corpus/helpers';

requireChromium();

describe.skipIf(!hasChromium)('Project screen: leftovers of an interrupted import (Chromium)', () => {
  let tmp: string;
  let server: StudioServer;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    tmp = await studioTmp('studio-clean-');
    const projectsDir = path.join(tmp, 'projects');
    await writeAt(path.join(tmp, 'src', 'a.wav'), toneWav(1));
    await writeAt(path.join(tmp, 'src', 'a.txt'), 'one');
    const dir = path.join(projectsDir, 'leftovers');
    await importIntoProject(dir, 'plain-folder', path.join(tmp, 'src'));
    await writeFile(path.join(dir, 'audio', 'b.wav'), toneWav(2));
    await writeFile(path.join(dir, 'audio', '.c.wav.7.1700000000000.tmp'), 'RIFF');
    ({ server, browser, page } = await startStudio({
      modelsDir: path.resolve('models'),
      runsDir: path.join(tmp, 'runs'),
      projectsDir,
    }));
  });
  afterAll(async () => {
    await stopStudio({ server, browser, page }, tmp);
  });

  it('lists the leftovers and removes them with "Clean up"', async () => {
    await page.goto(server.url);
    await page.locator('nav [data-screen="project"]').click();
    await page.getByTestId('open-project-name').fill('leftovers');
    await page.getByTestId('open-project').click();
    await page.getByTestId('project-problems').waitFor();
    const text = await page.getByTestId('project-problems').textContent();
    expect(text).toContain('2 problems found when opening');
    expect(text).toContain('leftover');
    expect(text).toContain('.c.wav.7.1700000000000.tmp');
    expect(text).toContain('2 of these are leftovers of an interrupted import');
    await page.getByTestId('project-clean').click();
    await page.getByTestId('project-cleaned').waitFor();
    expect(await page.getByTestId('project-cleaned').textContent()).toBe('Removed 2 leftover files.');
    expect(await page.getByTestId('project-problems').count()).toBe(0);
    expect(await readdir(path.join(tmp, 'projects', 'leftovers', 'audio'))).toEqual(['a.wav']);
  });
});
