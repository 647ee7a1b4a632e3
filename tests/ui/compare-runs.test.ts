/**
 * Compare screen, in real Chromium (issue 15 items 9 and 11): one run against another on the same
 * test set (a greedy and a beam evaluation of the same model) with the paired bootstrap between their
 * systems, exactly as the engine's pairedBootstrap computes it from the two reports; a run on another
 * test set refused with a message naming both; each utterance's audio played from its row and, on a
 * click, its waveform and spectrogram with the aligned words.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { StudioServer } from '../../electron/server';
import type { Report } from '../../electron/contract';
import { pairedBootstrap } from '../../electron/engine/score/bootstrap';
import { pp, pct } from '../../renderer/src/lib/format';
import { baseModel, benchSlice } from './fixtures';
import { hasChromium, requireChromium } from './browser';
import { SHOTS, startStudio, stopStudio, studioTmp } from './studio-fixture';
import { benchSubset } from '../helpers';

requireChromium();

describe.skipIf(!hasChromium)('Compare: run against run, and utterance audio (Chromium)', () => {
  let tmp: string;
  let server: StudioServer;
  let browser: Browser;
  let page: Page;
  let runsDir: string;
  let testManifest: string;

  const call = async (op: string, body: unknown): Promise<{ status: number; json: unknown }> => {
    const res = await fetch(`http://127.0.0.1:${server.port}/api/${op}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Studio-Token': server.token },
      body: JSON.stringify(body),
    });
    return { status: res.status, json: await res.json() };
  };
  const report = async (run: string): Promise<Report> =>
    JSON.parse(await readFile(path.join(runsDir, run, 'report.json'), 'utf8')) as Report;

  beforeAll(async () => {
    tmp = await studioTmp('studio-versus-');
    const base = await baseModel(tmp);
    runsDir = path.join(tmp, 'runs');
    testManifest = await benchSlice('fsdd-german-test.jsonl', 20, tmp);
    await mkdir(path.join(tmp, 'other'));
    const otherManifest = await benchSubset('fsdd-german-test.jsonl', (i) => i < 20, path.join(tmp, 'other'));
    ({ server, browser, page } = await startStudio({ modelsDir: base.modelsDir, runsDir }));
    for (const [run, manifest, decoder] of [
      ['greedy', testManifest, { kind: 'greedy' }],
      ['beam', testManifest, { kind: 'beam', beamWidth: 4 }],
      ['other', otherManifest, { kind: 'greedy' }],
    ] as const) {
      const r = await call('evaluate', {
        jobId: `job-${run}`,
        modelDir: base.modelDir,
        testManifest: manifest,
        runName: run,
        decoder,
      });
      expect(r.status, JSON.stringify(r.json)).toBe(200);
    }
  }, 300_000);

  afterAll(() => stopStudio({ browser, server }, tmp));

  it('compareRuns: the paired bootstrap of the two final systems; other test sets and bad ids refused', async () => {
    const [a, b] = [await report('greedy'), await report('beam')];
    const counts = (r: Report) =>
      r.utterances.map((u) => ({
        hits: u.reference_words - u.before.substitutions - u.before.deletions,
        substitutions: u.before.substitutions,
        deletions: u.before.deletions,
        insertions: u.before.insertions,
        referenceWords: u.reference_words,
      }));
    const expected = pairedBootstrap(counts(a), counts(b), a.scoring.bootstrap)!;
    const ok = await call('compareRuns', { a: { runName: 'greedy' }, b: { runName: 'beam' } });
    expect(ok.status).toBe(200);
    const got = ok.json as { comparison: typeof expected; a: { run: string }; utterances: unknown[] };
    expect(got.comparison).toEqual(expected);
    expect(got.comparison.before.value).toBe(a.test.before.wer);
    expect(got.comparison.after.value).toBe(b.test.before.wer);
    expect(got.a.run).toBe('greedy');
    expect(got.utterances).toHaveLength(20);

    const refused = await call('compareRuns', { a: { runName: 'greedy' }, b: { runName: 'other' } });
    expect(refused.status).toBeGreaterThanOrEqual(400);
    expect((refused.json as { error: string }).error).toMatch(
      /^runs "greedy" and "other" were not scored on the same test set: \d+ utterance ids of "greedy" are not in "other" \(/,
    );
    const unknown = await call('readRunAudio', { runName: 'greedy', id: 'nope' });
    expect((unknown.json as { error: string }).error).toBe(
      `run "greedy": utterance "nope" is not in its test manifest ${testManifest}`,
    );
    const bad = await call('readRunAudio', { runName: '../x', id: 'a' });
    expect(bad.status).toBe(400);
    expect((bad.json as { error: string }).error).toContain('runName: runName may hold only letters');
    const id = a.utterances[0].id;
    const audio = (await call('readRunAudio', { runName: 'greedy', id })).json as {
      mime: string;
      data: string;
      durationSec: number;
    };
    const wav = Buffer.from(audio.data, 'base64');
    expect(audio.mime).toBe('audio/wav');
    expect(wav.subarray(0, 4).toString()).toBe('RIFF');
    const line = (await readFile(testManifest, 'utf8')).split('\n').find((l) => l.includes(`/${id}.wav`))!;
    expect(audio.durationSec).toBe((JSON.parse(line) as { duration: number }).duration);
    expect(wav.equals(await readFile((JSON.parse(line) as { audio_filepath: string }).audio_filepath))).toBe(
      true,
    );
  });

  it('the Compare screen compares two runs and refuses a run on another test set', async () => {
    const [a, b] = [await report('greedy'), await report('beam')];
    await page.goto(server.url);
    await page.locator('nav [data-screen="compare"]').click();
    await page.getByTestId('scores').waitFor();
    await page.getByTestId('run').selectOption('greedy');
    await page.getByTestId('other-run').selectOption('beam');
    const versus = page.getByTestId('versus');
    await versus.getByTestId('verdict').waitFor();
    const ok = (await call('compareRuns', { a: { runName: 'greedy' }, b: { runName: 'beam' } })).json as {
      comparison: { change: { value: number }; prob_after_better: number; verdict: string };
    };
    expect(await versus.getByTestId('change').textContent()).toBe(pp(ok.comparison.change.value));
    expect(await versus.getByTestId('prob-better').textContent()).toBe(
      `${(ok.comparison.prob_after_better * 100).toFixed(1)}%`,
    );
    const verdict = await versus.getByTestId('verdict').textContent();
    expect(verdict).toBe(
      ok.comparison.verdict === 'better'
        ? 'B (beam) is better than A (greedy)'
        : ok.comparison.verdict === 'worse'
          ? 'B (beam) is worse than A (greedy)'
          : 'Not distinguishable at this test-set size',
    );
    const text = (await versus.textContent())!.replace(/\s+/g, ' ');
    expect(text).toContain(`WER A (greedy) ${pct(a.test.before.wer)}`);
    expect(text).toContain(`WER B (beam) ${pct(b.test.before.wer)}`);
    expect(text).toContain('same 20 test utterances');
    for (const [w, h] of [
      [1440, 900],
      [1280, 800],
    ] as const) {
      await page.setViewportSize({ width: w, height: h });
      await page.screenshot({ path: path.join(SHOTS, `compare-versus-${w}x${h}.png`) });
    }
    await page.getByTestId('other-run').selectOption('other');
    await expect
      .poll(() => page.getByTestId('versus-error').textContent())
      .toMatch(/^runs "greedy" and "other" were not scored on the same test set: /);
    expect(await versus.getByTestId('verdict').count()).toBe(0);
    await page.getByTestId('other-run').selectOption('');
    expect(await page.getByTestId('versus').count()).toBe(0);
  });

  it('plays a row, and a click shows its waveform, spectrogram and aligned words', async () => {
    const a = await report('greedy');
    const row = a.utterances[3];
    const tr = page.locator(`[data-testid="utterances"] tr[data-id="${row.id}"]`);
    await tr.getByTestId('utt-play').click();
    await expect.poll(() => tr.getByTestId('utt-play').getAttribute('aria-label')).toBe(`Stop ${row.id}`);
    // The clip ends by itself (FSDD clips are under a second): the button turns back to Play.
    await expect
      .poll(() => tr.getByTestId('utt-play').getAttribute('aria-label'), { timeout: 10_000 })
      .toBe(`Play ${row.id}`);
    await tr.locator('td').nth(1).click();
    const detail = page.getByTestId('utt-detail');
    expect(await detail.getAttribute('data-id')).toBe(row.id);
    await detail.locator('[data-testid="waveform"][data-ready="true"]').waitFor();
    const line = (await readFile(testManifest, 'utf8'))
      .split('\n')
      .find((l) => l.includes(`/${row.id}.wav`))!;
    const dur = (JSON.parse(line) as { duration: number }).duration;
    // 10 ms hop: about 100 frames a second of audio (25 ms windows).
    const frames = Number(await detail.getByTestId('spectrogram').getAttribute('data-frames'));
    expect(Math.abs(frames - (dur - 0.025) * 100)).toBeLessThan(3);
    expect(Number(await detail.getByTestId('spectrogram').getAttribute('data-bins'))).toBeGreaterThan(50);
    // FSDD is recorded at 8 kHz: nothing above its 4 kHz Nyquist frequency is drawn.
    const topHz = Number(await detail.getByTestId('spectrogram').getAttribute('data-top-hz'));
    expect(topHz).toBeGreaterThan(1000);
    expect(topHz).toBeLessThanOrEqual(4400);
    expect(await detail.textContent()).toContain(`Reference: ${row.reference}`);
    expect(await detail.textContent()).toContain(`${dur.toFixed(2)} s`);
    expect(await tr.getAttribute('class')).toContain('picked');
    for (const [w, h] of [
      [1440, 900],
      [1280, 800],
    ] as const) {
      await page.setViewportSize({ width: w, height: h });
      await detail.scrollIntoViewIfNeeded();
      await page.screenshot({ path: path.join(SHOTS, `compare-utterance-${w}x${h}.png`) });
    }
    await detail.getByTestId('detail-close').click();
    expect(await page.getByTestId('utt-detail').count()).toBe(0);
  });
});
