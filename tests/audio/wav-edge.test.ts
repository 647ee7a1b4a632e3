import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import path from 'node:path';
import { readFile, writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { decodeWav, encodeWav16 } from '../../electron/engine/audio/wav';
import { decodeAudio, sniffAudio } from '../../electron/engine/audio/decode';
import { openWavBlocks, measureLongWavRead } from '../../electron/engine/audio/wav-stream';
import { splitAtSilences, splitWavFile } from '../../electron/engine/audio/split';

/** RIFF file from chunks, each padded to even length. */
function riff(chunks: [string, Uint8Array][]): Uint8Array {
  let body = 4;
  for (const [, b] of chunks) body += 8 + b.length + (b.length % 2);
  const out = new Uint8Array(8 + body);
  const v = new DataView(out.buffer);
  const str = (o: number, s: string) => [...s].forEach((c, i) => (out[o + i] = c.charCodeAt(0)));
  str(0, 'RIFF');
  v.setUint32(4, body, true);
  str(8, 'WAVE');
  let o = 12;
  for (const [id, b] of chunks) {
    str(o, id);
    v.setUint32(o + 4, b.length, true);
    out.set(b, o + 8);
    o += 8 + b.length + (b.length % 2); // the pad byte stays 0
  }
  return out;
}
function fmt16(channels: number, rate: number, bits: number, tag = 1): Uint8Array {
  const v = new DataView(new ArrayBuffer(16));
  v.setUint16(0, tag, true);
  v.setUint16(2, channels, true);
  v.setUint32(4, rate, true);
  v.setUint32(8, (rate * channels * bits) / 8, true);
  v.setUint16(12, (channels * bits) / 8, true);
  v.setUint16(14, bits, true);
  return new Uint8Array(v.buffer);
}
const enc = (s: string) => new TextEncoder().encode(s);
const adtl = enc('adtllabl\x07\x00\x00\x00\x01\x00\x00\x00ab\x00\x00'); // labl sub-chunk of odd size + pad
const info = enc('INFOINAM\x03\x00\x00\x00ab\x00\x00');
/** RF64 (EBU Tech 3306): RF64 header and data sizes 0xFFFFFFFF, the real data size in ds64. */
function rf64(fmt: Uint8Array, data: Uint8Array, dataSizeInDs64 = data.length): Uint8Array {
  const ds64 = new Uint8Array(28);
  const dv = new DataView(ds64.buffer);
  dv.setUint32(0, 0xffffffff, true); // riffSize low (not used by the reader)
  dv.setUint32(8, dataSizeInDs64, true); // dataSize low; high stays 0
  const b = riff([
    ['ds64', ds64],
    ['fmt ', fmt],
    ['data', data],
  ]);
  const v = new DataView(b.buffer);
  b.set(enc('RF64'), 0);
  v.setUint32(4, 0xffffffff, true);
  v.setUint32(12 + 8 + 28 + 8 + fmt.length + 4, 0xffffffff, true); // the data chunk's size field
  return b;
}

describe('WAV edge cases (decodeWav and the block reader agree)', () => {
  const cases: [string, Uint8Array, number[]][] = [
    [
      'odd-sized 8-bit data chunk with its pad byte, then LIST/INFO after the data',
      riff([
        ['fmt ', fmt16(1, 8000, 8)],
        ['data', new Uint8Array([128, 192, 64])],
        ['LIST', info],
      ]),
      [0, 0.5, -0.5],
    ],
    [
      'LIST/adtl and an odd junk chunk before fmt and data',
      riff([
        ['LIST', adtl],
        ['junk', new Uint8Array([1, 2, 3])],
        ['fmt ', fmt16(1, 8000, 16)],
        ['data', new Uint8Array([0, 64])],
      ]),
      [0.5],
    ],
    [
      'a 1-sample file',
      riff([
        ['fmt ', fmt16(1, 8000, 16)],
        ['data', new Uint8Array([0, 0xc0])],
      ]),
      [-0.5],
    ],
    // wavefile (used before riff.ts) failed here: "Cannot read properties of undefined (reading 'start')"
    [
      'LIST/INFO then LIST/adtl (a labl without any cue chunk) after the data, as some editors write',
      riff([
        ['fmt ', fmt16(1, 8000, 16)],
        ['data', new Uint8Array([0, 64, 0, 0xc0])],
        ['LIST', info],
        ['LIST', adtl],
      ]),
      [0.5, -0.5],
    ],
    [
      'data before fmt, odd-sized cue and fact chunks between (pad bytes), a LIST whose size runs past the end',
      (() => {
        const b = riff([
          ['data', new Uint8Array([0, 64])],
          ['cue ', new Uint8Array(5)],
          ['fact', new Uint8Array(3)],
          ['fmt ', fmt16(1, 8000, 16)],
          ['LIST', info],
        ]);
        new DataView(b.buffer).setUint32(b.length - info.length - 4, 1e6, true);
        return b;
      })(),
      [0.5],
    ],
    [
      'RF64 with its ds64 chunk',
      rf64(fmt16(2, 16000, 16), new Uint8Array(new Int16Array([16384, 0, -16384, -16384]).buffer)),
      [0.25, -0.5],
    ],
  ];
  for (const [name, bytes, want] of cases) {
    it(name, async () => {
      expect(Array.from(decodeWav(bytes, 'x.wav').samples)).toEqual(want);
      const dir = await mkdtemp(path.join(tmpdir(), 'edge-'));
      await writeFile(path.join(dir, 'x.wav'), bytes);
      const r = await openWavBlocks(path.join(dir, 'x.wav'));
      const got: number[] = [];
      for await (const b of r.blocks(2)) got.push(...b);
      await r.close();
      expect(got).toEqual(want);
    });
  }
  it('both readers refuse the same broken files with the same message', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'edge-'));
    const bad: [Uint8Array, string][] = [
      [
        riff([
          ['fmt ', fmt16(1, 1, 16)],
          ['data', new Uint8Array(4)],
        ]),
        'sample rate 1 Hz is outside the supported 4000..192000 Hz',
      ],
      [
        riff([
          ['fmt ', fmt16(1, 3999, 16)],
          ['data', new Uint8Array(4)],
        ]),
        'sample rate 3999 Hz is outside the supported 4000..192000 Hz',
      ],
      [
        riff([
          ['fmt ', fmt16(1, 192001, 16)],
          ['data', new Uint8Array(4)],
        ]),
        'sample rate 192001 Hz is outside the supported 4000..192000 Hz',
      ],
      [rf64(fmt16(1, 8000, 16), new Uint8Array(4), 400), 'data chunk says 400 bytes, file has 4'],
      [
        riff([
          ['LIST', info],
          ['data', new Uint8Array(4)],
        ]),
        'not a readable WAV file (no fmt chunk)',
      ],
      [
        riff([
          ['fmt ', fmt16(1, 8000, 16)],
          ['LIST', adtl],
        ]),
        'not a readable WAV file (no data chunk)',
      ],
    ];
    for (const [bytes, msg] of bad) {
      expect(() => decodeWav(bytes, 'b.wav')).toThrow(`b.wav: ${msg}`);
      const file = path.join(dir, 'b.wav');
      await writeFile(file, bytes);
      await expect(openWavBlocks(file)).rejects.toThrow(`${file}: ${msg}`);
    }
    // the limits themselves are accepted
    expect(
      decodeWav(
        riff([
          ['fmt ', fmt16(1, 4000, 16)],
          ['data', new Uint8Array(2)],
        ]),
        'l.wav',
      ).sampleRateHz,
    ).toBe(4000);
    expect(
      decodeWav(
        riff([
          ['fmt ', fmt16(1, 192000, 16)],
          ['data', new Uint8Array(2)],
        ]),
        'h.wav',
      ).sampleRateHz,
    ).toBe(192000);
  });
  it('truncated, zero-length and NaN files are refused with the reason', () => {
    const full = encodeWav16(new Float32Array(100), 8000);
    expect(() => decodeWav(full.slice(0, 60), 't.wav')).toThrow(
      't.wav: data chunk says 200 bytes, file has 16',
    );
    expect(() =>
      decodeWav(
        riff([
          ['fmt ', fmt16(1, 8000, 16)],
          ['data', new Uint8Array(0)],
        ]),
        'z.wav',
      ),
    ).toThrow('z.wav: data chunk is empty');
    const nan = new Uint8Array(new Float32Array([0, NaN]).buffer);
    expect(() =>
      decodeWav(
        riff([
          ['fmt ', fmt16(1, 8000, 32, 3)],
          ['data', nan],
        ]),
        'n.wav',
      ),
    ).toThrow('n.wav: sample 0 of frame 1 is NaN');
  });
});

