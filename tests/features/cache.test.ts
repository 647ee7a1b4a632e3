import { describe, expect, it } from 'vitest';
import { copyFile, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FeatureCache } from '../../electron/engine/features/cache';
import { featurizeCorpus } from '../../electron/engine/features/corpus';
import { DEFAULT_FEATURES } from '../../electron/engine/features';
import { encodeWav16 } from '../../electron/engine/audio';
import { noProgress } from '../../electron/engine/progress';
import type { Utterance } from '../../electron/engine/corpus/manifest';

const utt = (audioPath: string): Utterance => ({
  id: path.basename(audioPath),
  audioPath,
  durationSec: 0,
  text: 'one',
  meta: {},
});

describe('feature cache', () => {
  it('returns the same features, and recomputes exactly when the audio or a setting changes', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'fcache-'));
    const cache = new FeatureCache(path.join(dir, 'cache'));
    const wav = path.join(dir, 'a.wav');
    await copyFile(path.resolve('../shared/data/fsdd/recordings/3_yweweler_7.wav'), wav);
    const first = await featurizeCorpus([utt(wav)], DEFAULT_FEATURES, undefined, noProgress, 'x', cache);
    const files = async () =>
      (await readdir(path.join(dir, 'cache'), { recursive: true })).filter((f) => String(f).endsWith('.f32'))
        .length;
    expect(await files()).toBe(1);
    const second = await featurizeCorpus([utt(wav)], DEFAULT_FEATURES, undefined, noProgress, 'x', cache);
    expect(Array.from(second[0].feats.data)).toEqual(Array.from(first[0].feats.data));
    expect(await files()).toBe(1); // a hit: nothing new written
    await featurizeCorpus(
      [utt(wav)],
      { ...DEFAULT_FEATURES, numMelBins: 32 },
      undefined,
      noProgress,
      'x',
      cache,
    );
    expect(await files()).toBe(2); // another setting: another entry
    const samples = new Float32Array(4000).map((_, i) => 0.3 * Math.sin(i / 5));
    await writeFile(wav, encodeWav16(samples, 8000)); // the audio changed
    const third = await featurizeCorpus([utt(wav)], DEFAULT_FEATURES, undefined, noProgress, 'x', cache);
    expect(await files()).toBe(3);
    expect(third[0].feats.numFrames).toBe(48);
    expect(third[0].feats.numFrames).not.toBe(first[0].feats.numFrames);
  });

  it('keys a file the same whether read whole or hashed as a stream (large files), and returns the bytes it read', async () => {
    const file = path.resolve('../shared/data/duke-numbers/audio/R_41aAifnTBI6jslp.wav');
    const { readFile } = await import('node:fs/promises');
    const bytes = await readFile(file);
    const seg = { offsetSec: 0.5, durationSec: 2 };
    const whole = await FeatureCache.keyOfFile(file, DEFAULT_FEATURES, seg, Infinity);
    const streamed = await FeatureCache.keyOfFile(file, DEFAULT_FEATURES, seg, 1000);
    expect(whole.key).toBe(FeatureCache.key(bytes, DEFAULT_FEATURES, seg));
    expect(streamed.key).toBe(whole.key);
    expect(whole.bytes?.length).toBe(bytes.length);
    expect(streamed.bytes).toBeNull();
    expect((await FeatureCache.keyOfFile(file, DEFAULT_FEATURES, undefined, Infinity)).key).not.toBe(
      whole.key,
    );
  });

  it('a damaged entry is a miss, not an error', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'fcache-'));
    const cache = new FeatureCache(dir);
    await cache.put('ab12', { data: new Float32Array([1, 2, 3, 4]), numFrames: 2, dim: 2 });
    expect(await cache.get('ab12')).toEqual({ data: new Float32Array([1, 2, 3, 4]), numFrames: 2, dim: 2 });
    await writeFile(path.join(dir, 'ab', 'ab12.f32'), 'xx');
    expect(await cache.get('ab12')).toBeNull();
  });
});
