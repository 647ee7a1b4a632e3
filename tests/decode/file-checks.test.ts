import { describe, expect, it } from 'vitest';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Grammar } from '../../electron/engine/decode/grammar';
import { Lexicon } from '../../electron/engine/decode/lexicon';
import { buildDecoder, decoderWarnings } from '../../electron/engine/decode/options';
import { loadModel } from '../../electron/engine/model/checkpoint';

/** Lines in the shape of /etc/passwd, written by the test (the real file differs between machines). */
const PASSWD = 'root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n';

describe('decoder files are checked for their format and never echoed', () => {
  it('a file that is not a grammar is refused with its line number, quoting nothing', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'grammar-'));
    const f = path.join(dir, 'passwd');
    await writeFile(f, PASSWD);
    const err = (await Grammar.fromFile(f).catch((e: Error) => e)) as Error;
    expect(err.message).toBe(`${f}: not a grammar file (line 1)`);
    // the same through the decoder set-up that evaluate and adapt use
    await expect(buildDecoder({ kind: 'beam', grammarFile: f })).rejects.toThrow(
      `${f}: not a grammar file (line 1)`,
    );
    // a grammar error later in the file names the line; a word is never quoted
    expect(() => new Grammar('one | two\nthree ) four', 'g.txt')).toThrow(
      /^g\.txt: not a grammar file \(line 2: unexpected "\)"\)$/,
    );
    expect(() => new Grammar('one\nsecret = word', 'g.txt')).toThrow(
      /^g\.txt: not a grammar file \(line 2: unexpected "="\)$/,
    );
    expect(() => new Grammar('one two\n{3} secret', 'g.txt')).toThrow(
      /^g\.txt: not a grammar file \(line 2: unexpected "\{3\}"\)$/,
    );
    // the shipped grammars still read
    expect(
      (await Grammar.fromFile('resources/grammars/phone-number.txt')).accepts(
        'one two three four five six seven eight'.split(' '),
      ),
    ).toBe(true);
    expect((await Grammar.fromFile('resources/grammars/one-digit.txt')).vocabulary.size).toBe(10);
  });

  it('folders, devices and missing files are refused before reading', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'grammar-'));
    await expect(buildDecoder({ kind: 'beam', grammarFile: dir })).rejects.toThrow(
      `${dir}: grammar file is a folder, expected a file`,
    );
    await expect(buildDecoder({ kind: 'beam', grammarFile: '/dev/zero' })).rejects.toThrow(
      '/dev/zero: grammar file is not a regular file (a device, pipe or socket)',
    );
    await expect(buildDecoder({ kind: 'beam', grammarFile: path.join(dir, 'nope.txt') })).rejects.toThrow(
      `${path.join(dir, 'nope.txt')}: grammar file not found`,
    );
    await expect(buildDecoder({ kind: 'beam', lexiconFile: '/dev/zero' })).rejects.toThrow(
      '/dev/zero: word list is not a regular file (a device, pipe or socket)',
    );
    await expect(buildDecoder({ kind: 'beam', lmFile: '/dev/zero' })).rejects.toThrow(
      '/dev/zero: LM file is not a regular file (a device, pipe or socket)',
    );
    const passwd = path.join(dir, 'passwd');
    await writeFile(passwd, PASSWD);
    const err = (await buildDecoder({ kind: 'beam', lmFile: passwd }).catch((e: Error) => e)) as Error;
    expect(err.message).toBe(`${passwd}: not an ARPA file (no \\data\\ section)`);
  });

  it('a word list that is not one is refused with its line number', async () => {
    expect(() => Lexicon.fromText(PASSWD, 'w.txt')).toThrow(/^w\.txt: not a word list \(line 1\)$/);
    expect(() => Lexicon.fromText('# words\nhello world\nfoo<bar>', 'w.txt')).toThrow(
      /^w\.txt: not a word list \(line 3\)$/,
    );
    const lex = Lexicon.fromText("# words\nHello world\nit's", 'w.txt');
    expect([lex.size, lex.has('hello'), lex.has("it's"), lex.hasPrefix('wor')]).toEqual([
      3,
      true,
      true,
      true,
    ]);
    expect(() => Lexicon.fromText('# nothing\n', 'w.txt')).toThrow('w.txt: the word list is empty');
  });

  it('nested repetitions that would build a huge automaton are refused', () => {
    expect(() => new Grammar('((((a){64}){64}){64})', 'g.txt')).toThrow(
      'g.txt: the grammar expands to more than 200000 states (nested repetitions)',
    );
    // macros that double each other 40 times: refused at once, not walked 2^40 times
    const doubling = [
      '$m0 = a | b ;',
      ...Array.from({ length: 40 }, (_, i) => `$m${i + 1} = $m${i} $m${i} ;`),
      '$m40',
    ].join('\n');
    const t0 = performance.now();
    expect(() => new Grammar(doubling, 'g.txt')).toThrow(
      'g.txt: the grammar expands to more than 200000 states (nested repetitions)',
    );
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it('words the model cannot emit are counted and at most three named', async () => {
    const { model, card } = await loadModel(path.resolve('models/digits-base'));
    model.dispose();
    const d = {
      ...(await buildDecoder({ kind: 'beam' })),
      grammar: new Grammar('zero | apple | banana | cherry | damson | elder'),
    };
    expect(decoderWarnings(d, card)).toEqual([
      '5 grammar words the model cannot emit (never recognised): apple, banana, cherry, ...',
    ]);
    const one = { ...d, grammar: new Grammar('zero oh') };
    expect(decoderWarnings(one, card)).toEqual([
      '1 grammar word the model cannot emit (never recognised): oh',
    ]);
    expect(await readFile('resources/grammars/one-digit.txt', 'utf8')).toContain('zero');
  });
});