describe('compressed audio through the wasm decoders, recognised by content', () => {
  const fx = (ext: string) => readFile(path.resolve('tests/fixtures/audio', `tone-stereo-16k.${ext}`));
  it('FLAC decodes to exactly the samples of its WAV; MP3 and Ogg Vorbis to the same tone', async () => {
    const wav = decodeWav(await fx('wav'), 'w');
    const flac = await decodeAudio(await fx('flac'), 'f');
    expect(flac).toMatchObject({ container: 'flac', sampleRateHz: 16000, numChannels: 2 });
    expect(Array.from(flac.samples)).toEqual(Array.from(wav.samples));
    for (const ext of ['mp3', 'ogg']) {
      const d = await decodeAudio(await fx(ext), ext);
      expect(d.sampleRateHz).toBe(16000);
      expect(d.numChannels).toBe(2);
      expect(Math.abs(d.samples.length - wav.samples.length)).toBeLessThan(1200);
      const rms = Math.sqrt(d.samples.reduce((a, v) => a + v * v, 0) / d.samples.length);
      const ref = Math.sqrt(wav.samples.reduce((a, v) => a + v * v, 0) / wav.samples.length);
      expect(rms).toBeGreaterThan(ref * 0.7);
      expect(rms).toBeLessThan(ref * 1.3);
    }
  });
  it('an unknown codec is refused with a plain message', async () => {
    expect(sniffAudio(enc('OggS\x00\x02xxxxOpusHead'))).toBe('ogg-opus');
    await expect(decodeAudio(enc('OggS\x00\x02xxxxOpusHead'), 'o.opus')).rejects.toThrow(
      /^o\.opus: unknown audio format \(Ogg Opus/,
    );
    await expect(decodeAudio(new Uint8Array(0), 'e.wav')).rejects.toThrow(
      'e.wav: unknown audio format (not WAV, FLAC, MP3 or Ogg Vorbis; the file is empty); supported: WAV, FLAC, MP3, Ogg Vorbis',
    );
    const secret = new TextEncoder().encode('root:x:0:0:root:/root:/bin/bash\n');
    await expect(decodeAudio(secret, 'p.wav')).rejects.toThrow(
      /^p\.wav: unknown audio format \(not WAV, FLAC, MP3 or Ogg Vorbis\); supported: WAV, FLAC, MP3, Ogg Vorbis$/,
    );
  });
});

describe('property: the WAV decoder returns valid audio or a clean error, never a crash or hang', () => {
  const valid = riff([
    ['fmt ', fmt16(2, 16000, 16)],
    ['data', new Uint8Array(new Int16Array([100, -100, 2000, -2000, 32767, -32768]).buffer)],
  ]);
  const check = (bytes: Uint8Array) => {
    try {
      const d = decodeWav(bytes, 'p.wav');
      expect(d.samples.length).toBeGreaterThan(0);
      for (const v of d.samples) expect(Number.isFinite(v) && Math.abs(v) <= 1).toBe(true);
    } catch (err) {
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).message).toMatch(/^p\.wav: /);
    }
  };
  it('random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 256 }), check), { numRuns: 300, seed: 1 });
  });
  it('random bytes behind a RIFF/WAVE header', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (b) =>
        check(new Uint8Array([...enc('RIFF'), 200, 0, 0, 0, ...enc('WAVE'), ...b])),
      ),
      { numRuns: 300, seed: 2 },
    );
  });
  it('mutations of a valid header (byte changes and truncation)', () => {
    const mutation = fc.record({
      edits: fc.array(
        fc.tuple(fc.integer({ min: 0, max: valid.length - 1 }), fc.integer({ min: 0, max: 255 })),
        { maxLength: 6 },
      ),
      cut: fc.integer({ min: 0, max: valid.length }),
    });
    fc.assert(
      fc.property(mutation, ({ edits, cut }) => {
        const b = valid.slice();
        for (const [i, v] of edits) b[i] = v;
        check(b.subarray(0, Math.max(cut, 0) || b.length));
      }),
      { numRuns: 500, seed: 3 },
    );
  });
  it('the decoder agrees with the block reader on mutated headers', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'prop-'));
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 43 }), fc.integer({ min: 0, max: 255 })), {
          maxLength: 3,
        }),
        async (edits) => {
          const b = valid.slice();
          for (const [i, v] of edits) b[i] = v;
          const file = path.join(dir, 'm.wav');
          await writeFile(file, b);
          let streamed: number[] | Error;
          try {
            const r = await openWavBlocks(file);
            streamed = [];
            try {
              for await (const x of r.blocks(4)) streamed.push(...x);
            } finally {
              await r.close();
            }
          } catch (err) {
            streamed = err as Error;
          }
          if (Array.isArray(streamed)) for (const v of streamed) expect(Number.isFinite(v)).toBe(true);
          else expect(streamed.message.startsWith(`${file}: `)).toBe(true);
        },
      ),
      { numRuns: 100, seed: 4 },
    );
  });
});

