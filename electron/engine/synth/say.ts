/** Speak a text into a new WAV file (the `say` command). */
import { link, open, rm, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { encodeWav16 } from '../audio/wav';
import type { SynthRequest, Synthesizer } from './types';

/**
 * Synthesize `req` and write it as a 16-bit mono WAV at the synthesizer's own rate. The file appears
 * whole or not at all (written to a temporary file beside it, flushed, then hard-linked into place,
 * which fails rather than replace an existing file).
 * @returns seconds of audio written
 * @throws Error `"<out>: already exists (choose another --out)"`, the synthesizer's error (naming it
 *   and the voice), or `"<out>: could not write (<reason>)"`
 */
export async function sayToWav(synth: Synthesizer, req: SynthRequest, out: string): Promise<number> {
  const exists = await open(out, 'r').then(
    (fh) => fh.close().then(() => true),
    () => false,
  );
  if (exists) throw new Error(`${out}: already exists (choose another --out)`);
  const audio = await synth.synthesize(req);
  await mkdir(path.dirname(path.resolve(out)), { recursive: true });
  const tmp = path.join(
    path.dirname(path.resolve(out)),
    `.${path.basename(out)}.${process.pid}.${Date.now()}.tmp`,
  );
  try {
    const fh = await open(tmp, 'wx');
    try {
      await fh.writeFile(encodeWav16(audio.samples, audio.sampleRateHz));
      await fh.sync();
    } finally {
      await fh.close();
    }
    await link(tmp, out);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EEXIST') throw new Error(`${out}: already exists (choose another --out)`, { cause: err });
    throw new Error(`${out}: could not write (${e.message})`, { cause: err });
  } finally {
    await rm(tmp, { force: true });
  }
  return audio.samples.length / audio.sampleRateHz;
}
