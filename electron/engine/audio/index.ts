/** Audio stage: file -> canonical mono float32 PCM at the model's sample rate. */
import { decodeAudio, sniffAudio } from './decode';
import { resample } from './resample';
import { loadWavBlockwise } from './stream-load';
import {
  checkUtteranceDuration,
  MAX_COMPRESSED_FILE_BYTES,
  openAudioFile,
  STREAM_WAV_MIN_BYTES,
} from './limits';

export { decodeWav, encodeWav16, type DecodedAudio } from './wav';
export { decodeAudio, sniffAudio, type AudioContainer, type DecodedFile } from './decode';
export {
  openWavBlocks,
  readWavLayout,
  measureLongWavRead,
  DEFAULT_BLOCK_FRAMES,
  type WavLayout,
  type WavBlockReader,
  type LongReadMeasurement,
} from './wav-stream';
export {
  splitAtSilences,
  splitWavFile,
  DEFAULT_SILENCE_SPLIT,
  type SilenceSplitConfig,
  type AudioSegment,
} from './split';
export {
  resample,
  resampledLength,
  StreamingResampler,
  DEFAULT_RESAMPLE,
  type ResampleConfig,
} from './resample';
export { loadWavBlockwise, STREAM_WAV_MIN_BYTES, type BlockwiseLoad } from './stream-load';
export {
  MIN_SAMPLE_RATE_HZ,
  MAX_SAMPLE_RATE_HZ,
  MAX_UTTERANCE_SEC,
  MAX_TRAIN_UTTERANCE_SEC,
  MAX_COMPRESSED_FILE_BYTES,
  checkSampleRate,
  checkUtteranceDuration,
  openAudioFile,
  readAudioFile,
} from './limits';

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
 * Limits (limits.ts): only regular files are opened (a FIFO or /dev/zero is refused before any
 * read); sample rates 4000..192000 Hz; an utterance (file or segment) of at most MAX_UTTERANCE_SEC;
 * FLAC, MP3 and Ogg files of at most MAX_COMPRESSED_FILE_BYTES.
 * @throws Error naming the file: not found, not a regular file, unreadable, unknown format,
 *   unsupported encoding, truncated, non-finite samples (see decodeWav / decodeAudio), empty
 *   segment, or a limit above
 */
export async function loadAudio(
  path: string,
  targetRateHz: number,
  segment?: { offsetSec?: number; durationSec?: number },
  contents?: Uint8Array,
): Promise<CanonicalAudio> {
  const wantSegment = !!segment && !!(segment.offsetSec || segment.durationSec);
  let bytes: Uint8Array | undefined = contents;
  const { fh, sizeBytes } = await openAudioFile(path);
  try {
    const head = Buffer.alloc(16);
    const { bytesRead } = await fh.read(head, 0, 16, 0);
    const container = sniffAudio(head.subarray(0, bytesRead));
    if (container === 'wav' && (wantSegment || sizeBytes > STREAM_WAV_MIN_BYTES)) {
      return await loadWavBlockwise(path, targetRateHz, segment);
    }
    if (container !== 'wav' && sizeBytes > MAX_COMPRESSED_FILE_BYTES) {
      throw new Error(
        `${path}: file is ${sizeBytes} bytes, more than the ${MAX_COMPRESSED_FILE_BYTES} bytes a FLAC, MP3 or Ogg file may have ` +
          '(these are decoded whole); convert it to WAV, which is read block by block',
      );
    }
    bytes ??= await fh.readFile();
  } finally {
    await fh.close();
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
      throw new Error(
        `${path}: offset ${segment.offsetSec}s is past the end of the file (${samples.length / decoded.sampleRateHz}s)`,
      );
    }
    samples = samples.subarray(start, Math.min(end, samples.length));
  }
  checkUtteranceDuration(samples.length / decoded.sampleRateHz, path);
  const out = resample(samples, decoded.sampleRateHz, targetRateHz);
  return {
    samples: out,
    sampleRateHz: targetRateHz,
    sourceRateHz: decoded.sampleRateHz,
    sourceChannels: decoded.numChannels,
    durationSec: out.length / targetRateHz,
  };
}
