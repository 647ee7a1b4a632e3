import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { mkdir, mkdtemp, open, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import {
  loadAudio,
  MAX_UTTERANCE_SEC,
  MIN_SAMPLE_RATE_HZ,
  MAX_SAMPLE_RATE_HZ,
} from '../../electron/engine/audio';
import { openWavBlocks } from '../../electron/engine/audio/wav-stream';
import { checkAudio, probeAudio } from '../../electron/engine/corpus/audio-check';
import { splitRecordings } from '../../electron/engine/corpus/split-import';
import { FeatureCache } from '../../electron/engine/features/cache';
import type { Utterance } from '../../electron/engine/corpus/manifest';
import type { FeatureConfig } from '../../electron/engine/features/config';

/** A PCM WAV header for `dataBytes` bytes of mono audio. */
function wavHeader(rateHz: number, bits: number, dataBytes: number): Buffer {
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'latin1');
  h.writeUInt32LE(36 + dataBytes, 4);
  h.write('WAVEfmt ', 8, 'latin1');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(rateHz, 24);
  h.writeUInt32LE((rateHz * bits) / 8, 28);
  h.writeUInt16LE(bits / 8, 32);
  h.writeUInt16LE(bits, 34);
  h.write('data', 36, 'latin1');
  h.writeUInt32LE(dataBytes, 40);
  return h;
}

/** A long WAV whose samples are a hole in a sparse file (no disk space, all-zero bytes). */
async function sparseWav(file: string, rateHz: number, bits: number, seconds: number): Promise<void> {
  const dataBytes = Math.round(rateHz * seconds) * (bits / 8);
  const fh = await open(file, 'w');
  await fh.write(wavHeader(rateHz, bits, dataBytes), 0, 44, 0);
  await fh.truncate(44 + dataBytes);
  await fh.close();
}

/** Fails (instead of hanging the suite) when `p` has not settled within `ms`. */
function within<T>(p: Promise<T>, ms: number): Promise<T> {
  return Promise.race([
    p,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`still running after ${ms} ms`)), ms)),
  ]);
}

const utt = (id: string, audioPath: string): Utterance => ({
  id,
  audioPath,
  durationSec: 0,
  text: 'one',
  meta: {},
});
const FEATURES = { sampleRateHz: 8000 } as unknown as FeatureConfig;

describe('only regular files are read (issue 14 item 5)', () => {
  it('a FIFO, /dev/zero (also behind a link) and a directory are refused by every audio read path, at once', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'limits-'));
    const fifo = path.join(dir, 'pipe.wav');
    execFileSync('mkfifo', [fifo]);
    const zeroLink = path.join(dir, 'zero.wav');
    await symlink('/dev/zero', zeroLink);
    const folder = path.join(dir, 'folder.wav');
    await mkdir(folder);
    const cases: [string, string][] = [
      [fifo, 'a FIFO (named pipe)'],
      ['/dev/zero', 'a character device'],
      [zeroLink, 'a character device'],
      [folder, 'a directory'],
    ];
    for (const [file, kind] of cases) {
      const msg = `${file}: not a regular file (${kind}); audio must be a file`;
      await expect(within(loadAudio(file, 8000), 3000)).rejects.toThrow(msg);
      await expect(within(loadAudio(file, 8000, { offsetSec: 1 }), 3000)).rejects.toThrow(msg);
      await expect(within(openWavBlocks(file), 3000)).rejects.toThrow(msg);
      await expect(within(probeAudio(file), 3000)).rejects.toThrow(msg);
      await expect(within(FeatureCache.keyOfFile(file, FEATURES, undefined, 1 << 20), 3000)).rejects.toThrow(
        msg,
      );
    }
    // an import skips it with the reason
    const checked = await within(
      checkAudio({ utterances: [utt('p', fifo)], skipped: [], warnings: [] }),
      3000,
    );
    expect(checked.skipped).toEqual([
      { file: fifo, reason: 'not a regular file (a FIFO (named pipe)); audio must be a file' },
    ]);
  });
});

