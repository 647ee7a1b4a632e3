/**
 * espeak-ng compiled to WebAssembly (npm `@echogarden/espeak-ng-emscripten`, GPL-3.0), used only
 * when the user installed it into the app themselves (`npm install @echogarden/espeak-ng-emscripten`):
 * it is not a dependency of this MIT-licensed app and never ships with it (docs/synthesizers.md).
 * Same voice ids and speed/pitch mapping as the system espeak-ng (espeak.ts): `<language>+<variant>`
 * or `<voice file>+<variant>` (voicePrefix; the base recipe's `en-gb+f2` is set as `gmw/en+f2`),
 * -s = round(speed * 175) words per minute, -p = round(pitch * 99). Output: 22050 Hz. The module
 * (24 MB of voice data) loads on first use, ~1 s.
 */
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  ESPEAK_PITCH_MAX,
  ESPEAK_WPM,
  espeakVoices,
  RECIPE_VOICE_IDS,
  unknownEspeakVoice,
  type EspeakLanguage,
} from './espeak';
import type { SynthRequest, Synthesizer, SynthVoice } from './types';
import { languageMatches } from './voices';

/** The npm package; the user installs it, the app never depends on it. */
export const ESPEAK_WASM_PACKAGE = '@echogarden/espeak-ng-emscripten';

/** The parts of the module's eSpeakNGWorker this file uses. */
interface EspeakWorker {
  list_voices(): { identifier: string; languages: { name: string }[] }[];
  set_voice(id: string): number;
  set_rate(wpm: number): number;
  set_pitch(pitch: number): number;
  synthesize(text: string, onChunk: (samples: Int16Array | null) => void): void;
}

/** Where the installed package's entry is, or null when it is not installed. */
function packageEntry(): string | null {
  try {
    return createRequire(import.meta.url).resolve(ESPEAK_WASM_PACKAGE);
  } catch {
    return null;
  }
}

let worker: Promise<EspeakWorker> | null = null;

/** The module's worker, loaded once per process. */
function loadWorker(entry: string): Promise<EspeakWorker> {
  worker ??= (async () => {
    const mod = (await import(/* @vite-ignore */ pathToFileURL(entry).href)) as {
      default: () => Promise<{ eSpeakNGWorker: new () => EspeakWorker }>;
    };
    const m = await mod.default();
    return new m.eSpeakNGWorker();
  })();
  worker.catch(() => (worker = null));
  return worker;
}

/**
 * The user-installed WebAssembly espeak-ng as a Synthesizer (its module loaded here, once).
 * @returns null when `@echogarden/espeak-ng-emscripten` is not installed
 * @throws Error naming the package when it is installed but does not load
 */
export async function wasmEspeak(): Promise<Synthesizer | null> {
  const entry = packageEntry();
  if (!entry) return null;
  const name = 'espeak-ng (WebAssembly)';
  let w: EspeakWorker;
  try {
    w = await loadWorker(entry);
  } catch (err) {
    throw new Error(`${ESPEAK_WASM_PACKAGE} (${entry}): could not load (${(err as Error).message})`, {
      cause: err,
    });
  }
  const languages: EspeakLanguage[] = [];
  for (const v of w.list_voices()) {
    const code = v.languages[0]?.name;
    if (code && !v.identifier.startsWith('mb/') && !languages.some((l) => l.code === code))
      languages.push({ code, file: v.identifier });
  }
  const all: SynthVoice[] = espeakVoices(languages);
  // set_voice refuses some language codes (`en-gb`): the base recipe's ids go by their voice file
  const fileOf = new Map(languages.map((l) => [l.code, l.file]));
  let version = '?';
  try {
    version = (
      JSON.parse(readFileSync(path.join(path.dirname(entry), 'package.json'), 'utf8')) as {
        version: string;
      }
    ).version;
  } catch {
    // an unreadable package.json leaves the version unknown
  }
  return {
    id: 'espeak-ng-wasm',
    name,
    version: `${ESPEAK_WASM_PACKAGE} ${version}`,
    licence: 'GPL-3.0',
    voices: (language) => (language ? all.filter((v) => languageMatches(v.language, language)) : all),
    synthesize: async (req: SynthRequest) => {
      if (!RECIPE_VOICE_IDS.has(req.voice) && !all.some((v) => v.id === req.voice))
        throw unknownEspeakVoice(name, req.voice);
      const [language, variant] = req.voice.split('+');
      const code = w.set_voice(`${fileOf.get(language) ?? language}+${variant}`);
      if (code !== 0)
        throw new Error(`${name} ${req.voice}: espeak-ng could not set the voice (error ${code})`);
      w.set_rate(Math.round(req.speed * ESPEAK_WPM));
      w.set_pitch(Math.round(req.pitch * ESPEAK_PITCH_MAX));
      const chunks: Int16Array[] = [];
      w.synthesize(req.text, (samples) => {
        if (samples && samples.length) chunks.push(samples.slice());
      });
      const samples = new Float32Array(chunks.reduce((a, c) => a + c.length, 0));
      let off = 0;
      for (const c of chunks) {
        for (let i = 0; i < c.length; i++) samples[off + i] = c[i] / 32768;
        off += c.length;
      }
      if (!samples.length) throw new Error(`${name} ${req.voice}: no audio for "${req.text.slice(0, 40)}"`);
      return { samples, sampleRateHz: 22050 };
    },
  };
}
