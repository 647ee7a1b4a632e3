/**
 * Benchmark (not a test): ms per training step of the shipped model at batch 16, next to the same
 * model's step in PyTorch CPU (Debian python3-torch, OpenBLAS, 2 threads) measured in the same run,
 * and the tfjs tensor count before and after 50 steps (must be equal).
 *
 * Usage: npm run bench [-- --frames 300 --steps 50]
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { initBackend, tf } from '../electron/engine/model/backend';
import { buildAcousticModel, countParams, defaultArchitecture, outputFrames } from '../electron/engine/model/acoustic';
import { ctcLoss } from '../electron/engine/model/ctc';
import { CARD_FORMAT, type ModelCard } from '../electron/engine/model/card';

const arg = (name: string, def: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const BATCH = 16;
const FRAMES = arg('frames', 300);
const STEPS = arg('steps', 50);

const backend = await initBackend();
const arch = defaultArchitecture(40, 11);
const model = buildAcousticModel(arch, 1);
const card = { architecture: arch, tokens: { blankIndex: 0 } } as unknown as ModelCard;
void CARD_FORMAT;
const x = tf.randomNormal([BATCH, FRAMES, 40], 0, 1, 'float32', 1) as tf.Tensor3D;
const labels = Array.from({ length: BATCH }, (_, b) => [1 + (b % 10), 2, 3, 4, 5]);
const outLens = new Array(BATCH).fill(outputFrames(arch, FRAMES));
const optimizer = tf.train.adam(1e-3);
const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
const step = async (): Promise<void> => {
  const cost = optimizer.minimize(() => ctcLoss(model.apply(x, { training: true }) as tf.Tensor3D, labels, outLens, { blank: card.tokens.blankIndex, reduction: 'mean' }), true, vars);
  await cost!.data();
  cost!.dispose();
};
for (let i = 0; i < 5; i++) await step();
const tensorsBefore = tf.memory().numTensors;
const t0 = performance.now();
for (let i = 0; i < STEPS; i++) await step();
const tfjsMs = (performance.now() - t0) / STEPS;
const tensorsAfter = tf.memory().numTensors;

type TorchResult = { ms_per_step: number; torch: string; threads: number; params: number };
/** The PyTorch peer, run twice (other load on the machine only ever slows a run): the faster counts. */
function torchPeer(): TorchResult | null {
  if (!existsSync('/usr/bin/python3')) return null;
  let best: TorchResult | null = null;
  for (let i = 0; i < 2; i++) {
    const r = spawnSync('/usr/bin/python3', ['bench/torch_train_step.py', String(BATCH), String(FRAMES), String(STEPS)], { encoding: 'utf8' });
    if (r.status !== 0) {
      process.stderr.write(`PyTorch reference unavailable: ${(r.stderr || '').trim().split('\n').pop()}\n`);
      return null;
    }
    const t = JSON.parse(r.stdout.trim().split('\n').pop()!) as TorchResult;
    if (!best || t.ms_per_step < best.ms_per_step) best = t;
  }
  return best;
}
const torch = torchPeer();

console.log(`training step, batch ${BATCH} x ${FRAMES} frames (${(FRAMES / 100).toFixed(1)} s each), ${countParams(model)} parameters`);
console.log(`  tfjs (${backend.detail}): ${tfjsMs.toFixed(1)} ms/step`);
if (torch) {
  console.log(`  PyTorch ${torch.torch} CPU, ${torch.threads} threads (${torch.params} parameters): ${torch.ms_per_step.toFixed(1)} ms/step`);
  console.log(`  ratio tfjs / PyTorch: ${(tfjsMs / torch.ms_per_step).toFixed(2)}x`);
} else console.log('  PyTorch: not installed (apt-get install python3-torch libopenblas0-pthread)');
console.log(`tensors before/after ${STEPS} steps: ${tensorsBefore} / ${tensorsAfter} (${tensorsBefore === tensorsAfter ? 'equal' : 'LEAK'})`);
tf.dispose([x]);
optimizer.dispose();
model.dispose();
