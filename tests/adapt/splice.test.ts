import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { cutAtWords, resplice, respliceUtterances } from '../../electron/engine/adapt/splice';
import { seededRandom } from '../../electron/engine/model/batch';
import { ctcForcedAlign } from '../../electron/engine/decode/forced-align';
import { loadModel } from '../../electron/engine/model/checkpoint';
import { timeSubsampling } from '../../electron/engine/model/acoustic';
import { encodeText } from '../../electron/engine/model/tokens';
import { readManifest } from '../../electron/engine/corpus/manifest';
import { featurizeCorpus } from '../../electron/engine/features/corpus';
import { computePosteriors, decodePosteriors, GREEDY } from '../../electron/engine/decode/recognize';
import { align } from '../../electron/engine/score/align';
import { withEmbeddingTop } from '../../electron/engine/model/embedding-top';

/** Features whose every frame holds its own frame index (so cuts can be read back), dim 2. */
function indexed(numFrames: number) {
  const data = new Float32Array(numFrames * 2);
  for (let t = 0; t < numFrames; t++) data.fill(t, 2 * t, 2 * t + 2);
  return { data, numFrames, dim: 2 };
}
const firstFrame = (m: { data: Float32Array }) => m.data[0];

describe('word re-splicing: cutting at word boundaries', () => {
  it('cuts a word-model utterance in the middle of each pause between aligned words (output frames x subsampling)', () => {
    // 3 words aligned at output frames [2,3], [10,10], [20,22]; subsampling 4; 100 input frames
    const cut = cutAtWords(
      { feats: indexed(100), labels: [5, 7, 9] },
      [
        [2, 3],
        [10, 10],
        [20, 22],
      ],
      4,
    )!;
    // pause 1: input frames 16..40 -> cut at 28; pause 2: 44..80 -> cut at 62
    expect(cut.pieces.map((p) => [firstFrame(p.feats), p.feats.numFrames, p.labels])).toEqual([
      [0, 28, [5]],
      [28, 34, [7]],
      [62, 38, [9]],
    ]);
    expect(cut.separator).toBeNull();
  });

  it("groups a character model's labels into words at the separator and puts separators back between reordered words", () => {
    // "ab c": a b _ c with separator 3; spans in output frames; subsampling 2; 40 frames
    const cut = cutAtWords(
      { feats: indexed(40), labels: [1, 2, 3, 4] },
      [
        [2, 2],
        [4, 5],
        [8, 8],
        [14, 15],
      ],
      2,
      3,
    )!;
    // word 1 ends at output frame 5 -> input 12; word 2 starts at output 14 -> input 28: cut at 20
    expect(cut.pieces.map((p) => [firstFrame(p.feats), p.feats.numFrames, p.labels])).toEqual([
      [0, 20, [1, 2]],
      [20, 20, [4]],
    ]);
    const [swapped] = respliceUtterances([cut], 1, seededRandom(1)).map((s) => s.example);
    expect(swapped.labels).toEqual([4, 3, 1, 2]);
    expect(firstFrame(swapped.feats)).toBe(20);
    expect(swapped.feats.data[20 * 2]).toBe(0); // then word "ab" from frame 0
  });

  it('refuses spans that do not fit the labels', () => {
    const ex = { feats: indexed(50), labels: [1, 2] };
    expect(cutAtWords(ex, [[3, 4]], 4)).toBeNull(); // one span for two labels
    expect(
      cutAtWords(
        ex,
        [
          [8, 9],
          [3, 4],
        ],
        4,
      ),
    ).toBeNull(); // out of order
  });
});

describe('word re-splicing: new utterances', () => {
  it('reorders the words with their own frames, never repeats the original order, and is seeded', () => {
    const labels = [1, 2, 3, 4, 5];
    const spans: [number, number][] = labels.map((_, k) => [5 * k + 2, 5 * k + 2]);
    const cut = cutAtWords({ feats: indexed(100), labels }, spans, 4)!;
    const startOf = new Map(cut.pieces.map((p) => [p.labels[0], firstFrame(p.feats)]));
    const out = respliceUtterances([null, cut], 6, seededRandom(7));
    expect(out).toHaveLength(6);
    for (const { example, from } of out) {
      expect(from).toBe(1);
      expect(example.labels).not.toEqual(labels);
      expect([...example.labels].sort()).toEqual(labels);
      expect(example.feats.numFrames).toBe(100);
      // each word's frames follow its label
      let t = 0;
      for (const l of example.labels) {
        const piece = cut.pieces.find((p) => p.labels[0] === l)!;
        expect(example.feats.data[t * 2]).toBe(startOf.get(l));
        t += piece.feats.numFrames;
      }
    }
    expect(respliceUtterances([cut], 6, seededRandom(7)).map((s) => s.example.labels)).toEqual(
      out.map((s) => s.example.labels),
    );
  });

  it('skips single-word utterances, uses every other order before repeating one, and repeats only when none is left', () => {
    const one = cutAtWords({ feats: indexed(30), labels: [4] }, [[3, 3]], 4)!;
    expect(respliceUtterances([one], 3, seededRandom(1))).toEqual([]);
    const same = cutAtWords(
      { feats: indexed(60), labels: [2, 2] },
      [
        [3, 3],
        [10, 10],
      ],
      4,
    )!;
    expect(respliceUtterances([same], 2, seededRandom(1)).map((s) => s.example.labels)).toEqual([
      [2, 2],
      [2, 2],
    ]);
    const two = cutAtWords(
      { feats: indexed(60), labels: [7, 3] },
      [
        [3, 3],
        [10, 10],
      ],
      4,
    )!;
    expect(respliceUtterances([two], 1, seededRandom(1)).map((s) => s.example.labels)).toEqual([[3, 7]]);
    // three words: 5 orders besides the original; 5 copies use each once
    const three = cutAtWords(
      { feats: indexed(90), labels: [1, 2, 3] },
      [
        [3, 3],
        [10, 10],
        [17, 17],
      ],
      4,
    )!;
    const orders = respliceUtterances([three], 5, seededRandom(2)).map((s) => s.example.labels.join(''));
    expect(new Set(orders).size).toBe(5);
    expect(orders).not.toContain('123');
  });
});

