import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { initBackend } from '../../electron/engine/model/backend';
import { loadModel } from '../../electron/engine/model/checkpoint';
import { readManifest } from '../../electron/engine/corpus/manifest';
import { featurizeCorpus } from '../../electron/engine/features/corpus';
import { computePosteriors, decodePosteriors } from '../../electron/engine/decode/recognize';
import { buildDecoder } from '../../electron/engine/decode/options';
import { Grammar } from '../../electron/engine/decode/grammar';
import { noProgress } from '../../electron/engine/jobs/progress';

describe('decoders on real model outputs (shipped base model, Duke India test recordings)', () => {
  it('beam width 1 equals greedy; wider beams and the phone-number grammar behave', async () => {
    await initBackend();
    const { model, card } = await loadModel(path.resolve('models/digits-base'));
    const utts = (await readManifest(path.resolve('../shared/data/bench/duke-india-test.jsonl'))).slice(0, 8);
    const items = await featurizeCorpus(utts, card.features, card.cmvnStats, noProgress, 'test');
    const posts = await computePosteriors(model, card, items.map((i) => i.feats));
    model.dispose();
    const greedy = await buildDecoder({ kind: 'greedy' });
    const beam1 = await buildDecoder({ kind: 'beam', beamWidth: 1 });
    const grammar = await buildDecoder({ kind: 'beam', grammarFile: 'resources/grammars/phone-number.txt' });
    const g = await Grammar.fromFile('resources/grammars/phone-number.txt');
    let nonEmpty = 0;
    for (const p of posts) {
      const a = decodePosteriors(p, card, greedy);
      expect(decodePosteriors(p, card, beam1).text).toBe(a.text);
      if (a.text) nonEmpty++;
      const r = decodePosteriors(p, card, grammar);
      // the grammar's language: 8-10 digits (or nothing when no beam reached an accepting state)
      if (r.text) expect(g.accepts(r.text.split(' '))).toBe(true);
      for (const w of a.words) {
        expect(w.confidence).toBeGreaterThan(0);
        expect(w.confidence).toBeLessThanOrEqual(1);
      }
    }
    expect(nonEmpty).toBe(posts.length);
  });
});
