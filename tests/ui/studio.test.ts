/**
 * End-to-end test of the studio in browser mode, in real Chromium: the server starts with a fresh
 * token, the renderer runs a short adaptation (residual adapters) through the Adapt screen, and Compare
 * must show the run's report.json numbers exactly, its adaptation settings included. Screenshots of
 * every screen go to test-results/ui/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { StudioServer } from '../../electron/server';
import type { Report } from '../../electron/contract';
import { count, pct } from '../../renderer/src/lib/format';
import { DEFAULT_ADAPT } from '../../electron/engine/adapt/job';
import { baseModel, benchSlice } from './fixtures';
import { hasChromium, requireChromium } from './browser';
import { SHOTS, startStudio, stopStudio, studioTmp } from './studio-fixture';

requireChromium();

async function folderHash(dir: string): Promise<string> {
  const h = createHash('sha256');
  for (const f of (await readdir(dir)).sort()) h.update(f).update(await readFile(path.join(dir, f)));
  return h.digest('hex');
}

describe.skipIf(!hasChromium)('studio in browser mode (Chromium)', () => {
  let tmp: string;
  let server: StudioServer;
  let browser: Browser;
  let page: Page;
  let modelDir: string;
  let base: { modelsDir: string; modelDir: string; standIn: boolean };
  let runsDir: string;
  let adaptManifest: string;
  let testManifest: string;
  let fullTestManifest: string;
  const runName = 'ui-e2e';

  beforeAll(async () => {
    tmp = await studioTmp('studio-ui-');
    base = await baseModel(tmp);
    modelDir = base.modelDir;
    if (base.standIn)
      console.warn('[tests/ui] models/digits-base not found: using an untrained stand-in model');
    runsDir = path.join(tmp, 'runs');
    adaptManifest = await benchSlice('fsdd-german-adapt.jsonl', 10, tmp);
    testManifest = await benchSlice('fsdd-german-test.jsonl', 20, tmp);
    await mkdir(path.join(tmp, 'full'));
    fullTestManifest = await benchSlice('fsdd-german-test.jsonl', 450, path.join(tmp, 'full'));
    ({ server, browser, page } = await startStudio({ modelsDir: base.modelsDir, runsDir }));
  }, 240_000);

  afterAll(() => stopStudio({ browser, server }, tmp));

  it('rejects API calls without the token (403) and invalid payloads with a clear 400', async () => {
    const api = `http://127.0.0.1:${server.port}/api`;
    const json = { 'Content-Type': 'application/json' };
    expect((await fetch(`${api}/listModels`, { method: 'POST', headers: json, body: '{}' })).status).toBe(
      403,
    );
    expect(
      (
        await fetch(`${api}/listModels`, {
          method: 'POST',
          headers: { ...json, 'X-Studio-Token': 'wrong' },
          body: '{}',
        })
      ).status,
    ).toBe(403);
    expect((await fetch(`${api}/events`)).status).toBe(403);
    const auth = { ...json, 'X-Studio-Token': server.token };
    const bad = await fetch(`${api}/adapt`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({
        jobId: 'x',
        modelDir,
        adaptManifest,
        testManifest,
        runName: '../escape',
        method: { epochs: 0 },
      }),
    });
    expect(bad.status).toBe(400);
    const { error } = (await bad.json()) as { error: string };
    expect(error).toMatch(/^adapt: invalid request: /);
    expect(error).toContain('runName: runName may hold only letters, digits');
    expect(error).toMatch(/method\.epochs: .*>=1/);
    expect((await fetch(`${api}/adapt`, { method: 'POST', headers: auth, body: '{not json' })).status).toBe(
      400,
    );
    expect((await fetch(`${api}/nope`, { method: 'POST', headers: auth, body: '{}' })).status).toBe(404);
    const ok = await fetch(`${api}/listModels`, { method: 'POST', headers: auth, body: '{}' });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { dir: string }[]).map((m) => m.dir)).toContain(modelDir);
  });

  it('adapts through the Adapt screen, then Compare shows exactly the report numbers', async () => {
    await page.goto(server.url);
    // No project open: the studio opens on Project, the first step; the sidebar follows the journey.
    await page.getByRole('heading', { name: 'Project', exact: true }).waitFor();
    expect(
      await page
        .locator('nav [data-screen]')
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-screen'))),
    ).toEqual(['project', 'record', 'data', 'adapt', 'compare', 'models', 'vocabulary']);
    expect(await page.locator('nav [data-screen="project"]').getAttribute('aria-current')).toBe('page');
    await page.locator('nav [data-screen="adapt"]').click();
    await page.getByRole('heading', { name: 'Adapt' }).waitFor();
    await expect.poll(() => page.getByTestId('model').inputValue()).toBe(modelDir);
    // A model card's own adaptation defaults fill the form when the model is chosen
    // (models/digits-embedding: top 2 layers, no input transform); the global ones come back with a
    // card that has none.
    const embedding = path.resolve('models/digits-embedding');
    if (!base.standIn) {
      await page.getByTestId('model').selectOption(embedding);
      await expect.poll(() => page.getByTestId('topLayers').inputValue()).toBe('2');
      expect(await page.getByTestId('inputTransform').isChecked()).toBe(false);
      // a model on the speech embedding offers its top conv layers for adaptation (0 = head only)
      expect(await page.getByTestId('embeddingLayers').inputValue()).toBe('0');
      await page.getByTestId('model').selectOption(modelDir);
      await expect.poll(() => page.getByTestId('topLayers').inputValue()).toBe('4');
      expect(await page.getByTestId('inputTransform').isChecked()).toBe(true);
      expect(await page.getByTestId('embeddingLayers').count()).toBe(0);
    }
    // Validation before start, every bad field at once: a manifest that does not exist, top layers
    // beyond the model's weight layers, an adaptation transcript with a word the model cannot emit.
    const weightLayers =
      (
        JSON.parse(await readFile(path.join(modelDir, 'card.json'), 'utf8')) as {
          architecture: { convLayers: unknown[] };
        }
      ).architecture.convLayers.length + 1;
    const badWords = path.join(tmp, 'bad-words.jsonl');
    const firstLines = (await readFile(adaptManifest, 'utf8')).trim().split('\n');
    const badLine = { ...(JSON.parse(firstLines[0]) as { audio_filepath: string }), text: 'zero null' };
    const badId = path.basename(badLine.audio_filepath).replace(/\.[^.]+$/, '');
    await writeFile(badWords, [JSON.stringify(badLine), ...firstLines.slice(1)].join('\n') + '\n');
    await page.getByTestId('adaptManifest').fill(badWords);
    await page.getByTestId('testManifest').fill(path.join(tmp, 'missing.jsonl'));
    await page.getByTestId('topLayers').fill('20');
    await page.getByTestId('start').click();
    await page.getByTestId('settings-problems').waitFor();
    await expect.poll(() => page.locator('[data-testid="settings-problems"] li').count()).toBe(3);
    expect(await page.getByTestId('problem-topLayers').textContent()).toBe(
      `Top layers: a whole number from 1 to ${weightLayers} (this model has ${weightLayers} weight layers).`,
    );
    expect(await page.getByTestId('problem-testManifest').textContent()).toMatch(
      /^Test manifest: .*missing\.jsonl: .*not found/,
    );
    expect(await page.getByTestId('problem-transcripts').textContent()).toContain(`${badId} ("null")`);
    for (const f of ['topLayers', 'testManifest', 'adaptManifest'])
      expect(await page.getByTestId(f).getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByTestId('job').count()).toBe(0); // nothing started
    await page.screenshot({ path: path.join(SHOTS, 'adapt-problems.png'), fullPage: true });
    for (const [w, h] of [
      [1440, 900],
      [1280, 800],
    ] as const) {
      await page.setViewportSize({ width: w, height: h });
      await page.getByTestId('settings-problems').scrollIntoViewIfNeeded();
      await page.screenshot({ path: path.join(SHOTS, `adapt-problems-${w}x${h}.png`) });
    }
    await page.setViewportSize({ width: 1280, height: 860 });
    await page.getByTestId('topLayers').fill('4');
    await page.getByTestId('adaptManifest').fill(adaptManifest);
    await page.getByTestId('testManifest').fill(testManifest);
    await page.getByTestId('runName').fill(runName);
    // The method picker lists the registry's methods with their summaries; finetune is the default.
    await page.getByTestId('method-adapters').waitFor();
    expect(await page.getByTestId('method-finetune').isChecked()).toBe(true);
    expect(await page.getByRole('radiogroup', { name: 'Adaptation method' }).getByRole('radio').count()).toBe(
      5,
    );
    expect(await page.getByTestId('topLayers').isVisible()).toBe(true);
    expect(await page.getByTestId('inputTransform').isVisible()).toBe(true);
    await page.getByTestId('method-adapters').check();
    // Method-specific fields follow the choice; the learning rate shows the method's default.
    await expect.poll(() => page.getByTestId('topLayers').count()).toBe(0);
    expect(await page.getByTestId('inputTransform').count()).toBe(0);
    await page.getByTestId('bottleneck').fill('4');
    expect(await page.getByTestId('learningRate').getAttribute('placeholder')).toBe('0.003 (default)');
    await page.getByTestId('epochs').fill('2');
    // An out-of-range setting is named and blocks the start; 10 utterances train the fixed epochs (at most Epochs).
    expect(await page.getByTestId('fixedEpochs').inputValue()).toBe(String(DEFAULT_ADAPT.fixedEpochs));
    await page.getByTestId('fixedEpochs').fill('0');
    await expect
      .poll(() => page.getByTestId('problem-fixedEpochs').textContent())
      .toBe('Epochs without early stopping: a whole number from 1 to 500.');
    expect(await page.locator('[data-testid="settings-problems"] li').count()).toBe(1);
    await page.getByTestId('fixedEpochs').fill('3');
    await expect.poll(() => page.getByTestId('settings-problems').count()).toBe(0);
    await page.getByTestId('specAugment').check();
    expect(await page.getByTestId('resplice').inputValue()).toBe(String(DEFAULT_ADAPT.resplice)); // the engine's default
    await page.getByTestId('resplice').fill('3');
    // The shipped model normalises each recording itself: nothing to re-estimate, and the form says so.
    expect(await page.getByTestId('renormalize').isDisabled()).toBe(true);
    expect(await page.getByTestId('renormalizeHelp').textContent()).toContain('Not for this model');
    await page.getByTestId('bottleneck').click(); // blur: the manifest fields show what they hold
    await page.getByText('20 utterances').waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'adapt-form.png'), fullPage: true });
    await page
      .getByRole('form', { name: 'Adaptation settings' })
      .screenshot({ path: path.join(SHOTS, 'adapt-methods.png') });
    // What unlabelled audio is for, and the pseudo-label settings, appear only with an unlabelled
    // manifest (left empty for this run): pseudo-labels by default; "nothing" hides the rounds.
    expect(await page.getByTestId('pseudoRounds').count()).toBe(0);
    expect(await page.getByTestId('unlabelledUse').count()).toBe(0);
    await page.getByTestId('unlabelledManifest').fill(testManifest);
    await page.getByTestId('pseudoThreshold').waitFor();
    expect(await page.getByTestId('pseudoRounds').inputValue()).toBe('2');
    expect(await page.getByTestId('unlabelledUse').getAttribute('data-value')).toBe('pseudo-labels');
    await page.getByTestId('unlabelledUse-none').check();
    await expect.poll(() => page.getByTestId('pseudoRounds').count()).toBe(0);
    await page.getByTestId('unlabelledUse-pseudo-labels').check();
    await page.getByTestId('pseudoRounds').waitFor();
    await page.getByTestId('unlabelledManifest').fill('');
    await expect.poll(() => page.getByTestId('pseudoRounds').count()).toBe(0);
    expect(await page.getByTestId('unlabelledUse').count()).toBe(0);

    // Every text of the progress panel while the job runs (issue 15 item 8: one ETA for the whole job).
    await page.evaluate(() => {
      const w = window as unknown as { progressTexts: string[] };
      w.progressTexts = [];
      setInterval(() => {
        const t = document.querySelector('[data-testid="progress"]')?.textContent?.replace(/\s+/g, ' ');
        if (t && w.progressTexts.at(-1) !== t) w.progressTexts.push(t);
      }, 50);
    });
    await page.getByTestId('start').click();
    await page.locator('[data-testid="job"][data-status="done"]').waitFor({ timeout: 240_000 });
    const texts = await page.evaluate(() => (window as unknown as { progressTexts: string[] }).progressTexts);
    // Before training's first epoch there is nothing to estimate from; then one estimate for the rest of the job.
    expect(texts.some((t) => t.includes('time left: estimating (after the first epoch)'))).toBe(true);
    const etas = texts.filter((t) => /about .+ left for the whole job/.test(t));
    expect(etas.length).toBeGreaterThan(0);
    expect(texts.some((t) => t.includes('left in this step'))).toBe(false);
    expect(Number(await page.getByTestId('loss-chart').getAttribute('data-points'))).toBeGreaterThan(0);
    await page.screenshot({ path: path.join(SHOTS, 'adapt-done.png'), fullPage: true });

    const report = JSON.parse(await readFile(path.join(runsDir, runName, 'report.json'), 'utf8')) as Report;
    await expect
      .poll(() => page.getByTestId('summary').textContent())
      .toContain(`${pct(report.test.before.wer)} → ${pct(report.test.after!.wer)}`);

    await page.getByTestId('open-compare').click();
    await page.getByTestId('scores').waitFor();
    const cell = (id: string) => page.getByTestId(id).textContent();
    for (const [key, s] of [
      ['test-before', report.test.before],
      ['test-after', report.test.after!],
    ] as const) {
      expect(await cell(`wer-${key}`)).toBe(pct(s.wer));
      expect(await cell(`s-${key}`)).toBe(String(s.substitutions));
      expect(await cell(`d-${key}`)).toBe(String(s.deletions));
      expect(await cell(`i-${key}`)).toBe(String(s.insertions));
      expect(await cell(`n-${key}`)).toBe(String(s.reference_words));
      expect(await cell(`cer-${key}`)).toBe(pct(s.cer));
      // The confusion matrix holds the same counts: off the diagonal S, the ∅ column D, the ∅ row I.
      const cells = await page
        .getByTestId(`matrix-${key}`)
        .locator('td[data-cell]')
        .evaluateAll((els) =>
          els.map((e) => [e.getAttribute('data-cell') ?? '', Number(e.textContent || 0)] as const),
        );
      const sum = (f: (r: string, h: string) => boolean): number =>
        cells.filter(([c]) => f(...(c.split('|') as [string, string]))).reduce((a, [, n]) => a + n, 0);
      expect(sum((r, h) => r !== '∅' && h !== '∅' && r !== h)).toBe(s.substitutions);
      expect(sum((r, h) => r !== '∅' && h === '∅')).toBe(s.deletions);
      expect(sum((r, h) => r === '∅' && h !== '∅')).toBe(s.insertions);
      expect(sum((r, h) => r === h && r !== '∅')).toBe(s.reference_words - s.substitutions - s.deletions);
    }
    for (const [w, h] of [
      [1440, 900],
      [1280, 800],
    ] as const) {
      await page.setViewportSize({ width: w, height: h });
      await page.getByTestId('scores').screenshot({ path: path.join(SHOTS, `compare-scores-${w}x${h}.png`) });
      await page
        .getByTestId('confusions-test')
        .screenshot({ path: path.join(SHOTS, `compare-matrix-${w}x${h}.png`) });
    }
    await page.setViewportSize({ width: 1280, height: 860 });
    expect(await page.getByTestId('run').inputValue()).toBe(runName);
    // What ran: the adapters method and its numbers, exactly as in report.json.
    const a = report.adaptation!;
    expect(a.method).toBe('adapters');
    expect(a.bottleneck).toBe(4);
    expect(a.spec_augment).toBe(true);
    expect(a.resplice).toBe(3);
    expect(a.fixed_epochs).toBe(3);
    expect((report.adaptation!.epoch_log as unknown[]).length).toBe(2); // min(fixed 3, epochs 2)
    expect(await cell('adapt-method')).toBe('adapters');
    expect(await cell('adapt-trainable')).toBe(count(a.trainable_params as number));
    expect(await cell('adapt-total')).toBe(count(a.total_params as number));
    expect(await cell('adapt-utterances')).toBe(count(a.adaptation_utterances as number));
    expect(await cell('adapt-epochs')).toBe(count((report.adaptation!.epoch_log as unknown[]).length));
    expect(await cell('adapt-best-epoch')).toBe(count(a.best_epoch as number));
    expect(await cell('adapt-extras')).toContain('SpecAugment');
    expect(await page.locator('[data-testid="utterances"] tbody tr').count()).toBe(report.utterances.length);
    // Low-confidence words (< 0.6) are marked: as many marks as such words in the report, before and after.
    const lowWords = report.utterances.reduce(
      (n, u) =>
        n +
        [u.before, u.after].reduce(
          (m, s) => m + (s?.words ?? []).filter((w) => w.confidence < 0.6).length,
          0,
        ),
      0,
    );
    expect(lowWords).toBeGreaterThan(0);
    expect(await page.locator('[data-testid="utterances"] .low').count()).toBe(lowWords);
    // Before and after under the same reference words: one column per reference word plus one per insertion of either system.
    const u0 = report.utterances.find((u) => u.set === 'test' && u.after)!;
    const cols =
      u0.before.alignment.filter((p) => p.op !== 'I').length +
      [u0.before, u0.after!].reduce((n, s) => n + s.alignment.filter((p) => p.op === 'I').length, 0);
    expect(
      Number(
        await page
          .locator(`[data-testid="utterances"] tr[data-id="${u0.id}"] [data-testid="aligned-columns"]`)
          .getAttribute('data-columns'),
      ),
    ).toBe(cols);
    if (report.test.comparison) {
      const verdict = await page
        .locator('[data-testid="bootstrap-test"] [data-testid="verdict"]')
        .textContent();
      expect(verdict?.toLowerCase()).toContain(
        report.test.comparison.verdict === 'not distinguishable at this test-set size'
          ? 'not distinguishable'
          : report.test.comparison.verdict,
      );
    }
    await page.screenshot({ path: path.join(SHOTS, 'compare.png'), fullPage: true });
    await page.screenshot({ path: path.join(SHOTS, 'compare-top.png') });
    await page.getByTestId('utterances').scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(SHOTS, 'compare-utterances.png') });
  }, 300_000);

  it('lists base and adapted models with their cards', async () => {
    await page.locator('nav [data-screen="models"]').click();
    await page.getByTestId('models-adapted').getByTestId('model-card').first().waitFor();
    expect(await page.getByTestId('models-base').getByTestId('model-card').count()).toBeGreaterThanOrEqual(1);
    await expect
      .poll(() => page.getByTestId('models-adapted').textContent())
      .toContain('digits-base+adapters(fsdd-german-adapt)');
    await page.screenshot({ path: path.join(SHOTS, 'models.png'), fullPage: true });

    // Export the adapted model: a new folder under exports/ (beside runs/) with the model and its report.
    const exporter = page.getByTestId('models-adapted').getByTestId('export-model').first();
    await exporter.getByTestId('export-name').fill('ui-export');
    await exporter.getByTestId('export').click();
    const exported = path.join(path.dirname(runsDir), 'exports', 'ui-export');
    await expect
      .poll(() =>
        exporter
          .getByTestId('export-path')
          .textContent()
          .catch(() => null),
      )
      .toBe(exported);
    expect(existsSync(path.join(exported, 'model.json'))).toBe(true);
    expect(existsSync(path.join(exported, 'card.json'))).toBe(true);
    expect(await readFile(path.join(exported, 'report.json'), 'utf8')).toBe(
      await readFile(path.join(runsDir, runName, 'report.json'), 'utf8'),
    );
    // The same name again is refused: the export is never overwritten.
    await exporter.getByTestId('export').click();
    await expect
      .poll(() =>
        exporter
          .getByTestId('export-error')
          .textContent()
          .catch(() => null),
      )
      .toContain('already exists');
    // Into a folder the user chose instead; the card's title names the run (two runs of one method differ).
    const chosen = path.join(tmp, 'chosen');
    await mkdir(chosen);
    await exporter.getByTestId('export-name').fill('ui-export-2');
    await exporter.getByTestId('export-folder').fill(chosen);
    await exporter.getByTestId('export').click();
    await expect
      .poll(() =>
        exporter
          .getByTestId('export-path')
          .textContent()
          .catch(() => null),
      )
      .toBe(path.join(chosen, 'ui-export-2'));
    expect(existsSync(path.join(chosen, 'ui-export-2', 'model.json'))).toBe(true);
    expect(await page.getByTestId('models-adapted').getByTestId('model-run').first().textContent()).toBe(
      runName,
    );
    // The Export row is inside its model's card.
    expect(
      await page
        .getByTestId('models-adapted')
        .getByTestId('model-card')
        .first()
        .getByTestId('export-model')
        .count(),
    ).toBe(1);
    for (const [w, h] of [
      [1440, 900],
      [1280, 800],
    ] as const) {
      await page.setViewportSize({ width: w, height: h });
      await page
        .getByTestId('models-adapted')
        .screenshot({ path: path.join(SHOTS, `models-adapted-${w}x${h}.png`) });
    }
    await page.setViewportSize({ width: 1280, height: 860 });
  });

  it('shows a manifest in the Data screen', async () => {
    await page.locator('nav [data-screen="data"]').click();
    await page.getByTestId('data-path').fill(testManifest);
    await page.getByTestId('data-load').click();
    await page.getByTestId('data-table').waitFor();
    expect(await page.locator('[data-testid="data-table"] tbody tr').count()).toBe(20);
    expect(await page.getByTestId('data-summary').textContent()).toContain('20 of 20 utterances');
    await page.screenshot({ path: path.join(SHOTS, 'data.png'), fullPage: true });
  });

  it('cancels a running job: the base model is untouched and no run folder is left', async () => {
    const hash = await folderHash(modelDir);
    await page.locator('nav [data-screen="adapt"]').click();
    await page.getByTestId('adaptManifest').fill(adaptManifest);
    await page.getByTestId('testManifest').fill(fullTestManifest);
    await page.getByTestId('runName').fill('ui-cancelled');
    await page.getByTestId('start').click();
    await page
      .getByTestId('progress')
      .getByText(/Features|Scoring|Training/)
      .waitFor({ timeout: 60_000 });
    await page.screenshot({ path: path.join(SHOTS, 'adapt-running.png'), fullPage: true });
    await page.getByTestId('cancel').click();
    await page.locator('[data-testid="job"][data-status="cancelled"]').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('job-error').textContent()).toContain('Cancelled');
    expect(existsSync(path.join(runsDir, 'ui-cancelled'))).toBe(false);
    expect(await folderHash(modelDir)).toBe(hash);
  }, 120_000);
});
