import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { resample, resampledLength, StreamingResampler } from '../../electron/engine/audio/resample';
import { decodeAudio } from '../../electron/engine/audio/decode';
import { loadAudio, loadWavBlockwise } from '../../electron/engine/audio';

const TSX = path.resolve('node_modules/.bin/tsx');
const CHILD = path.resolve('tests/audio/long-load-child.ts');
const DUKE = path.resolve('../shared/data/duke-numbers/audio');
const REAL_48K = path.join(DUKE, 'R_1O7z12FZh2bL6ST.wav');
const REAL_44K = path.join(DUKE, 'R_1QrO96YnPAaHofK.wav');

function sine(freqHz: number, rateHz: number, seconds: number): Float32Array {
  const n = Math.round(rateHz * seconds);
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = 0.5 * Math.sin((2 * Math.PI * freqHz * i) / rateHz);
  return x;
}

/** Resample `x` through StreamingResampler in blocks of `blockLen`, alternating push and pushInto. */
function streamed(x: Float32Array, from: number, to: number, blockLen: number): Float32Array {
  const rs = new StreamingResampler(from, to);
  const out = new Float32Array(resampledLength(x.length, from, to));
  let o = 0;
  for (let i = 0, k = 0; i < x.length; i += blockLen, k++) {
    const block = x.subarray(i, Math.min(x.length, i + blockLen));
    if (k % 2) o += rs.pushInto(block, out, o);
    else {
      const y = rs.push(block);
      out.set(y, o);
      o += y.length;
    }
  }
  const tail = rs.finish();
  out.set(tail, o);
  expect(o + tail.length).toBe(out.length);
  return out;
}

/** Element-wise equality of two float arrays (bit-identical here by construction; a count of differing samples on failure). */
function expectSame(a: Float32Array, b: Float32Array): void {
  expect(a.length).toBe(b.length);
  let diff = 0;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) diff++;
  expect(diff).toBe(0);
}

/** 16-bit PCM WAV header for `frames` frames. */
function wavHeader(channels: number, rate: number, frames: number): Buffer {
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'latin1');
  h.writeUInt32LE(36 + frames * channels * 2, 4);
  h.write('WAVEfmt ', 8, 'latin1');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(channels, 22);
  h.writeUInt32LE(rate, 24);
  h.writeUInt32LE(rate * channels * 2, 28);
  h.writeUInt16LE(channels * 2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'latin1');
  h.writeUInt32LE(frames * channels * 2, 40);
  return h;
}

describe('StreamingResampler: block-wise output equals resample()', () => {
  it.each([
    [48000, 8000],
    [44100, 8000],
    [44056, 8000], // interpolated phase table
    [8000, 16000],
    [11025, 16000],
    [16000, 16000],
  ])('%i Hz -> %i Hz on a sine, for block sizes 1 to the whole signal', (from, to) => {
    const x = sine(1000, from, 1.3);
    const ref = resample(x, from, to);
    for (const b of [1, 7, 333, 4096, 65536, x.length]) expectSame(streamed(x, from, to, b), ref);
  });

  it('on real recordings (48 kHz and 44.1 kHz Duke numbers) to 8 and 16 kHz', async () => {
    for (const f of [REAL_48K, REAL_44K]) {
      const d = await decodeAudio(await readFile(f), f);
      for (const to of [8000, 16000]) {
        const ref = resample(d.samples, d.sampleRateHz, to);
        for (const b of [1000, 65536]) expectSame(streamed(d.samples, d.sampleRateHz, to, b), ref);
      }
    }
  });

  it('short inputs, empty input, misuse', () => {
    for (const n of [0, 1, 5, 50]) {
      const x = sine(300, 48000, n / 48000);
      expectSame(streamed(x, 48000, 8000, 2), resample(x, 48000, 8000));
    }
    const rs = new StreamingResampler(48000, 8000);
    rs.finish();
    expect(() => rs.push(new Float32Array(4))).toThrow(/after finish/);
    expect(() => new StreamingResampler(0, 8000)).toThrow(/positive integers/);
  });
});

