/**
 * The audio half of an import: every utterance's file is opened and decoded once (WAV block by
 * block, so long recordings stay out of memory), its real duration, sample rate and channel count
 * are recorded, and unusable files are moved to the skipped list with the decoder's reason.
 */
import { readFile, stat } from 'node:fs/promises';
import { openWavBlocks } from '../audio/wav-stream';
import { decodeAudio, sniffAudio, type AudioContainer } from '../audio/decode';
import type { Utterance } from './manifest';
import type { ImportResult } from './common';
import { readHead } from '../util/files';

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
 * Open and fully decode an audio file to check it (WAV: block-wise, bounded memory).
 * @throws Error naming the file: `"<file>: audio file not found"`, `"<file>: audio file is empty"`,
 *   or the decoder's message (truncated, unknown format, NaN samples, ...)
 */
export async function probeAudio(file: string): Promise<AudioInfo> {
  let size: number;
  try {
    const st = await stat(file);
    if (!st.isFile()) throw new Error(`${file}: not a file`);
    size = st.size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`${file}: audio file not found`);
    throw err;
  }
  if (size === 0) throw new Error(`${file}: audio file is empty (0 bytes)`);
  const head = await readHead(file);
  if (sniffAudio(head) === 'wav') {
    const r = await openWavBlocks(file);
    try {
      for await (const block of r.blocks()) void block; // decodes every sample: NaN/Inf are found here
    } finally {
      await r.close();
    }
    return { container: 'wav', sampleRateHz: r.layout.sampleRateHz, numChannels: r.layout.numChannels, durationSec: r.layout.durationSec };
  }
  const d = await decodeAudio(await readFile(file), file);
  return { container: d.container, sampleRateHz: d.sampleRateHz, numChannels: d.numChannels, durationSec: d.samples.length / d.sampleRateHz };
}


/**
 * Check the audio of every utterance (each distinct file once). Keeps utterances whose audio
 * decodes, sets their `durationSec` when the source gave none (whole files: the file's length;
 * segments: to the end of the file), and adds `meta.sample_rate_hz` and `meta.channels` (the
 * device's values; the model resamples later). Moves the rest to `skipped` with the reason. A
 * segment whose offset is past the end of its file is skipped too.
 * @param onProgress called after each distinct file with (done, total)
 */
export async function checkAudio(result: ImportResult, onProgress?: (done: number, total: number) => void): Promise<ImportResult> {
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
      skipped.push({ file: u.audioPath, reason: `"${u.id}": offset ${offset}s is past the end of the file (${info.durationSec.toFixed(3)}s)` });
      continue;
    }
    const durationSec = u.durationSec > 0 ? u.durationSec : info.durationSec - offset;
    utterances.push({ ...u, durationSec, meta: { ...u.meta, sample_rate_hz: info.sampleRateHz, channels: info.numChannels } });
  }
  return { utterances, skipped, warnings: result.warnings };
}
