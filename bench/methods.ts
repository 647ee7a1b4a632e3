/**
 * Benchmark (not a test): every adaptation method on each visible target, side by side, with the
 * source test set for forgetting; then learning curves.
 *
 * Table: method, trainable parameters, adaptation utterances used, test WER before -> after with the
 * 95% bootstrap interval of the change, source-test WER before -> after, wall time.
 * Learning curves: the default method and the light methods (LHUC, input transform, adapters) with
 * 5, 10, 20 and 50 German adaptation utterances.
 * With --seeds N (default 4) every method also runs with seeds 2..N: batches, held-out split,
 * augmentation and dropout change with the seed, and with 8-50 utterances so does the result; the
 * table adds the mean and range of the test WER after adaptation and the mean source-test WER.
 * Speakers curve (Duke India): the 24 Indian-English speakers of duke-india-adapt and duke-india-test
 * (one phone number each) in 3 speaker-disjoint folds of 8; each fold is scored after adapting on 4, 8
 * or 16 of the other speakers, and, as an upper bound that is not a result, on its own 8 test
 * utterances. WER pooled over the folds' 24 utterances.
 * --model DIR (default models/digits-base) runs the same tables on another base model; with
 * models/digits-embedding the methods table compares the settings that fit a small head on frozen
 * features (fewer top layers, lower learning rates, with and without the input transform and KL).
 * On the Duke India target every adapted model is also scored on the Duke US control test set
 * (native US speakers: does adapting to Indian English cost them anything?).
 * Usage: npm run bench:methods [-- --markdown] [-- --only methods|curve|speakers] [-- --seeds N]
 *   [-- --model DIR] [-- --match REGEX (only the methods rows whose name matches)]
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Table from 'cli-table3';
import { adapt, evaluate, type AdaptConfig } from '../electron/engine';
import { initBackend } from '../electron/engine/model/backend';

const BENCH = path.resolve('../shared/data/bench');
const modelAt = process.argv.indexOf('--model');
const BASE = path.resolve(modelAt >= 0 ? process.argv[modelAt + 1] : 'models/digits-base');
const embedding = path.basename(BASE) === 'digits-embedding';
const US_CONTROL = path.join(BENCH, 'duke-us-control-test.jsonl');
const SOURCE = path.join(BENCH, 'fsdd-source-test.jsonl');
const markdown = process.argv.includes('--markdown');
const onlyAt = process.argv.indexOf('--only');
const only = onlyAt >= 0 ? process.argv[onlyAt + 1] : null;
const seedsAt = process.argv.indexOf('--seeds');
const SEEDS = seedsAt >= 0 ? Number(process.argv[seedsAt + 1]) : 4;
if (
  process.argv.includes('--help') ||
  (only !== null && only !== 'methods' && only !== 'curve' && only !== 'speakers') ||
  !(Number.isInteger(SEEDS) && SEEDS >= 1) ||
  (modelAt >= 0 && !process.argv[modelAt + 1])
) {
  console.log(
    'usage: npm run bench:methods [-- --markdown] [-- --only methods|curve|speakers] [-- --seeds N] [-- --model DIR]',
  );
  process.exit(process.argv.includes('--help') ? 0 : 2);
}

const targets = [
  { name: 'FSDD German', adapt: 'fsdd-german-adapt.jsonl', test: 'fsdd-german-test.jsonl' },
  {
    name: 'Duke India',
    adapt: 'duke-india-adapt.jsonl',
    test: 'duke-india-test.jsonl',
    control: US_CONTROL,
  },
];

type Variant = {
  name: string;
  settings: Partial<AdaptConfig>;
  unlabelledIsTest?: boolean;
  /** Mix 50 utterances of the base model's training set (fsdd-source-train) into training. */
  sourceMix?: boolean;
};
// Every variant spells out the settings it compares (the default method's defaults change with the
// table: fine-tuning's input transform and KL weight are chosen from it). Word re-splicing (2 copies)
// is the default augmentation of every method: every row has it except the one without.
const plain = { inputTransform: false, klWeight: 0 };
const logMelVariants: Variant[] = [
  {
    name: 'finetune (top 4) + input transform + KL 1 + re-splicing 2 (default)',
    settings: { method: 'finetune' },
  },
  { name: 'default without re-splicing', settings: { method: 'finetune', resplice: 0 } },
  { name: 'finetune (top 4)', settings: { method: 'finetune', ...plain } },
  { name: 'finetune (top 4) + KL 1', settings: { method: 'finetune', ...plain, klWeight: 1 } },
  {
    name: 'finetune (top 4) + input transform',
    settings: { method: 'finetune', ...plain, inputTransform: true },
  },
  { name: 'finetune (all 6)', settings: { method: 'finetune', ...plain, topLayers: 6 } },
  {
    name: 'finetune (top 4) + speed perturb + SpecAugment',
    settings: { method: 'finetune', ...plain, speedPerturb: true, specAugment: true },
  },
  { name: 'new head', settings: { method: 'new-head' } },
  { name: 'adapters (bottleneck 8)', settings: { method: 'adapters' } },
  { name: 'LHUC', settings: { method: 'lhuc' } },
  { name: 'input transform', settings: { method: 'input-transform' } },
  {
    name: 'default + pseudo-labels (test audio, transductive)',
    settings: { method: 'finetune' },
    unlabelledIsTest: true,
  },
];
// The embedding model's head: 3 conv layers + the output layer (4 weight layers) on frozen 96-dim
// embeddings; the variants that fit few parameters on good features.
const embeddingVariants: Variant[] = [
  { name: 'finetune (top 4) + input transform + KL 1 (global default)', settings: { method: 'finetune' } },
  { name: 'global default, lr 3e-4', settings: { method: 'finetune', learningRate: 3e-4 } },
  { name: 'finetune (top 4)', settings: { method: 'finetune', ...plain } },
  { name: 'finetune (top 4), lr 3e-4', settings: { method: 'finetune', ...plain, learningRate: 3e-4 } },
  { name: 'finetune (top 2)', settings: { method: 'finetune', ...plain, topLayers: 2 } },
  { name: 'finetune (top 2) + KL 1', settings: { method: 'finetune', ...plain, topLayers: 2, klWeight: 1 } },
  { name: 'finetune (top 2) + KL 3', settings: { method: 'finetune', ...plain, topLayers: 2, klWeight: 3 } },
  {
    name: 'finetune (top 2) + input transform + KL 1',
    settings: { method: 'finetune', topLayers: 2, inputTransform: true, klWeight: 1 },
  },
  {
    name: 'finetune (top 2) + KL 1, lr 3e-4',
    settings: { method: 'finetune', ...plain, topLayers: 2, klWeight: 1, learningRate: 3e-4 },
  },
  { name: 'finetune (top 1)', settings: { method: 'finetune', ...plain, topLayers: 1 } },
  { name: 'finetune (top 1) + KL 1', settings: { method: 'finetune', ...plain, topLayers: 1, klWeight: 1 } },
  {
    name: 'finetune (top 1) + input transform + KL 1',
    settings: { method: 'finetune', topLayers: 1, inputTransform: true, klWeight: 1 },
  },
  { name: 'LHUC', settings: { method: 'lhuc' } },
  { name: 'LHUC + KL 1', settings: { method: 'lhuc', klWeight: 1 } },
  { name: 'LHUC, lr 1e-3', settings: { method: 'lhuc', learningRate: 1e-3 } },
  { name: 'adapters (bottleneck 8)', settings: { method: 'adapters' } },
  { name: 'adapters (bottleneck 8) + KL 1', settings: { method: 'adapters', klWeight: 1 } },
  { name: 'input transform', settings: { method: 'input-transform' } },
  // Early stopping on German holds out 10 utterances the base model already gets right at some
  // seeds: it then chooses epoch 0 (no adaptation). Without a held-out set: 15 epochs on all 50.
  ...(
    [
      ['finetune (top 1)', { method: 'finetune', ...plain, topLayers: 1 }],
      ['finetune (top 2)', { method: 'finetune', ...plain, topLayers: 2 }],
      ['finetune (top 2) + KL 1', { method: 'finetune', ...plain, topLayers: 2, klWeight: 1 }],
      ['finetune (top 4), lr 3e-4', { method: 'finetune', ...plain, learningRate: 3e-4 }],
      ['LHUC', { method: 'lhuc' }],
      ['adapters (bottleneck 8)', { method: 'adapters' }],
    ] as const
  ).map(([name, settings]) => ({
    name: `${name}, 15 epochs, no early stopping`,
    settings: { ...settings, heldOutFraction: 0 } as Partial<AdaptConfig>,
  })),
];
const matchAt = process.argv.indexOf('--match');
const match = matchAt >= 0 ? new RegExp(process.argv[matchAt + 1]) : null;
// The embedding model's card sets fine-tuning defaults (adaptationDefaults: top 2, KL 1, no input
// transform, no early stopping); its fine-tuning rows spell out the global ones they compare from,
// and one row takes the card's.
const globalFinetune: Partial<AdaptConfig> = {
  topLayers: 4,
  inputTransform: null,
  klWeight: null,
  heldOutFraction: 0.2,
};
const embeddingRows: Variant[] = [
  { name: 'card default: finetune (top 2) + KL 1, 15 epochs, no early stopping', settings: {} },
  // Adaptation inside the embedding (--embedding-layers N: its top N conv layers join the model; the
  // frozen part below is computed once per utterance): the card's default plus those layers.
  ...([1, 2, 4] as const).flatMap((n) =>
    [null, 3e-4, 1e-4].map((lr) => ({
      name: `card default + ${n} embedding conv layer${n > 1 ? 's' : ''}${lr ? `, lr ${lr.toExponential()}` : ''}`,
      settings: { embeddingLayers: n, ...(lr ? { learningRate: lr } : {}) } as Partial<AdaptConfig>,
    })),
  ),
  {
    name: 'card default + 4 embedding conv layers, lr 3e-4, source mix 50',
    settings: { embeddingLayers: 4, learningRate: 3e-4 },
    sourceMix: true,
  },
  ...([2, 4] as const).map((n) => ({
    name: `card default + ${n} embedding conv layers, KL 3`,
    settings: { embeddingLayers: n, klWeight: 3 } as Partial<AdaptConfig>,
  })),
  ...(['lhuc', 'adapters'] as const).map((method) => ({
    name: `${method === 'lhuc' ? 'LHUC' : 'adapters (bottleneck 8)'} in the head and 2 embedding conv layers, 15 epochs, no early stopping`,
    settings: { method, embeddingLayers: 2, heldOutFraction: 0 } as Partial<AdaptConfig>,
  })),
  ...embeddingVariants.map((v) =>
    v.settings.method === 'finetune' ? { ...v, settings: { ...globalFinetune, ...v.settings } } : v,
  ),
];
const variants = (embedding ? embeddingRows : logMelVariants).filter((v) => !match || match.test(v.name));

