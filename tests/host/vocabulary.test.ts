/**
 * The studio's vocabulary flow in the host (operations checkWords, trainVocabulary, listModels):
 * every bad line of a word list with its line number, words the synthesizer cannot say, the word
 * list and the model written only inside the studio's data folder, names that exist refused, and a
 * cancelled job leaving nothing behind. Needs the system espeak-ng.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Host, JobCancelledError } from '../../electron/host';
import type { JobProgress } from '../../electron/contract';

/** Every file under `dir` (relative paths, sorted); none when it does not exist. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

describe('vocabulary flow in the host', () => {
  let tmp: string;
  let data: string;
  let host: Host;
  const shipped = path.resolve('models');
  let shippedBefore: string[];

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(tmpdir(), 'studio-vocab-'));
    data = path.join(tmp, 'data');
    shippedBefore = await filesUnder(shipped);
    host = new Host({
      modelsDir: shipped,
      runsDir: path.join(data, 'runs'),
      userModelsDir: path.join(data, 'models'),
      vocabulariesDir: path.join(data, 'vocabularies'),
    });
  });

  afterAll(async () => {
    await host?.dispose();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('lists every bad line of a word list with its line number, and the words of the good ones', async () => {
    const check = await host.call('checkWords', {
      words: 'Hello\nwor!d\n# a comment\n\nhello\ngood morning\nlights\t',
    });
    expect(check.problems).toEqual([
      {
        line: 2,
        message:
          '"wor!d" cannot be a token ("!"): tokens are letters and digits, since scoring removes punctuation; say it differently with "token<TAB>spoken form"',
      },
      { line: 5, message: '"hello" is already on line 1' },
      { line: 7, message: 'the spoken form after the tab is empty' },
    ]);
    expect(check.entries).toEqual([
      { line: 1, text: 'hello', spoken: 'Hello' },
      { line: 6, text: 'good morning', spoken: 'good morning' },
    ]);
    expect(check.words).toEqual(['hello', 'good', 'morning']);
    expect(check.unsayable).toBeNull();
    expect((await host.call('checkWords', { words: '\n# only a comment\n' })).problems).toEqual([
      { line: 0, message: 'no entries: type one word or short phrase per line' },
    ]);
  });

  it('refuses requests outside the contract: names, sizes, control characters, settings out of range', async () => {
    const bad = (payload: unknown) => host.call('trainVocabulary', payload);
    await expect(bad({ jobId: 'v', name: '../up', words: 'yes' })).rejects.toThrow(
      'trainVocabulary: invalid request: name: name may hold only letters, digits, ".", "_" and "-" (1-64 characters, no leading dot)',
    );
    await expect(bad({ jobId: 'v', name: 'n', words: 'yes', utterances: 10, epochs: 101 })).rejects.toThrow(
      'trainVocabulary: invalid request: utterances: Too small: expected number to be >=20; epochs: Too big: expected number to be <=100',
    );
    await expect(bad({ jobId: 'v', name: 'n', words: 'yes\u0000no' })).rejects.toThrow(
      'trainVocabulary: invalid request: words: must not contain control characters',
    );
    await expect(host.call('checkWords', { words: 'yes\n'.repeat(501) })).rejects.toThrow(
      'checkWords: invalid request: words: must have at most 500 lines',
    );
    expect(await filesUnder(data)).toEqual([]);
  });

  it('has the synthesizer say each entry and names those it cannot say, by line', async () => {
    const synths = await host.call('synthesizers', {});
    // The system espeak-ng (130 languages) first, then Flite from npm (English only).
    expect(synths.map((s) => s.id)).toEqual(['espeak-ng', 'flite']);
    expect(synths[0].languages).toContain('en-US');
    expect(synths[0].languages.length).toBeGreaterThan(100);
    expect(synths[1].languages).toEqual(['en-GB-scotland', 'en-US']);
    const check = await host.call('checkWords', { words: 'lights on\nпривет\nstop', say: true });
    expect(check.problems).toEqual([]);
    expect(check.unsayable).toEqual([
      { line: 2, message: '"привет" (line 2): привет is not Latin script, which en voices read' },
    ]);
  });

  it('refuses a bad word list with every bad line, and a name that exists, writing nothing', async () => {
    await expect(
      host.call('trainVocabulary', { jobId: 'v-bad', name: 'bad', words: 'yes\nn0!\nyes' }),
    ).rejects.toThrow(
      'the word list has 2 bad lines: line 2: "n0!" cannot be a token ("!"): tokens are letters and digits, since scoring removes punctuation; say it differently with "token<TAB>spoken form"; line 3: "yes" is already on line 1',
    );
    await expect(
      host.call('trainVocabulary', { jobId: 'v-shipped', name: 'digits-base', words: 'yes\nno' }),
    ).rejects.toThrow(
      `${path.join(shipped, 'digits-base')}: a shipped model named "digits-base" already exists; choose a new name (models are never overwritten)`,
    );
    expect(await filesUnder(data)).toEqual([]);
  });

  it('trains a model from the word list into the data folder, lists it, and refuses its name again', async () => {
    const events: JobProgress[] = [];
    const off = host.onProgress((e) => events.push(e));
    const entry = await host.call('trainVocabulary', {
      jobId: 'v-1',
      name: 'lamp-words',
      words: 'lights on\nlights off\nstop\n',
      utterances: 24,
      epochs: 1,
    });
    off();
    expect(entry.kind).toBe('user');
    expect(entry.dir).toBe(path.join(data, 'models', 'lamp-words'));
    expect(entry.card?.name).toBe('lamp-words');
    expect(entry.card?.tokens.inventory).toEqual(['<blank>', 'lights', 'on', 'off', 'stop']);
    const recipe = entry.card?.recipe as {
      synthesizer: { name: string };
      utterances: number;
      epochs: number;
    };
    expect([recipe.synthesizer.name, recipe.utterances, recipe.epochs]).toEqual([
      'espeak-ng (system)',
      24,
      1,
    ]);
    expect(new Set(events.map((e) => e.jobId))).toEqual(new Set(['v-1']));
    expect(events.some((e) => e.phase === 'train')).toBe(true);
    // Written only inside the data folder: the word list (kept), the model; the work folder removed.
    const files = await filesUnder(data);
    expect(files.filter((f) => !f.startsWith(`models${path.sep}lamp-words${path.sep}`))).toEqual([
      path.join('vocabularies', 'lamp-words', 'words.txt'),
    ]);
    expect(files).toContain(path.join('models', 'lamp-words', 'card.json'));
    expect(await readFile(path.join(data, 'vocabularies', 'lamp-words', 'words.txt'), 'utf8')).toBe(
      'lights on\nlights off\nstop\n',
    );
    expect(await filesUnder(shipped)).toEqual(shippedBefore);
    const models = await host.call('listModels', {});
    expect(models.filter((m) => m.kind === 'user').map((m) => m.card?.name)).toEqual(['lamp-words']);
    await expect(
      host.call('trainVocabulary', { jobId: 'v-2', name: 'lamp-words', words: 'yes\nno' }),
    ).rejects.toThrow(
      `${path.join(data, 'models', 'lamp-words')}: a model named "lamp-words" already exists; choose a new name (models are never overwritten)`,
    );
  }, 240_000);

  it('cancels a training job and removes its word list and work folder', async () => {
    let cancelled: Promise<unknown> | null = null;
    const off = host.onProgress((e) => {
      if (e.jobId === 'v-3' && e.phase === 'features' && !cancelled)
        cancelled = host.call('cancel', { jobId: 'v-3' });
    });
    const job = host.call('trainVocabulary', { jobId: 'v-3', name: 'stopped', words: 'yes\nno', epochs: 1 });
    await expect(job).rejects.toBeInstanceOf(JobCancelledError);
    off();
    expect(await cancelled).toEqual({ cancelled: true });
    expect(existsSync(path.join(data, 'vocabularies', 'stopped'))).toBe(false);
    expect(existsSync(path.join(data, 'models', 'stopped'))).toBe(false);
  }, 120_000);
});
