/**
 * The New vocabulary screen in real Chromium against the real engine (espeak-ng, the speech
 * embedding): a three-entry word list typed with a bad line, which is flagged with its line number
 * before training; fixed, checked with the synthesizer, trained with tiny settings (40 utterances,
 * 1 epoch) as a queued job with progress; the model is then listed under Your models with its card
 * (words, synthesizer, voices), offered in Adapt, and its words become Record's prompts (at once,
 * and later from Record's model picker).
 * Screenshots at 1440x900 and 1280x800 go to test-results/ui/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { StudioServer } from '../../electron/server';
import { baseModel } from './fixtures';
import { hasChromium, requireChromium } from './browser';
import { SHOTS, startStudio, stopStudio, studioTmp } from './studio-fixture';

requireChromium();

/** Screenshots of the whole page at both sizes the studio must fit. */
async function shootBoth(page: Page, name: string): Promise<void> {
  for (const [w, h] of [
    [1440, 900],
    [1280, 800],
  ] as const) {
    await page.setViewportSize({ width: w, height: h });
    await page.screenshot({ path: path.join(SHOTS, `${name}-${w}x${h}.png`), fullPage: true });
  }
}

describe.skipIf(!hasChromium)('New vocabulary: word list, checks, training, the new model (Chromium)', () => {
  let tmp: string;
  let data: string;
  let server: StudioServer;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    tmp = await studioTmp('studio-vocab-ui-');
    const base = await baseModel(tmp);
    data = path.join(tmp, 'data');
    ({ server, browser, page } = await startStudio(
      {
        modelsDir: base.modelsDir,
        runsDir: path.join(data, 'runs'),
        projectsDir: path.join(data, 'projects'),
        userModelsDir: path.join(data, 'models'),
        vocabulariesDir: path.join(data, 'vocabularies'),
      },
      ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream'],
    ));
  }, 240_000);

  afterAll(() => stopStudio({ browser, server }, tmp));

  /** An element's text with its white space collapsed. */
  const text = async (id: string) => (await page.getByTestId(id).textContent())?.replace(/\s+/g, ' ').trim();

  it('flags a bad line with its number before training, and passes the fixed list', async () => {
    await page.goto(server.url);
    await page.getByTestId('new-project-name').fill('lamp');
    await page.getByTestId('create-project').click();
    await page.getByTestId('project-current').waitFor();
    await page.locator('[data-screen="vocabulary"]').click();
    await page.getByRole('heading', { name: 'New vocabulary' }).waitFor();
    expect(await text('vocab-blocker')).toBe('Type or import the word list.');

    await page.getByTestId('vocab-words').fill('lights on\nlights of!\nstop');
    const problem = page.getByTestId('vocab-problem');
    await problem.waitFor();
    expect(await problem.getAttribute('data-line')).toBe('2');
    expect((await problem.textContent())?.replace(/\s+/g, ' ').trim()).toMatch(
      /^Line 2 "of!" cannot be a token \("!"\): tokens are letters and digits/,
    );
    expect(await page.getByTestId('vocab-start').isDisabled()).toBe(true);
    expect(await text('vocab-blocker')).toBe('Fix the lines marked under the word list first.');
    await page.getByTestId('vocab-name').fill('lamp-words');
    await shootBoth(page, 'vocabulary-bad-line');

    await page.getByTestId('vocab-words').fill('lights on\nlights off\nstop');
    await expect.poll(() => page.getByTestId('vocab-problems').count()).toBe(0);
    await expect.poll(() => text('vocab-summary')).toBe('3 entries, 4 words: lightsonoffstop');
    await page.getByTestId('vocab-say').click();
    await expect.poll(() => page.getByTestId('vocab-sayable').count(), { timeout: 60_000 }).toBe(1);
    expect(await text('vocab-sayable')).toBe('espeak-ng can say every entry.');
    expect(await page.getByTestId('vocab-start').isDisabled()).toBe(false);
  }, 120_000);

  it('trains with tiny settings, showing progress, and lists the model with its card', async () => {
    await page.getByTestId('vocab-utterances').fill('40');
    await page.getByTestId('vocab-epochs').fill('1');
    await page.getByTestId('vocab-start').click();
    const job = page.getByTestId('vocab-job');
    await job.waitFor();
    // The progress line names the phase while the job runs.
    await expect
      .poll(() => page.getByTestId('progress').textContent(), { timeout: 60_000 })
      .toMatch(/Preparing: synthetic speech|Preparing: training features|Training/);
    expect(await page.getByTestId('vocab-chip').textContent()).toContain('Training “lamp-words”');
    await shootBoth(page, 'vocabulary-training');
    await expect
      .poll(() => job.getAttribute('data-status'), { timeout: 300_000, interval: 1000 })
      .toBe('done');
    expect(await page.getByTestId('vocab-error').count()).toBe(0);
    expect(existsSync(path.join(data, 'models', 'lamp-words', 'card.json'))).toBe(true);
    expect(existsSync(path.join(data, 'vocabularies', 'lamp-words', 'words.txt'))).toBe(true);
    expect(existsSync(path.join(data, 'vocabularies', 'lamp-words', 'work'))).toBe(false);
    await shootBoth(page, 'vocabulary-done');

    await page.getByTestId('vocab-models').click();
    const mine = page.getByTestId('models-user');
    await mine.getByTestId('model-card').waitFor();
    expect(await mine.getByTestId('model-card').count()).toBe(1);
    expect(await mine.locator('h3').textContent()).toBe('lamp-words');
    expect(await mine.locator('.chip').allTextContents()).toEqual(['lights', 'on', 'off', 'stop']);
    expect((await mine.getByTestId('model-synth').textContent())?.replace(/\s+/g, ' ').trim()).toMatch(
      /^espeak-ng \(system\) [\d.]+, language en · 108 training voices \(en-029\+f1, en-029\+f2, en-029\+f4, en-029\+f5, …\), 12 held-out voices$/,
    );
    await shootBoth(page, 'vocabulary-models');
  }, 420_000);

  it('offers the model in Adapt and its words as Record prompts', async () => {
    await page.locator('[data-screen="adapt"]').click();
    const option = page.locator('optgroup[label="Your models"] option');
    await expect.poll(() => option.allTextContents()).toEqual(['lamp-words']);

    await page.locator('[data-screen="vocabulary"]').click();
    await page.getByTestId('vocab-record').click();
    await page.getByTestId('prompt-list').waitFor();
    expect(await page.getByTestId('prompt-list').locator('li').allTextContents()).toEqual([
      expect.stringContaining('lights on'),
      expect.stringContaining('lights off'),
      expect.stringContaining('stop'),
    ]);
    // Later, from any model's words: the Record screen's model picker.
    await page.getByTestId('prompts-input').fill('');
    await expect.poll(() => page.getByTestId('prompt-list').count()).toBe(0);
    const picker = page.getByTestId('prompts-from-model');
    expect(await picker.locator('option').allTextContents()).toContain('lamp-words · 3 prompts');
    await picker.selectOption({ label: 'lamp-words · 3 prompts' });
    await expect
      .poll(() => page.getByTestId('prompts-input').inputValue())
      .toBe('lights on\nlights off\nstop');
    await shootBoth(page, 'vocabulary-record');
  }, 60_000);
});
