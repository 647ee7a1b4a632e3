import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { initBackend } from '../../electron/engine/model/backend';
import { loadModel } from '../../electron/engine/model/checkpoint';
import { readManifest } from '../../electron/engine/corpus/manifest';
import { featurizeCorpus } from '../../electron/engine/features/corpus';
import { CHUNK_FRAMES, computePosteriors, decodePosteriors } from '../../electron/engine/decode/recognize';
import { tf } from '../../electron/engine/model/backend';
import { buildDecoder } from '../../electron/engine/decode/options';
import { Grammar } from '../../electron/engine/decode/grammar';
import { noProgress } from '../../electron/engine/progress';

describe('decoders on real model outputs (shipped base model, Duke India test recordings)', () => {
  it('beam width 1 equals greedy; wider beams and the phone-number grammar behave', async () => {
    await initBackend();
    const { model, card } = await loadModel(path.resolve('models/digits-base'));
    const utts = (await readManifest(path.resolve('../shared/data/bench/duke-india-test.jsonl'))).slice(0, 8);
    const items = await featurizeCorpus(utts, card.features, card.cmvnStats, noProgress, 'test');
    const posts = await computePosteriors(
      model,
      card,
      items.map((i) => i.feats),
    );
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

describe('decoder warnings', () => {
  it('names grammar words a word-level model cannot emit', async () => {
    const { decoderWarnings } = await import('../../electron/engine/decode/options');
    const { card } = await loadModel(path.resolve('models/digits-base')).then((m) => (m.model.dispose(), m));
    const d = {
      ...(await buildDecoder({ kind: 'beam' })),
      grammar: new Grammar('$d = zero | banana | oh ;\n$d+'),
    };
    expect(decoderWarnings(d, card)).toEqual([
      '2 grammar words the model cannot emit (never recognised): banana, oh',
    ]);
    expect(
      decoderWarnings(
        await buildDecoder({ kind: 'beam', grammarFile: 'resources/grammars/phone-number.txt' }),
        card,
      ),
    ).toEqual([]);
  });
});

describe('long audio in chunks', () => {
  it('a 60 s recording decoded in 20 s chunks with context gives the posteriors of one pass', async () => {
    const { model, card } = await loadModel(path.resolve('models/digits-base'));
    const utts = await readManifest(path.resolve('../shared/data/bench/duke-india-test.jsonl'));
    const items = await featurizeCorpus(utts.slice(0, 8), card.features, card.cmvnStats, noProgress, 'x');
    // one long matrix: the 8 recordings back to back (about 60 s)
    const dim = items[0].feats.dim;
    const frames = items.reduce((a, i) => a + i.feats.numFrames, 0);
    expect(frames).toBeGreaterThan(2.5 * CHUNK_FRAMES);
    const data = new Float32Array(frames * dim);
    let off = 0;
    for (const it of items) {
      data.set(it.feats.data, off);
      off += it.feats.data.length;
    }
    const [chunked] = await computePosteriors(model, card, [{ data, numFrames: frames, dim }]);
    // one pass over the whole recording, zero-padded to a multiple of the subsampling (4) as batches are
    const padded = Math.ceil(frames / 4) * 4;
    const x = new Float32Array(padded * dim);
    x.set(data);
    const whole = tf.tidy(() =>
      tf.logSoftmax(model.predict(tf.tensor3d(x, [1, padded, dim])) as tf.Tensor3D, -1),
    );
    const ref = ((await whole.data()) as Float32Array).subarray(0, chunked.logProbs.length);
    whole.dispose();
    model.dispose();
    expect(chunked.logProbs.length).toBe(ref.length);
    // Everywhere but the recording's last receptive field (8 output frames), whose outputs depend on
    // what follows the end in a padded batch (zero frames) versus the end of the tensor, as for any
    // utterance shorter than its batch: chunk seams leave no trace.
    const V = card.tokens.inventory.length;
    let maxErr = 0;
    for (let i = 0; i < ref.length - 8 * V; i++)
      maxErr = Math.max(maxErr, Math.abs(ref[i] - chunked.logProbs[i]));
    expect(maxErr).toBeLessThan(1e-3);
  });
});
