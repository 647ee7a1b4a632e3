/**
 * compareReports (electron/host/run-compare.ts): the paired bootstrap between two runs' final
 * systems, and the refusals for test sets that differ. Reports are built with the engine's own
 * scoring (scoreUtterance, setReport, utteranceRows) from reference / hypothesis pairs.
 */
import { describe, expect, it } from 'vitest';
import { compareReports } from '../../electron/host/run-compare';
import { scoreUtterance } from '../../electron/engine/score';
import { pairedBootstrap, DEFAULT_BOOTSTRAP } from '../../electron/engine/score/bootstrap';
import { setReport, utteranceRows, type Report } from '../../electron/engine/score/report';

const REFS = ['one two three', 'four five', 'six', 'seven eight nine', 'zero', 'two two'];

/** A report of one system (evaluate) or two (adapt: `after`), on `refs`. */
function report(hyps: string[], after?: string[], refs = REFS, ids = refs.map((_, i) => `u${i}`)): Report {
  const score = (hs: string[]) =>
    hs.map((h, i) => scoreUtterance({ id: ids[i], reference: refs[i], hypothesis: h }));
  const b = score(hyps);
  const a = after ? score(after) : undefined;
  return {
    model: { dir: '/m', name: 'base' },
    ...(after ? { adapted_model: { dir: '/r/model', name: 'base+lhuc' } } : {}),
    scoring: { bootstrap: DEFAULT_BOOTSTRAP },
    test: setReport('/data/test.jsonl', b, a),
    utterances: utteranceRows('test', b, a),
  } as unknown as Report;
}

describe('compareReports', () => {
  const base = ['one two three', 'four nine', 'six six', 'seven', 'zero', 'two'];
  const adapted = ['one two three', 'four five', 'six', 'seven eight', 'zero', 'two two'];

  it("bootstraps run B's final system (adapted) against run A's (the evaluated model)", () => {
    const a = report(base);
    const b = report(base, adapted);
    const got = compareReports('default', a, 'lhuc', b);
    const counts = (r: Report, after: boolean) =>
      r.utterances.map((u) => {
        const s = after ? u.after! : u.before;
        return {
          hits: u.reference_words - s.substitutions - s.deletions,
          substitutions: s.substitutions,
          deletions: s.deletions,
          insertions: s.insertions,
          referenceWords: u.reference_words,
        };
      });
    expect(got.comparison).toEqual(pairedBootstrap(counts(a, false), counts(b, true)));
    // 12 reference words; base: 1 S + 1 I + 2 D + 1 D = 5 errors; adapted: 1 D.
    expect(got.comparison.before.value).toBeCloseTo(5 / 12, 12);
    expect(got.comparison.after.value).toBeCloseTo(1 / 12, 12);
    expect(got.a).toEqual({ run: 'default', system: 'base', adapted: false });
    expect(got.b).toEqual({ run: 'lhuc', system: 'base+lhuc', adapted: true });
    expect(got.utterances[3]).toMatchObject({
      id: 'u3',
      a: { hypothesis: 'seven' },
      b: { hypothesis: 'seven eight' },
    });
  });

  it('refuses test sets of other sizes, other ids or other reference texts, naming both runs', () => {
    const a = report(base);
    expect(() => compareReports('a', a, 'b', report(base.slice(0, 5), undefined, REFS.slice(0, 5)))).toThrow(
      'runs "a" and "b" were not scored on the same test set: 6 test utterances in "a", 5 in "b"',
    );
    const ids = REFS.map((_, i) => (i === 2 ? 'x2' : `u${i}`));
    expect(() => compareReports('a', a, 'b', report(base, undefined, REFS, ids))).toThrow(
      'runs "a" and "b" were not scored on the same test set: 1 utterance ids of "a" are not in "b" (u2)',
    );
    const refs = REFS.map((r, i) => (i === 4 ? 'one' : r));
    expect(() => compareReports('a', a, 'b', report(base, undefined, refs))).toThrow(
      'runs "a" and "b" were not scored on the same test set: utterance "u4" has a different reference text',
    );
  });
});
