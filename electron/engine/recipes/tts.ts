/**
 * Synthetic speech from espeak-ng (the Debian package `espeak-ng`), for speaker and channel variety
 * in base-model training: formant-synthesised English voices with random variant, rate and pitch.
 * Only the training recipe uses it; the app never needs it.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { decodeWav } from '../audio/wav';
import { resample } from '../audio/resample';

/** espeak-ng's English voices (accents of the British Isles, US and Caribbean English). */
export const TTS_VOICES = [
  'en-us',
  'en-gb',
  'en-gb-scotland',
  'en-gb-x-gbclan',
  'en-gb-x-rp',
  'en-gb-x-gbcwmd',
  'en-029',
];
/** Voice variants (male, female, Klatt-synthesiser timbres). */
export const TTS_VARIANTS = [
  'm1',
  'm2',
  'm3',
  'm4',
  'm5',
  'm6',
  'm7',
  'f1',
  'f2',
  'f3',
  'f4',
  'f5',
  'klatt',
  'klatt2',
  'klatt3',
];

/** One synthesis request. */
export interface TtsRequest {
  text: string;
  voice: string;
  variant: string;
  /** Words per minute (espeak-ng -s). */
  wordsPerMinute: number;
  /** 0-99 (espeak-ng -p). */
  pitch: number;
}

/**
 * Whether espeak-ng can run here.
 * @returns its version line, or null
 */
export function espeakVersion(): string | null {
  const r = spawnSync('espeak-ng', ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.split(/\s{2,}/)[0].trim() : null;
}

/**
 * Synthesise speech.
 * @param rateHz output sample rate, Hz
 * @returns [numSamples] float32 in [-1, 1] at rateHz
 * @throws Error when espeak-ng is missing or fails (its message)
 */
export function synthesize(req: TtsRequest, rateHz: number): Float32Array {
  const dir = mkdtempSync(path.join(tmpdir(), 'tts-'));
  try {
    const file = path.join(dir, 'out.wav');
    const r = spawnSync(
      'espeak-ng',
      [
        '-v',
        `${req.voice}+${req.variant}`,
        '-s',
        String(req.wordsPerMinute),
        '-p',
        String(req.pitch),
        '-w',
        file,
        req.text,
      ],
      { encoding: 'utf8' },
    );
    if (r.error) throw new Error(`espeak-ng: ${r.error.message} (install the Debian package espeak-ng)`);
    if (r.status !== 0)
      throw new Error(`espeak-ng ${req.voice}+${req.variant}: ${r.stderr.trim() || `exit code ${r.status}`}`);
    const audio = decodeWav(readFileSync(file), file);
    return resample(audio.samples, audio.sampleRateHz, rateHz);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
