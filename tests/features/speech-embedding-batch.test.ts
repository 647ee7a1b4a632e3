/**
 * The batched speech-embedding front end (speechEmbeddingFeaturesBatch: clips laid end to end, one
 * call of the graphs for many clips) gives the one-clip front end's features on real clips of
 * different lengths: short FSDD German clips, a long Duke recording, and clips shorter than one
 * 76-frame window (padded up to it, as one by one), with the whole embedding and with the embedding
 * split before its top conv layers, leaking no tensors; and featurizeCorpus, which uses it, gives per utterance what
 * extractFeatures gives.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadAudio } from '../../electron/engine/audio';
import { readManifest } from '../../electron/engine/corpus/manifest';
import {
  extractFeatures,
  SPEECH_EMBEDDING_FEATURES,
  type FeatureConfig,
} from '../../electron/engine/features';
import { featurizeCorpus } from '../../electron/engine/features/corpus';
import {
  speechEmbeddingFeatures,
  speechEmbeddingFeaturesBatch,
} from '../../electron/engine/features/speech-embedding';
import { initBackend, tf } from '../../electron/engine/model/backend';
import { benchSubset } from '../helpers';

const DATA = path.resolve('../shared/data');
const CLIPS = [
  'fsdd/recordings/0_yweweler_10.wav',
  'fsdd/recordings/7_yweweler_3.wav',
  'duke-numbers/audio/R_4kJncQejh6M9Qxb.wav',
  'fsdd/recordings/3_yweweler_20.wav',
].map((f) => path.join(DATA, f));

const withFrontEnd = (patch: object): FeatureConfig => ({
  ...SPEECH_EMBEDDING_FEATURES,
  frontEnd: { ...SPEECH_EMBEDDING_FEATURES.frontEnd!, ...patch },
});

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

describe('the batched speech-embedding front end', () => {
  let clips: Float32Array[];
  beforeAll(async () => {
    await initBackend('wasm');
    const audio = await Promise.all(CLIPS.map(async (f) => (await loadAudio(f, 16000)).samples));
    // Real audio cut shorter than one window (0.782 s): 0.1 s, and 0.5 s (1.0 s with the default padding).
    clips = [...audio, audio[0].subarray(1000, 2600), audio[2].subarray(16000, 24000)];
  }, 60_000);

  const configs: [string, FeatureConfig][] = [
    ['the whole embedding, default padding', SPEECH_EMBEDDING_FEATURES],
    ['the whole embedding, no padding (short clips padded up to one window)', withFrontEnd({ padSec: 0 })],
    ['the embedding below its top 2 conv layers', withFrontEnd({ topConvLayers: 2 })],
    ['the embedding below its top 5 conv layers, no padding', withFrontEnd({ topConvLayers: 5, padSec: 0 })],
  ];
  for (const [label, config] of configs) {
    it(`equals the one-clip front end within 1e-5 (${label})`, () => {
      const one = clips.map((c) => speechEmbeddingFeatures(c, config));
      const tensors = tf.memory().numTensors;
      // Small calls too: two clips per call at most, and the long recording alone.
      for (const maxSamples of [undefined, 40_000]) {
        const many = speechEmbeddingFeaturesBatch(clips, config, maxSamples);
        expect(many.map((m) => [m.numFrames, m.dim])).toEqual(one.map((m) => [m.numFrames, m.dim]));
        for (let i = 0; i < clips.length; i++)
          expect(maxAbsDiff(many[i].data, one[i].data)).toBeLessThan(1e-5);
      }
      expect(tf.memory().numTensors).toBe(tensors);
      // The 0.1 s clip gives one frame, as one by one; the long recording many.
      expect(one[4].numFrames).toBe(1);
      expect(one[2].numFrames).toBeGreaterThan(40);
    });
  }

  it('gives the frame counts of the clip lengths (76-frame windows, 8-frame step)', () => {
    const lengths = clips.map((c) => c.length);
    const many = speechEmbeddingFeaturesBatch(clips, SPEECH_EMBEDDING_FEATURES);
    // Padded: length + 2 x 4000 samples, at least 12,512; frames = floor((floor((n - 512) / 160) + 1 - 76) / 8) + 1.
    const expected = lengths.map((n) => {
      const padded = Math.max(n + 8000, n + 2 * Math.ceil((12512 - n) / 2));
      return Math.floor((Math.floor((padded - 512) / 160) + 1 - 76) / 8) + 1;
    });
    expect(many.map((m) => m.numFrames)).toEqual(expected);
    expect(many[4].numFrames).toBe(1);
  });

  it('refuses a log-mel config like the one-clip front end', () => {
    const logmel = { ...SPEECH_EMBEDDING_FEATURES, kind: 'logmel' as const };
    expect(() => speechEmbeddingFeaturesBatch(clips.slice(0, 1), logmel)).toThrow(
      'speech embedding: feature kind is "logmel" without a speech-embedding frontEnd',
    );
  });

  it('featurizeCorpus gives, in manifest order, the features of each utterance alone', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'fe-batch-'));
    const manifest = await benchSubset('fsdd-german-test.jsonl', 30, dir);
    const utts = await readManifest(manifest);
    const done: number[] = [];
    const items = await featurizeCorpus(
      utts,
      SPEECH_EMBEDDING_FEATURES,
      undefined,
      (p) => done.push(p.done!),
      'test',
      null,
    );
    expect(items.map((it) => it.utt.id)).toEqual(utts.map((u) => u.id));
    expect(done).toEqual(utts.map((_, i) => i + 1));
    for (let i = 0; i < utts.length; i++) {
      const alone = extractFeatures(
        (await loadAudio(utts[i].audioPath, 16000)).samples,
        SPEECH_EMBEDDING_FEATURES,
      );
      expect(items[i].feats.numFrames).toBe(alone.numFrames);
      expect(maxAbsDiff(items[i].feats.data, alone.data)).toBeLessThan(1e-5);
    }
  }, 120_000);
});
