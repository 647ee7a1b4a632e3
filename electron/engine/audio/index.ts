/** Audio stage: file -> canonical mono float32 PCM at the model's sample rate. */
import { open, readFile } from 'node:fs/promises';
import { decodeAudio, sniffAudio } from './decode';
import { resample } from './resample';
import { loadWavBlockwise, STREAM_WAV_MIN_BYTES } from './stream-load';

export { decodeWav, encodeWav16, type DecodedAudio } from './wav';
export { decodeAudio, sniffAudio, type AudioContainer, type DecodedFile } from './decode';
export { openWavBlocks, readWavLayout, measureLongWavRead, DEFAULT_BLOCK_FRAMES, type WavLayout, type WavBlockReader, type LongReadMeasurement } from './wav-stream';
export { splitAtSilences, splitWavFile, DEFAULT_SILENCE_SPLIT, type SilenceSplitConfig, type AudioSegment } from './split';
export { resample, resampledLength, StreamingResampler, DEFAULT_RESAMPLE, type ResampleConfig } from './resample';
export { loadWavBlockwise, STREAM_WAV_MIN_BYTES, type BlockwiseLoad } from './stream-load';

/** Audio ready for feature extraction. */
export interface CanonicalAudio {
  /** [numSamples] float32 mono in [-1, 1] at sampleRateHz. */
  samples: Float32Array;
  /** The model's sample rate, Hz. */
  sampleRateHz: number;
  /** The file's own sample rate, Hz (kept as metadata). */
  sourceRateHz: number;
  /** The file's channel count before mixdown. */
  sourceChannels: number;
  /** Duration, seconds. */
  durationSec: number;
}

/**
 * Read an audio file (WAV, FLAC, MP3 or Ogg Vorbis, recognised by content), mix it down to mono and resample it to `targetRateHz`.
 *
 * Memory: a WAV file larger than STREAM_WAV_MIN_BYTES (64 MiB), or any WAV file when a segment is
 * asked for, is read block by block (loadWavBlockwise: only the segment's blocks, mixed down and
 * resampled as they arrive), so the only large allocation is the result at `targetRateHz`
 * (8 kHz: 115 MB per hour); the samples are the same as the in-memory path's. Other files are
 * read and decoded whole.
 * @param path file path
 * @param targetRateHz the model's sample rate, Hz
 * @param segment optional `[offsetSec, durationSec]` to keep only part of the file (NeMo `offset`)
 * @param contents the file's bytes when the caller has read them already (not read again; ignored
 *   when the file is read block by block)
 * @throws Error naming the file: not found, unreadable, unknown format, unsupported encoding,
 *   truncated, non-finite samples (see decodeWav / decodeAudio), empty segment
 */
export async function loadAudio(
  path: string,
  targetRateHz: number,
  segment?: { offsetSec?: number; durationSec?: number },
  contents?: Uint8Array,
): Promise<CanonicalAudio> {
  const wantSegment = !!segment && !!(segment.offsetSec || segment.durationSec);
  const probe = await probeHead(path);
  if (probe && probe.container === 'wav' && (wantSegment || probe.bytes > STREAM_WAV_MIN_BYTES)) {
    return loadWavBlockwise(path, targetRateHz, segment);
  }
  let bytes: Uint8Array;
  try {
    bytes = contents ?? (await readFile(path));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(`${path}: ${code === 'ENOENT' ? 'file not found' : (err as Error).message}`);
  }
  const decoded = await decodeAudio(bytes, path);
  let samples = decoded.samples;
  if (segment && (segment.offsetSec || segment.durationSec)) {
    const start = Math.round((segment.offsetSec ?? 0) * decoded.sampleRateHz);
    const end =
      segment.durationSec !== undefined
        ? start + Math.round(segment.durationSec * decoded.sampleRateHz)
        : samples.length;
    if (start >= samples.length) {
      throw new Error(`${path}: offset ${segment.offsetSec}s is past the end of the file (${samples.length / decoded.sampleRateHz}s)`);
    }
    samples = samples.subarray(start, Math.min(end, samples.length));
  }
  const out = resample(samples, decoded.sampleRateHz, targetRateHz);
  return {
    samples: out,
    sampleRateHz: targetRateHz,
    sourceRateHz: decoded.sampleRateHz,
    sourceChannels: decoded.numChannels,
    durationSec: out.length / targetRateHz,
  };
}

/** Size and container of a file from its first bytes; undefined when it cannot be opened (readFile reports why). */
async function probeHead(path: string): Promise<{ bytes: number; container: ReturnType<typeof sniffAudio> } | undefined> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch {
    return undefined;
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) return undefined;
    const head = Buffer.alloc(16);
    const { bytesRead } = await fh.read(head, 0, 16, 0);
    return { bytes: st.size, container: sniffAudio(head.subarray(0, bytesRead)) };
  } finally {
    await fh.close();
  }
}
