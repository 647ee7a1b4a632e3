/**
 * The studio's vocabulary flow (operations `synthesizers`, `checkWords`, `trainVocabulary`): a word
 * list typed or imported in the Vocabulary screen is checked line by line, said once by the
 * synthesizer, written into the studio's data folder and trained into a new model folder in the
 * user's models folder by the vocabulary recipe (electron/engine/recipes/vocabulary.ts), in a job
 * worker like an adaptation.
 *
 * Folders (HostConfig): `<vocabulariesDir>/<name>/words.txt` is the word list the model was trained
 * from (kept), `<vocabulariesDir>/<name>/work/` the recipe's stage artifacts (removed when the model
 * is written); the model is `<userModelsDir>/<name>/`. A name is refused while either folder exists
 * (or a shipped model has it), so nothing is ever written over; a failed or cancelled job removes
 * what it made.
 */
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { noProgress } from '../engine/progress';
import { parseWordList, unsayableEntries, vocabularyTokens } from '../engine/recipes/vocabulary';
import { findSynthesizer, listSynthesizers } from '../engine/synth';
import { writeFileAtomic } from '../engine/util/atomic';
import { pathExists } from '../engine/util/files';
import type { SynthesizerInfo, WordListCheck, WordListProblem } from '../contract';

/** Where parseWordList's messages say the problem is: `word list:<line>: ...`. */
const WHERE = 'word list';
const LINE_ERROR = new RegExp(`^${WHERE}:(\\d+): (.*)$`, 's');

/** The language of the voices when the request names none. */
export const DEFAULT_LANGUAGE = 'en';

/**
 * Every bad line of a word list, not only the first: parseWordList stops at the first problem, so
 * that line is blanked (the line numbers stay) and the list parsed again until it parses.
 * @returns the entries of the good lines, their words (the model's tokens) and the problems by line;
 *   an empty list gives one problem at line 0 ("no entries ...")
 */
export function checkWordList(text: string): Omit<WordListCheck, 'unsayable'> {
  const lines = text.split(/\r?\n/);
  const problems: WordListProblem[] = [];
  for (;;) {
    try {
      const entries = parseWordList(lines.join('\n'), WHERE);
      return {
        entries: entries.map((e) => ({ line: e.line, text: e.text, spoken: e.spoken })),
        words: vocabularyTokens(entries).inventory.slice(1),
        problems,
      };
    } catch (err) {
      const m = LINE_ERROR.exec((err as Error).message);
      if (m && lines[Number(m[1]) - 1]) {
        problems.push({ line: Number(m[1]), message: m[2] });
        lines[Number(m[1]) - 1] = '';
        continue;
      }
      // "no entries": nothing left to parse (every line was bad, or the list is empty).
      if (problems.length === 0)
        problems.push({ line: 0, message: 'no entries: type one word or short phrase per line' });
      return { entries: [], words: [], problems };
    }
  }
}

/** The synthesizers available here (synth/listSynthesizers), as the New vocabulary screen lists them. */
export async function synthesizerInfos(): Promise<SynthesizerInfo[]> {
  return (await listSynthesizers()).map((s) => ({
    id: s.name,
    name: s.cardName,
    version: s.version,
    licence: s.licence,
    languages: s.languages,
    voices: s.voiceCount,
  }));
}

/**
 * In a job worker: the entries of a word list (that parses) the synthesizer cannot say, by the first
 * of the language's voices (sorted), as unsayableEntries reports them.
 * @throws Error when no synthesizer (or not the named one) is available or it has no voice for the language
 */
export async function sayWords(req: {
  words: string;
  synth?: string;
  language: string;
}): Promise<WordListProblem[]> {
  const entries = parseWordList(req.words, WHERE);
  const synth = await findSynthesizer(req.synth);
  const voices = synth.voices(req.language).map((v) => v.id);
  if (voices.length === 0) throw new Error(`${synth.name} has no voices for language "${req.language}"`);
  const problems = await unsayableEntries(entries, synth, voices.sort()[0], req.language, noProgress);
  return problems.map((message) => ({ line: Number(/\(line (\d+)\)/.exec(message)?.[1] ?? 0), message }));
}

