/** Small generated corpora for the corpus tests: distinct 16-bit tones, 0.1-0.3 s. */
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { encodeWav16, decodeWav } from '../../electron/engine/audio/wav';
import { readFile } from 'node:fs/promises';

export const tmp = (prefix: string) => mkdtemp(path.join(tmpdir(), `${prefix}-`));

/** A distinct tone per index k (frequency and length differ), 16 kHz. */
export function toneWav(k: number, rateHz = 16000): Uint8Array {
  const n = Math.round(rateHz * (0.1 + 0.05 * (k % 5)));
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = 0.3 * Math.sin((2 * Math.PI * (200 + 50 * k) * i) / rateHz);
  return encodeWav16(x, rateHz);
}

export async function writeAt(file: string, data: string | Uint8Array): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, data);
}

/** Decoded samples of a WAV file (for exact comparisons). */
export async function samplesOf(file: string): Promise<Float32Array> {
  return decodeWav(await readFile(file), file).samples;
}

/** Three utterances: ids, transcripts (with non-ASCII), speakers. */
export const ITEMS = [
  { id: 'utt_a', text: 'one two three', speaker: 'spk1', accent: 'IN' },
  { id: 'utt_b', text: 'für élan naïve', speaker: 'spk1', accent: 'IN' },
  { id: 'utt_c', text: 'nine "quoted", comma', speaker: 'spk2', accent: 'DE' },
];

/** Tone bursts of a long-recording test, seconds: two 0.2 s-apart bursts, a lone burst, a 50 ms click. */
export const BURSTS: [number, number][] = [
  [1.0, 2.0],
  [3.0, 4.5],
  [4.7, 5.5],
  [8.0, 9.0],
  [10.5, 10.55],
];

/** A 12 s 16 kHz mono recording: 440 Hz bursts at 0.3 amplitude (BURSTS) over -60 dBFS noise. */
export function burstsWav(rateHz = 16000): Uint8Array {
  const x = new Float32Array(rateHz * 12);
  let seed = 1;
  for (let i = 0; i < x.length; i++) {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    const t = i / rateHz;
    const loud = BURSTS.some(([a, b]) => t >= a && t < b);
    x[i] = (loud ? 0.3 * Math.sin(2 * Math.PI * 440 * t) : 0) + 0.001 * (seed / 2147483648 - 0.5);
  }
  return encodeWav16(x, rateHz);
}
