/**
 * Limits on audio input, in one place (the README's "Limits" paragraph states the same numbers),
 * and the one way every audio read path opens a file.
 *
 * Why limits: audio sizes come from file headers and manifests written by anyone. Without bounds a
 * WAV declaring a 1 Hz sample rate is resampled 8000-fold (5 minutes to 4.4 GB, then a crash naming
 * no file), a 6-hour recording overflows a typed array, and `/dev/zero` or a FIFO given as
 * `audio_filepath` is read forever. Each check throws an Error naming the file and the limit.
 */
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';

/**
 * Lowest accepted sample rate, Hz. 8 kHz telephone speech is the lowest rate in use; below 4 kHz
 * (2 kHz of bandwidth) no speech model works and a header saying so is more likely broken.
 */
export const MIN_SAMPLE_RATE_HZ = 4000;
/** Highest accepted sample rate, Hz: 192 kHz, the highest rate audio interfaces record at. */
export const MAX_SAMPLE_RATE_HZ = 192000;

/**
 * Longest utterance (a whole file, or a NeMo offset/duration segment) that evaluate, adapt and
 * import accept, seconds: 2 hours. One utterance is featurised and decoded as a whole (a 1-hour
 * utterance in `evaluate` peaked at 416 MB RSS, measured on a 16 kHz file of 5,456 digits); longer recordings
 * are refused with the reason and belong in segments (`import --split-silences`, or manifest
 * `offset`/`duration` lines).
 */
export const MAX_UTTERANCE_SEC = 2 * 3600;

/**
 * Longest adaptation utterance trained on, seconds: 120. A whole utterance is one CTC sequence in
 * one training step (a 1-hour one would need gigabytes); longer ones are scored but left out of
 * training with a note in the report (model/fit.ts). The longest in the shipped benchmarks is 17 s.
 */
export const MAX_TRAIN_UTTERANCE_SEC = 120;

/**
 * WAV files larger than this are read block by block (bounded memory, any length); smaller ones,
 * and every WAV segment, are read as needed by loadAudio: 64 MiB.
 */
export const STREAM_WAV_MIN_BYTES = 64 * 1024 * 1024;

/**
 * Largest FLAC, MP3 or Ogg Vorbis file, bytes: 64 MiB (over an hour of MP3 at 128 kbit/s). These
 * are decoded whole by the wasm decoders (a 1-hour 44.1 kHz stereo file decodes to 1.3 GB of
 * float32), so longer recordings must be converted to WAV, which is read block by block.
 */
export const MAX_COMPRESSED_FILE_BYTES = 64 * 1024 * 1024;

/**
 * Check a sample rate against MIN_SAMPLE_RATE_HZ..MAX_SAMPLE_RATE_HZ.
 * @throws Error `"<name>: sample rate <r> Hz is outside the supported 4000..192000 Hz"`
 */
export function checkSampleRate(sampleRateHz: number, name: string): void {
  if (!(sampleRateHz >= MIN_SAMPLE_RATE_HZ && sampleRateHz <= MAX_SAMPLE_RATE_HZ)) {
    throw new Error(
      `${name}: sample rate ${sampleRateHz} Hz is outside the supported ${MIN_SAMPLE_RATE_HZ}..${MAX_SAMPLE_RATE_HZ} Hz`,
    );
  }
}

/**
 * Check an utterance's length against MAX_UTTERANCE_SEC.
 * @param durationSec length of the utterance (file or segment), seconds
 * @throws Error `"<name>: utterance is 21600.0 s long, more than the 7200 s limit per utterance;
 *   split the recording into segments (import --split-silences)"`
 */
export function checkUtteranceDuration(durationSec: number, name: string): void {
  if (durationSec > MAX_UTTERANCE_SEC) {
    throw new Error(
      `${name}: utterance is ${durationSec.toFixed(1)} s long, more than the ${MAX_UTTERANCE_SEC} s limit per utterance; ` +
        'split the recording into segments (import --split-silences)',
    );
  }
}

/** What a non-regular file is, for the error message. */
function kindOf(st: {
  isDirectory(): boolean;
  isFIFO(): boolean;
  isCharacterDevice(): boolean;
  isBlockDevice(): boolean;
  isSocket(): boolean;
}): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * Open an audio file for reading, refusing anything that is not a regular file (a directory,
 * FIFO, device such as /dev/zero, or socket, also behind a symbolic link) before any byte is read.
 * The file is opened non-blocking, so a FIFO without a writer cannot hang the open; the check is
 * on the opened descriptor (fstat), so the file cannot be swapped between check and read.
 * Every audio read path (loadAudio, openWavBlocks, probeAudio, the feature cache's hashing) opens
 * files through this.
 * @returns the open handle (the caller closes it) and the file's size, bytes
 * @throws Error `"<file>: file not found"`, `"<file>: not a regular file (a FIFO (named pipe))"`
 *   (and the other kinds), or `"<file>: <system message>"`
 */
export async function openAudioFile(file: string): Promise<{ fh: FileHandle; sizeBytes: number }> {
  let fh: FileHandle;
  try {
    fh = await open(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(`${file}: ${code === 'ENOENT' ? 'file not found' : (err as Error).message}`, {
      cause: err,
    });
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) {
      const kind = kindOf(st);
      throw new Error(
        `${file}: not a regular file (${kind === 'not a regular file' ? 'unknown kind' : kind}); audio must be a file`,
      );
    }
    return { fh, sizeBytes: st.size };
  } catch (err) {
    await fh.close();
    throw err;
  }
}

/**
 * Read a whole audio file (a regular file, see openAudioFile), at most `maxBytes`.
 * @throws Error as openAudioFile, or `"<file>: file is <n> bytes, more than the <m> bytes read whole; <advice>"`
 */
export async function readAudioFile(file: string, maxBytes: number, advice: string): Promise<Buffer> {
  const { fh, sizeBytes } = await openAudioFile(file);
  try {
    if (sizeBytes > maxBytes)
      throw new Error(
        `${file}: file is ${sizeBytes} bytes, more than the ${maxBytes} bytes read whole; ${advice}`,
      );
    return await fh.readFile();
  } finally {
    await fh.close();
  }
}
