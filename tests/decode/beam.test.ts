import { describe, expect, it } from 'vitest';
import { ctcBeamSearch, DEFAULT_BEAM } from '../../electron/engine/decode/beam';
import { Grammar } from '../../electron/engine/decode/grammar';
import { Lexicon } from '../../electron/engine/decode/lexicon';
import { trainKneserNey } from '../../electron/engine/decode/ngram';
import { combineScorers } from '../../electron/engine/decode/constraint';
import { ctcForcedAlign, tokenConfidences } from '../../electron/engine/decode/forced-align';
import { greedyCollapse } from '../../electron/engine/decode/greedy';
import type { TokenConfig } from '../../electron/engine/model/tokens';

const lp = (rows: number[][]) => new Float32Array(rows.flat().map(Math.log));
const AB: TokenConfig = { unit: 'word', inventory: ['<b>', 'a', 'b'], blankIndex: 0 };

describe('CTC prefix beam search (hand-computed)', () => {
  it('sums over alignments: "a" (0.56) beats the best path "" (0.25)', () => {
    // frames: P(blank)=.5, P(a)=.4, P(b)=.1 twice. Greedy path blank,blank -> "".
    // P("a") = (a,a) .16 + (a,-) .2 + (-,a) .2 = .56 ; P("") = .25 ; P("b") = .01+.05+.05 = .11
    const x = lp([
      [0.5, 0.4, 0.1],
      [0.5, 0.4, 0.1],
    ]);
    const r = ctcBeamSearch(x, 2, AB, { ...DEFAULT_BEAM, beamWidth: 4 });
    expect(r.text).toBe('a');
    expect(Math.exp(r.acousticLogProb)).toBeCloseTo(0.56, 6);
    expect(greedyCollapse([0, 0], 0)).toEqual([]);
  });

  it('repeats need a blank: "a a" has 0 probability in two frames, "a" gets (a,a)', () => {
    const x = lp([
      [0.4, 0.6, 1e-9],
      [0.4, 0.6, 1e-9],
    ]);
    const r = ctcBeamSearch(x, 2, AB, { ...DEFAULT_BEAM, beamWidth: 8 });
    expect(r.tokens).toEqual([1]);
    expect(Math.exp(r.acousticLogProb)).toBeCloseTo(0.36 + 0.24 + 0.24, 6);
  });

  it('three frames: "a a" is reachable only through a blank (a,-,a) = .6*.4*.6', () => {
    const x = lp([
      [0.4, 0.6, 1e-9],
      [0.4, 0.6, 1e-9],
      [0.4, 0.6, 1e-9],
    ]);
    const words = ctcBeamSearch(x, 3, AB, { ...DEFAULT_BEAM, beamWidth: 8 });
    // P("a") = all non-empty paths of a/blank without an a-blank-a pattern:
    // aaa .216, aa- .144, a-- .096, -aa .144, --a .096, -a- .096, a-a counts for "a a"
    expect(Math.exp(words.acousticLogProb)).toBeCloseTo(0.216 + 0.144 + 0.096 + 0.144 + 0.096 + 0.096, 6);
  });

  it('a grammar that forbids a word never emits it', () => {
    const g = new Grammar('a*', 'g');
    const x = lp([
      [0.1, 0.1, 0.8],
      [0.1, 0.8, 0.1],
      [0.1, 0.1, 0.8],
    ]); // acoustically "b a b"
    expect(ctcBeamSearch(x, 3, AB, DEFAULT_BEAM).text).toBe('b a b');
    const r = ctcBeamSearch(x, 3, AB, DEFAULT_BEAM, g);
    expect(r.text.split(' ')).not.toContain('b');
    expect(r.text).toBe('a');
  });

  it('an LM shifts the decision between acoustically close words', () => {
    const x = lp([[0.1, 0.46, 0.44]]);
    const lm = trainKneserNey(['b', 'b', 'b', 'a b'], { order: 2 });
    expect(ctcBeamSearch(x, 1, AB, DEFAULT_BEAM).text).toBe('a');
    expect(ctcBeamSearch(x, 1, AB, DEFAULT_BEAM, combineScorers([{ scorer: lm, weight: 1 }])).text).toBe('b');
  });

  it('lexicon constraint for a character model: only listed words come out', () => {
    const chars: TokenConfig = { unit: 'char', inventory: ['_', ' ', 'c', 'a', 't', 'o'], blankIndex: 0 };
    // acoustically "cot": c, o (0.5) vs a (0.45), t
    const row = (probs: Record<string, number>) => chars.inventory.map((c) => probs[c] ?? 0.01);
    const x = lp([row({ c: 0.9 }), row({ o: 0.5, a: 0.45 }), row({ t: 0.9 })]);
    expect(ctcBeamSearch(x, 3, chars, DEFAULT_BEAM).text).toBe('cot');
    expect(ctcBeamSearch(x, 3, chars, DEFAULT_BEAM, undefined, new Lexicon(['cat', 'act'])).text).toBe('cat');
    expect(() => ctcBeamSearch(x, 3, AB, DEFAULT_BEAM, undefined, new Lexicon(['a']))).toThrow(
      /character models only/,
    );
  });
});

describe('grammar', () => {
  const digits =
    '$digit = zero | one | two | three | four | five | six | seven | eight | nine ;\n$digit{8,10}';
  it('accepts 8 to 10 digits and nothing else', () => {
    const g = new Grammar(digits);
    const d = (n: number) => Array.from({ length: n }, (_, i) => ['one', 'two', 'nine'][i % 3]);
    expect([7, 8, 9, 10, 11].map((n) => g.accepts(d(n)))).toEqual([false, true, true, true, false]);
    expect(g.accepts([...d(7), 'oh'])).toBe(false);
  });
  it('a command list is one command per line; operators ? * + work', () => {
    const g = new Grammar('# commands\nturn on ( the )? light\nturn off the light\nstop+');
    expect(g.accepts('turn on light'.split(' '))).toBe(true);
    expect(g.accepts('turn on the light'.split(' '))).toBe(true);
    expect(g.accepts('turn off light'.split(' '))).toBe(false);
    expect(g.accepts('stop stop stop'.split(' '))).toBe(true);
    expect(g.accepts([])).toBe(false);
  });
  it('errors name the grammar and the problem', () => {
    expect(() => new Grammar('$x{2}', 'g.txt')).toThrow(
      'g.txt: not a grammar file (line 1: a macro is used before it is defined)',
    );
    expect(() => new Grammar('a\n(a | b', 'g.txt')).toThrow(
      'g.txt: not a grammar file (line 2: missing ")")',
    );
    expect(() => new Grammar('$d = a ;', 'g.txt')).toThrow('g.txt: no utterance expression');
  });
});

describe('forced alignment and word confidence', () => {
  it('aligns labels to the frames where they peak; confidence is the mean posterior there', () => {
    const x = lp([
      [0.1, 0.8, 0.1],
      [0.1, 0.6, 0.3],
      [0.9, 0.05, 0.05],
      [0.2, 0.1, 0.7],
    ]);
    expect(ctcForcedAlign(x, 4, 3, [1, 2], 0)).toEqual([
      [0, 1],
      [3, 3],
    ]);
    const c = tokenConfidences(x, 4, 3, [1, 2], 0);
    expect(c[0]).toBeCloseTo(0.7, 6);
    expect(c[1]).toBeCloseTo(0.7, 6);
    expect(ctcForcedAlign(x, 1, 3, [1, 1], 0)).toBeNull();
  });
});
