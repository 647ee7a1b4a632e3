/**
 * The researcher's journey through Project and Data in real Chromium: the studio opens on Project
 * (no project open), an import asks for its split and shows the counts before confirming (a test
 * set split by speaker, no speaker in both), the header checkbox selects every row matching the
 * filter (more than the rows drawn) and says how many, ids sort naturally, the filters narrow by
 * speaker, split, duration range and text, and a reload keeps the open project.
 * Screenshots at 1440x900 and 1280x800 go to test-results/ui/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { StudioServer } from '../../electron/server';
import { naturalCompare } from '../../electron/contract/natural';
import { baseModel, BENCH } from './fixtures';
import { hasChromium, requireChromium } from './browser';
import { SHOTS, startStudio, stopStudio, studioTmp } from './studio-fixture';

requireChromium();

/** Screenshots of the page at both sizes the studio must fit. */
export async function shootBoth(page: Page, name: string): Promise<void> {
  const was = page.viewportSize();
  for (const [w, h] of [
    [1440, 900],
    [1280, 800],
  ] as const) {
    await page.setViewportSize({ width: w, height: h });
    await page.screenshot({ path: path.join(SHOTS, `${name}-${w}x${h}.png`), fullPage: true });
  }
  if (was) await page.setViewportSize(was);
}

