/**
 * `import --split-silences`: each whole recording of an import becomes one utterance per stretch
 * of speech between silences (audio/split.ts: frame energy against a threshold). The utterances are
 * NeMo segments of the original file (`offset` / `duration`, seconds) with an empty transcript, so
 * they can be transcribed later; the file itself is copied into the project once.
 */
import { decodeAudio, sniffAudio } from '../audio/decode';
import { MAX_COMPRESSED_FILE_BYTES, MAX_UTTERANCE_SEC, openAudioFile, readAudioFile } from '../audio/limits';
import { tooLong } from './audio-check';
import {
  splitAtSilences,
  splitWavFile,
  DEFAULT_SILENCE_SPLIT,
  type AudioSegment,
  type SilenceSplitConfig,
} from '../audio/split';
import type { Utterance } from './manifest';
import type { ImportResult } from './common';

/** Segment boundaries are written to the manifest rounded to 1 ms (divide, so 4.6 stays 4.6 in JSON). */
const round = (s: number) => Math.round(s * 1000) / 1000;

/** Find the speech in one file: WAV block-wise (bounded memory), other formats decoded whole. */
async function segmentsOf(file: string, config: Partial<SilenceSplitConfig>): Promise<AudioSegment[]> {
  const { fh } = await openAudioFile(file); // regular files only (no FIFO, no device)
  let head: Uint8Array;
  try {
    const buf = Buffer.alloc(128);
    head = buf.subarray(0, (await fh.read(buf, 0, 128, 0)).bytesRead);
  } finally {
    await fh.close();
  }
  if (sniffAudio(head) === 'wav') return splitWavFile(file, config);
  const d = await decodeAudio(
    await readAudioFile(file, MAX_COMPRESSED_FILE_BYTES, 'convert it to WAV, which is read block by block'),
    file,
  );
  return splitAtSilences(d.samples, d.sampleRateHz, config);
}

/**
 * Split every whole-file utterance of a checked import (see checkAudio) at silences.
 *
 * Each speech stretch becomes an utterance with id `<recording id>_<offset, 2 decimals>` (NeMo's
 * segment id convention), `offsetSec` / `durationSec` in seconds rounded to 1 ms, empty `text`,
 * the recording's speaker, accent and metadata, plus `meta.source_utterance` (the recording's id)
 * and, when the recording had a transcript, `meta.recording_text`. Utterances that already are
 * segments (`offsetSec` set) are kept unchanged. A recording with no speech above the threshold is
 * skipped with the reason; so is one that cannot be read again, and a stretch of speech longer than
 * MAX_UTTERANCE_SEC (limits.ts).
 * @param result the output of checkAudio (audio known to decode)
 * @param config overrides of DEFAULT_SILENCE_SPLIT (thresholdDb in dBFS, minSilenceMs in ms, ...)
 * @returns a new ImportResult (the input is not modified)
 */
export async function splitRecordings(
  result: ImportResult,
  config: Partial<SilenceSplitConfig> = {},
): Promise<ImportResult> {
  const c = { ...DEFAULT_SILENCE_SPLIT, ...config };
  const utterances: Utterance[] = [];
  const skipped = [...result.skipped];
  const ids = new Set(result.utterances.filter((u) => u.offsetSec !== undefined).map((u) => u.id));
  for (const u of result.utterances) {
    if (u.offsetSec !== undefined) {
      utterances.push(u);
      continue;
    }
    let segs: AudioSegment[];
    try {
      segs = await segmentsOf(u.audioPath, c);
    } catch (err) {
      skipped.push({ file: u.audioPath, reason: (err as Error).message.replace(`${u.audioPath}: `, '') });
      continue;
    }
    if (segs.length === 0) {
      skipped.push({
        file: u.audioPath,
        reason: `"${u.id}": no speech found when splitting at silences (every ${c.frameMs} ms frame is below ${c.thresholdDb} dBFS)`,
      });
      continue;
    }
    for (const s of segs) {
      const offsetSec = round(s.startSec);
      const durationSec = round(s.endSec - offsetSec);
      if (durationSec <= 0) continue;
      if (durationSec > MAX_UTTERANCE_SEC) {
        skipped.push({ file: u.audioPath, reason: tooLong(`${u.id}_${offsetSec.toFixed(2)}`, durationSec) });
        continue;
      }
      let id = `${u.id}_${offsetSec.toFixed(2)}`;
      for (let k = 2; ids.has(id); k++) id = `${u.id}_${offsetSec.toFixed(2)}-${k}`;
      ids.add(id);
      const meta: Record<string, unknown> = { ...u.meta, source_utterance: u.id };
      if (u.text) meta.recording_text = u.text;
      utterances.push({ ...u, id, offsetSec, durationSec, text: '', meta });
    }
  }
  return { utterances, skipped, warnings: result.warnings };
}
