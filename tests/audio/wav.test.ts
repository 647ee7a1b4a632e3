import { describe, expect, it } from 'vitest';
import { decodeWav, encodeWav16 } from '../../electron/engine/audio/wav';

/** Build a RIFF/WAVE file by hand so the decoder is tested against bytes we control. */
function riff(opts: {
  format: 1 | 3 | 0xfffe;
  subFormat?: 1 | 3;
  channels: number;
  rate: number;
  bits: number;
  frames: number[][]; // [frame][channel] values already in the target integer/float domain
  extraFmtBytes?: number; // grow an extensible fmt chunk past 40 bytes
  listBefore?: boolean;
}): Uint8Array {
  const bps = opts.bits / 8;
  const dataLen = opts.frames.length * opts.channels * bps;
  const data = new DataView(new ArrayBuffer(dataLen));
  let o = 0;
  for (const fr of opts.frames) {
    for (const v of fr) {
      if (opts.format === 3 || opts.subFormat === 3) {
        if (opts.bits === 32) data.setFloat32(o, v, true);
        else data.setFloat64(o, v, true);
      } else if (opts.bits === 8) data.setUint8(o, v);
      else if (opts.bits === 16) data.setInt16(o, v, true);
      else if (opts.bits === 24) {
        data.setUint8(o, v & 0xff);
        data.setUint8(o + 1, (v >> 8) & 0xff);
        data.setUint8(o + 2, (v >> 16) & 0xff);
      } else data.setInt32(o, v, true);
      o += bps;
    }
  }
  const ext = opts.format === 0xfffe;
  const fmtLen = ext ? 40 + (opts.extraFmtBytes ?? 0) : 16;
  const fmt = new DataView(new ArrayBuffer(fmtLen));
  fmt.setUint16(0, opts.format, true);
  fmt.setUint16(2, opts.channels, true);
  fmt.setUint32(4, opts.rate, true);
  fmt.setUint32(8, opts.rate * opts.channels * bps, true);
  fmt.setUint16(12, opts.channels * bps, true);
  fmt.setUint16(14, opts.bits, true);
  if (ext) {
    fmt.setUint16(16, 22 + (opts.extraFmtBytes ?? 0), true);
    fmt.setUint16(18, opts.bits, true);
    fmt.setUint32(20, 0, true);
    fmt.setUint32(24, opts.subFormat!, true); // GUID: first 4 bytes hold the format tag
    const tail = [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71];
    tail.forEach((b, i) => fmt.setUint8(26 + i, b));
  }
  const chunks: [string, Uint8Array][] = [];
  const list = new TextEncoder().encode('INFOISFT\x05\x00\x00\x00test\x00\x00'); // odd-sized sub-chunk, padded
  if (opts.listBefore) chunks.push(['LIST', list]);
  chunks.push(['fmt ', new Uint8Array(fmt.buffer)]);
  chunks.push(['data', new Uint8Array(data.buffer)]);
  const parts: number[] = [];
  const str = (s: string) => [...s].forEach((c) => parts.push(c.charCodeAt(0)));
  const u32 = (n: number) => parts.push(n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, (n >>> 24) & 0xff);
  let body = 4;
  for (const [, b] of chunks) body += 8 + b.length + (b.length % 2);
  str('RIFF');
  u32(body);
  str('WAVE');
  for (const [id, b] of chunks) {
    str(id);
    u32(b.length);
    parts.push(...b);
    if (b.length % 2) parts.push(0);
  }
  return new Uint8Array(parts);
}