describe.skipIf(!hasChromium)(
  'Project and Data: import with a split, select by filter, natural sort (Chromium)',
  () => {
    let tmp: string;
    let server: StudioServer;
    let browser: Browser;
    let page: Page;
    let projectsDir: string;
    const project = 'journey';

    beforeAll(async () => {
      tmp = await studioTmp('studio-journey-ui-');
      const base = await baseModel(tmp);
      projectsDir = path.join(tmp, 'projects');
      ({ server, browser, page } = await startStudio({
        modelsDir: base.modelsDir,
        runsDir: path.join(tmp, 'runs'),
        projectsDir,
      }));
    }, 240_000);

    afterAll(() => stopStudio({ browser, server }, tmp));

    const text = (id: string) => page.getByTestId(id).textContent();

    it('opens on Project; an empty project is not "audio OK"; import asks for the split and previews the counts', async () => {
      await page.goto(server.url);
      await page.getByRole('heading', { name: 'Project', exact: true }).waitFor();
      await page.getByTestId('new-project-name').fill(project);
      await page.getByTestId('create-project').click();
      await page.getByTestId('project-current').waitFor();
      expect(await page.getByTestId('project-ok').count()).toBe(0);
      expect(await text('project-empty')).toContain('No audio yet');

      // The Duke test set: 16 speakers, one utterance each; 25% by speaker with seed 42.
      await page.getByTestId('import-source').fill(path.join(BENCH, 'duke-india-test.jsonl'));
      expect(await page.getByTestId('import-split-by-speaker').isChecked()).toBe(true);
      await page.getByTestId('import-test-percent').fill('25');
      await page.getByTestId('import-seed').fill('42');
      expect(await page.getByTestId('import-start').isDisabled()).toBe(true);
      await page.getByTestId('import-preview').click();
      await expect.poll(() => text('preview-test'), { timeout: 60_000 }).toBe('4');
      expect(await text('preview-adapt')).toBe('12');
      expect(await text('preview-speakers-test')).toBe('4');
      expect(await text('preview-speakers-adapt')).toBe('12');
      expect(await page.getByTestId('import-start').textContent()).toBe('Import 16 utterances');
      await shootBoth(page, 'journey-import-preview');
      // Changing a setting makes the counts stale: they are gone until previewed again.
      await page.getByTestId('import-seed').fill('43');
      await expect.poll(() => page.getByTestId('import-preview-counts').count()).toBe(0);
      expect(await page.getByTestId('import-start').isDisabled()).toBe(true);
      await page.getByTestId('import-seed').fill('42');
      await page.getByTestId('import-preview').click();
      await expect.poll(() => text('preview-test'), { timeout: 60_000 }).toBe('4');
      await page.getByTestId('import-start').click();
      await page.getByTestId('import-summary').waitFor({ timeout: 60_000 });
      expect(await text('import-splits')).toBe('12 to adapt, 4 to test');
      const lines = (await readFile(path.join(projectsDir, project, 'manifest.jsonl'), 'utf8'))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { speaker: string; split: string });
      const testSpeakers = new Set(lines.filter((l) => l.split === 'test').map((l) => l.speaker));
      expect(testSpeakers.size).toBe(4);
      expect(lines.filter((l) => l.split === 'adapt' && testSpeakers.has(l.speaker))).toEqual([]);

      // Then 200 FSDD utterances (4 speakers), half the speakers to test.
      await page.getByTestId('import-source').fill(path.join(BENCH, 'fsdd-source-test.jsonl'));
      await page.getByTestId('import-test-percent').fill('50');
      await page.getByTestId('import-preview').click();
      await expect.poll(() => text('preview-test'), { timeout: 60_000 }).toBe('100');
      expect(await text('preview-speakers-test')).toBe('2');
      await page.getByTestId('import-start').click();
      await expect.poll(() => text('project-utterances'), { timeout: 60_000 }).toBe('216');
      // While a re-check runs, the old verdict is not shown.
      await page.getByTestId('recheck-audio').click();
      await expect
        .poll(
          async () =>
            (await page.getByTestId('project-checking').count()) +
            (await page.getByTestId('project-ok').count()),
        )
        .toBeGreaterThan(0);
      await page.getByTestId('project-ok').waitFor({ timeout: 60_000 });
      expect(await page.getByTestId('project-checking').count()).toBe(0);
    }, 240_000);

    it('Data: natural sort, filters (speaker, split, duration, text), and the header checkbox selects every matching row', async () => {
      await page.locator('nav [data-screen="data"]').click();
      await page.getByTestId('data-table').waitFor();
      expect(await text('data-summary')).toContain('216 of 216 utterances');
      const rows = page.locator('[data-testid="data-table"] tbody tr');
      expect(await rows.count()).toBe(200); // drawn; the rest behind "Show more"
      // Ids in natural order: 0_george_2 before 0_george_10.
      const ids = await page
        .locator('[data-testid="data-table"] tbody td.c-id')
        .evaluateAll((els) => els.map((e) => e.textContent ?? ''));
      expect(ids.slice(0, 4)).toEqual(['0_george_0', '0_george_1', '0_george_2', '0_george_3']);
      expect([...ids].sort(naturalCompare)).toEqual(ids);

      // The header checkbox: all 216, not only the 200 drawn, and the count says so.
      await page.getByTestId('select-all').check();
      expect(await text('selected-count')).toContain('216 selected');
      await page.getByTestId('select-none').click();
      expect(await text('selected-count')).toContain('0 selected');

      // Duration range: the Duke recordings are 2.5 s and longer, the FSDD digits under 1.5 s.
      await page.getByTestId('filter-min-sec').fill('2');
      await expect.poll(() => text('data-summary')).toContain('16 of 216 utterances');
      await page.getByTestId('filter-split').selectOption('test');
      await expect.poll(() => text('data-summary')).toContain('4 of 216 utterances');
      await page.getByTestId('select-matching').click();
      expect(await text('selected-count')).toContain('4 selected');
      await page.getByTestId('bulk-split').selectOption('unlabelled');
      await page.getByTestId('bulk-apply').click();
      await expect.poll(() => text('split-count-unlabelled')).toBe('4');
      await page.getByTestId('clear-filters').click();
      await expect.poll(() => text('data-summary')).toContain('216 of 216 utterances');

      // Speaker and text filters, then select by filter: george's utterances of "seven".
      await page.locator('label:has-text("Speaker") select').selectOption('george');
      await page.getByTestId('data-find').fill('seven');
      await expect.poll(() => text('data-summary')).toContain('5 of 216 utterances');
      await page.getByTestId('select-all').check();
      expect(await text('selected-count')).toContain('5 selected');
      await page.getByTestId('data-find').fill('');
      await expect.poll(() => text('data-summary')).toContain('50 of 216 utterances');
      expect(
        await page.getByTestId('select-all').evaluate((e) => (e as HTMLInputElement).indeterminate),
      ).toBe(true);
      expect(await page.getByTestId('select-matching').textContent()).toContain('Select all 50 matching');
      await shootBoth(page, 'journey-data');
    }, 120_000);

    it('Adapt from the project: a transcript the model cannot emit is found before start and shown in Data; a 409 on Start is shown', async () => {
      const data = await server.host.call('projectData', { project });
      const victim = data.rows.find((r) => r.split === 'adapt' && r.speaker !== 'george')!;
      await server.host.call('editUtterances', { project, ids: [victim.id], changes: { text: 'zero null' } });
      await page.locator('nav [data-screen="adapt"]').click();
      // A project is open: the form starts on the project's splits.
      expect(await page.getByTestId('source-project').isChecked()).toBe(true);
      await page.getByTestId('project-splits').waitFor();
      await page.getByTestId('start').click();
      await expect.poll(() => page.getByTestId('problem-transcripts').count()).toBe(1);
      expect(await text('problem-transcripts')).toContain(`${victim.id} ("null")`);
      expect(await page.getByTestId('job').count()).toBe(0);
      await shootBoth(page, 'journey-adapt-problems');
      await page.getByTestId('open-data-unknown').click();
      await expect.poll(() => text('data-summary')).toContain('1 of 216 utterances');
      expect(await page.getByTestId('data-find').inputValue()).toBe(victim.id);
      await page.getByTestId(`text-${victim.id}`).fill(victim.text);
      await page.getByTestId(`text-${victim.id}`).press('Enter');
      await expect.poll(() => text('data-status')).toContain(`Saved text of ${victim.id}`);

      // A conflict answer to Start (another Start of the same job) is an error the user sees, not "cancelled".
      await page.route('**/api/adapt', (route) =>
        route.fulfill({
          status: 409,
          contentType: 'application/json',
          body: JSON.stringify({ error: 'adapt: job job-x: already running' }),
        }),
      );
      await page.locator('nav [data-screen="adapt"]').click();
      await page.getByTestId('project-splits').waitFor();
      await expect.poll(() => page.getByTestId('problem-transcripts').count()).toBe(0);
      await page.getByTestId('start').click();
      await page.locator('[data-testid="job"][data-status="failed"]').waitFor();
      expect(await text('job-error')).toBe('adapt: job job-x: already running');
      await page.unroute('**/api/adapt');
    }, 120_000);

    it('the Adapt form is kept per project: leaving the screen and a reload keep it; a reload keeps the open project', async () => {
      await page.locator('nav [data-screen="adapt"]').click();
      await page.getByTestId('method-lhuc').check();
      await page.getByTestId('epochs').fill('7');
      await page.getByTestId('runName').fill('kept-name');
      await page.locator('nav [data-screen="data"]').click();
      await page.locator('nav [data-screen="adapt"]').click();
      expect(await page.getByTestId('method-lhuc').isChecked()).toBe(true);
      expect(await page.getByTestId('epochs').inputValue()).toBe('7');
      expect(await page.getByTestId('source-project').isChecked()).toBe(true);

      await page.reload();
      await page.getByTestId('nav-project').waitFor({ timeout: 30_000 });
      expect(await text('nav-project')).toContain(project);
      await page.locator('nav [data-screen="adapt"]').click();
      await expect.poll(() => page.getByTestId('method-lhuc').isChecked()).toBe(true);
      expect(await page.getByTestId('epochs').inputValue()).toBe('7');
      expect(await page.getByTestId('source-project').isChecked()).toBe(true);
      await page.locator('nav [data-screen="data"]').click();
      await expect.poll(() => text('data-summary'), { timeout: 30_000 }).toContain('216 of 216 utterances');
    }, 60_000);
  },
);
