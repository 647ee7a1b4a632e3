/**
 * The Data screen on a project, then adapting from the project's splits, in real Chromium: a project
 * holding the German FSDD adaptation set (imported through the host API) is opened on the Project
 * screen; in the Data screen some utterances go to the test split (bulk and per row), one transcript
 * is edited, a clip is played, one utterance is deleted and the delete undone (the manifest is
 * byte-identical again); then the Adapt screen adapts from the project's splits (2 epochs) and
 * Compare must show that run's report numbers. Screenshots go to test-results/ui/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { StudioServer } from '../../electron/server';
import type { Report } from '../../electron/contract';
import { pct } from '../../renderer/src/lib/format';
import { baseModel, BENCH } from './fixtures';
import { hasChromium, requireChromium } from './browser';
import { SHOTS, startStudio, stopStudio, studioTmp } from './studio-fixture';

requireChromium();

describe.skipIf(!hasChromium)('Data screen on a project, and adapting from its splits (Chromium)', () => {
  let tmp: string;
  let server: StudioServer;
  let browser: Browser;
  let page: Page;
  let manifest: string;
  let runsDir: string;
  let ids: string[] = [];
  const project = 'ui-german';
  const runName = 'ui-from-project';
  const testIds: string[] = [];

  beforeAll(async () => {
    tmp = await studioTmp('studio-data-ui-');
    const base = await baseModel(tmp);
    runsDir = path.join(tmp, 'runs');
    ({ server, browser, page } = await startStudio(
      { modelsDir: base.modelsDir, runsDir, projectsDir: path.join(tmp, 'projects') },
      ['--autoplay-policy=no-user-gesture-required'],
    ));
    await server.host.call('createProject', { name: project });
    const imp = await server.host.call('importIntoProject', {
      project,
      format: 'nemo',
      source: path.join(BENCH, 'fsdd-german-adapt.jsonl'),
    });
    expect(imp.imported).toBe(50);
    manifest = imp.project.manifestPath;
    ids = (await server.host.call('projectData', { project })).rows.map((r) => r.id).sort();
  }, 240_000);

  afterAll(() => stopStudio({ browser, server }, tmp));

  const rows = () => page.locator('[data-testid="data-table"] tbody tr');
  const text = (id: string) => page.getByTestId(id).textContent();

  it('opens the project and edits its data: splits, a transcript, play, delete and undo', async () => {
    await page.goto(server.url);
    await page.locator('nav [data-screen="project"]').click();
    await page.getByTestId('open-project-name').fill(project);
    await page.getByTestId('open-project').click();
    await page.getByTestId('project-current').waitFor();
    expect(await text('project-utterances')).toBe('50');

    await page.locator('nav [data-screen="data"]').click();
    await page.getByTestId('data-table').waitFor();
    expect(await rows().count()).toBe(50);
    expect(await text('split-count-adapt')).toBe('50');
    expect(await text('split-count-test')).toBe('0');

    // Every fifth utterance to the test split with the bulk action, one more through its row.
    for (let i = 0; i < ids.length; i += 5) {
      await page.getByTestId(`select-${ids[i]}`).check();
      testIds.push(ids[i]);
    }
    expect(testIds).toHaveLength(10);
    await page.getByTestId('bulk-split').selectOption('test');
    await page.getByTestId('bulk-apply').click();
    await expect.poll(() => text('split-count-test')).toBe('10');
    await page.getByTestId(`split-${ids[1]}`).selectOption('test');
    testIds.push(ids[1]);
    await expect.poll(() => text('split-count-test')).toBe('11');
    expect(await text('split-count-adapt')).toBe('39');
    let lines = (await readFile(manifest, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: string; split?: string; text: string });
    expect(
      lines
        .filter((l) => l.split === 'test')
        .map((l) => l.id)
        .sort(),
    ).toEqual([...testIds].sort());
    expect(existsSync(`${manifest}.bak`)).toBe(true);

    // Edit a transcript inline (Enter commits): the speaker said the German word, not in the digit
    // model's words, so the utterance goes to the unlabelled split (audio for pseudo-labels).
    const edited = ids[2];
    await page.getByTestId(`text-${edited}`).fill('null');
    await page.getByTestId(`text-${edited}`).press('Enter');
    await expect.poll(() => text('data-status')).toContain(`Saved text of ${edited}`);
    await page.getByTestId(`split-${edited}`).selectOption('unlabelled');
    await expect.poll(() => text('split-count-unlabelled')).toBe('1');
    expect(await text('split-count-adapt')).toBe('38');
    lines = (await readFile(manifest, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.find((l) => l.id === edited)).toMatchObject({ text: 'null', split: 'unlabelled' });

    // Escape puts the stored speaker back without saving; a speaker the host refuses shows its
    // error and the stored speaker again, and the manifest keeps it.
    const speakerCell = page.getByTestId(`speaker-${edited}`);
    const stored = await speakerCell.inputValue();
    expect(stored).not.toBe('');
    await speakerCell.fill('someone else');
    await speakerCell.press('Escape');
    expect(await speakerCell.inputValue()).toBe(stored);
    await speakerCell.fill('a/b');
    await speakerCell.press('Enter');
    await expect
      .poll(() => text('data-error'))
      .toContain('speaker "a/b" cannot be a folder name: it holds a path separator ("/" or "\\")');
    expect(await speakerCell.inputValue()).toBe(stored);
    const kept = (await readFile(manifest, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: string; speaker?: string });
    expect(kept.find((l) => l.id === edited)?.speaker).toBe(stored);

    // Play a clip: the host sends the project's file, the browser decodes and plays it.
    await page.getByTestId(`play-${ids[3]}`).click();
    await page.waitForTimeout(300);
    expect(await page.getByTestId('data-error').count()).toBe(0);
    // Its waveform, drawn by wavesurfer.js from the decoded clip.
    await page.locator('[data-testid="clip-waveform"][data-ready="true"]').waitFor({ timeout: 10_000 });
    expect(await text('clip-id')).toBe(ids[3]);
    expect(Number(await page.getByTestId('clip-waveform').getAttribute('data-samples'))).toBeGreaterThan(
      1000,
    );
    expect(await page.locator('[data-testid="clip-waveform"] canvas').count()).toBeGreaterThan(0);
    // Browser mode has no native file dialogs: no "Browse…" buttons.
    expect(await page.getByText('Browse…').count()).toBe(0);

    // Filter by split and sort by duration.
    await page.getByTestId('filter-split').selectOption('test');
    await expect.poll(() => rows().count()).toBe(11);
    await page.getByTestId('filter-split').selectOption('');
    await expect.poll(() => rows().count()).toBe(50);

    // Delete one utterance, then undo: the manifest is byte-identical to before, the audio never went away.
    const before = await readFile(manifest, 'utf8');
    const victim = ids[4];
    const audio = JSON.parse(before.split('\n').find((l) => JSON.parse(l).id === victim)!)
      .audio_filepath as string;
    await page.getByTestId(`delete-${victim}`).click();
    await expect.poll(() => rows().count()).toBe(49);
    expect(await text('split-count-adapt')).toBe('37');
    expect(await readFile(manifest, 'utf8')).not.toContain(`"id":"${victim}"`);
    expect(existsSync(path.join(path.dirname(manifest), audio))).toBe(true);
    await expect.poll(() => text('nav-project')).toContain(project);
    await page.getByTestId('undo').click();
    await expect.poll(() => rows().count()).toBe(50);
    expect(await readFile(manifest, 'utf8')).toBe(before);
    expect(await page.getByTestId('undo').count()).toBe(0);
    expect(await text('split-count-adapt')).toBe('38');

    await page.getByTestId(`select-${ids[7]}`).check(); // show a selected row in the screenshot
    await page.screenshot({ path: path.join(SHOTS, 'data-project.png'), fullPage: false });
    await page.getByTestId(`select-${ids[7]}`).uncheck();
  }, 120_000);

  it("adapts from the project's splits, and Compare shows that run's report", async () => {
    await page.locator('nav [data-screen="adapt"]').click();
    await page.getByTestId('source-project').check();
    await expect.poll(() => text('project-splits')).toContain('test 11');
    expect(await text('project-splits')).toContain('unlabelled 1');
    expect(await page.getByTestId('adaptManifest').count()).toBe(0);
    await page.getByTestId('runName').fill(runName);
    await page.getByTestId('epochs').fill('2');
    // The project has an unlabelled utterance: what it is for is a choice, pseudo-labels by default
    // (with their rounds and threshold).
    expect(await text('project-unlabelled')).toBe('The project has 1 unlabelled utterance.');
    expect(await page.getByTestId('unlabelledUse').getAttribute('data-value')).toBe('pseudo-labels');
    expect(await page.getByTestId('unlabelledUse-pseudo-labels').isChecked()).toBe(true);
    expect(await page.getByTestId('pseudoRounds').inputValue()).toBe('2');
    await page.screenshot({ path: path.join(SHOTS, 'adapt-from-project.png') });
    // "Statistics only" needs statistics to re-estimate: this model normalises each recording by itself.
    await page.getByTestId('unlabelledUse-statistics').check();
    await expect
      .poll(() => text('problem-unlabelledUse'))
      .toBe(
        'Unlabelled audio: “statistics only” needs a model with global CMVN or batch norm; this one normalises every recording by itself.',
      );
    expect(await page.getByTestId('pseudoRounds').count()).toBe(0);
    expect(await page.getByTestId('renormalize').isChecked()).toBe(true);
    for (const [w, h] of [
      [1440, 900],
      [1280, 800],
    ] as const) {
      await page.setViewportSize({ width: w, height: h });
      await page.getByTestId('unlabelledUse').scrollIntoViewIfNeeded();
      await page.screenshot({ path: path.join(SHOTS, `adapt-unlabelled-use-${w}x${h}.png`) });
    }
    await page.setViewportSize({ width: 1280, height: 860 });
    // Pseudo-labelling rounds are round 1 then round 2 on the same utterance: take "pseudo-labels"
    // back, run with two rounds (its loss chart below), and check the choice reaches the job.
    await page.getByTestId('unlabelledUse-pseudo-labels').check();
    expect(await page.getByTestId('problem-unlabelledUse').count()).toBe(0);
    expect(await page.getByTestId('renormalize').isChecked()).toBe(false);
    expect(await page.getByTestId('start').isEnabled()).toBe(true);
    await page.getByTestId('start').click();
    // While the job runs the form shows its settings, read-only: the unlabelled use among them.
    await page.locator('[data-testid="job"][data-status="running"]').waitFor();
    expect(
      await page
        .getByTestId('unlabelledUse')
        .evaluate((el) =>
          Array.from(el.querySelectorAll('input')).map(
            (i) => `${i.value}:${i.checked}:${i.matches(':disabled')}`,
          ),
        ),
    ).toEqual(['pseudo-labels:true:true', 'statistics:false:true', 'none:false:true']);
    await page.locator('[data-testid="job"]:not([data-status="running"])').waitFor({ timeout: 240_000 });
    if ((await page.getByTestId('job').getAttribute('data-status')) !== 'done')
      throw new Error(`adaptation ended: ${await page.getByTestId('job').textContent()}`);
    // 38 adaptation utterances: early stopping holds some out, and its held-out loss is plotted
    // beside the training loss; the log shows its newest line.
    expect(Number(await page.getByTestId('loss-chart').getAttribute('data-heldout'))).toBeGreaterThan(0);
    // Pseudo-label rounds: round 2 labels the one unlabelled utterance as round 1 did (measured: the
    // same word), so it does not train again: that would repeat round 1's losses and model. The chart
    // shows round 1's two passes.
    const runDir = path.join(tmp, 'projects', project, 'runs', runName);
    const report = JSON.parse(await readFile(path.join(runDir, 'report.json'), 'utf8')) as Report;
    expect(report.adaptation!.unlabelled_use).toBe('pseudo-labels');
    expect(report.adaptation!.unlabelled_utterances).toBe(1);
    expect(report.adaptation!.pseudo_labels).toEqual([
      { round: 1, kept: 1, of: 1, changed: 1 },
      { round: 2, kept: 1, of: 1, changed: 0 },
    ]);
    expect(report.adaptation!.training_utterances).toBe(39);
    expect((await page.getByTestId('loss-chart').getAttribute('data-series'))?.split('|')).toEqual([
      'finetune',
      'refit on all',
    ]);
    expect(await text('job-log')).toContain(
      'pseudo-label round 2: kept 1 of 1 unlabelled utterances, 0 changed since round 1: the same labels as round 1, so no more rounds',
    );
    expect(
      await page.getByTestId('job-log').evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight),
    ).toBeLessThanOrEqual(2);
    for (const [w, h] of [
      [1440, 900],
      [1280, 800],
    ] as const) {
      await page.setViewportSize({ width: w, height: h });
      await page.getByTestId('job').screenshot({ path: path.join(SHOTS, `adapt-job-${w}x${h}.png`) });
    }
    await page.setViewportSize({ width: 1280, height: 860 });

    // A run from the project's splits lands in the project's runs/, not the studio's runs folder.
    expect(existsSync(path.join(runsDir, runName))).toBe(false);
    // The run folder holds the split manifests it adapted on.
    const testLines = (await readFile(path.join(runDir, `${project}-test.jsonl`), 'utf8')).trim().split('\n');
    expect(testLines.map((l) => JSON.parse(l).id).sort()).toEqual([...testIds].sort());
    expect(
      (await readFile(path.join(runDir, `${project}-adapt.jsonl`), 'utf8')).trim().split('\n'),
    ).toHaveLength(38);
    expect(
      (await readFile(path.join(runDir, `${project}-unlabelled.jsonl`), 'utf8'))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).id),
    ).toEqual([ids[2]]);
    expect(report.utterances).toHaveLength(11);
    const a = report.adaptation!;
    expect(a.labelled_utterances).toBe(38);
    // All 38 train in the refit; when no epoch beat the base model on the held-out fifth, there is no refit.
    expect(a.adaptation_utterances).toBe(a.best_epoch > 0 ? 38 : 38 - a.held_out_utterances);
    expect(a.held_out_utterances).toBeGreaterThanOrEqual(5);
    expect(report.adaptation!.epoch_log).toHaveLength(2);
    await expect
      .poll(() => text('summary'))
      .toContain(`${pct(report.test.before.wer)} → ${pct(report.test.after!.wer)}`);

    await page.getByTestId('open-compare').click();
    await page.getByTestId('scores').waitFor();
    expect(await page.getByTestId('run').inputValue()).toBe(`${project}/${runName}`);
    for (const [key, s] of [
      ['test-before', report.test.before],
      ['test-after', report.test.after!],
    ] as const) {
      expect(await text(`wer-${key}`)).toBe(pct(s.wer));
      expect(await text(`s-${key}`)).toBe(String(s.substitutions));
      expect(await text(`d-${key}`)).toBe(String(s.deletions));
      expect(await text(`i-${key}`)).toBe(String(s.insertions));
      expect(await text(`n-${key}`)).toBe(String(s.reference_words));
    }
    expect(await page.locator('[data-testid="utterances"] tbody tr').count()).toBe(11);

    // Models lists the project's adapted model with its run.
    await page.locator('nav [data-screen="models"]').click();
    await page.getByTestId('models-adapted').getByTestId('model-card').first().waitFor();
    expect(await page.getByTestId('models-adapted').textContent()).toContain(path.join(runDir, 'model'));
  }, 300_000);
});