const pct = (x: number | null | undefined) =>
  x === null || x === undefined ? 'n/a' : `${(x * 100).toFixed(2)}%`;
const pts = (x: number) => `${x > 0 ? '+' : ''}${(x * 100).toFixed(2)}`;

const backend = await initBackend();
const work = await mkdtemp(path.join(tmpdir(), 'bench-methods-'));
let runNo = 0;
type Row = string[];
const head = [
  'target',
  'method',
  'trainable params',
  'adapt utts',
  'test WER before -> after',
  'change [95% CI]',
  'source WER before -> after',
  'wall s',
  ...(SEEDS > 1
    ? [`test WER after, mean of ${SEEDS} seeds (range)`, `source WER after, mean of ${SEEDS} seeds`]
    : []),
  'Duke US control WER after (mean, range)',
];
const rows: Row[] = [];
for (const t of only === 'curve' || only === 'speakers' ? [] : targets) {
  for (const v of variants) {
    const run = (seed: number) =>
      adapt({
        modelDir: BASE,
        adaptManifest: path.join(BENCH, t.adapt),
        ...(v.unlabelledIsTest ? { unlabelledManifest: path.join(BENCH, t.test) } : {}),
        ...(v.sourceMix ? { sourceMixManifest: path.join(BENCH, 'fsdd-source-train.jsonl') } : {}),
        testManifest: path.join(BENCH, t.test),
        sourceTestManifest: SOURCE,
        outDir: path.join(work, `run${++runNo}`),
        settings: { ...v.settings, seed },
      });
    const t0 = performance.now();
    const r = await run(1);
    const wall = (performance.now() - t0) / 1000;
    const afters = [r.test.after!.wer!];
    const sources = [r.source_test!.after!.wer!];
    /** The adapted model of run `n` scored on the target's control test set. */
    const control = async (n: number): Promise<number> =>
      (
        await evaluate({
          modelDir: path.join(work, `run${n}`, 'model'),
          testManifest: t.control!,
          outDir: path.join(work, `control${n}`),
        })
      ).test.before.wer!;
    const controls = t.control ? [await control(runNo)] : [];
    for (let seed = 2; seed <= SEEDS; seed++) {
      const rs = await run(seed);
      afters.push(rs.test.after!.wer!);
      sources.push(rs.source_test!.after!.wer!);
      if (t.control) controls.push(await control(runNo));
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const c = r.test.comparison!;
    const a = r.adaptation!;
    rows.push([
      t.name,
      v.name,
      String(a.trainable_params),
      String(a.adaptation_utterances) + (a.augmented_copies ? ` (+${a.augmented_copies} aug.)` : ''),
      `${pct(r.test.before.wer)} -> ${pct(r.test.after!.wer)}`,
      `${pts(c.change.value)} [${pts(c.change.lo)}, ${pts(c.change.hi)}]`,
      `${pct(r.source_test!.before.wer)} -> ${pct(r.source_test!.after!.wer)}`,
      wall.toFixed(1),
      ...(SEEDS > 1
        ? [
            `${pct(mean(afters))} (${pct(Math.min(...afters))}-${pct(Math.max(...afters))})`,
            pct(mean(sources)),
          ]
        : []),
      controls.length
        ? `${pct(mean(controls))} (${pct(Math.min(...controls))}-${pct(Math.max(...controls))})`
        : 'n/a',
    ]);
    process.stderr.write(
      `${t.name} / ${v.name}: done: test after ${afters.map(pct).join(' ')}, source after ${sources.map(pct).join(' ')}\n`,
    );
  }
}

// Learning curves on the German target: k utterances spread over the digits, default and light methods.
const curve: Row[] = [];
const curveMethods: { name: string; settings: Partial<AdaptConfig> }[] = [
  { name: 'default (finetune + input transform + KL 1 + re-splicing 2)', settings: {} },
  { name: 'finetune (top 4)', settings: { inputTransform: false, klWeight: 0 } },
  { name: 'LHUC', settings: { method: 'lhuc' } },
  { name: 'input transform', settings: { method: 'input-transform' } },
  { name: 'adapters', settings: { method: 'adapters' } },
];
/** A benchmark manifest's lines with absolute audio paths (to be written elsewhere). */
const manifestLines = async (name: string): Promise<string[]> =>
  (await readFile(path.join(BENCH, name), 'utf8'))
    .trim()
    .split('\n')
    .map((l) => {
      const o = JSON.parse(l);
      o.audio_filepath = path.resolve(BENCH, o.audio_filepath);
      return JSON.stringify(o);
    });
/** Writes lines as a manifest in the work folder; returns its path. */
const writeManifest = async (name: string, ls: string[]): Promise<string> => {
  const file = path.join(work, `${name}.jsonl`);
  await writeFile(file, ls.join('\n') + '\n');
  return file;
};

const lines = await manifestLines('fsdd-german-adapt.jsonl');
for (const k of only === 'methods' || only === 'speakers' ? [] : [5, 10, 20, 50]) {
  const file = await writeManifest(
    `german-adapt-${k}`,
    Array.from({ length: k }, (_, i) => lines[Math.floor((i * lines.length) / k)]),
  );
  const cells: string[] = [];
  let before = '';
  for (const m of curveMethods) {
    const r = await adapt({
      modelDir: BASE,
      adaptManifest: file,
      testManifest: path.join(BENCH, 'fsdd-german-test.jsonl'),
      sourceTestManifest: SOURCE,
      outDir: path.join(work, `curve${k}-${runNo++}`),
      settings: m.settings,
    });
    const c = r.test.comparison!;
    before = pct(r.test.before.wer);
    cells.push(
      `${pct(r.test.after!.wer)} (${pts(c.change.value)} [${pts(c.change.lo)}, ${pts(c.change.hi)}]), source ${pct(r.source_test!.after!.wer)}`,
    );
  }
  curve.push([String(k), before, ...cells]);
}
const curveHead = [
  'adaptation utterances',
  'test WER before',
  ...curveMethods.map((m) => `${m.name}: after (change [95% CI]), source after`),
];

// Speakers curve, Duke India: 3 speaker-disjoint folds of the 24 Indian-English speakers.
const speakers: Row[] = [];
if (only === null || only === 'speakers') {
  const all = [
    ...(await manifestLines('duke-india-adapt.jsonl')),
    ...(await manifestLines('duke-india-test.jsonl')),
  ];
  const settingsRows: { name: string; settings: Partial<AdaptConfig> }[] = [
    { name: 'default', settings: {} },
    { name: 'default without re-splicing', settings: { resplice: 0 } },
  ];
  for (const k of [4, 8, 16, 'own test utterances (upper bound)'] as const) {
    const cells: string[] = [];
    let beforeCell = '';
    for (const m of settingsRows) {
      let errBefore = 0;
      let errAfter = 0;
      let words = 0;
      for (let fold = 0; fold < 3; fold++) {
        const test = all.filter((_, i) => i % 3 === fold);
        const rest = all.filter((_, i) => i % 3 !== fold);
        const adaptSet = typeof k === 'number' ? rest.slice(0, k) : test;
        const r = await adapt({
          modelDir: BASE,
          adaptManifest: await writeManifest(`spk-adapt-${fold}-${k}`, adaptSet),
          testManifest: await writeManifest(`spk-test-${fold}`, test),
          outDir: path.join(work, `speakers-${runNo++}`),
          settings: m.settings,
        });
        errBefore += r.test.before.wer! * r.test.before.reference_words;
        errAfter += r.test.after!.wer! * r.test.before.reference_words;
        words += r.test.before.reference_words;
      }
      beforeCell = pct(errBefore / words);
      cells.push(`${pct(errAfter / words)} (${((1 - errAfter / errBefore) * 100).toFixed(0)}% relative)`);
    }
    speakers.push([String(k), beforeCell, ...cells]);
    process.stderr.write(`speakers ${k}: done\n`);
  }
}
const speakersHead = [
  'adaptation speakers (utterances)',
  'test WER before',
  'default: after',
  'default without re-splicing: after',
];

if (markdown) {
  const md = (h: string[], rs: Row[]) =>
    [
      `| ${h.join(' | ')} |`,
      `| ${h.map(() => '---').join(' | ')} |`,
      ...rs.map((r) => `| ${r.join(' | ')} |`),
    ].join('\n');
  if (rows.length) console.log(md(head, rows));
  if (curve.length) console.log(`\nLearning curves, FSDD German:\n\n${md(curveHead, curve)}`);
  if (speakers.length)
    console.log(
      `\nDuke India, 3 speaker-disjoint folds of 8 test speakers (pooled, 24 utterances):\n\n${md(speakersHead, speakers)}`,
    );
} else {
  const tbl = (h: string[], rs: Row[]) => {
    const t = new Table({
      head: h,
      style: { head: [], border: [] },
      chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
    });
    t.push(...rs);
    return t.toString();
  };
  if (rows.length)
    console.log(`adaptation methods (${backend.detail}); changes in WER points\n${tbl(head, rows)}`);
  if (curve.length) console.log(`learning curves, FSDD German\n${tbl(curveHead, curve)}`);
  if (speakers.length)
    console.log(
      `Duke India, 3 speaker-disjoint folds of 8 test speakers (pooled, 24 utterances)\n${tbl(speakersHead, speakers)}`,
    );
}
