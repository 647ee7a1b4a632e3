/**
 * A model card's adaptation defaults (card.adaptationDefaults): user settings > card defaults >
 * method defaults > DEFAULT_ADAPT, and the card's defaults only for the card's method.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ADAPT, resolveSettings, withCardDefaults } from '../../electron/engine/adapt/config';
import { loadModel } from '../../electron/engine/model/checkpoint';
import { parseCard } from '../../electron/engine/model/card';
import { initBackend } from '../../electron/engine/model/backend';
import { adapt } from '../../electron/engine';
import { SHIPPED_BASE, benchSubset } from '../helpers';

const EMBEDDING = path.resolve('models/digits-embedding');
const card = {
  method: 'finetune',
  topLayers: 2,
  inputTransform: false,
  klWeight: 1,
  learningRate: 3e-4,
};

describe('withCardDefaults', () => {
  it('fills what the user left open from the card, over DEFAULT_ADAPT', () => {
    const c = withCardDefaults({ seed: 3, klWeight: undefined }, card);
    expect([c.method, c.topLayers, c.inputTransform, c.klWeight, c.learningRate, c.seed]).toEqual([
      'finetune',
      2,
      false,
      1,
      3e-4,
      3,
    ]);
    expect(c.epochs).toBe(DEFAULT_ADAPT.epochs);
  });

  it("keeps the user's own settings over the card's", () => {
    const c = withCardDefaults({ klWeight: 0, topLayers: 4, inputTransform: true }, card);
    expect([c.topLayers, c.inputTransform, c.klWeight, c.learningRate]).toEqual([4, true, 0, 3e-4]);
  });

  it("applies none of the card's settings to another method", () => {
    const c = withCardDefaults({ method: 'lhuc' }, card);
    expect([c.method, c.topLayers, c.inputTransform, c.klWeight, c.learningRate]).toEqual([
      'lhuc',
      DEFAULT_ADAPT.topLayers,
      null,
      null,
      null,
    ]);
  });

  it('is DEFAULT_ADAPT under the user settings without a card', () => {
    expect(withCardDefaults({ topLayers: 3 }, undefined)).toEqual({ ...DEFAULT_ADAPT, topLayers: 3 });
  });
});

describe('card.adaptationDefaults', () => {
  it('refuses an unknown setting in the block, naming it', async () => {
    const raw = JSON.parse(await readFile(path.join(EMBEDDING, 'card.json'), 'utf8'));
    raw.adaptationDefaults = { method: 'finetune', topLayer: 2 };
    expect(() => parseCard(raw, 'card.json')).toThrow(
      'card.json: invalid model card: adaptationDefaults: Unrecognized key: "topLayer"',
    );
  });

  it('digits-base has none: a run resolves to the global defaults (finetune top 4 + input transform + KL 1)', async () => {
    await initBackend();
    const { model, card: c } = await loadModel(SHIPPED_BASE);
    expect(c.adaptationDefaults).toBeUndefined();
    const { cfg } = resolveSettings(withCardDefaults({}, c.adaptationDefaults), model);
    expect([cfg.method, cfg.topLayers, cfg.inputTransform, cfg.klWeight, cfg.learningRate]).toEqual([
      'finetune',
      4,
      true,
      1,
      1e-3,
    ]);
    model.dispose();
  });

  it('digits-embedding resolves to its measured default: finetune top 2 + KL 1, no input transform, 15 epochs on all', async () => {
    await initBackend();
    const { model, card: c } = await loadModel(EMBEDDING);
    const { cfg } = resolveSettings(withCardDefaults({}, c.adaptationDefaults), model);
    expect([
      cfg.method,
      cfg.topLayers,
      cfg.inputTransform,
      cfg.klWeight,
      cfg.learningRate,
      cfg.heldOutFraction,
      cfg.fixedEpochs,
    ]).toEqual(['finetune', 2, false, 1, 1e-3, 0, 15]);
    // the user's own choice still wins, and another method gets none of the card's settings
    const own = resolveSettings(
      withCardDefaults({ inputTransform: true, klWeight: 0 }, c.adaptationDefaults),
      model,
    );
    expect([own.cfg.topLayers, own.cfg.inputTransform, own.cfg.klWeight]).toEqual([2, true, 0]);
    const lhuc = resolveSettings(withCardDefaults({ method: 'lhuc' }, c.adaptationDefaults), model);
    expect([lhuc.cfg.klWeight, lhuc.cfg.learningRate, lhuc.cfg.heldOutFraction]).toEqual([0, 5e-3, 0.2]);
    model.dispose();
  });
});

describe('an adaptation job on digits-embedding', () => {
  it("runs the card's default method when the request names no setting", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'card-defaults-'));
    const report = await adapt({
      modelDir: EMBEDDING,
      adaptManifest: await benchSubset('fsdd-german-adapt.jsonl', 10, dir),
      testManifest: await benchSubset('fsdd-german-test.jsonl', 10, dir),
      outDir: path.join(dir, 'run'),
      settings: { seed: 1 },
    });
    const a = report.adaptation!;
    expect([a.method, a.top_layers, a.input_transform, a.kl_weight, a.held_out_utterances]).toEqual([
      'finetune',
      2,
      false,
      1,
      0,
    ]);
    expect(a.trainable_layers).toEqual(['conv3', 'output']);
    expect(a.trainable_params).toBe(47243);
  }, 120_000);
});
