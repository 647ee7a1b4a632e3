/**
 * Split a long recording into utterances at silences: frame energy against a threshold, then
 * silences of at least a minimum duration become cut points (the classic energy VAD of e.g. sox's
 * `silence` effect and Kaldi's `compute-vad`, without a model).
 *
 * Works on a stream of blocks, keeping only one dB value per frame (1 hour at 20 ms frames is
 * 180,000 numbers), so it runs over `openWavBlocks` without holding the audio.
 */
import { openWavBlocks, DEFAULT_BLOCK_FRAMES } from './wav-stream';

/** Splitter settings. */
export interface SilenceSplitConfig {
  /** Analysis frame, ms (non-overlapping). Default 20. */
  frameMs: number;
  /** A frame whose RMS level is below this is silent, dBFS (0 = full-scale square wave). Default -40. */
  thresholdDb: number;
  /** Silences at least this long separate utterances, ms. Default 300. */
  minSilenceMs: number;
  /** Speech runs shorter than this are dropped (clicks), ms. Default 100. */
  minSpeechMs: number;
  /** Silence kept on each side of an utterance, ms (never past the neighbours' midpoint). Default 100. */
  padMs: number;
}

export const DEFAULT_SILENCE_SPLIT: SilenceSplitConfig = {
  frameMs: 20,
  thresholdDb: -40,
  minSilenceMs: 300,
  minSpeechMs: 100,
  padMs: 100,
};

/** One utterance found in a recording, seconds from its start. */
export interface AudioSegment {
  startSec: number;
  endSec: number;
}

/**
 * Find utterances in mono audio delivered block by block.
 * @param blocks mono float32 blocks in order (any lengths), or one array
 * @param sampleRateHz sample rate, Hz
 * @param config overrides of DEFAULT_SILENCE_SPLIT
 * @returns segments in time order, non-overlapping, each at least minSpeechMs of speech plus padding;
 *   empty when the whole signal is below the threshold
 */
export async function splitAtSilences(
  blocks: AsyncIterable<Float32Array> | Iterable<Float32Array> | Float32Array,
  sampleRateHz: number,
  config: Partial<SilenceSplitConfig> = {},
): Promise<AudioSegment[]> {
  const c = { ...DEFAULT_SILENCE_SPLIT, ...config };
  const frameLen = Math.max(1, Math.round((c.frameMs / 1000) * sampleRateHz));
  const frameSec = frameLen / sampleRateHz;
  const loud: boolean[] = [];
  const threshold = 10 ** (c.thresholdDb / 10); // on mean square; a full-scale square wave has power 1
  let acc = 0;
  let n = 0;
  const source = blocks instanceof Float32Array ? [blocks] : blocks;
  for await (const block of source as AsyncIterable<Float32Array>) {
    for (let i = 0; i < block.length; i++) {
      acc += block[i] * block[i];
      if (++n === frameLen) {
        loud.push(acc / frameLen >= threshold);
        acc = 0;
        n = 0;
      }
    }
  }
  if (n > 0) loud.push(acc / n >= threshold);
  const totalSec = (loud.length - 1) * frameSec + (n > 0 ? n / sampleRateHz : frameSec);
  // Runs of loud frames, merged across silences shorter than minSilenceMs.
  const minSilFrames = Math.ceil(c.minSilenceMs / c.frameMs);
  const runs: [number, number][] = [];
  for (let i = 0; i < loud.length;) {
    if (!loud[i]) {
      i++;
      continue;
    }
    let j = i;
    while (j < loud.length && loud[j]) j++;
    const last = runs[runs.length - 1];
    if (last && i - last[1] < minSilFrames) last[1] = j;
    else runs.push([i, j]);
    i = j;
  }
  const minSpeechFrames = Math.ceil(c.minSpeechMs / c.frameMs);
  const kept = runs.filter(([a, b]) => b - a >= minSpeechFrames);
  const pad = c.padMs / 1000;
  return kept.map(([a, b], k) => {
    const prevEnd = k > 0 ? kept[k - 1][1] * frameSec : 0;
    const nextStart = k + 1 < kept.length ? kept[k + 1][0] * frameSec : totalSec;
    const s = a * frameSec;
    const e = Math.min(b * frameSec, totalSec);
    return {
      startSec: Math.max(s - pad, k > 0 ? (prevEnd + s) / 2 : 0),
      endSec: Math.min(e + pad, k + 1 < kept.length ? (e + nextStart) / 2 : totalSec),
    };
  });
}

/**
 * Split a WAV file (any length; read block-wise, bounded memory) at silences.
 * @throws Error naming the file, as openWavBlocks
 */
export async function splitWavFile(
  file: string,
  config: Partial<SilenceSplitConfig> = {},
): Promise<AudioSegment[]> {
  const reader = await openWavBlocks(file);
  try {
    return await splitAtSilences(reader.blocks(DEFAULT_BLOCK_FRAMES), reader.layout.sampleRateHz, config);
  } finally {
    await reader.close();
  }
}
