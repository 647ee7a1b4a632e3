/**
 * Per-clip profile of the speech-embedding front end on short clips (not a test):
 * `npx tsx bench/front-end-profile.ts [N] [wasm|cpu]`: the first N (default 100) FSDD German test
 * clips; times each step of one clip's features (audio loading, model build and warm-up once, the
 * input padding, tensor creation, the mel graph, the scaling, the embedding graph, read-out,
 * dispose), then the whole front end one clip at a time against the batched front end
 * (speechEmbeddingFeaturesBatch), CPU time, best of 7 alternating runs each. Numbers in docs/performance.md.
 */
import path from 'node:path';
import { initBackend, tf } from '../electron/engine/model/backend';
import { loadAudio } from '../electron/engine/audio';
import { readManifest } from '../electron/engine/corpus/manifest';
import { SPEECH_EMBEDDING_FEATURES } from '../electron/engine/features/config';
import {
  frontEndInput,
  speechEmbeddingFeatures,
  speechEmbeddingFeaturesBatch,
  speechEmbeddingModels,
  embeddingFramesFor,
} from '../electron/engine/features/speech-embedding';

const N = Number(process.argv[2] ?? 100);
const backend = await initBackend((process.argv[3] as 'wasm' | 'cpu' | undefined) ?? 'wasm');
const utts = (await readManifest(path.resolve('../shared/data/bench/fsdd-german-test.jsonl'))).slice(0, N);
const t: Record<string, number> = {};
const add = (k: string, ms: number) => (t[k] = (t[k] ?? 0) + ms);
let now = performance.now();
const lap = (k: string) => {
  const n = performance.now();
  add(k, n - now);
  now = n;
};
const audio: Float32Array[] = [];
now = performance.now();
for (const u of utts) audio.push((await loadAudio(u.audioPath, 16000)).samples);
lap('loadAudio (decode + 8->16 kHz)');
now = performance.now();
speechEmbeddingModels();
lap('build models (once)');
speechEmbeddingFeatures(audio[0], SPEECH_EMBEDDING_FEATURES);
lap('first call (warm-up, once)');
const fe = SPEECH_EMBEDDING_FEATURES.frontEnd!;
const { mel, embedding } = speechEmbeddingModels();
let samples = 0;
for (const a of audio) {
  now = performance.now();
  const x = frontEndInput(a, fe);
  samples += x.length;
  lap('frontEndInput (JS)');
  const xt = tf.tensor2d(x, [1, x.length]);
  lap('tensor2d');
  const m = mel.predict(xt) as tf.Tensor;
  m.dataSync();
  lap('mel.predict');
  const melFrames = m.shape[2]!;
  const scaled = tf.tidy(() => tf.add(tf.div(tf.reshape(m, [1, melFrames, 32, 1]), 10), 2));
  scaled.dataSync();
  lap('scale');
  const e = embedding.predict(scaled) as tf.Tensor;
  e.dataSync();
  lap('embedding.predict');
  const n = embeddingFramesFor(x.length);
  const tr = tf.tidy(() => tf.transpose(tf.reshape(e, [96, n])));
  tr.dataSync();
  lap('transpose + read');
  tf.dispose([xt, m, scaled, e, tr]);
  lap('dispose');
}
// One by one against batched (clips laid end to end), alternating, best of 7 runs each, in CPU time
// of this process (less sensitive than wall time to other processes on a loaded machine).
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const one: number[] = [];
const batched: number[] = [];
for (let run = 0; run < 7; run++) {
  let c0 = cpuMs();
  for (const a of audio) speechEmbeddingFeatures(a, SPEECH_EMBEDDING_FEATURES);
  one.push(cpuMs() - c0);
  c0 = cpuMs();
  speechEmbeddingFeaturesBatch(audio, SPEECH_EMBEDDING_FEATURES);
  batched.push(cpuMs() - c0);
}
add('one by one, CPU time (best of 7)', Math.min(...one));
add('batched, CPU time (best of 7)', Math.min(...batched));
console.log(
  `${backend.detail}; ${audio.length} German test clips, mean ${(samples / audio.length / 16000).toFixed(2)} s padded`,
);
for (const [k, v] of Object.entries(t))
  console.log(
    `${k.padEnd(45)} ${v.toFixed(1).padStart(8)} ms total ${(v / audio.length).toFixed(2).padStart(7)} ms/clip`,
  );
console.log(`tensors: ${tf.memory().numTensors}`);
