/**
 * Performance benchmark (not a test): `npm run bench`. Prints each figure next to its reference and
 * goal, measured in the same run:
 *   1. training step of the shipped model at batch 16 vs the identical model in PyTorch (2 threads),
 *      and the tfjs tensor count before and after 50 steps;
 *   2. log-mel extraction vs torchaudio's Kaldi-compatible fbank on the same 60 s of audio;
 *   3. decoding real-time factor on 60 s of connected speech (chunked, greedy);
 *   4. the whole German adapt job: wall time, peak RSS, tensor counts per epoch;
 *   5. scaling of adaptation time (10, 50, 200, 1000 utterances) and evaluation time (100, 1000,
 *      10,000 utterances);
 *   6. the speech-embedding front end's real-time factor against onnxruntime on the same audio, as
 *      a ratio (bench/front-end.ts's measurement);
 *   7. the whole German and Duke India adapt jobs with the default model (models/digits-embedding,
 *      its card's adaptation defaults, features computed in the job: the cache is off).
 * PyTorch figures need Debian's python3-torch / python3-torchaudio (skipped with a notice otherwise).
 * Options: --quick (smaller scaling runs), --steps N (training steps, default 50), --only 1,2,... (run
 * only these sections).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Table from 'cli-table3';
import { adapt, evaluate } from '../electron/engine';
import { initBackend, tf } from '../electron/engine/model/backend';
import {
  buildAcousticModel,
  countParams,
  defaultArchitecture,
  weightLayerNames,
} from '../electron/engine/model/acoustic';
import { seededRandom } from '../electron/engine/model/batch';
import type { ModelCard } from '../electron/engine/model/card';
import { trainCtc, type TrainExample } from '../electron/engine/adapt/train';
import { loadModel } from '../electron/engine/model/checkpoint';
import { loadAudio } from '../electron/engine/audio';
import { computeFeatures, DEFAULT_FEATURES, extractFeatures } from '../electron/engine/features';
import { computePosteriors, decodePosteriors, GREEDY } from '../electron/engine/decode/recognize';
import { measureFrontEnd } from './front-end';

const BENCH = path.resolve('../shared/data/bench');
const arg = (name: string, def: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const quick = process.argv.includes('--quick');
const STEPS = arg('steps', 50);
const USAGE = `usage: npm run bench [-- --quick] [-- --steps N] [-- --only LIST]
  LIST: comma-separated sections: 1 training step, 2 log-mel, 3 recognition RTF, 4 German adapt job
  (wall time, RSS, tensors), 5 scaling, 6 speech-embedding front end vs onnxruntime, 7 German and
  Duke India adapt jobs with the default model (digits-embedding). Default: all.`;
if (process.argv.includes('--help')) {
  console.log(USAGE);
  process.exit(0);
}
const onlyAt = process.argv.indexOf('--only');
const sections = new Set(
  (onlyAt >= 0 ? String(process.argv[onlyAt + 1]) : '1,2,3,4,5,6,7').split(',').map(Number),
);
if ([...sections].some((n) => !Number.isInteger(n) || n < 1 || n > 7)) {
  console.error(`bench: --only takes section numbers 1-7\n${USAGE}`);
  process.exit(2);
}
const run = (n: number): boolean => sections.has(n);
const PY = '/usr/bin/python3';
process.env.ACCENT_STUDIO_CACHE = 'off'; // measure real work, not cache hits

const backend = await initBackend();
const rows: string[][] = [];
const row = (figure: string, ours: string, reference: string, ratio: string, goal: string) =>
  rows.push([figure, ours, reference, ratio, goal]);
const python = (args: string[]): Record<string, number | string> | null => {
  if (!existsSync(PY)) return null;
  const r = spawnSync(PY, args, { encoding: 'utf8' });
  if (r.status !== 0) {
    process.stderr.write(`python peer failed: ${(r.stderr || '').trim().split('\n').pop()}\n`);
    return null;
  }
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
};

// 1. Training step: our training loop (trainCtc) on 16 x 3 s batches, one thread and data-parallel.
if (run(1)) {
  const arch = defaultArchitecture(40, 11);
  const card = {
    architecture: arch,
    tokens: { unit: 'word', inventory: [], blankIndex: 0 },
  } as unknown as ModelCard;
  const rand = seededRandom(1);
  const examples: TrainExample[] = Array.from({ length: 16 * 8 }, (_, i) => ({
    feats: { data: Float32Array.from({ length: 300 * 40 }, () => rand() * 2 - 1), numFrames: 300, dim: 40 },
    labels: [1 + (i % 10), 2, 3, 4, 5],
  }));
  // Multiply-adds of the conv stack (x2 for FLOPs): forward, then weight and input gradients
  // (no input gradient for the first layer).
  let flops = 0;
  let frames = 300;
  arch.convLayers.forEach((c, i) => {
    const inCh = i === 0 ? 40 : arch.convLayers[i - 1].filters;
    frames = Math.ceil(frames / c.stride);
    const fwd = 2 * 16 * frames * c.kernelSize * inCh * c.filters;
    flops += fwd * (i === 0 ? 2 : 3);
  });
  const perStep = async (
    workers: number,
  ): Promise<{ ms: number; before: number; after: number; threads: number; params: number }> => {
    const model = buildAcousticModel(arch, 1);
    const before = tf.memory().numTensors;
    const stamps: number[] = [];
    const r = await trainCtc(
      model,
      card,
      examples,
      [],
      {
        epochs: Math.ceil(STEPS / 8) + 1,
        batchSize: 16,
        learningRate: 1e-3,
        seed: 1,
        trainableLayers: weightLayerNames(model),
        patience: 99,
        workers,
      },
      (e) => {
        if (e.loss !== undefined && e.message === undefined) stamps.push(performance.now());
      },
    );
    const after = tf.memory().numTensors;
    const params = countParams(model);
    model.dispose();
    // Steady state: from the 8th step (the first epoch warms up, and the worker starts before it).
    return {
      ms: (stamps[stamps.length - 1] - stamps[7]) / (stamps.length - 8),
      before,
      after,
      threads: r.threads,
      params,
    };
  };
  const one = await perStep(1);
  const two = await perStep(2);
  let torchMs: number | null = null;
  for (let i = 0; i < 2; i++) {
    const r = python(['bench/torch_train_step.py', '16', '300', String(STEPS)]);
    if (r) torchMs = Math.min(torchMs ?? Infinity, r.ms_per_step as number);
  }
  const gf = (ms: number) => `${(flops / ms / 1e6).toFixed(0)} GFLOP/s`;
  const ratio = (ms: number) => (torchMs ? `${(ms / torchMs).toFixed(2)}x` : '');
  const ref = torchMs ? `${torchMs.toFixed(1)} ms (PyTorch, 2 threads; ${gf(torchMs)})` : 'n/a';
  row(
    `training step, batch 16 x 3 s, ${one.params} params, 1 thread`,
    `${one.ms.toFixed(1)} ms (${gf(one.ms)})`,
    ref,
    ratio(one.ms),
    '<= 1.0x',
  );
  row(
    `same, ${two.threads} threads (data-parallel workers)`,
    `${two.ms.toFixed(1)} ms (${gf(two.ms)})`,
    ref,
    ratio(two.ms),
    '<= 1.0x',
  );
  row(
    `tfjs tensors before / after training (${STEPS}+ steps)`,
    `${one.before} / ${one.after}; ${two.before} / ${two.after}`,
    '',
    one.before === one.after && two.before === two.after ? 'equal' : 'LEAK',
    'equal',
  );
}

// 60 s of real audio: Duke recordings back to back, resampled to 8 kHz.
const duke = (await readFile(path.join(BENCH, 'duke-india-test.jsonl'), 'utf8'))
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l));
const parts: Float32Array[] = [];
let total = 0;
for (const d of duke) {
  if (total >= 60 * 8000) break;
  const a = await loadAudio(path.resolve(BENCH, d.audio_filepath), 8000);
  parts.push(a.samples);
  total += a.samples.length;
}
const minute = new Float32Array(60 * 8000);
let off = 0;
for (const p of parts) {
  const n = Math.min(p.length, minute.length - off);
  minute.set(p.subarray(0, n), off);
  off += n;
}

// 2. Log-mel extraction.
if (run(2)) {
  computeFeatures(minute.subarray(0, 8000), DEFAULT_FEATURES);
  let best = Infinity;
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    computeFeatures(minute, DEFAULT_FEATURES);
    best = Math.min(best, (performance.now() - t0) / 1000);
  }
  const f32 = path.join(await mkdtemp(path.join(tmpdir(), 'bench-')), 'minute.f32');
  await writeFile(f32, new Uint8Array(minute.buffer));
  const r = python(['bench/torch_fbank.py', f32, '8000', '3']);
  const ref = r ? (r.seconds as number) : null;
  row(
    'log-mel, 60 s of audio (40 bins, 25/10 ms)',
    `${best.toFixed(3)} s (our FFT, meyda's filterbank)`,
    ref ? `${ref.toFixed(3)} s (torchaudio kaldi.fbank)` : 'n/a',
    ref ? `${(best / ref).toFixed(2)}x` : '',
    '<= 2x',
  );
}

// 3. Decoding real-time factor, 60 s of connected speech as one recording (chunked).
if (run(3)) {
  const { model, card } = await loadModel(path.resolve('models/digits-base'));
  const feats = extractFeatures(minute, card.features);
  await computePosteriors(model, card, [feats]); // warm-up
  const t0 = performance.now();
  const [post] = await computePosteriors(model, card, [feats]);
  decodePosteriors(post, card, GREEDY);
  const sec = (performance.now() - t0) / 1000;
  row(
    'recognition of 60 s (acoustic model + greedy), RTF',
    `${(sec / 60).toFixed(4)} (${sec.toFixed(2)} s)`,
    '',
    '',
    '<= 0.01',
  );
  model.dispose();
}

// 4. The whole German adapt job.
const work = await mkdtemp(path.join(tmpdir(), 'bench-perf-'));
if (run(4)) {
  const rssBefore = process.resourceUsage().maxRSS;
  const t0 = performance.now();
  const r = await adapt({
    modelDir: path.resolve('models/digits-base'),
    adaptManifest: path.join(BENCH, 'fsdd-german-adapt.jsonl'),
    testManifest: path.join(BENCH, 'fsdd-german-test.jsonl'),
    sourceTestManifest: path.join(BENCH, 'fsdd-source-test.jsonl'),
    outDir: path.join(work, 'german'),
  });
  const wall = (performance.now() - t0) / 1000;
  const peakMb = process.resourceUsage().maxRSS / 1024;
  row('German adapt job (50 adapt, 450 + 200 test), wall', `${wall.toFixed(1)} s`, '', '', '<= 60 s');
  row(
    'peak RSS of this process so far',
    `${peakMb.toFixed(0)} MB (before the job: ${(rssBefore / 1024).toFixed(0)} MB)`,
    '',
    '',
    '<= 1.5 GB',
  );
  const epochs = r.adaptation!.epoch_log.map((e) => e.num_tensors);
  const constant = new Set(epochs).size === 1;
  row(
    'tfjs tensors after each epoch',
    constant ? `${epochs[0]} after each of ${epochs.length} epochs` : epochs.join(' '),
    '',
    constant ? 'constant' : 'GROWS',
    'constant',
  );
  // Each evaluation: the whole evaluate job (model loaded, 450 utterances scored, model disposed).
  const counts: number[] = [tf.memory().numTensors];
  for (let i = 0; i < 2; i++) {
    await evaluate({
      modelDir: path.resolve('models/digits-base'),
      testManifest: path.join(BENCH, 'fsdd-german-test.jsonl'),
      outDir: path.join(work, `eval-tensors-${i}`),
    });
    counts.push(tf.memory().numTensors);
  }
  row(
    'tfjs tensors before / after each of 2 evaluations (450 utterances)',
    counts.join(' / '),
    '',
    new Set(counts).size === 1 ? 'equal' : 'LEAK',
    'equal',
  );
}

// 6. The speech-embedding front end against onnxruntime on the same audio (bench/front-end.ts).
if (run(6)) {
  const t = await measureFrontEnd();
  const rtf = (sec: number) => `${(t.audioSec / sec).toFixed(1)}x real time`;
  row(
    `speech-embedding front end (${t.utterances} Duke India utts, ${t.audioSec.toFixed(0)} s at 16 kHz)`,
    `${t.oursSec.toFixed(2)} s, ${rtf(t.oursSec)}`,
    `onnxruntime-node ${t.onnxruntimeVersion}, 1 thread: ${t.onnxruntimeSec.toFixed(2)} s, ${rtf(t.onnxruntimeSec)}`,
    (t.oursSec / t.onnxruntimeSec).toFixed(2),
    '>= 50x real time; ratio <= 2',
  );
}

// 7. The whole German and Duke India adapt jobs with the default model (its card's defaults).
if (run(7)) {
  const jobs = [
    { name: 'German', adapt: 'fsdd-german-adapt.jsonl', test: 'fsdd-german-test.jsonl', goal: '<= 30 s' },
    { name: 'Duke India', adapt: 'duke-india-adapt.jsonl', test: 'duke-india-test.jsonl', goal: '' },
  ];
  for (const j of jobs) {
    const t0 = performance.now();
    const r = await adapt({
      modelDir: path.resolve('models/digits-embedding'),
      adaptManifest: path.join(BENCH, j.adapt),
      testManifest: path.join(BENCH, j.test),
      sourceTestManifest: path.join(BENCH, 'fsdd-source-test.jsonl'),
      outDir: path.join(work, `embedding-${j.name.replace(' ', '-')}`),
    });
    const wall = (performance.now() - t0) / 1000;
    const s = r.seconds;
    row(
      `${j.name} adapt job, digits-embedding (${r.adaptation!.labelled_utterances} adapt, ${j.test} + source test), wall`,
      `${wall.toFixed(1)} s (features ${s.features} s, adaptation ${s.adaptation} s)`,
      `WER ${(r.test.before.wer! * 100).toFixed(2)}% -> ${(r.test.after!.wer! * 100).toFixed(2)}%`,
      '',
      j.goal,
    );
  }
}

// 5. Scaling.
const source = (await readFile(path.join(BENCH, 'fsdd-source-train.jsonl'), 'utf8')).trim().split('\n');
async function manifestOf(n: number, name: string): Promise<string> {
  const lines = Array.from({ length: n }, (_, i) => {
    const o = JSON.parse(source[i % source.length]);
    o.audio_filepath = path.resolve(BENCH, o.audio_filepath);
    return JSON.stringify(o);
  });
  const file = path.join(work, `${name}-${n}.jsonl`);
  await writeFile(file, lines.join('\n') + '\n');
  return file;
}
const scaling: string[][] = [];
if (run(5)) {
  const small = await manifestOf(50, 'test');
  for (const n of quick ? [10, 50, 200] : [10, 50, 200, 1000]) {
    const m = await manifestOf(n, 'adapt');
    const r = await adapt({
      modelDir: path.resolve('models/digits-base'),
      adaptManifest: m,
      testManifest: small,
      outDir: path.join(work, `scale-adapt-${n}`),
      settings: { epochs: 3, fixedEpochs: 3, minHeldOut: 1_000_000 },
    });
    scaling.push([
      `adapt, ${n} utterances, 3 epochs`,
      `${r.seconds.adaptation.toFixed(2)} s`,
      `${((r.seconds.adaptation / n) * 1000).toFixed(1)} ms per utterance`,
    ]);
  }
  for (const n of quick ? [100, 1000] : [100, 1000, 10000]) {
    const m = await manifestOf(n, 'eval');
    const r = await evaluate({
      modelDir: path.resolve('models/digits-base'),
      testManifest: m,
      outDir: path.join(work, `scale-eval-${n}`),
    });
    const sec = r.seconds.total;
    scaling.push([
      `evaluate, ${n} utterances`,
      `${sec.toFixed(2)} s (features ${r.seconds.features.toFixed(2)} s)`,
      `${((sec / n) * 1000).toFixed(1)} ms per utterance`,
    ]);
  }
}

const table = (head: string[], body: string[][]) => {
  const t = new Table({
    head,
    style: { head: [], border: [] },
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
  });
  t.push(...body);
  return t.toString();
};
console.log(`performance (${backend.detail}; ${process.platform}, Node ${process.version})`);
console.log(table(['figure', 'ours', 'reference', 'ratio', 'goal'], rows));
if (scaling.length) {
  console.log('scaling (growth per utterance should stay flat)');
  console.log(table(['run', 'time', 'per utterance'], scaling));
}