describe('decodeWav: every PCM and float depth to mono float32', () => {
  it('8-bit unsigned', () => {
    const d = decodeWav(
      riff({ format: 1, channels: 1, rate: 8000, bits: 8, frames: [[128], [255], [0], [192]] }),
      'a.wav',
    );
    expect(Array.from(d.samples)).toEqual([0, 127 / 128, -1, 0.5]);
    expect(d.sampleRateHz).toBe(8000);
  });
  it('16-bit signed', () => {
    const d = decodeWav(
      riff({ format: 1, channels: 1, rate: 16000, bits: 16, frames: [[0], [16384], [-32768], [32767]] }),
      'a.wav',
    );
    expect(Array.from(d.samples)).toEqual([0, 0.5, -1, 32767 / 32768]);
  });
  it('24-bit signed (negative values sign-extended)', () => {
    const d = decodeWav(
      riff({ format: 1, channels: 1, rate: 44100, bits: 24, frames: [[0x400000], [-0x400000], [-1]] }),
      'a.wav',
    );
    expect(d.samples[0]).toBeCloseTo(0.5, 7);
    expect(d.samples[1]).toBeCloseTo(-0.5, 7);
    expect(d.samples[2]).toBeCloseTo(-1 / 8388608, 12);
  });
  it('32-bit signed', () => {
    const d = decodeWav(
      riff({ format: 1, channels: 1, rate: 48000, bits: 32, frames: [[1 << 30], [-(2 ** 31)]] }),
      'a.wav',
    );
    expect(Array.from(d.samples)).toEqual([0.5, -1]);
  });
  it('32-bit and 64-bit float', () => {
    const f32 = decodeWav(
      riff({ format: 3, channels: 1, rate: 22050, bits: 32, frames: [[0.25], [-0.75]] }),
      'a.wav',
    );
    expect(Array.from(f32.samples)).toEqual([0.25, -0.75]);
    const f64 = decodeWav(
      riff({ format: 3, channels: 1, rate: 22050, bits: 64, frames: [[0.125], [-0.5]] }),
      'a.wav',
    );
    expect(Array.from(f64.samples)).toEqual([0.125, -0.5]);
    expect(f64.encoding).toBe('float');
  });
  it('WAVE_FORMAT_EXTENSIBLE (PCM and float sub-formats, fmt chunk longer than 40 bytes, LIST chunk first)', () => {
    const pcm = decodeWav(
      riff({
        format: 0xfffe,
        subFormat: 1,
        channels: 1,
        rate: 48000,
        bits: 16,
        frames: [[8192], [-8192]],
        listBefore: true,
      }),
      'e.wav',
    );
    expect(Array.from(pcm.samples)).toEqual([0.25, -0.25]);
    const flt = decodeWav(
      riff({
        format: 0xfffe,
        subFormat: 3,
        channels: 1,
        rate: 48000,
        bits: 32,
        frames: [[0.5]],
        extraFmtBytes: 6,
      }),
      'e.wav',
    );
    expect(Array.from(flt.samples)).toEqual([0.5]);
  });
  it('stereo and 6-channel files are averaged to mono', () => {
    const st = decodeWav(
      riff({
        format: 1,
        channels: 2,
        rate: 8000,
        bits: 16,
        frames: [
          [16384, 0],
          [-32768, 32767 - 32767],
        ],
      }),
      's.wav',
    );
    expect(st.numChannels).toBe(2);
    expect(Array.from(st.samples)).toEqual([0.25, -0.5]);
    const six = decodeWav(
      riff({ format: 1, channels: 6, rate: 8000, bits: 16, frames: [[6 * 1024, 0, 0, 0, 0, 0]] }),
      's.wav',
    );
    expect(six.samples[0]).toBeCloseTo(1024 / 32768, 9);
  });
  it('round trip through encodeWav16', () => {
    const x = new Float32Array([0, 0.5, -0.5, 0.999]);
    const d = decodeWav(encodeWav16(x, 16000), 'r.wav');
    expect(d.sampleRateHz).toBe(16000);
    d.samples.forEach((v, i) => expect(v).toBeCloseTo(x[i], 4));
  });
  it('errors name the file and the problem', () => {
    expect(() => decodeWav(new TextEncoder().encode('not a wav at all'), 'bad.wav')).toThrow(
      /^bad\.wav: not a readable WAV file/,
    );
    const alaw = riff({ format: 1, channels: 1, rate: 8000, bits: 16, frames: [[0]] });
    alaw[20] = 6; // format tag 6 = A-law
    expect(() => decodeWav(alaw, 'alaw.wav')).toThrow(/^alaw\.wav: unsupported WAV encoding \(format tag 6/);
  });
});
