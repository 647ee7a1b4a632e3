/**
 * Child process for tests/audio/long-wav.test.ts (and by-hand measurements): loads one file with
 * loadAudio (or, with mode "in-memory", with readFile + decodeAudio + resample) and reports memory.
 * Usage: tsx tests/audio/long-load-child.ts <file> <targetRateHz> <out.f32> [blockwise|in-memory]
 * Prints one JSON line: rssBeforeBytes, maxRssBytes (process.resourceUsage().maxRSS, the kernel's
 * peak resident set), peakArrayBufferGrowthBytes (process.memoryUsage().arrayBuffers sampled every
 * 2 ms), seconds, numSamples. Writes the samples (float32 little-endian) to out.f32.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { loadAudio } from '../../electron/engine/audio';
import { decodeAudio } from '../../electron/engine/audio/decode';
import { resample } from '../../electron/engine/audio/resample';

const [file, rate, outFile, mode = 'blockwise'] = process.argv.slice(2);
const target = Number(rate);
const before = process.memoryUsage();
let peakAb = 0;
const timer = setInterval(() => {
  peakAb = Math.max(peakAb, process.memoryUsage().arrayBuffers - before.arrayBuffers);
}, 2);
const t0 = performance.now();
let samples: Float32Array;
if (mode === 'in-memory') {
  const d = await decodeAudio(await readFile(file), file);
  samples = resample(d.samples, d.sampleRateHz, target);
} else {
  samples = (await loadAudio(file, target)).samples;
}
const seconds = (performance.now() - t0) / 1000;
clearInterval(timer);
peakAb = Math.max(peakAb, process.memoryUsage().arrayBuffers - before.arrayBuffers);
const maxRssBytes = process.resourceUsage().maxRSS * 1024;
await writeFile(outFile, new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength));
process.stdout.write(
  JSON.stringify({
    rssBeforeBytes: before.rss,
    maxRssBytes,
    peakArrayBufferGrowthBytes: peakAb,
    seconds,
    numSamples: samples.length,
  }) + '\n',
);
