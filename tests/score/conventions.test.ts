import { describe, expect, it } from 'vitest';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { align } from '../../electron/engine/score/align';
import {
  groupScores,
  poolScores,
  scoreUtterance,
  PROFILES,
  type NormalizationProfile,
} from '../../electron/engine/score';
import { normalizeText, parseRules, loadProfile } from '../../electron/engine/score/normalize';
import { pairedBootstrap } from '../../electron/engine/score/bootstrap';
import { analyzeErrors } from '../../electron/engine/score/confusions';
import { matchById, readTranscripts } from '../../electron/engine/score/match';
import { score } from '../../electron/engine';

const wer = (ref: string, hyp: string, p: NormalizationProfile = PROFILES.basic) =>
  scoreUtterance({ id: 'u', reference: ref, hypothesis: hyp }, p).wer;

describe('scoring conventions (hand-checked)', () => {
  it('hello -> "hi world vka" is 300%', () => expect(wer('hello', 'hi world vka')).toBe(3));

  it('words 3 and 5 swapped in a 10-word reference: 20%, two substitutions', () => {
    const u = scoreUtterance({
      id: 'u',
      reference: 'a b c d e f g h i j',
      hypothesis: 'a b e d c f g h i j',
    });
    expect(u.wer).toBeCloseTo(0.2, 12);
    expect([u.words.substitutions, u.words.deletions, u.words.insertions]).toEqual([2, 0, 0]);
  });

  it('no-break space, tab and CRLF separate words like a space', () => {
    expect(wer('five\u00a0six', 'five six')).toBe(0);
    expect(wer('five\tsix\r\nseven', 'five six seven', PROFILES.none)).toBe(0);
  });

  it('NFC: a precomposed and a decomposed é are the same word', () => {
    expect(wer('caf\u00e9', 'cafe\u0301', PROFILES.none)).toBe(0);
  });

  it('profiles: none keeps case and punctuation, basic removes them', () => {
    expect(normalizeText('Hello, World!', PROFILES.none)).toEqual(['Hello,', 'World!']);
    expect(normalizeText("Hello, World! don't", PROFILES.basic)).toEqual(['hello', 'world', 'dont']);
    expect(wer('One two.', 'one two', PROFILES.none)).toBe(1);
    expect(wer('One two.', 'one two', PROFILES.basic)).toBe(0);
  });

  it('rules (GLM-like): oh -> zero and double five -> five five, on both sides, longest match first', () => {
    const rules = parseRules('# digits\noh -> zero\ndouble five => five five\num ->\n', 'rules.txt');
    const p = { ...PROFILES.basic, name: 'basic+rules', rules };
    expect(normalizeText('Oh double five um six', p)).toEqual(['zero', 'five', 'five', 'six']);
    expect(wer('zero five five', 'oh double five', p)).toBe(0);
    expect(() => parseRules('oh zero', 'r.txt')).toThrow('r.txt:1: expected "from -> to"');
  });

  it('empty reference: no utterance WER, but its insertions count in the pooled numerator', () => {
    const a = scoreUtterance({ id: 'a', reference: '', hypothesis: 'one two' });
    const b = scoreUtterance({ id: 'b', reference: 'three four', hypothesis: 'three four' });
    expect(a.wer).toBeNull();
    const p = poolScores([a, b]);
    expect(p.wer).toBe(1); // (0 + 0 + 2) / 2
    expect(p.empty_references).toBe(1);
    expect(p.mean_utterance_wer).toBe(0);
  });

  it('a reference that becomes empty after normalisation behaves as empty', () => {
    expect(scoreUtterance({ id: 'a', reference: '...', hypothesis: 'x' }).wer).toBeNull();
  });

  it('a set without reference words: WER undefined plus the insertion count', () => {
    const p = poolScores([
      scoreUtterance({ id: 'a', reference: '', hypothesis: 'x y' }),
      scoreUtterance({ id: 'b', reference: '', hypothesis: '' }),
    ]);
    expect(p.wer).toBeNull();
    expect(p.insertions).toBe(2);
  });

  it('empty hypothesis is all deletions', () => {
    const u = scoreUtterance({ id: 'a', reference: 'one two three', hypothesis: '' });
    expect([u.words.deletions, u.wer]).toEqual([3, 1]);
  });

  it('pooled result, mean and median do not depend on utterance order', () => {
    const us = ['one two|one', 'three|four five', 'six seven eight|six seven eight', 'nine|'].map((s, i) => {
      const [r, h] = s.split('|');
      return scoreUtterance({ id: String(i), reference: r, hypothesis: h, speaker: `s${i % 2}` });
    });
    const a = poolScores(us);
    const b = poolScores([...us].reverse());
    expect(b).toEqual(a);
    expect(a.median_utterance_wer).toBeCloseTo((0.5 + 1) / 2, 12); // utterance WERs 0.5, 2, 0, 1
    expect(a.mean_utterance_wer).toBeCloseTo(3.5 / 4, 12);
    expect(Object.keys(groupScores(us, 'speaker'))).toEqual(['s0', 's1']);
    expect(groupScores(us, 'speaker').s0.reference_words).toBe(5);
  });
});

