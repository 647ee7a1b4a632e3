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

/** One language voice of an espeak-ng: its language code and voice file (`en-gb`, `gmw/en`). */
export interface EspeakLanguage {
  code: string;
  file: string;
}

/**
 * The voice name to combine with a variant: the language code when it names the voice file
 * (`en-us` for gmw/en-US), else the file (`gmw/en` for `en-gb`, `roa/fr` for `fr-fr`): espeak-ng
 * 1.51 silently drops the variant of `-v en-gb+f2` (every variant sounds the same) and the
 * WebAssembly build refuses `en-gb` outright, while `gmw/en+f2` works in both.
 */
export function voicePrefix(l: EspeakLanguage): string {
  return path.posix.basename(l.file).toLowerCase() === l.code ? l.code : l.file;
}

/**
 * The voices of an espeak-ng with these language voices: `<prefix>+<variant>` (voicePrefix) for
 * every TTS_VARIANTS, with the code's language tag (`gmw/en+f2` is `en-GB`).
 */
export function espeakVoices(languages: EspeakLanguage[]): SynthVoice[] {
  const prefixes = new Map<string, string>(); // prefix -> the first code that has it
  for (const l of languages) if (!prefixes.has(voicePrefix(l))) prefixes.set(voicePrefix(l), l.code);
  return [...prefixes].flatMap(([prefix, code]) =>
    TTS_VARIANTS.map((variant) => ({ id: `${prefix}+${variant}`, language: languageTag(code) })),
  );
}

/**
 * The base recipe's voice ids (TTS_VOICES x TTS_VARIANTS), accepted by synthesize whether listed or
 * not: `en-gb+<variant>` is passed to espeak-ng unchanged (its variant ignored, as the shipped
 * model's data was made), though voices() lists `gmw/en+<variant>` instead.
 */
export const RECIPE_VOICE_IDS: ReadonlySet<string> = new Set(
  TTS_VOICES.flatMap((v) => TTS_VARIANTS.map((variant) => `${v}+${variant}`)),
);

/** The error for a voice id not among `voices`. */
export function unknownEspeakVoice(name: string, voice: string): Error {
  return new Error(
    `${name}: no voice ${voice} (voices are <language>+<variant>, e.g. en-us+m1; see npm run cli -- synthesizers --voices)`,
  );
}

/** `en-gb-x-rp` -> `en-GB-x-rp`, `en-us-nyc` -> `en-US-nyc` (region subtags upper case). */
function languageTag(code: string): string {
  const parts = code.split('-');
  return parts.map((p, i) => (i === 1 && p.length === 2 && parts[0] !== 'x' ? p.toUpperCase() : p)).join('-');
}

/**
 * The language voices of `espeak-ng --voices` (mbrola voices, which need the separate mbrola
 * program, and the bare variants left out), one per language code, in espeak-ng's order.
 */
function espeakLanguages(): EspeakLanguage[] {
  const r = spawnSync('espeak-ng', ['--voices'], { encoding: 'utf8' });
  const out: EspeakLanguage[] = [];
  for (const line of r.status === 0 ? r.stdout.split('\n').slice(1) : []) {
    const cols = line.trim().split(/\s+/);
    if (cols.length < 5 || cols[1] === 'variant' || cols[4].startsWith('mb/')) continue;
    if (!out.some((l) => l.code === cols[1])) out.push({ code: cols[1], file: cols[4] });
  }
  return out;
}

/**
 * The system espeak-ng as a Synthesizer. Voices are `<language>+<variant>` for every language of
 * `espeak-ng --voices` and every TTS_VARIANTS (e.g. `en-gb-scotland+f3`; `gmw/en+f3` for British
 * English: voicePrefix), plus the base recipe's RECIPE_VOICE_IDS; speed maps to words per
 * minute (1 = 175, the default), pitch to its 0-99 scale (0.5 ~ its default 50). Output: 22050 Hz.
 * @returns null when espeak-ng is not installed
 */
export function systemEspeak(): Synthesizer | null {
  const version = espeakVersion();
  if (!version) return null;
  let all: SynthVoice[] | null = null;
  const voices = (): SynthVoice[] => (all ??= espeakVoices(espeakLanguages()));
  return {
    id: 'espeak-ng',
    name: 'espeak-ng (system)',
    version,
    licence: 'GPL-3.0-or-later',
    voices: (language) =>
      language ? voices().filter((v) => languageMatches(v.language, language)) : voices(),
    synthesize: async (req: SynthRequest) => {
      if (!RECIPE_VOICE_IDS.has(req.voice) && !voices().some((v) => v.id === req.voice))
        throw unknownEspeakVoice('espeak-ng (system)', req.voice);
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
