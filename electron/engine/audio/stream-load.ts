/**
 * Bounded-memory loading of long WAV files: the data chunk is read block by block (wav-stream.ts),
 * each block mixed down to mono and fed to the streaming resampler (resample.ts), whose outputs go
 * straight into the result array. The only allocation proportional to the recording is that result
 * at the model's rate (8 kHz mono float32: 115 MB per hour); a 1-hour 48 kHz stereo 16-bit file
 * (691 MB) is never held. A segment (NeMo `offset` / `duration`) reads only its own blocks.
 */
import { openWavBlocks, DEFAULT_BLOCK_FRAMES } from './wav-stream';
import { StreamingResampler, resampledLength } from './resample';
import { checkUtteranceDuration } from './limits';

/** WAV files larger than this (bytes) are loaded block-wise by loadAudio: 64 MiB (limits.ts). */
export { STREAM_WAV_MIN_BYTES } from './limits';

/** What loadWavBlockwise returns (the fields of CanonicalAudio). */
export interface BlockwiseLoad {
  /** [numSamples] float32 mono at targetRateHz. */
  samples: Float32Array;
  sampleRateHz: number;
  /** The file's own rate, Hz. */
  sourceRateHz: number;
  /** Channels before mixdown. */
  sourceChannels: number;
  /** samples.length / targetRateHz, seconds. */
  durationSec: number;
}

/**
 * Load a WAV file (or a segment of it) block by block, mixed down and resampled to `targetRateHz`.
 * The result equals `resample(decodeWav(file).samples.subarray(start, end), rate, targetRateHz)`
 * bit for bit, with start = round(offsetSec * rate) and end = start + round(durationSec * rate)
 * (clamped to the file), as loadAudio's in-memory path.
 * @param file path of a WAV file
 * @param targetRateHz output sample rate, Hz (positive integer)
 * @param segment optional offset / duration, seconds (NeMo `offset` / `duration`); only the blocks
 *   covering it are read
 * @param blockFrames frames per read (default DEFAULT_BLOCK_FRAMES = 65536)
 * @throws Error naming the file: openWavBlocks's / readWavLayout's errors (not found, not a WAV,
 *   truncated, unsupported encoding, sample rate limits), NaN samples, `"<file>: offset <s>s is past
 *   the end of the file (<d>s)"`, or checkUtteranceDuration's error when the part read is longer
 *   than MAX_UTTERANCE_SEC (checked before anything is read or allocated)
 */
export async function loadWavBlockwise(
  file: string,
  targetRateHz: number,
  segment?: { offsetSec?: number; durationSec?: number },
  blockFrames = DEFAULT_BLOCK_FRAMES,
): Promise<BlockwiseLoad> {
  const reader = await openWavBlocks(file);
  try {
    const { sampleRateHz: rate, numFrames, numChannels } = reader.layout;
    let start = 0;
    let end = numFrames;
    if (segment && (segment.offsetSec || segment.durationSec)) {
      start = Math.round((segment.offsetSec ?? 0) * rate);
      end =
        segment.durationSec !== undefined
          ? Math.min(numFrames, start + Math.round(segment.durationSec * rate))
          : numFrames;
      if (start >= numFrames)
        throw new Error(
          `${file}: offset ${segment.offsetSec}s is past the end of the file (${numFrames / rate}s)`,
        );
    }
    checkUtteranceDuration((end - start) / rate, file);
    const rs = new StreamingResampler(rate, targetRateHz);
    const out = new Float32Array(resampledLength(Math.max(0, end - start), rate, targetRateHz));
    let o = 0;
    // One reused block array and outputs written in place: no garbage per block.
    if (end > start)
      for await (const block of reader.blocks(blockFrames, start, end, true)) o += rs.pushInto(block, out, o);
    const tail = rs.finish();
    out.set(tail, o);
    o += tail.length;
    if (o !== out.length)
      throw new Error(`${file}: internal error: resampled ${o} samples, expected ${out.length}`);
    return {
      samples: out,
      sampleRateHz: targetRateHz,
      sourceRateHz: rate,
      sourceChannels: numChannels,
      durationSec: out.length / targetRateHz,
    };
  } finally {
    await reader.close();
  }
}