/**
 * Re-splice the Duke India adaptation set with a model's own alignment (2 copies per utterance, seed
 * 3) and score the model on the originals, the reordered copies, and a control whose cuts fall
 * inside words (the mistake a wrong alignment would make). Errors per reference word.
 */
async function spliceOnDuke(modelDir: string, embeddingLayers = 0) {
  const loaded = await loadModel(path.resolve(modelDir));
  const { model, card } = embeddingLayers
    ? withEmbeddingTop(loaded.model, loaded.card, embeddingLayers)
    : loaded;
  try {
    const utts = await readManifest(path.resolve('../shared/data/bench/duke-india-adapt.jsonl'));
    const items = await featurizeCorpus(utts, card.features, card.cmvnStats, () => {}, 'adapt');
    const examples = items.map((it) => ({ feats: it.feats, labels: encodeText(it.utt.text, card.tokens) }));
    const posts = await computePosteriors(
      model,
      card,
      examples.map((e) => e.feats),
    );
    const V = card.tokens.inventory.length;
    const { spliced, cut } = resplice(
      examples,
      posts,
      V,
      card.tokens.blankIndex,
      timeSubsampling(card.architecture),
      null,
      2,
      seededRandom(3),
    );
    const errors = async (exs: { feats: (typeof examples)[number]['feats']; labels: number[] }[]) => {
      const p = await computePosteriors(
        model,
        card,
        exs.map((e) => e.feats),
      );
      let e = 0;
      let n = 0;
      p.forEach((q, i) => {
        const hyp = decodePosteriors(q, card, GREEDY).text.split(' ').filter(Boolean);
        const ref = exs[i].labels.map((l) => card.tokens.inventory[l]);
        const a = align(ref, hyp);
        e += a.substitutions + a.deletions + a.insertions;
        n += ref.length;
      });
      return e / n;
    };
    // Control: the same reordering with every cut moved into the middle of a word (spans placed
    // on the pauses' centres).
    const wrongCuts = examples.map((ex, i) => {
      const spans = ctcForcedAlign(
        posts[i].logProbs,
        posts[i].numFrames,
        V,
        ex.labels,
        card.tokens.blankIndex,
      )!;
      const centres = spans.map((s, k): [number, number] => {
        const c = k === 0 ? Math.floor(s[0] / 2) : Math.round((spans[k - 1][1] + s[0]) / 2);
        return [c, c];
      });
      return cutAtWords(ex, centres, timeSubsampling(card.architecture));
    });
    return {
      cut,
      copies: spliced.length,
      originals: await errors(examples),
      reordered: await errors(spliced.map((s) => s.example)),
      control: await errors(respliceUtterances(wrongCuts, 2, seededRandom(3)).map((s) => s.example)),
    };
  } finally {
    model.dispose();
    if (model !== loaded.model) loaded.model.dispose();
  }
}

describe('word re-splicing of real connected digits (Duke India adaptation set)', () => {
  it('shipped log-mel model (10 ms frames, subsampling 4): the reordered copies read as the reordered words, far better than copies cut inside words', async () => {
    const r = await spliceOnDuke('models/digits-base');
    expect([r.cut, r.copies]).toEqual([8, 16]);
    // measured: originals 0.29, reordered 0.40, control 0.80
    expect(r.reordered).toBeLessThan(0.45);
    expect(r.control).toBeGreaterThan(r.reordered + 0.25);
  });

  it.each([0, 2])(
    'speech-embedding model (80 ms frames, 782 ms receptive field; %i embedding conv layers in the model): cuts on its frames work as well',
    async (embeddingLayers) => {
      const r = await spliceOnDuke('models/digits-embedding', embeddingLayers);
      expect([r.cut, r.copies]).toEqual([8, 16]);
      // measured (the same with and without the split): originals 0.0625, reordered 0.10, control
      // 0.2125: each 80 ms frame sees 782 ms of audio, yet cuts between words keep the words
      expect(r.originals).toBeLessThan(0.1);
      expect(r.reordered).toBeLessThan(0.15);
      expect(r.control).toBeGreaterThan(1.8 * r.reordered);
    },
  );
});
