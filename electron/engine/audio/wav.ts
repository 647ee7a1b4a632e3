/**
 * WAV decoding: any PCM / float depth, WAVE_FORMAT_EXTENSIBLE, any channel count -> Float32 mono.
 *
 * Chunks are found by riff.ts's walker, the same one the block reader (wav-stream.ts) uses, so both
 * accept the same files; the sample conversion reads the raw little-endian bytes of the `data`
 * chunk directly. (wavefile, used before, parsed every LIST chunk and failed on some, e.g. a
 * LIST/INFO followed by a LIST/adtl: "Cannot read properties of undefined (reading 'start')"; it
 * is still used to write files in encodeWav16.)
 */
import { walkRiffChunks, type ReadAt } from './riff';
import { checkSampleRate } from './limits';

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
 *   any other chunk (never parsed), fmt chunks longer than 40 bytes and RF64 files are read
 *   normally (riff.ts's walker);
 * - a sample rate outside 4000..192000 Hz (limits.ts) is refused.
 *
 * @throws Error `"<name>: not a readable WAV file (<reason>)"` when the RIFF structure is broken,
 *   `"<name>: unsupported WAV encoding ..."` for compressed formats (A-law, ADPCM, ...),
 *   `"<name>: data chunk ..."` as above.
 */
export function decodeWav(bytes: Uint8Array, name: string): DecodedAudio {
  const layout = parseWavLayout((pos, len) => bytes.subarray(pos, pos + len), bytes.length, name);
  const { numChannels: channels, bitsPerSample: bits, encoding, numFrames } = layout;
  const bytesPerSample = bits / 8;
  const view = new DataView(bytes.buffer, bytes.byteOffset + layout.dataOffset, layout.dataBytes);
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
  return {
    samples: out,
    sampleRateHz: layout.sampleRateHz,
    numChannels: channels,
    bitsPerSample: bits,
    encoding,
  };
}

/** Where the samples of a WAV file are and how they are encoded. */
export interface WavLayout {
  /** Sample rate of the file, Hz. */
  sampleRateHz: number;
  /** Channel count before mixdown. */
  numChannels: number;
  /** Bits per sample: 8, 16, 24, 32 or 64. */
  bitsPerSample: number;
  encoding: 'pcm' | 'float';
  /** Byte offset of the first sample in the file. */
  dataOffset: number;
  /** Size of the data chunk in bytes (whole frames only; no pad byte). */
  dataBytes: number;
  /** Number of frames (samples per channel). */
  numFrames: number;
  /** numFrames / sampleRateHz, seconds. */
  durationSec: number;
}

/** A fmt chunk longer than this is refused (the longest real one, EXTENSIBLE, is 40 bytes). */
const MAX_FMT_BYTES = 1 << 16;

/**
 * Find and check the fmt and data chunks of a WAV file (riff.ts's walker; the rest is skipped).
 * Shared by decodeWav (bytes in memory) and readWavLayout (positioned reads of a file).
 * @param readAt reads bytes of the file
 * @param fileBytes size of the file, bytes
 * @param name file name for error messages
 * @throws Error `"<name>: not a readable WAV file (<reason>)"` (no RIFF/WAVE header, no fmt or no
 *   data chunk, fmt chunk of <n> bytes, fmt chunk cut short), `"<name>: data chunk says <n> bytes,
 *   file has <m>"` (truncated), `"<name>: data chunk is empty"`, `"<name>: data chunk holds <n>
 *   bytes, less than one frame"`, or resolveWavEncoding's errors (encoding, channels, sample rate
 *   outside MIN_SAMPLE_RATE_HZ..MAX_SAMPLE_RATE_HZ)
 */
export function parseWavLayout(readAt: ReadAt, fileBytes: number, name: string): WavLayout {
  let fmt: Uint8Array | undefined;
  let data: { offset: number; declared: number } | undefined;
  walkRiffChunks(readAt, fileBytes, name, ({ id, bodyOffset, size }) => {
    if (id === 'fmt ' && !fmt) {
      if (size < 16 || size > MAX_FMT_BYTES)
        throw new Error(`${name}: not a readable WAV file (fmt chunk of ${size} bytes)`);
      fmt = readAt(bodyOffset, size);
      if (fmt.length < size) throw new Error(`${name}: not a readable WAV file (fmt chunk cut short)`);
    } else if (id === 'data' && !data) {
      data = { offset: bodyOffset, declared: size };
    }
    return !!(fmt && data);
  });
  if (!fmt) throw new Error(`${name}: not a readable WAV file (no fmt chunk)`);
  if (!data) throw new Error(`${name}: not a readable WAV file (no data chunk)`);
  const v = new DataView(fmt.buffer, fmt.byteOffset, fmt.length);
  const audioFormat = v.getUint16(0, true);
  const sampleRateHz = v.getUint32(4, true);
  const subformat = audioFormat === WAVE_FORMAT_EXTENSIBLE && fmt.length >= 26 ? [v.getUint16(24, true)] : [];
  const { encoding, bits, channels } = resolveWavEncoding(
    {
      audioFormat,
      subformat,
      numChannels: v.getUint16(2, true),
      sampleRate: sampleRateHz,
      bitsPerSample: v.getUint16(14, true),
    },
    name,
  );
  const present = Math.max(0, fileBytes - data.offset);
  if (data.declared > present)
    throw new Error(`${name}: data chunk says ${data.declared} bytes, file has ${present}`);
  if (data.declared === 0) throw new Error(`${name}: data chunk is empty`);
  const frameBytes = (bits / 8) * channels;
  const numFrames = Math.floor(data.declared / frameBytes);
  if (numFrames === 0)
    throw new Error(`${name}: data chunk holds ${data.declared} bytes, less than one frame`);
  return {
    sampleRateHz,
    numChannels: channels,
    bitsPerSample: bits,
    encoding,
    dataOffset: data.offset,
    dataBytes: numFrames * frameBytes,
    numFrames,
    durationSec: numFrames / sampleRateHz,
  };
}

/** The error for the first non-finite sample of frame `f`. */
export function nonFiniteError(
  view: DataView,
  f: number,
  channels: number,
  bits: number,
  name: string,
  frameOffset = 0,
): Error {
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
 *   `"<name>: fmt chunk says <n> channels"`, `"<name>: sample rate <r> Hz is outside the supported
 *   4000..192000 Hz"` (limits.ts),
 *   `"<name>: WAVE_FORMAT_EXTENSIBLE without a sub-format GUID"`
 */
export function resolveWavEncoding(
  fmt: WavFmtFields,
  name: string,
): { encoding: 'pcm' | 'float'; bits: number; channels: number } {
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
  checkSampleRate(fmt.sampleRate, name);
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
export function sampleReader(
  view: DataView,
  bits: number,
  encoding: 'pcm' | 'float',
): (off: number) => number {
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
export async function encodeWav16Sliced(
  samples: Float32Array,
  sampleRateHz: number,
  sliceSamples = 48_000,
): Promise<Uint8Array> {
  const out = new Uint8Array(44 + samples.length * 2);
  const view = new DataView(out.buffer);
  writeWav16Header(view, samples.length, sampleRateHz);
  for (let from = 0; from < samples.length; from += sliceSamples) {
    writePcm16(samples, view, from, Math.min(samples.length, from + sliceSamples));
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return out;
}
