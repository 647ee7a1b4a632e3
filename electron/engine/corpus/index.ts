/**
 * Corpus formats: one importer and one exporter per format, in a registry typed from data. The CLI
 * (`import --format`, `export --format`) and the project store read the same registry.
 */
import { importNemo, exportNemo } from './nemo';
import { importHfAudiofolder, exportHfAudiofolder } from './hf-audiofolder';
import { importCommonVoice, exportCommonVoice } from './common-voice';
import { importKaldi, exportKaldi } from './kaldi';
import { importPlainFolder, exportPlainFolder } from './plain-folder';
import { checkAudio } from './audio-check';
import { splitRecordings } from './split-import';
import type { Exporter, Importer, ImportOptions, ImportResult } from './common';

export type { ImportResult, ImportOptions, ExportResult, SkippedItem } from './common';
export { probeAudio, checkAudio, type AudioInfo } from './audio-check';
export { splitRecordings } from './split-import';

/** One corpus format. */
export interface FormatEntry {
  /** One line for help texts and pickers. */
  summary: string;
  /** What to point the importer at. */
  source: string;
  importer: Importer;
  exporter: Exporter;
}

export const FORMATS = {
  nemo: {
    summary: 'NeMo JSON Lines manifest (audio_filepath, duration, text, optional offset, speaker, accent)',
    source: 'a .jsonl manifest file',
    importer: importNemo,
    exporter: exportNemo,
  },
  'hf-audiofolder': {
    summary:
      'Hugging Face audiofolder (metadata.csv / metadata.jsonl with file_name and transcription/sentence/text)',
    source: 'the dataset folder',
    importer: importHfAudiofolder,
    exporter: exportHfAudiofolder,
  },
  'common-voice': {
    summary: 'Mozilla Common Voice TSV (path, sentence, client_id, accents; audio in clips/)',
    source: 'a .tsv file or the Common Voice folder',
    importer: importCommonVoice,
    exporter: exportCommonVoice,
  },
  kaldi: {
    summary: 'Kaldi data directory (wav.scp, text, utt2spk, optional segments)',
    source: 'the data directory',
    importer: importKaldi,
    exporter: exportKaldi,
  },
  'plain-folder': {
    summary: 'folder of audio files with .txt or .lab transcripts beside them (subfolder = speaker)',
    source: 'the folder',
    importer: importPlainFolder,
    exporter: exportPlainFolder,
  },
} as const satisfies Record<string, FormatEntry>;

export type FormatName = keyof typeof FORMATS;
export const FORMAT_NAMES = Object.keys(FORMATS) as FormatName[];

/** Type guard for user input. */
export function isFormatName(v: string): v is FormatName {
  return Object.prototype.hasOwnProperty.call(FORMATS, v);
}

/**
 * Read a corpus in any format and check its audio (see checkAudio): the whole import except the
 * copy into a project. With `options.splitSilences`, whole recordings are then split into
 * utterances at silences (see splitRecordings).
 * @throws Error only when the source itself is missing or unreadable (naming it); bad items are skipped
 */
export async function importCorpus(
  format: FormatName,
  source: string,
  options: ImportOptions = {},
  onProgress?: (done: number, total: number) => void,
): Promise<ImportResult> {
  const split = options.splitSilences;
  const read = await FORMATS[format].importer(source, split ? { ...options, allowEmptyText: true } : options);
  const checked = await checkAudio(read, onProgress, { splitLater: !!split });
  return split ? splitRecordings(checked, split === true ? {} : split) : checked;
}

/** Plain-words summary of an import: counts, then one line per skipped item and warning. */
export function formatImportSummary(
  r: { utterances: unknown[] } & Pick<ImportResult, 'skipped' | 'warnings'>,
  verb = 'imported',
): string {
  const lines = [
    `${verb} ${r.utterances.length} utterance${r.utterances.length === 1 ? '' : 's'}, skipped ${r.skipped.length}`,
  ];
  for (const s of r.skipped) lines.push(`  skipped ${s.file}: ${s.reason}`);
  for (const w of r.warnings) lines.push(`  note ${w.file}: ${w.reason}`);
  return lines.join('\n');
}
