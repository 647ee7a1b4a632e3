/**
 * Front-end benchmark (not a test): `npm run bench:front-end`. The speech-embedding front end
 * (mel graph + embedding graph, converted by our ONNX importer, TensorFlow.js wasm backend, 1 thread)
 * against onnxruntime-node (CPU, 1 intra-op thread) on the same audio: the 16 Duke India test
 * utterances resampled to 16 kHz (about 2 minutes), padded as the front end pads them. onnxruntime
 * runs the mel graph per utterance and the embedding graph on all of an utterance's 76-frame windows
 * as one batch (its fastest use of the unchanged graph). Prints seconds of compute, the real-time
 * factor (audio seconds per compute second) of each, and the ratio; best of 3 runs each.
 * `measureFrontEnd` is also run by `npm run bench` (bench/perf.ts, section 6).
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as ort from 'onnxruntime-node';
import { initBackend } from '../electron/engine/model/backend';
import { loadAudio } from '../electron/engine/audio';
import { readManifest } from '../electron/engine/corpus/manifest';
import { SPEECH_EMBEDDING_FEATURES } from '../electron/engine/features/config';
import {
  frontEndInput,
  openWakeWordModelDir,
  speechEmbeddingFeatures,
} from '../electron/engine/features/speech-embedding';

const MANIFEST = path.resolve('../shared/data/bench/duke-india-test.jsonl');

/** One measurement: audio seconds (padding included), best compute seconds of ours and onnxruntime's. */
export interface FrontEndTiming {
  utterances: number;
  audioSec: number;
  oursSec: number;
  onnxruntimeSec: number;
  onnxruntimeVersion: string;
}

/**
 * Time our front end and onnxruntime's on the Duke India test audio (see the module comment), on
 * the backend that is running (the caller initialises it).
 */
export async function measureFrontEnd(runs = 3): Promise<FrontEndTiming> {
  const utts = await readManifest(MANIFEST);
  const audio = await Promise.all(utts.map(async (u) => (await loadAudio(u.audioPath, 16000)).samples));
  const fe = SPEECH_EMBEDDING_FEATURES.frontEnd!;
  const padded = audio.map((a) => frontEndInput(a, fe));
  const audioSec = padded.reduce((s, x) => s + x.length, 0) / 16000;
  const opts = { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential' as const };
  const mel = await ort.InferenceSession.create(
    path.join(openWakeWordModelDir(), 'melspectrogram.onnx'),
    opts,
  );
  const emb = await ort.InferenceSession.create(
    path.join(openWakeWordModelDir(), 'embedding_model.onnx'),
    opts,
  );
  speechEmbeddingFeatures(audio[0], SPEECH_EMBEDDING_FEATURES); // build and warm up
  const ours: number[] = [];
  const theirs: number[] = [];
  for (let run = 0; run < runs; run++) {
    let t0 = performance.now();
    for (const a of audio) speechEmbeddingFeatures(a, SPEECH_EMBEDDING_FEATURES);
    ours.push((performance.now() - t0) / 1000);
    t0 = performance.now();
    for (const x of padded) {
      const m = (await mel.run({ input: new ort.Tensor('float32', x, [1, x.length]) })).output;
      const frames = m.dims[2];
      const data = (m.data as Float32Array).map((v) => v / 10 + 2);
      const n = Math.floor((frames - 76) / 8) + 1;
      const windows = new Float32Array(n * 76 * 32);
      for (let w = 0; w < n; w++) windows.set(data.subarray(w * 8 * 32, (w * 8 + 76) * 32), w * 76 * 32);
      await emb.run({ input_1: new ort.Tensor('float32', windows, [n, 76, 32, 1]) });
    }
    theirs.push((performance.now() - t0) / 1000);
  }
  return {
    utterances: utts.length,
    audioSec,
    oursSec: Math.min(...ours),
    onnxruntimeSec: Math.min(...theirs),
    onnxruntimeVersion: ort.env.versions.common,
  };
}

async function main(): Promise<void> {
  const backend = await initBackend('wasm');
  const t = await measureFrontEnd();
  const [a, b] = [t.oursSec, t.onnxruntimeSec];
  process.stdout.write(
    [
      `audio: ${t.utterances} Duke India test utterances, ${t.audioSec.toFixed(1)} s at 16 kHz (padding included)`,
      `ours (${backend.detail}): ${a.toFixed(2)} s, ${(t.audioSec / a).toFixed(1)}x real time`,
      `onnxruntime-node ${t.onnxruntimeVersion} (CPU, 1 thread): ${b.toFixed(2)} s, ${(t.audioSec / b).toFixed(1)}x real time`,
      `ours / onnxruntime: ${(a / b).toFixed(2)} (goal: at most 2; front end at least 50x real time)`,
      '',
    ].join('\n'),
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((err: Error) => {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  });
}
