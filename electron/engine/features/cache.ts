/**
 * On-disk cache of raw (pre-CMVN) features, so repeated evaluations and adaptations of the same
 * audio skip decoding, resampling and the filterbank. The key is the SHA-256 of the audio file's
 * bytes, the segment (offset, duration), every feature setting and FEATURE_PIPELINE_VERSION: features
 * are recomputed exactly when the audio or a setting changes. Entries are written atomically.
 *
 * Location: $ACCENT_STUDIO_CACHE, else ~/.cache/accent-studio/features; ACCENT_STUDIO_CACHE=off
 * disables it.
 */
import { createHash, type Hash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { writeFileAtomic } from '../util/atomic';
import { openAudioFile } from '../audio/limits';
import type { FeatureConfig } from './config';
import type { FeatureMatrix } from './logmel';

/** Bump when decoding, resampling or feature code changes its output. */
export const FEATURE_PIPELINE_VERSION = 2;

/** A part of a recording (NeMo offset/duration), seconds. */
type Segment = { offsetSec?: number; durationSec?: number };

export class FeatureCache {
  /** @param dir cache folder (created on first write) */
  constructor(readonly dir: string) {}

  /** Cache key of a file's bytes, segment and feature settings. */
  static key(bytes: Uint8Array, config: FeatureConfig, segment?: Segment): string {
    return FeatureCache.finish(createHash('sha256').update(bytes), config, segment);
  }

  private static finish(hash: Hash, config: FeatureConfig, segment?: Segment): string {
    const settings = JSON.stringify(Object.entries(config).sort(([a], [b]) => (a < b ? -1 : 1)));
    return hash
      .update(
        `|${segment?.offsetSec ?? ''}|${segment?.durationSec ?? ''}|${settings}|v${FEATURE_PIPELINE_VERSION}`,
      )
      .digest('hex');
  }

  /**
   * Cache key of an audio file (the same as `key` of its bytes). Files up to `wholeMaxBytes` are read
   * whole and their bytes returned too, so decoding need not read them again; larger ones are hashed
   * as a stream (bounded memory) and `bytes` is null.
   * @throws Error naming the file when it cannot be read or is not a regular file (openAudioFile:
   *   a FIFO or /dev/zero is refused before reading)
   */
  static async keyOfFile(
    file: string,
    config: FeatureConfig,
    segment: Segment | undefined,
    wholeMaxBytes: number,
  ): Promise<{ key: string; bytes: Uint8Array | null }> {
    const { fh, sizeBytes } = await openAudioFile(file);
    try {
      if (sizeBytes <= wholeMaxBytes) {
        const bytes = await fh.readFile();
        return { key: FeatureCache.key(bytes, config, segment), bytes };
      }
      const hash = createHash('sha256');
      for await (const chunk of fh.createReadStream({ highWaterMark: 1 << 20, autoClose: false, start: 0 }))
        hash.update(chunk as Buffer);
      return { key: FeatureCache.finish(hash, config, segment), bytes: null };
    } finally {
      await fh.close();
    }
  }

  private file(key: string): string {
    return path.join(this.dir, key.slice(0, 2), `${key}.f32`);
  }

  /** The cached matrix, or null when absent or unreadable (a damaged entry is treated as a miss). */
  async get(key: string): Promise<FeatureMatrix | null> {
    let buf: Buffer;
    try {
      buf = await readFile(this.file(key));
    } catch {
      return null;
    }
    if (buf.length < 8) return null;
    const numFrames = buf.readUInt32LE(0);
    const dim = buf.readUInt32LE(4);
    if (buf.length !== 8 + numFrames * dim * 4) return null;
    const data = new Float32Array(numFrames * dim);
    new Uint8Array(data.buffer).set(buf.subarray(8));
    return { data, numFrames, dim };
  }

  async put(key: string, m: FeatureMatrix): Promise<void> {
    const out = new Uint8Array(8 + m.data.byteLength);
    const view = new DataView(out.buffer);
    view.setUint32(0, m.numFrames, true);
    view.setUint32(4, m.dim, true);
    out.set(new Uint8Array(m.data.buffer, m.data.byteOffset, m.data.byteLength), 8);
    await writeFileAtomic(this.file(key), out);
  }
}

/** The cache the engine uses by default (see the module comment); null when disabled. */
export function defaultFeatureCache(): FeatureCache | null {
  const env = process.env.ACCENT_STUDIO_CACHE;
  if (env === 'off') return null;
  return new FeatureCache(env || path.join(homedir(), '.cache', 'accent-studio', 'features'));
}
