/**
 * The system `espeak-ng` program (Debian package espeak-ng, GPL-3.0-or-later; run as a separate
 * program, never linked) as a Synthesizer: formant-synthesised voices in about 100 languages, each
 * with the timbre variants of TTS_VARIANTS. The base-model recipe draws its synthetic English from
 * TTS_VOICES x TTS_VARIANTS.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { decodeWav } from '../audio/wav';
import type { SynthRequest, Synthesizer, SynthVoice } from './types';
import { languageMatches } from './voices';

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

/** espeak-ng's normal rate, words per minute (its -s default): speed 1. */
export const ESPEAK_WPM = 175;
/** espeak-ng's highest pitch (-p 0-99): pitch 1. */
export const ESPEAK_PITCH_MAX = 99;

/**
 * Whether espeak-ng can run here.
 * @returns its version line (`eSpeak NG text-to-speech: 1.51`), or null
 */
export function espeakVersion(): string | null {
  const r = spawnSync('espeak-ng', ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.split(/\s{2,}/)[0].trim() : null;
}

/**
 * The espeak-ng arguments for a request: `-v voice -s wpm -p pitch -w file text`, with
 * wpm = round(speed * 175) and pitch = round(pitch * 99), so speed = w / 175 and pitch = p / 99 give
 * back exactly `-s w` and `-p p` for integer w and p (the base recipe relies on it).
 */
export function espeakArgs(req: SynthRequest, wavFile: string): string[] {
  return [
    '-v',
    req.voice,
    '-s',
    String(Math.round(req.speed * ESPEAK_WPM)),
    '-p',
    String(Math.round(req.pitch * ESPEAK_PITCH_MAX)),
    '-w',
    wavFile,
    req.text,
  ];
}

/** `en-gb-x-rp` -> `en-GB-x-rp`, `en-us-nyc` -> `en-US-nyc` (region subtags upper case). */
function languageTag(code: string): string {
  const parts = code.split('-');
  return parts
    .map((p, i) => (i === 1 && p.length === 2 && parts[0] !== 'x' ? p.toUpperCase() : p))
    .join('-');
}

/**
 * The language voices of `espeak-ng --voices` (mbrola voices, which need the separate mbrola
 * program, and the bare variants left out), one per language code, in espeak-ng's order.
 */
function espeakLanguages(): string[] {
  const r = spawnSync('espeak-ng', ['--voices'], { encoding: 'utf8' });
  if (r.status !== 0) return [...TTS_VOICES];
  const codes: string[] = [];
  for (const line of r.stdout.split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/);
    if (cols.length < 5 || cols[1] === 'variant' || cols[4].startsWith('mb/')) continue;
    if (!codes.includes(cols[1])) codes.push(cols[1]);
  }
  for (const v of TTS_VOICES) if (!codes.includes(v)) codes.push(v);
  return codes;
}

/**
 * The system espeak-ng as a Synthesizer. Voices are `<language>+<variant>` for every language of
 * `espeak-ng --voices` and every TTS_VARIANTS (e.g. `en-gb-scotland+f3`); speed maps to words per
 * minute (1 = 175, the default), pitch to its 0-99 scale (0.5 ~ its default 50). Output: 22050 Hz.
 * @returns null when espeak-ng is not installed
 */
export function systemEspeak(): Synthesizer | null {
  const version = espeakVersion();
  if (!version) return null;
  let all: SynthVoice[] | null = null;
  const voices = (): SynthVoice[] =>
    (all ??= espeakLanguages().flatMap((code) =>
      TTS_VARIANTS.map((variant) => ({ id: `${code}+${variant}`, language: languageTag(code) })),
    ));
  return {
    id: 'espeak-ng',
    name: 'espeak-ng (system)',
    version,
    licence: 'GPL-3.0-or-later',
    voices: (language) => (language ? voices().filter((v) => languageMatches(v.language, language)) : voices()),
    synthesize: async (req: SynthRequest) => {
      if (!voices().some((v) => v.id === req.voice))
        throw new Error(
          `espeak-ng (system): no voice ${req.voice} (voices are <language>+<variant>, e.g. en-us+m1; see espeak-ng --voices)`,
        );
      const dir = mkdtempSync(path.join(tmpdir(), 'tts-'));
      try {
        const file = path.join(dir, 'out.wav');
        const r = spawnSync('espeak-ng', espeakArgs(req, file), { encoding: 'utf8' });
        if (r.error) throw new Error(`espeak-ng (system) ${req.voice}: ${r.error.message}`);
        if (r.status !== 0)
          throw new Error(`espeak-ng (system) ${req.voice}: ${r.stderr.trim() || `exit code ${r.status}`}`);
        return decodeWav(readFileSync(file), file);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
