/**
 * The audio half of an import: every utterance's file is opened and decoded once (WAV block by
 * block, so long recordings stay out of memory), its real duration, sample rate and channel count
 * are recorded, and unusable files are moved to the skipped list with the decoder's reason.
 */
import { openWavBlocks } from '../audio/wav-stream';
import { decodeAudio, sniffAudio, type AudioContainer } from '../audio/decode';
import { MAX_COMPRESSED_FILE_BYTES, MAX_UTTERANCE_SEC, openAudioFile } from '../audio/limits';
import type { Utterance } from './manifest';
import type { ImportResult } from './common';

/** What a probe learnt about an audio file. */
export interface AudioInfo {
  container: AudioContainer;
  /** The file's (device) sample rate, Hz. */
  sampleRateHz: number;
  /** Channels before mixdown. */
  numChannels: number;
  /** Length of the whole file, seconds. */
  durationSec: number;
}

/**
 * Open and fully decode an audio file to check it (WAV: block-wise, bounded memory, any length).
 * Only regular files are opened (limits.ts openAudioFile: a FIFO or a device such as /dev/zero is
 * refused before any byte is read); FLAC, MP3 and Ogg files over MAX_COMPRESSED_FILE_BYTES are
 * refused (they would be decoded whole).
 * @throws Error naming the file: `"<file>: audio file not found"`, `"<file>: not a regular file
 *   (...)"`, `"<file>: audio file is empty (0 bytes)"`, `"<file>: file is <n> bytes, more than ..."`,
 *   or the decoder's message (truncated, unknown format, NaN samples, sample rate outside
 *   4000..192000 Hz, ...)
 */
export async function probeAudio(file: string): Promise<AudioInfo> {
  const opened = await openAudioFile(file).catch((err: Error) => {
    throw err.message === `${file}: file not found` ? new Error(`${file}: audio file not found`) : err;
  });
  let bytes: Uint8Array | undefined; // the whole file, for formats decoded whole (not WAV)
  try {
    if (opened.sizeBytes === 0) throw new Error(`${file}: audio file is empty (0 bytes)`);
    const head = Buffer.alloc(128);
    const { bytesRead } = await opened.fh.read(head, 0, 128, 0);
    if (sniffAudio(head.subarray(0, bytesRead)) === 'wav') bytes = undefined;
    else if (opened.sizeBytes > MAX_COMPRESSED_FILE_BYTES) {
      throw new Error(
        `${file}: file is ${opened.sizeBytes} bytes, more than the ${MAX_COMPRESSED_FILE_BYTES} bytes a FLAC, MP3 or Ogg file may have ` +
          '(these are decoded whole); convert it to WAV, which is read block by block',
      );
    } else bytes = await opened.fh.readFile();
  } finally {
    await opened.fh.close();
  }
  if (!bytes) {
    const r = await openWavBlocks(file);
    try {
      for await (const block of r.blocks()) void block; // decodes every sample: NaN/Inf are found here
    } finally {
      await r.close();
    }
    return {
      container: 'wav',
      sampleRateHz: r.layout.sampleRateHz,
      numChannels: r.layout.numChannels,
      durationSec: r.layout.durationSec,
    };
  }
  const d = await decodeAudio(bytes, file);
  return {
    container: d.container,
    sampleRateHz: d.sampleRateHz,
    numChannels: d.numChannels,
    durationSec: d.samples.length / d.sampleRateHz,
  };
}

/**
 * Check the audio of every utterance (each distinct file once). Keeps utterances whose audio
 * decodes, sets their `durationSec` when the source gave none (whole files: the file's length;
 * segments: to the end of the file), and adds `meta.sample_rate_hz` and `meta.channels` (the
 * device's values; the model resamples later). Moves the rest to `skipped` with the reason. A
 * segment whose offset is past the end of its file is skipped too, and so is an utterance longer
 * than MAX_UTTERANCE_SEC (limits.ts), with the advice to split it, unless `options.splitLater`
 * (import --split-silences: whole recordings of any length are cut into segments next, and
 * splitRecordings checks the segments).
 * @param onProgress called after each distinct file with (done, total)
 */
export async function checkAudio(
  result: ImportResult,
  onProgress?: (done: number, total: number) => void,
  options: { splitLater?: boolean } = {},
): Promise<ImportResult> {
  const infos = new Map<string, AudioInfo | Error>();
  const files = [...new Set(result.utterances.map((u) => u.audioPath))];
  for (const [i, f] of files.entries()) {
    try {
      infos.set(f, await probeAudio(f));
    } catch (err) {
      infos.set(f, err instanceof Error ? err : new Error(`${f}: ${String(err)}`));
    }
    onProgress?.(i + 1, files.length);
  }
  const utterances: Utterance[] = [];
  const skipped = [...result.skipped];
  for (const u of result.utterances) {
    const info = infos.get(u.audioPath)!;
    if (info instanceof Error) {
      skipped.push({ file: u.audioPath, reason: info.message.replace(`${u.audioPath}: `, '') });
      continue;
    }
    const offset = u.offsetSec ?? 0;
    if (offset >= info.durationSec) {
      skipped.push({
        file: u.audioPath,
        reason: `"${u.id}": offset ${offset}s is past the end of the file (${info.durationSec.toFixed(3)}s)`,
      });
      continue;
    }
    const durationSec = u.durationSec > 0 ? u.durationSec : info.durationSec - offset;
    const willSplit = options.splitLater && u.offsetSec === undefined;
    if (!willSplit && Math.min(durationSec, info.durationSec - offset) > MAX_UTTERANCE_SEC) {
      skipped.push({
        file: u.audioPath,
        reason: tooLong(u.id, Math.min(durationSec, info.durationSec - offset)),
      });
      continue;
    }
    utterances.push({
      ...u,
      durationSec,
      meta: { ...u.meta, sample_rate_hz: info.sampleRateHz, channels: info.numChannels },
    });
  }
  return { utterances, skipped, warnings: result.warnings };
}

/** The skip reason of an utterance longer than MAX_UTTERANCE_SEC. */
export function tooLong(id: string, durationSec: number): string {
  return (
    `"${id}": ${durationSec.toFixed(1)} s long, more than the ${MAX_UTTERANCE_SEC} s limit per utterance; ` +
    'import it with --split-silences, or as segments (manifest offset/duration)'
  );
}
