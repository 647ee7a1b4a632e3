/**
 * Benchmark (not a test): decoders side by side on each visible target.
 * For each target: adapt the base model with the default method, then decode the target test set
 * with the base and the adapted model using greedy, beam, beam + grammar, and beam + LM (a trigram
 * Kneser-Ney LM trained on the adaptation set's transcripts only, weight and word bonus tuned on the
 * adaptation set). Prints WER and the decoding real-time factor (decoder time / audio time; the
 * acoustic model's time, shared by all decoders, is printed separately).
 *
 * Usage: npm run bench:decoders
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Table from 'cli-table3';
import { adapt } from '../electron/engine';
import { initBackend } from '../electron/engine/model/backend';
import { loadModel } from '../electron/engine/model/checkpoint';
import { readManifest } from '../electron/engine/corpus/manifest';
import { featurizeCorpus } from '../electron/engine/features/corpus';
import { computePosteriors, type DecoderOptions } from '../electron/engine/decode/recognize';
import { evaluatePosteriors } from '../electron/engine/decode/evaluate';
import { buildDecoder, tuneFusion } from '../electron/engine/decode/options';
import { PROFILES } from '../electron/engine/score';
import { noProgress } from '../electron/engine/progress';

const BENCH = path.resolve('../shared/data/bench');
const BASE = path.resolve('models/digits-base');
const targets = [
  {
    name: 'FSDD German',
    adapt: 'fsdd-german-adapt.jsonl',
    test: 'fsdd-german-test.jsonl',
    grammar: 'resources/grammars/one-digit.txt',
  },
  {
    name: 'Duke India',
    adapt: 'duke-india-adapt.jsonl',
    test: 'duke-india-test.jsonl',
    grammar: 'resources/grammars/phone-number.txt',
  },
];

const backend = await initBackend();
const pct = (x: number | null) => (x === null ? 'n/a' : `${(x * 100).toFixed(2)}%`);
const table = new Table({
  head: ['target', 'decoder', 'WER base', 'WER adapted', 'decoder RTF'],
  style: { head: [], border: [] },
  chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
});
for (const t of targets) {
  const out = path.join(await mkdtemp(path.join(tmpdir(), 'bench-dec-')), 'run');
  await adapt({
    modelDir: BASE,
    adaptManifest: path.join(BENCH, t.adapt),
    testManifest: path.join(BENCH, t.test),
    outDir: out,
  });
  const base = await loadModel(BASE);
  const adapted = await loadModel(path.join(out, 'model'));
  const adaptUtts = await readManifest(path.join(BENCH, t.adapt));
  const adaptItems = await featurizeCorpus(
    adaptUtts,
    base.card.features,
    base.card.cmvnStats,
    noProgress,
    'adapt',
  );
  const testItems = await featurizeCorpus(
    await readManifest(path.join(BENCH, t.test)),
    base.card.features,
    base.card.cmvnStats,
    noProgress,
    'test',
  );
  const t0 = performance.now();
  const postBase = await computePosteriors(
    base.model,
    base.card,
    testItems.map((i) => i.feats),
  );
  const acousticSec = (performance.now() - t0) / 1000;
  const postAdapted = await computePosteriors(
    adapted.model,
    adapted.card,
    testItems.map((i) => i.feats),
  );
  const audioSec = testItems.reduce((a, it) => a + it.feats.numFrames, 0) * 0.01;
  const lmDecoder = await buildDecoder(
    { kind: 'beam', lmFromAdapt: true },
    adaptUtts.map((u) => u.text),
  );
  const tuning = tuneFusion(
    base.card,
    adaptItems,
    await computePosteriors(
      base.model,
      base.card,
      adaptItems.map((i) => i.feats),
    ),
    lmDecoder,
    PROFILES.basic,
  );
  const decoders: [string, DecoderOptions][] = [
    ['greedy', await buildDecoder({ kind: 'greedy' })],
    ['beam 16', await buildDecoder({ kind: 'beam' })],
    ['beam 16 + grammar', await buildDecoder({ kind: 'beam', grammarFile: t.grammar })],
    [
      `beam 16 + LM (weight ${tuning.lmWeight}, bonus ${tuning.wordBonus})`,
      { ...lmDecoder, lmWeight: tuning.lmWeight, beam: { ...lmDecoder.beam, wordBonus: tuning.wordBonus } },
    ],
  ];
  for (const [name, d] of decoders) {
    const rb = evaluatePosteriors(base.card, testItems, postBase, d, PROFILES.basic);
    const ra = evaluatePosteriors(adapted.card, testItems, postAdapted, d, PROFILES.basic);
    table.push([
      t.name,
      name,
      pct(rb.score.wer),
      pct(ra.score.wer),
      (ra.seconds.decode / audioSec).toFixed(5),
    ]);
  }
  table.push([t.name, `(acoustic model, ${backend.name})`, '', '', (acousticSec / audioSec).toFixed(5)]);
  base.model.dispose();
  adapted.model.dispose();
}
console.log(
  `decoders on the visible targets (${backend.detail}); RTF = seconds of processing per second of audio`,
);
console.log(table.toString());
