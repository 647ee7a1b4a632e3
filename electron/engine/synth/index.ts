/**
 * Offline synthesizers behind one contract (types.ts). `findSynthesizer` picks one at run time.
 */
import { decodeWav } from '../audio/wav';
import { espeakVersion, TTS_VARIANTS, TTS_VOICES } from '../recipes/tts';
import type { SynthRequest, Synthesizer, SynthVoice } from './types';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export type { SynthRequest, Synthesizer, SynthVoice } from './types';

/** espeak-ng's normal rate, words per minute (its -s default). */
const ESPEAK_WPM = 175;

/**
 * The system `espeak-ng` program (Debian package espeak-ng, GPL-3.0-or-later) as a Synthesizer:
 * voices are `<language voice>+<variant>` over TTS_VOICES x TTS_VARIANTS; speed maps to words per
 * minute (1 = 175), pitch to its 0-99 scale.
 * @returns null when espeak-ng is not installed
 */
export function systemEspeak(): Synthesizer | null {
  const version = espeakVersion();
  if (!version) return null;
  const all: SynthVoice[] = TTS_VOICES.flatMap((v) =>
    TTS_VARIANTS.map((variant) => ({ id: `${v}+${variant}`, language: v.startsWith('en') ? 'en' : v })),
  );
  return {
    name: 'espeak-ng (system)',
    version,
    licence: 'GPL-3.0-or-later',
    voices: (language) => (language ? all.filter((v) => v.language.startsWith(language)) : all),
    synthesize: async (req: SynthRequest) => {
      const dir = mkdtempSync(path.join(tmpdir(), 'tts-'));
      try {
        const file = path.join(dir, 'out.wav');
        const args = ['-v', req.voice, '-s', String(Math.round(req.speed * ESPEAK_WPM))];
        args.push('-p', String(Math.round(req.pitch * 99)), '-w', file, req.text);
        const r = spawnSync('espeak-ng', args, { encoding: 'utf8' });
        if (r.error) throw new Error(`espeak-ng: ${r.error.message}`);
        if (r.status !== 0)
          throw new Error(`espeak-ng ${req.voice}: ${r.stderr.trim() || `exit code ${r.status}`}`);
        return decodeWav(readFileSync(file), file);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/**
 * The synthesizer to make training speech with.
 * @param name a synthesizer name (`espeak-ng`), or undefined for the first available
 * @throws Error listing what is available when none (or not the named one) can run here
 */
export async function findSynthesizer(name?: string): Promise<Synthesizer> {
  const espeak = systemEspeak();
  if (espeak && (!name || name === 'espeak-ng')) return espeak;
  throw new Error(
    name
      ? `synthesizer ${name} is not available here (available: ${espeak ? 'espeak-ng' : 'none'})`
      : 'no speech synthesizer is available (install the Debian package espeak-ng)',
  );
}
