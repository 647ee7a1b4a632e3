/**
 * WAV decoding: any PCM / float depth, WAVE_FORMAT_EXTENSIBLE, any channel count -> Float32 mono.
 *
 * Chunk parsing is wavefile's (a well-kept RIFF reader); the sample conversion is ours, reading the
 * raw little-endian bytes of the `data` chunk directly, because wavefile's `toBitDepth('32f')` and
 * `getSamples()` convert one sample at a time through generic unpackers (12-20 s per minute of audio).
 */
import * as wavefileNs from 'wavefile';

// wavefile ships CJS (`main`) and ESM (`module`) builds; Node's loader and Vite pick different ones.
const wavefileExports = wavefileNs as unknown as { WaveFile?: unknown; default?: { WaveFile: unknown } };
const WaveFile = (wavefileExports.WaveFile ?? wavefileExports.default!.WaveFile) as new (
  buf?: Uint8Array,
) => WaveFileLike;

interface WaveFileLike {
  fmt: {
    audioFormat: number;
    numChannels: number;
    sampleRate: number;
    bitsPerSample: number;
    blockAlign: number;
    subformat: number[];
  };
  data: { samples: Uint8Array };
}

/** Decoded audio, channels already mixed down. */
export interface DecodedAudio {
  /** [numSamples] float32 in [-1, 1], the mean of all channels. */
  samples: Float32Array;
  /** Sample rate of the file, Hz. */
  sampleRateHz: number;
  /** Channel count of the file before mixdown. */
  numChannels: number;
  /** Bits per sample of the file (8, 16, 24, 32 or 64). */
  bitsPerSample: number;
  /** "pcm" (integer) or "float". */
  encoding: 'pcm' | 'float';
}

const WAVE_FORMAT_PCM = 1;
const WAVE_FORMAT_IEEE_FLOAT = 3;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;

/**
 * Decode a WAV file's bytes to mono float32.
 *
 * Supported: integer PCM at 8 bit (unsigned, offset 128), 16, 24 and 32 bit (signed); IEEE float at
 * 32 and 64 bit; WAVE_FORMAT_EXTENSIBLE whose sub-format is PCM or float; any channel count (mixed
 * down by averaging). Integer samples are scaled by 1 / 2^(bits-1) so full scale maps to [-1, 1).
 *
 * @param bytes the whole file
 * @param name file name used in error messages
 * Bad input is refused, never repaired (so an import reports it instead of training on it):
 * - truncated file (the data chunk's declared size is larger than the bytes present):
 *   `"<name>: data chunk says <n> bytes, file has <m>"`;
 * - zero-length data: `"<name>: data chunk is empty"`; fewer bytes than one frame:
 *   `"<name>: data chunk holds <n> bytes, less than one frame"` (a 1-sample file is valid audio);
 * - NaN or infinite float samples: `"<name>: sample <i> of frame <f> is NaN"` (or `Infinity`);
 * - odd-sized chunks with their pad byte, LIST/INFO and LIST/adtl chunks before or after the data,
 *   and fmt chunks longer than 40 bytes are read normally (wavefile's chunk walker).
 *
 * @throws Error `"<name>: not a readable WAV file (<reason>)"` when the RIFF structure is broken,
 *   `"<name>: unsupported WAV encoding ..."` for compressed formats (A-law, ADPCM, ...),
 *   `"<name>: data chunk ..."` as above.
 */
