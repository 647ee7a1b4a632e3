/**
 * Child process for tests/score/align-memory.test.ts: aligns two long token sequences (as the
 * character alignment of a long transcript does) and reports the kernel's peak resident set.
 * Usage: tsx tests/score/align-memory-child.ts <numTokens>
 * Prints one JSON line: maxRssBytes, seconds, substitutions, deletions, insertions, hits.
 */
import { align } from '../../electron/engine/score/align';

const n = Number(process.argv[2]);
// reference: "abcdefghij" repeated; hypothesis: every 10th token changed to "x", every 25th dropped
const ref = Array.from({ length: n }, (_, k) => 'abcdefghij'[k % 10]);
const hyp: string[] = [];
ref.forEach((t, k) => {
  if (k % 25 === 24) return;
  hyp.push(k % 10 === 3 ? 'x' : t);
});
const t0 = performance.now();
const a = align(ref, hyp);
process.stdout.write(
  JSON.stringify({
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    seconds: (performance.now() - t0) / 1000,
    substitutions: a.substitutions,
    deletions: a.deletions,
    insertions: a.insertions,
    hits: a.hits,
  }) + '\n',
);
