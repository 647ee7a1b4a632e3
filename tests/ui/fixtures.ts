/**
 * Fixtures of the UI tests: the model to adapt (the shipped models/digits-base when it exists, else a
 * small untrained stand-in with a valid card) and small benchmark slices with absolute audio paths.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { buildAcousticModel, countParams } from '../../electron/engine/model/acoustic';
import { CARD_FORMAT, CARD_VERSION, type ModelCard } from '../../electron/engine/model/card';
import { saveModel } from '../../electron/engine/model/checkpoint';
import { initBackend } from '../../electron/engine/model/backend';
import { DEFAULT_FEATURES, featureDim } from '../../electron/engine/features';
import { DIGIT_TOKENS } from '../../electron/engine/recipes/base-model';

/** The benchmark manifests: `../shared/data/bench` beside the checkout, or `$ACCENT_STUDIO_DATA/bench` (a worktree elsewhere). */
export const BENCH = path.resolve(process.env.ACCENT_STUDIO_DATA ?? '../shared/data', 'bench');
export const SHIPPED_BASE = path.resolve('models/digits-base');

/**
 * Put a base model folder named `digits-base` into `modelsDir`: nothing to do when the shipped model
 * exists (returns its folder: the test then lists models from the repository's models/), else an
 * untrained 3-layer stand-in (32 filters) saved with a valid card.
 * @returns the models folder to serve and the base model folder
 */
export async function baseModel(tmp: string): Promise<{ modelsDir: string; modelDir: string; standIn: boolean }> {
  if (existsSync(path.join(SHIPPED_BASE, 'card.json'))) return { modelsDir: path.dirname(SHIPPED_BASE), modelDir: SHIPPED_BASE, standIn: false };
  await initBackend();
  const modelsDir = path.join(tmp, 'models');
  const modelDir = path.join(modelsDir, 'digits-base');
  const arch = {
    type: 'conv1d-ctc' as const,
    inputDim: featureDim(DEFAULT_FEATURES),
    convLayers: [
      { filters: 32, kernelSize: 5, stride: 2 },
      { filters: 32, kernelSize: 5, stride: 2 },
      { filters: 32, kernelSize: 5, stride: 1 },
    ],
    dropout: 0.1,
    numTokens: DIGIT_TOKENS.inventory.length,
  };
  const model = buildAcousticModel(arch, 7);
  const card: ModelCard = {
    format: CARD_FORMAT,
    version: CARD_VERSION,
    name: 'digits-base',
    description: 'Untrained stand-in for the shipped digit recognizer (UI tests only).',
    created: new Date().toISOString(),
    architecture: { ...arch, numParams: countParams(model) },
    features: DEFAULT_FEATURES,
    tokens: DIGIT_TOKENS,
    trainingData: [],
    licence: 'MIT',
    metrics: [],
  };
  await mkdir(modelsDir, { recursive: true });
  await saveModel(modelDir, model, card);
  model.dispose();
  return { modelsDir, modelDir, standIn: true };
}

/** The first `n` lines of a benchmark manifest, written to `dir` with absolute audio paths. */
export async function benchSlice(name: string, n: number, dir: string): Promise<string> {
  const lines = (await readFile(path.join(BENCH, name), 'utf8')).trim().split('\n');
  const step = Math.max(1, Math.floor(lines.length / n));
  const picked = lines.filter((_, i) => i % step === 0).slice(0, n);
  const out = picked.map((l) => {
    const o = JSON.parse(l) as { audio_filepath: string };
    o.audio_filepath = path.resolve(BENCH, o.audio_filepath);
    return JSON.stringify(o);
  });
  const file = path.join(dir, name);
  await writeFile(file, out.join('\n') + '\n');
  return file;
}