describe('documented limits: sample rate and utterance length (issue 14 item 6)', () => {
  it('the limits are the README numbers', () => {
    expect([MIN_SAMPLE_RATE_HZ, MAX_SAMPLE_RATE_HZ, MAX_UTTERANCE_SEC]).toEqual([4000, 192000, 7200]);
  });

  it('a WAV declaring 1 Hz is refused at once, naming the file, in evaluation and import', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'limits-'));
    const file = path.join(dir, 'one-hz.wav');
    // 1 hour at 1 Hz: 3600 samples, which resampling to 8 kHz would make 28.8 M (and 4.4 GB on the way)
    await writeFile(file, Buffer.concat([wavHeader(1, 16, 7200), Buffer.alloc(7200)]));
    const msg = `${file}: sample rate 1 Hz is outside the supported 4000..192000 Hz`;
    await expect(within(loadAudio(file, 8000), 2000)).rejects.toThrow(msg);
    const checked = await checkAudio({ utterances: [utt('one-hz', file)], skipped: [], warnings: [] });
    expect(checked.utterances).toEqual([]);
    expect(checked.skipped).toEqual([
      { file, reason: 'sample rate 1 Hz is outside the supported 4000..192000 Hz' },
    ]);
  });

  it('a 6-hour WAV is refused before anything is allocated, with the reason; a segment of it loads', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'limits-'));
    const file = path.join(dir, 'six-hours.wav');
    await sparseWav(file, 16000, 16, 6 * 3600); // 691 MB, read block by block
    const advice =
      'more than the 7200 s limit per utterance; split the recording into segments (import --split-silences)';
    await expect(within(loadAudio(file, 8000), 2000)).rejects.toThrow(
      `${file}: utterance is 21600.0 s long, ${advice}`,
    );
    await expect(within(loadAudio(file, 8000, { offsetSec: 60, durationSec: 7300 }), 2000)).rejects.toThrow(
      `${file}: utterance is 7300.0 s long, ${advice}`,
    );
    const seg = await loadAudio(file, 8000, { offsetSec: 3600, durationSec: 10 });
    expect(seg.samples.length).toBe(80000);
    expect(seg.sourceRateHz).toBe(16000);
  });

  it('a 2-hour-and-1-second WAV read whole is refused; import skips it, or splits it and skips the too-long stretch', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'limits-'));
    const file = path.join(dir, 'long.wav');
    await sparseWav(file, 4000, 8, MAX_UTTERANCE_SEC + 1); // 28.8 MB: under 64 MiB, decoded in memory
    await expect(loadAudio(file, 8000)).rejects.toThrow(
      `${file}: utterance is 7201.0 s long, more than the 7200 s limit per utterance`,
    );
    const read = { utterances: [utt('long', file)], skipped: [], warnings: [] };
    const checked = await checkAudio(read);
    expect(checked.utterances).toEqual([]);
    expect(checked.skipped).toEqual([
      {
        file,
        reason:
          '"long": 7201.0 s long, more than the 7200 s limit per utterance; import it with --split-silences, or as segments (manifest offset/duration)',
      },
    ]);
    // with --split-silences the recording is kept for splitting; it is one unbroken 7201 s stretch
    // (8-bit zero bytes are full-scale -1), so the split skips that stretch with the same reason
    const kept = await checkAudio(read, undefined, { splitLater: true });
    expect(kept.utterances.map((u) => [u.id, u.durationSec])).toEqual([['long', 7201]]);
    const split = await splitRecordings(kept);
    expect(split.utterances).toEqual([]);
    expect(split.skipped).toEqual([
      {
        file,
        reason:
          '"long_0.00": 7201.0 s long, more than the 7200 s limit per utterance; import it with --split-silences, or as segments (manifest offset/duration)',
      },
    ]);
  });
});