describe('paired bootstrap (Bisani & Ney)', () => {
  const counts = (e: number, n: number) => ({
    hits: n - e,
    substitutions: e,
    deletions: 0,
    insertions: 0,
    referenceWords: n,
  });

  it('a clear improvement on 200 utterances is "better" with an interval excluding zero', () => {
    const before = Array.from({ length: 200 }, (_, i) => counts(i % 2, 5)); // 10% WER
    const after = Array.from({ length: 200 }, (_, i) => counts(i % 10 === 0 ? 1 : 0, 5)); // 2% WER
    const c = pairedBootstrap(before, after)!;
    expect(c.before.value).toBeCloseTo(0.1, 12);
    expect(c.after.value).toBeCloseTo(0.02, 12);
    expect(c.change.value).toBeCloseTo(-0.08, 12);
    expect(c.change.hi).toBeLessThan(0);
    expect(c.change.lo).toBeGreaterThan(-0.12);
    expect(c.prob_after_better).toBe(1);
    expect(c.verdict).toBe('better');
    expect(c.before.lo).toBeLessThan(0.1);
    expect(c.before.hi).toBeGreaterThan(0.1);
  });

  it('one changed word in 10 utterances is not distinguishable; seeded results repeat', () => {
    const before = Array.from({ length: 10 }, () => counts(1, 5));
    const after = before.map((c, i) => (i === 0 ? counts(0, 5) : c));
    const c1 = pairedBootstrap(before, after)!;
    const c2 = pairedBootstrap(before, after)!;
    expect(c1.verdict).toBe('not distinguishable at this test-set size');
    expect(c1.change.hi).toBe(0);
    expect(c2).toEqual(c1);
    expect(c1.resamples).toBe(10_000);
  });

  it('worse is reported as worse', () => {
    const before = Array.from({ length: 100 }, () => counts(0, 4));
    const after = Array.from({ length: 100 }, () => counts(1, 4));
    expect(pairedBootstrap(before, after)!.verdict).toBe('worse');
  });
});

describe('error analysis', () => {
  it('counts confusion pairs, insertions and deletions, most frequent first', () => {
    const a1 = align('one two three'.split(' '), 'one too three four'.split(' ')).pairs;
    const a2 = align('two five'.split(' '), 'too five'.split(' ')).pairs;
    const a3 = align(['five'], []).pairs;
    const e = analyzeErrors([a1, a2, a3]);
    expect(e.confusions[0]).toEqual({ reference: 'two', hypothesis: 'too', count: 2 });
    expect(e.insertions).toEqual([{ word: 'four', count: 1 }]);
    expect(e.deletions).toEqual([{ word: 'five', count: 1 }]);
  });
});

