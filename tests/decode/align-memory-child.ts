/**
 * Child process for tests/decode/forced-align.test.ts: forced-aligns a long synthetic utterance and
 * reports the kernel's peak resident set (process.resourceUsage().maxRSS), so the test sees the
 * aligner's real memory, not a count of its arrays.
 * Usage: tsx tests/decode/align-memory-child.ts <numFrames> <numLabels>
 * Prints one JSON line: maxRssBytes, rssBeforeBytes, seconds, firstSpan, lastSpan.
 */
import { ctcForcedAlign } from '../../electron/engine/decode/forced-align';

const [T, L] = process.argv.slice(2).map(Number);
const V = 11;
// Posteriors where label k (1..10, cycling) peaks in frames [k * T / L, (k + 1) * T / L).
const lp = new Float32Array(T * V).fill(Math.log(0.01));
const labels = Array.from({ length: L }, (_, k) => 1 + (k % 10));
for (let t = 0; t < T; t++) {
  const k = Math.min(L - 1, Math.floor((t * L) / T));
  const inWord = (t * L) / T - k < 0.5;
  lp[t * V + (inWord ? labels[k] : 0)] = Math.log(0.9);
}
const rssBefore = process.memoryUsage().rss;
const t0 = performance.now();
const spans = ctcForcedAlign(lp, T, V, labels, 0)!;
const seconds = (performance.now() - t0) / 1000;
process.stdout.write(
  JSON.stringify({
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    rssBeforeBytes: rssBefore,
    seconds,
    firstSpan: spans[0],
    lastSpan: spans[L - 1],
  }) + '\n',
);
