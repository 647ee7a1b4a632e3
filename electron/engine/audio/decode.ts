/**
 * Decode any supported audio file by its content (magic bytes), not its name: WAV (ours, wav.ts),
 * FLAC, MP3 and Ogg Vorbis through the wasm decoders of the wasm-audio-decoders family
 * (@wasm-audio-decoders/flac, mpg123-decoder, @wasm-audio-decoders/ogg-vorbis; libFLAC, mpg123 and
 * libvorbis compiled to WebAssembly, so no native build and no download at install time).
 */
import { decodeWav, type DecodedAudio } from './wav';
import { checkSampleRate } from './limits';

/** Containers recognised by `sniffAudio`. */
export type AudioContainer = 'wav' | 'flac' | 'mp3' | 'ogg-vorbis' | 'ogg-opus' | 'ogg' | 'unknown';

/**
 * Name a file's container from its first bytes (16 are enough; more help for Ogg).
 * WAV: "RIFF....WAVE" (or RF64, the 64-bit variant); FLAC: "fLaC"; MP3: "ID3" tag or an MPEG audio frame sync (0xFFE);
 * Ogg: "OggS", then the first packet's codec ("\x01vorbis", "OpusHead").
 */
export function sniffAudio(head: Uint8Array): AudioContainer {
  const s = (a: number, b: number) => String.fromCharCode(...head.subarray(a, b));
  if (head.length >= 12 && (s(0, 4) === 'RIFF' || s(0, 4) === 'RF64') && s(8, 12) === 'WAVE') return 'wav';
  if (head.length >= 4 && s(0, 4) === 'fLaC') return 'flac';
  if (head.length >= 4 && s(0, 4) === 'OggS') {
    const text = s(0, Math.min(head.length, 128));
    if (text.includes('\x01vorbis')) return 'ogg-vorbis';
    if (text.includes('OpusHead')) return 'ogg-opus';
    return 'ogg';
  }
  if (head.length >= 3 && s(0, 3) === 'ID3') return 'mp3';
  // MPEG audio frame header: 11 sync bits, a layer other than "reserved", a bitrate index other than 15.
  if (
    head.length >= 4 &&
    head[0] === 0xff &&
    (head[1] & 0xe0) === 0xe0 &&
    (head[1] & 0x06) !== 0 &&
    (head[2] & 0xf0) !== 0xf0
  )
    return 'mp3';
  return 'unknown';
}

/** Decoded audio plus the container it came from. */
export interface DecodedFile extends DecodedAudio {
  container: AudioContainer;
}

interface WasmDecoded {
  channelData: Float32Array[];
  samplesDecoded: number;
  sampleRate: number;
  errors: { message: string }[];
}

function mixdown(d: WasmDecoded, name: string, what: string): Float32Array {
  if (d.errors.length > 0 && d.samplesDecoded === 0)
    throw new Error(`${name}: not a readable ${what} file (${d.errors[0].message})`);
  if (d.samplesDecoded === 0 || d.channelData.length === 0)
    throw new Error(`${name}: ${what} file holds no audio`);
  const n = d.samplesDecoded;
  const out = new Float32Array(n);
  const inv = 1 / d.channelData.length;
  for (let i = 0; i < n; i++) {
    let acc = 0; // float64 sum, as decodeWav
    for (const ch of d.channelData) acc += ch[i];
    const v = acc * inv;
    if (!Number.isFinite(v)) throw new Error(`${name}: decoded sample ${i} is ${v}`);
    out[i] = v;
  }
  return out;
}

/**
 * Decode a whole audio file to mono float32 (channels averaged).
 * @param bytes the whole file
 * @param name file name used in error messages
 * @returns samples in [-1, 1] at the file's own rate; `numChannels` before mixdown; for compressed
 *   files `encoding` is "float" and `bitsPerSample` 32 (FLAC: its own bit depth, encoding "pcm")
 * @throws Error `"<name>: unknown audio format (...)"` for other content (AAC, Opus, text, ...), the
 *   errors of decodeWav, `"<name>: not a readable FLAC|MP3|Ogg Vorbis file (<decoder message>)"`,
 *   or `"<name>: sample rate <r> Hz is outside the supported 4000..192000 Hz"` (limits.ts)
 */
export async function decodeAudio(bytes: Uint8Array, name: string): Promise<DecodedFile> {
  const container = sniffAudio(bytes.subarray(0, 128));
  switch (container) {
    case 'wav':
      return { ...decodeWav(bytes, name), container };
    case 'flac': {
      const { FLACDecoder } = await import('@wasm-audio-decoders/flac');
      const dec = new FLACDecoder();
      await dec.ready;
      try {
        const d = await dec.decodeFile(bytes);
        // The decoder scales integers by 1 / (2^(bits-1) - 1); undo that and scale by 1 / 2^(bits-1)
        // like decodeWav, so a FLAC file decodes to exactly the samples of the WAV it was made from.
        const max = 2 ** (d.bitDepth - 1);
        for (const ch of d.channelData)
          for (let i = 0; i < d.samplesDecoded; i++) ch[i] = Math.round(ch[i] * (max - 1)) / max;
        checkSampleRate(d.sampleRate, name);
        return {
          samples: mixdown(d, name, 'FLAC'),
          sampleRateHz: d.sampleRate,
          numChannels: d.channelData.length,
          bitsPerSample: d.bitDepth,
          encoding: 'pcm',
          container,
        };
      } catch (err) {
        throw wrap(err, name, 'FLAC');
      } finally {
        dec.free();
      }
    }
    case 'mp3': {
      const { MPEGDecoder } = await import('mpg123-decoder');
      const dec = new MPEGDecoder();
      await dec.ready;
      try {
        const d = dec.decode(bytes);
        checkSampleRate(d.sampleRate, name);
        return {
          samples: mixdown(d, name, 'MP3'),
          sampleRateHz: d.sampleRate,
          numChannels: d.channelData.length,
          bitsPerSample: 32,
          encoding: 'float',
          container,
        };
      } catch (err) {
        throw wrap(err, name, 'MP3');
      } finally {
        dec.free();
      }
    }
    case 'ogg-vorbis': {
      const { OggVorbisDecoder } = await import('@wasm-audio-decoders/ogg-vorbis');
      const dec = new OggVorbisDecoder();
      await dec.ready;
      try {
        const d = await dec.decodeFile(bytes);
        checkSampleRate(d.sampleRate, name);
        return {
          samples: mixdown(d, name, 'Ogg Vorbis'),
          sampleRateHz: d.sampleRate,
          numChannels: d.channelData.length,
          bitsPerSample: 32,
          encoding: 'float',
          container,
        };
      } catch (err) {
        throw wrap(err, name, 'Ogg Vorbis');
      } finally {
        dec.free();
      }
    }
    default: {
      const what =
        container === 'ogg-opus'
          ? 'Ogg Opus'
          : container === 'ogg'
            ? 'an Ogg stream of an unknown codec'
            : 'not WAV, FLAC, MP3 or Ogg Vorbis';
      // Never quote the file's bytes: the path may name any file.
      throw new Error(
        `${name}: unknown audio format (${what}${bytes.length === 0 ? '; the file is empty' : ''}); supported: WAV, FLAC, MP3, Ogg Vorbis`,
      );
    }
  }
}

function wrap(err: unknown, name: string, what: string): Error {
  const msg = (err as Error)?.message ?? String(err);
  return msg.startsWith(`${name}:`)
    ? (err as Error)
    : new Error(`${name}: not a readable ${what} file (${msg})`);
}