describe('loadAudio: block-wise WAV loading', () => {
  it('a segment of a real recording equals the in-memory decode, cut and resample', async () => {
    const d = await decodeAudio(await readFile(REAL_44K), REAL_44K);
    const seg = { offsetSec: 1.234, durationSec: 2.5 };
    const a = await loadAudio(REAL_44K, 8000, seg); // a segment of a WAV file is read block-wise
    const start = Math.round(seg.offsetSec * d.sampleRateHz);
    const ref = resample(
      d.samples.subarray(start, start + Math.round(seg.durationSec * d.sampleRateHz)),
      d.sampleRateHz,
      8000,
    );
    expectSame(a.samples, ref);
    expect(a).toMatchObject({ sampleRateHz: 8000, sourceRateHz: 44100, sourceChannels: 1 });
    // tiny blocks, offset only (to the end), whole file
    const b = await loadWavBlockwise(REAL_44K, 16000, { offsetSec: 3 }, 777);
    expectSame(b.samples, resample(d.samples.subarray(3 * 44100), 44100, 16000));
    expectSame(
      (await loadWavBlockwise(REAL_44K, 8000, undefined, 4096)).samples,
      resample(d.samples, 44100, 8000),
    );
    await expect(loadAudio(REAL_44K, 8000, { offsetSec: 60 })).rejects.toThrow(
      `${REAL_44K}: offset 60s is past the end of the file`,
    );
  });

  it('a segment reads only its own blocks (NaN samples elsewhere in the file are never touched)', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'seg-'));
    try {
      const rate = 8000;
      const x = new Float32Array(rate * 4);
      for (let i = 0; i < x.length; i++) x[i] = 0.25 * Math.sin(i / 10);
      x[rate * 3.5] = NaN; // in the last second only
      const h = wavHeader(1, rate, x.length);
      h.writeUInt16LE(3, 20); // IEEE float
      h.writeUInt32LE(36 + x.length * 4, 4);
      h.writeUInt32LE(rate * 4, 28);
      h.writeUInt16LE(4, 32);
      h.writeUInt16LE(32, 34);
      h.writeUInt32LE(x.length * 4, 40);
      const file = path.join(dir, 'f.wav');
      await writeFile(file, Buffer.concat([h, Buffer.from(x.buffer)]));
      const a = await loadAudio(file, 8000, { offsetSec: 0.5, durationSec: 2 });
      expectSame(a.samples, x.subarray(rate * 0.5, rate * 2.5));
      await expect(loadAudio(file, 8000)).rejects.toThrow(`${file}: sample 0 of frame 28000 is NaN`);
      await expect(loadAudio(file, 8000, { offsetSec: 3 })).rejects.toThrow(
        `${file}: sample 0 of frame 28000 is NaN`,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a 10-minute 48 kHz stereo 16-bit file (115 MB): same samples as in memory, memory growth far below the file size', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'long-load-'));
    try {
      const rate = 48000;
      const frames = rate * 600;
      const file = path.join(dir, 'long.wav');
      // Left: a real recording tiled; right: a swept sine.
      const real = (await decodeAudio(await readFile(REAL_48K), REAL_48K)).samples;
      const fh = await open(file, 'w');
      try {
        await fh.write(wavHeader(2, rate, frames), 0, 44, 0);
        const chunk = rate * 10;
        const pcm = new Int16Array(chunk * 2);
        let pos = 44;
        for (let f0 = 0; f0 < frames; f0 += chunk) {
          for (let i = 0; i < chunk; i++) {
            const f = f0 + i;
            pcm[2 * i] = Math.round(real[f % real.length] * 32767);
            pcm[2 * i + 1] = Math.round(
              8000 * Math.sin((2 * Math.PI * (300 + (f % 480000) / 480) * f) / rate),
            );
          }
          const b = Buffer.from(pcm.buffer);
          await fh.write(b, 0, b.length, pos);
          pos += b.length;
        }
      } finally {
        await fh.close();
      }
      const fileBytes = 44 + frames * 4;
      // Each load runs in its own process, so its peak RSS (maxRSS) is its own.
      const run = (mode: string) => {
        const r = spawnSync(TSX, [CHILD, file, '8000', path.join(dir, `${mode}.f32`), mode], {
          encoding: 'utf8',
          timeout: 60_000,
        });
        expect(r.status, r.stderr).toBe(0);
        return JSON.parse(r.stdout.trim().split('\n').pop()!) as {
          rssBeforeBytes: number;
          maxRssBytes: number;
          peakArrayBufferGrowthBytes: number;
          numSamples: number;
        };
      };
      const streamedRun = run('blockwise');
      const inMemory = run('in-memory');
      const outBytes = 600 * 8000 * 4; // 19.2 MB
      expect(streamedRun.numSamples).toBe(600 * 8000);
      const [a, b] = [
        await readFile(path.join(dir, 'blockwise.f32')),
        await readFile(path.join(dir, 'in-memory.f32')),
      ];
      expect(a.length).toBe(outBytes);
      expect(a.equals(b)).toBe(true); // bit-identical
      const rssGrowth = streamedRun.maxRssBytes - streamedRun.rssBeforeBytes;
      // Measured: RSS +26 MB, arrayBuffers +20.6 MB (the 19.2 MB result plus one block).
      expect(streamedRun.peakArrayBufferGrowthBytes).toBeLessThan(outBytes + 8e6);
      expect(rssGrowth).toBeLessThan(0.4 * fileBytes);
      // The measurement tells the two apart: the in-memory path holds the file (measured +255 MB RSS).
      expect(inMemory.maxRssBytes - inMemory.rssBeforeBytes).toBeGreaterThan(fileBytes);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