export function decodeWav(bytes: Uint8Array, name: string): DecodedAudio {
  let wav: WaveFileLike;
  try {
    wav = new WaveFile(bytes);
  } catch (err) {
    throw new Error(`${name}: not a readable WAV file (${(err as Error).message})`);
  }
  const { fmt } = wav;
  const { encoding, bits, channels } = resolveWavEncoding(
    { audioFormat: fmt.audioFormat, subformat: fmt.subformat, bitsPerSample: fmt.bitsPerSample, numChannels: fmt.numChannels, sampleRate: fmt.sampleRate },
    name,
  );
  const all = wav.data.samples;
  const declared = (wav.data as { chunkSize?: number }).chunkSize ?? all?.length ?? 0;
  if (all && declared > all.length) {
    throw new Error(`${name}: data chunk says ${declared} bytes, file has ${all.length}`);
  }
  // wavefile keeps the pad byte of an odd-sized data chunk in `samples`: cut to the declared size.
  const raw = all?.subarray(0, declared);
  const bytesPerSample = bits / 8;
  const frameBytes = bytesPerSample * channels;
  if (!raw || raw.length === 0) throw new Error(`${name}: data chunk is empty`);
  const numFrames = Math.floor(raw.length / frameBytes);
  if (numFrames === 0) throw new Error(`${name}: data chunk holds ${raw.length} bytes, less than one frame`);
  const view = new DataView(raw.buffer, raw.byteOffset, numFrames * frameBytes);
  const out = new Float32Array(numFrames);
  const read = sampleReader(view, bits, encoding);
  const invChannels = 1 / channels;
  for (let f = 0, off = 0; f < numFrames; f++) {
    let acc = 0;
    for (let c = 0; c < channels; c++, off += bytesPerSample) acc += read(off);
    // NaN and +-Infinity survive the sum (Inf - Inf is NaN), so one test per frame catches them all.
    if (encoding === 'float' && !Number.isFinite(acc)) throw nonFiniteError(view, f, channels, bits, name);
    out[f] = acc * invChannels;
  }
  return { samples: out, sampleRateHz: fmt.sampleRate, numChannels: channels, bitsPerSample: bits, encoding };
}

/** The error for the first non-finite sample of frame `f`. */
export function nonFiniteError(view: DataView, f: number, channels: number, bits: number, name: string, frameOffset = 0): Error {
  const bps = bits / 8;
  for (let c = 0; c < channels; c++) {
    const o = (f * channels + c) * bps;
    const v = bits === 32 ? view.getFloat32(o, true) : view.getFloat64(o, true);
    if (!Number.isFinite(v)) return new Error(`${name}: sample ${c} of frame ${f + frameOffset} is ${v}`);
  }
  return new Error(`${name}: frame ${f + frameOffset} is not finite`);
}

/** The fmt chunk fields the decoders need (wavefile's names). */
export interface WavFmtFields {
  audioFormat: number;
  subformat?: number[];
  bitsPerSample: number;
  numChannels: number;
  sampleRate: number;
}

/**
 * Check a fmt chunk and name its sample encoding.
 * @throws Error `"<name>: unsupported WAV encoding (format tag <t>, <b> bits); ..."`,
 *   `"<name>: fmt chunk says <n> channels"`, `"<name>: fmt chunk says sample rate <r>"`,
 *   `"<name>: WAVE_FORMAT_EXTENSIBLE without a sub-format GUID"`
 */
export function resolveWavEncoding(fmt: WavFmtFields, name: string): { encoding: 'pcm' | 'float'; bits: number; channels: number } {
  let format = fmt.audioFormat;
  if (format === WAVE_FORMAT_EXTENSIBLE) {
    if (!fmt.subformat || fmt.subformat.length === 0) {
      throw new Error(`${name}: WAVE_FORMAT_EXTENSIBLE without a sub-format GUID`);
    }
    format = fmt.subformat[0] & 0xffff;
  }
  const bits = fmt.bitsPerSample;
  const channels = fmt.numChannels;
  if (channels < 1) throw new Error(`${name}: fmt chunk says ${channels} channels`);
  if (!(fmt.sampleRate > 0)) throw new Error(`${name}: fmt chunk says sample rate ${fmt.sampleRate}`);
  let encoding: 'pcm' | 'float';
  if (format === WAVE_FORMAT_PCM && [8, 16, 24, 32].includes(bits)) encoding = 'pcm';
  else if (format === WAVE_FORMAT_IEEE_FLOAT && (bits === 32 || bits === 64)) encoding = 'float';
  else {
    throw new Error(
      `${name}: unsupported WAV encoding (format tag ${format}, ${bits} bits); ` +
        'supported: PCM 8/16/24/32-bit and IEEE float 32/64-bit',
    );
  }
  return { encoding, bits, channels };
}

