import { describe, expect, it } from 'vitest';
import { align, errorRate } from '../../electron/engine/score/align';
import { poolScores, scoreUtterance } from '../../electron/engine/score';

const w = (s: string) => s.split(' ').filter(Boolean);

describe('alignment and WER (hand-checked cases)', () => {
  it('identical: all hits', () => {
    const a = align(w('one two three'), w('one two three'));
    expect([a.hits, a.substitutions, a.deletions, a.insertions, a.referenceWords]).toEqual([3, 0, 0, 0, 3]);
    expect(errorRate(a)).toBe(0);
  });

  it('one substitution, one deletion, one insertion', () => {
    // ref: one two three four ; hyp: one too four five
    const a = align(w('one two three four'), w('one too four five'));
    expect([a.hits, a.substitutions, a.deletions, a.insertions]).toEqual([2, 1, 1, 1]);
    expect(errorRate(a)).toBeCloseTo(3 / 4, 12);
    // two equal-cost alignments (two->too + three deleted, or the reverse); the backtrace from the end prefers the diagonal
    expect(a.pairs.map((p) => p.op).join('')).toBe('CDSCI');
  });

  it('empty hypothesis: all deletions; empty reference: insertions and no utterance WER', () => {
    const d = align(w('five six'), []);
    expect([d.deletions, d.referenceWords]).toEqual([2, 2]);
    const i = align([], w('five six'));
    expect(i.insertions).toBe(2);
    expect(errorRate(i)).toBeNull();
  });

  it('WER is not clamped: three insertions on one reference word is 300%', () => {
    const a = align(w('one'), w('one one one one'));
    expect(errorRate(a)).toBe(3);
  });

  it('sclite weights: among equal-edit alignments the one with most hits wins', () => {
    // ref "a b", hyp "b a": 2 edits either as S S (0 hits) or I C D (1 hit): the latter is chosen
    const a = align(w('a b'), w('b a'));
    expect(a.substitutions + a.deletions + a.insertions).toBe(2);
    expect(a.hits).toBe(1);
  });

  it('pooled WER is (S + D + I) / N over the set, not a mean of utterance WERs', () => {
    const u1 = scoreUtterance({ id: 'a', reference: 'one', hypothesis: 'two' }); // 1/1
    const u2 = scoreUtterance({
      id: 'b',
      reference: 'one two three four five six seven eight nine',
      hypothesis: 'one two three four five six seven eight nine',
    }); // 0/9
    const p = poolScores([u1, u2]);
    expect(p.wer).toBeCloseTo(1 / 10, 12);
    expect(p.reference_words).toBe(10);
    expect(p.sentence_correct).toBe(1);
    // CER: "one" vs "two": o->t, n->w, e->o = 3 substitutions over 3 characters... plus 0 for u2
    expect(u1.chars.substitutions + u1.chars.deletions + u1.chars.insertions).toBe(3);
  });

  it('scoring lower-cases and splits on any whitespace', () => {
    const u = scoreUtterance({ id: 'x', reference: 'One\tTWO  three', hypothesis: 'one two\u00a0three' });
    expect(u.wer).toBe(0);
  });
});