describe('long recordings: block-wise reading and silence splitting', () => {
  it('a 60 s 48 kHz stereo file is read in bounded blocks and split at its silences', async () => {
    const rate = 48000;
    const seconds = 60;
    const frames = rate * seconds;
    // Speech-like bursts: 1.5 s of tone every 5 s, silence between (stereo, 16-bit).
    const pcm = new Int16Array(frames * 2);
    for (let i = 0; i < frames; i++) {
      const t = i / rate;
      const v = t % 5 < 1.5 ? Math.round(8000 * Math.sin(2 * Math.PI * 300 * t)) : 0;
      pcm[2 * i] = v;
      pcm[2 * i + 1] = v;
    }
    const bytes = riff([
      ['fmt ', fmt16(2, rate, 16)],
      ['data', new Uint8Array(pcm.buffer)],
    ]);
    const dir = await mkdtemp(path.join(tmpdir(), 'long-'));
    const file = path.join(dir, 'long.wav');
    await writeFile(file, bytes);
    const r = await openWavBlocks(file);
    expect(r.layout).toMatchObject({
      numFrames: frames,
      numChannels: 2,
      sampleRateHz: rate,
      durationSec: 60,
    });
    let blocks = 0;
    let maxLen = 0;
    for await (const b of r.blocks(48000)) {
      blocks++;
      maxLen = Math.max(maxLen, b.length);
    }
    await r.close();
    expect(blocks).toBe(60);
    expect(maxLen).toBe(48000);
    const m = await measureLongWavRead(file);
    expect(m.numFrames).toBe(frames);
    const segs = await splitWavFile(file);
    expect(segs).toHaveLength(12);
    segs.forEach((s, k) => {
      expect(s.startSec).toBeCloseTo(Math.max(0, 5 * k - 0.1), 1); // padding clamps at the start
      expect(s.endSec).toBeCloseTo(5 * k + 1.6, 1);
    });
  });
  it('short pauses do not split; clicks are dropped; pure silence gives nothing', async () => {
    const rate = 8000;
    const x = new Float32Array(rate * 3);
    for (let i = 0; i < rate; i++) x[i] = i % 2 ? 0.5 : -0.5; // 0-1 s loud
    for (let i = rate * 1.1; i < rate * 2; i++) x[i] = i % 2 ? 0.5 : -0.5; // 0.1 s pause, then loud to 2 s
    x[rate * 2.5] = 1; // a click
    const segs = await splitAtSilences(x, rate, { padMs: 0 });
    expect(segs).toEqual([{ startSec: 0, endSec: 2 }]);
    expect(await splitAtSilences(new Float32Array(rate), rate)).toEqual([]);
  });
});