/** A reader of one little-endian sample at a byte offset, scaled to [-1, 1) for integers. */
export function sampleReader(view: DataView, bits: number, encoding: 'pcm' | 'float'): (off: number) => number {
  if (encoding === 'float') {
    return bits === 32 ? (o) => view.getFloat32(o, true) : (o) => view.getFloat64(o, true);
  }
  switch (bits) {
    case 8:
      return (o) => (view.getUint8(o) - 128) / 128;
    case 16:
      return (o) => view.getInt16(o, true) / 32768;
    case 24:
      return (o) => {
        const v = view.getUint8(o) | (view.getUint8(o + 1) << 8) | (view.getInt8(o + 2) << 16);
        return v / 8388608;
      };
    default:
      return (o) => view.getInt32(o, true) / 2147483648;
  }
}

/** The canonical 44-byte header of a mono 16-bit PCM WAV, into `out` (the same bytes as wavefile's fromScratch). */
function writeWav16Header(view: DataView, numSamples: number, sampleRateHz: number): void {
  const ascii = (o: number, s: string): void => {
    for (let i = 0; i < s.length; i++) view.setUint8(o + i, s.charCodeAt(i));
  };
  ascii(0, 'RIFF');
  view.setUint32(4, 36 + numSamples * 2, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  view.setUint32(16, 16, true); // fmt chunk size
  view.setUint16(20, 1, true); // PCM
  view.setUint16(22, 1, true); // mono
  view.setUint32(24, sampleRateHz, true);
  view.setUint32(28, sampleRateHz * 2, true); // byte rate
  view.setUint16(32, 2, true); // block align
  view.setUint16(34, 16, true); // bits per sample
  ascii(36, 'data');
  view.setUint32(40, numSamples * 2, true);
}

/** Samples [from, to) as 16-bit PCM after the header: clipped to [-1, 1] and rounded. */
function writePcm16(samples: Float32Array, view: DataView, from: number, to: number): void {
  for (let i = from; i < to; i++) {
    const v = Math.max(-1, Math.min(1, samples[i]));
    view.setInt16(44 + 2 * i, Math.round(v < 0 ? v * 32768 : v * 32767), true);
  }
}

/**
 * Encode mono float32 samples as a 16-bit PCM WAV (used for synthetic test audio and recordings).
 * Samples are clipped to [-1, 1] and rounded. Written directly (wavefile's fromScratch, used
 * before, took 1.3 s for a 60 s take at 48 kHz); the bytes are the same.
 * @param samples [numSamples] float32
 * @param sampleRateHz sample rate, Hz
 * @returns the whole file's bytes
 */
export function encodeWav16(samples: Float32Array, sampleRateHz: number): Uint8Array {
  const out = new Uint8Array(44 + samples.length * 2);
  const view = new DataView(out.buffer);
  writeWav16Header(view, samples.length, sampleRateHz);
  writePcm16(samples, view, 0, samples.length);
  return out;
}

/**
 * encodeWav16 in slices of `sliceSamples`, yielding to the event loop between them, for a caller
 * that must stay responsive (the host saving a recorded take). Same bytes as encodeWav16.
 */
export async function encodeWav16Sliced(samples: Float32Array, sampleRateHz: number, sliceSamples = 48_000): Promise<Uint8Array> {
  const out = new Uint8Array(44 + samples.length * 2);
  const view = new DataView(out.buffer);
  writeWav16Header(view, samples.length, sampleRateHz);
  for (let from = 0; from < samples.length; from += sliceSamples) {
    writePcm16(samples, view, from, Math.min(samples.length, from + sliceSamples));
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return out;
}