/** The folders of one vocabulary (see the module docstring). */
export interface VocabularyFolders {
  /** `<vocabulariesDir>/<name>`: the word list and the work folder. */
  dir: string;
  wordsFile: string;
  workDir: string;
  /** `<userModelsDir>/<name>`: the model. */
  modelDir: string;
}

/**
 * Reserve a vocabulary name and write its word list: refused when a shipped model, a user model or a
 * vocabulary of that name exists (or is being trained); the vocabulary folder is made with an
 * exclusive mkdir, so a second request for the same name is refused at once.
 * @throws Error naming the folder that exists, or listing the word list's bad lines
 */
export async function prepareVocabulary(
  name: string,
  words: string,
  dirs: { modelsDir: string; userModelsDir: string; vocabulariesDir: string },
): Promise<VocabularyFolders> {
  const check = checkWordList(words);
  if (check.problems.length > 0)
    throw new Error(
      `the word list has ${check.problems.length === 1 ? 'a bad line' : `${check.problems.length} bad lines`}: ${check.problems.map((p) => (p.line > 0 ? `line ${p.line}: ${p.message}` : p.message)).join('; ')}`,
    );
  const f: VocabularyFolders = {
    dir: path.join(dirs.vocabulariesDir, name),
    wordsFile: path.join(dirs.vocabulariesDir, name, 'words.txt'),
    workDir: path.join(dirs.vocabulariesDir, name, 'work'),
    modelDir: path.join(dirs.userModelsDir, name),
  };
  for (const [dir, what] of [
    [path.join(dirs.modelsDir, name), 'a shipped model'],
    [f.modelDir, 'a model'],
  ] as const)
    if (await pathExists(dir))
      throw new Error(
        `${dir}: ${what} named "${name}" already exists; choose a new name (models are never overwritten)`,
      );
  await mkdir(dirs.vocabulariesDir, { recursive: true });
  try {
    await mkdir(f.dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST')
      throw new Error(
        `${f.dir}: a vocabulary named "${name}" exists (its word list, or one being trained or interrupted); choose a new name, or delete the folder if no job is using it`,
        { cause: err },
      );
    throw err;
  }
  await writeFileAtomic(f.wordsFile, words.endsWith('\n') ? words : `${words}\n`);
  return f;
}

/** Remove what a failed or cancelled vocabulary job made (its folder, a model folder it began). */
export async function removeVocabulary(f: VocabularyFolders): Promise<void> {
  await rm(f.dir, { recursive: true, force: true });
  await rm(f.modelDir, { recursive: true, force: true });
  // saveModel's temporary folder (checkpoint.ts: `<dir>.partial-<pid>`; the worker thread shares our pid)
  await rm(`${f.modelDir}.partial-${process.pid}`, { recursive: true, force: true });
}

/** The command line that makes the same model (for the card): the vocabulary CLI command. */
export function vocabularyCommand(o: {
  wordsFile: string;
  outDir: string;
  synth?: string;
  language: string;
  utterances?: number;
  epochs?: number;
}): string {
  const q = (v: string) => (/^[\w./:+-]+$/.test(v) ? v : `'${v.replace(/'/g, `'\\''`)}'`);
  const flags: [string, string | number | undefined][] = [
    ['--words', o.wordsFile],
    ['--out', o.outDir],
    ['--synth', o.synth],
    ['--language', o.language],
    ['--utterances', o.utterances],
    ['--epochs', o.epochs],
  ];
  return [
    'npm run cli -- vocabulary',
    ...flags.filter(([, v]) => v !== undefined).map(([f, v]) => `${f} ${q(String(v))}`),
  ].join(' ');
}