describe('matching hypotheses to references by id', () => {
  it('missing and extra ids are errors listing them; --missing-as-empty scores them as empty', async () => {
    const refs = [
      { id: 'a', text: 'one' },
      { id: 'b', text: 'two' },
    ];
    expect(() => matchById(refs, [{ id: 'a', text: 'one' }], 'h.trn')).toThrow(
      'h.trn: 1 references have no hypothesis: b',
    );
    expect(() =>
      matchById(
        refs,
        [
          { id: 'a', text: '' },
          { id: 'b', text: '' },
          { id: 'z', text: '' },
        ],
        'h.trn',
      ),
    ).toThrow('h.trn: 1 hypotheses have no reference: z');
    expect(matchById(refs, [{ id: 'b', text: 'two' }], 'h.trn', true)).toEqual([
      { ref: refs[0], hyp: '' },
      { ref: refs[1], hyp: 'two' },
    ]);
  });

  it('trn ids "speaker-id" match manifest ids "id" when they do not match as written', () => {
    const refs = [{ id: '0_yweweler_10', text: 'zero' }];
    expect(
      matchById(
        refs,
        [{ id: 'yweweler-0_yweweler_10', trnUtterance: '0_yweweler_10', text: 'zero' }],
        'h.trn',
      ),
    ).toEqual([{ ref: refs[0], hyp: 'zero' }]);
  });

  it('ids match exactly: "x-u1" in JSON Lines is an extra hypothesis, not "u1"; two trn lines landing on one reference are an error', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'score-ids-'));
    await writeFile(path.join(dir, 'ref.jsonl'), '{"id":"u1","text":"one"}\n');
    await writeFile(
      path.join(dir, 'hyp.jsonl'),
      '{"id":"u1","text":"one"}\n{"id":"x-u1","text":"two three"}\n',
    );
    await writeFile(path.join(dir, 'hyp.trn'), 'one (u1)\ntwo three (x-u1)\n');
    await writeFile(path.join(dir, 'only.jsonl'), '{"id":"x-u1","text":"one"}\n');
    const refs = await readTranscripts(path.join(dir, 'ref.jsonl'));
    const hj = path.join(dir, 'hyp.jsonl');
    expect(() => matchById(refs, [{ id: 'x-u1', text: 'one' }], 'h.jsonl')).toThrow(
      'h.jsonl: 1 hypotheses have no reference: x-u1; 1 references have no hypothesis: u1',
    );
    await expect(
      score({ refFile: path.join(dir, 'ref.jsonl'), hypFile: hj, outDir: path.join(dir, 'o1') }),
    ).rejects.toThrow(`${hj}: 1 hypotheses have no reference: x-u1`);
    const ht = path.join(dir, 'hyp.trn');
    await expect(
      score({ refFile: path.join(dir, 'ref.jsonl'), hypFile: ht, outDir: path.join(dir, 'o2') }),
    ).rejects.toThrow(
      `${ht}: 1 references have more than one hypothesis: "u1" and "x-u1" both match reference "u1"`,
    );
    const r = await score({
      refFile: path.join(dir, 'ref.jsonl'),
      hypFile: path.join(dir, 'ref.jsonl'),
      outDir: path.join(dir, 'o3'),
    });
    expect(r.test.before.wer).toBe(0);
  });

  it('a transcript file that is neither trn nor JSON Lines is refused naming file and line, without quoting it', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'score-bad-'));
    const bad = path.join(dir, 'passwd');
    await writeFile(bad, '\nroot:x:0:0:root:/root:/bin/bash\n');
    const err = await readTranscripts(bad).catch((e: Error) => e);
    expect((err as Error).message).toBe(
      `${bad}:2: not valid JSON: expected a .trn file or JSON Lines ({"id", "text"} or a NeMo manifest)`,
    );
    const second = path.join(dir, 'h.jsonl');
    await writeFile(second, '{"id":"a","text":"one"}\nsecret-token-123\n');
    await expect(readTranscripts(second)).rejects.toThrow(
      new RegExp(`^${second.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2: not valid JSON$`),
    );
  });

  it('score command: trn in any order, report files written, trn output re-reads to the same counts', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'score-'));
    await writeFile(path.join(dir, 'ref.trn'), 'one two three (s1-u1)\nfour five (s2-u2)\n');
    await writeFile(path.join(dir, 'hyp.trn'), 'four (s2-u2)\none too three (s1-u1)\n');
    const r = await score({
      refFile: path.join(dir, 'ref.trn'),
      hypFile: path.join(dir, 'hyp.trn'),
      outDir: path.join(dir, 'out'),
    });
    expect([r.test.before.substitutions, r.test.before.deletions, r.test.before.reference_words]).toEqual([
      1, 1, 5,
    ]);
    expect(r.test.by_speaker.before.s1.wer).toBeCloseTo(1 / 3, 12);
    const csv = await readFile(path.join(dir, 'out', 'utterances.csv'), 'utf8');
    expect(csv.split('\n')[0]).toBe(
      'set,id,speaker,accent,reference,hyp_before,wer_before,S_before,D_before,I_before,hyp_after,wer_after,S_after,D_after,I_after',
    );
    expect(csv).toContain('test,s1-u1,s1,,one two three,one too three,0.3333,1,0,0');
    const html = await readFile(path.join(dir, 'out', 'report.html'), 'utf8');
    expect(html).toContain('<span class="s" title="substitution">two&rarr;too</span>');
    expect(html).not.toMatch(/<script|https?:\/\//);
    const again = await readTranscripts(path.join(dir, 'out', 'trn', 'test.hyp-before.trn'));
    expect(again.map((t) => t.text)).toEqual(['one too three', 'four']);
    await expect(loadProfile('basic', path.join(dir, 'nope.txt'))).rejects.toThrow(/nope\.txt/);
  });
});
