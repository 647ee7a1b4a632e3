/**
 * Fixtures of the UI tests: the model to adapt (the shipped models/digits-base when it exists, else a
 * small untrained stand-in with a valid card) and small benchmark slices with absolute audio paths.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { buildAcousticModel, countParams } from '../../electron/engine/model/acoustic';
import { CARD_FORMAT, CARD_VERSION, type ModelCard } from '../../electron/engine/model/card';
import { saveModel } from '../../electron/engine/model/checkpoint';
import { initBackend } from '../../electron/engine/model/backend';
import { DEFAULT_FEATURES, featureDim } from '../../electron/engine/features';
import { DIGIT_TOKENS } from '../../electron/engine/recipes/base-model';
import { BENCH, SHIPPED_BASE, benchSubset } from '../helpers';

export { BENCH, SHIPPED_BASE };
/** `n` lines of a benchmark manifest spread over it, written to `dir` with absolute audio paths. */
export const benchSlice = (name: string, n: number, dir: string): Promise<string> =>
  benchSubset(name, n, dir);

/**
 * Put a base model folder named `digits-base` into `modelsDir`: nothing to do when the shipped model
 * exists (returns its folder: the test then lists models from the repository's models/), else an
 * untrained 3-layer stand-in (32 filters) saved with a valid card.
 * @returns the models folder to serve and the base model folder
 */
export async function baseModel(
  tmp: string,
): Promise<{ modelsDir: string; modelDir: string; standIn: boolean }> {
  if (existsSync(path.join(SHIPPED_BASE, 'card.json')))
    return { modelsDir: path.dirname(SHIPPED_BASE), modelDir: SHIPPED_BASE, standIn: false };
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
