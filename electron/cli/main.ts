/**
 * Command-line entry: parses arguments (commander), calls the engine facade, prints tables.
 * Exit codes: 0 ok; 1 bad input or failure, with a one-line reason on stderr.
 */
import { Command, InvalidArgumentError } from 'commander';
import path from 'node:path';
import { adapt, evaluate, score, trainBase, buildLm, loadProfile, PROFILES, DEFAULT_FINETUNE, DEFAULT_BASE_RECIPE, type DecoderSpec, type ProfileName } from '../engine';
import { stderrProgress } from './progress';
import { formatReport } from './table';

const DATA = path.resolve(process.cwd(), '..', 'shared', 'data', 'bench');

function int(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n)) throw new InvalidArgumentError(`${name} must be an integer`);
    return n;
  };
}
function num(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n)) throw new InvalidArgumentError(`${name} must be a number`);
    return n;
  };
}

async function run(fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    process.stderr.write(`\nerror: ${(err as Error).message.split('\n')[0]}\n`);
    process.exitCode = 1;
  }
}

function profileName(v: string): ProfileName {
  if (!(v in PROFILES)) throw new InvalidArgumentError(`known profiles: ${Object.keys(PROFILES).join(', ')}`);
  return v as ProfileName;
}

type ScoringOpts = { normalize: ProfileName; rules?: string };
const scoringOptions = (c: Command): Command =>
  c
    .option('--normalize <profile>', 'text normalisation before scoring: none | basic (lower-case, no punctuation)', profileName, 'basic')
    .option('--rules <file>', 'word rewrite rules applied to reference and hypothesis, one "from -> to" per line');

type DecoderOpts = {
  decoder: 'greedy' | 'beam';
  beamWidth?: number;
  lm?: string;
  lmFromAdapt?: boolean;
  lmWeight?: number;
  wordBonus?: number;
  grammar?: string;
  lexicon?: string;
};
const decoderOptions = (c: Command, adaptOnly: boolean): Command => {
  c.option('--decoder <kind>', 'greedy | beam (CTC prefix beam search)', (v: string) => {
    if (v !== 'greedy' && v !== 'beam') throw new InvalidArgumentError('greedy or beam');
    return v;
  }, 'greedy')
    .option('--beam-width <n>', 'beam width (default 16)', int('--beam-width'))
    .option('--lm <file.arpa>', 'word n-gram LM in ARPA format (KenLM, SRILM or `lm`), shallow fusion')
    .option('--lm-weight <x>', 'LM weight (default: tuned on the adaptation set in adapt, else 0.5)', num('--lm-weight'))
    .option('--word-bonus <x>', 'natural-log bonus per word (default: tuned with the weight, else 0)', num('--word-bonus'))
    .option('--grammar <file>', 'grammar constraint: what may be said, e.g. "$digit{8,10}"')
    .option('--lexicon <file>', 'word list: character models may only emit these words');
  if (adaptOnly) c.option('--lm-from-adapt', "train a trigram Kneser-Ney LM from the adaptation set's transcripts");
  return c;
};
function decoderSpec(o: DecoderOpts): DecoderSpec {
  return {
    kind: o.decoder,
    beamWidth: o.beamWidth,
    lmFile: o.lm,
    lmFromAdapt: o.lmFromAdapt,
    lmWeight: o.lmWeight,
    wordBonus: o.wordBonus,
    grammarFile: o.grammar,
    lexiconFile: o.lexicon,
  };
}

const program = new Command();
program
  .name('accent-studio')
  .description('Adapt a speech recognizer to an accent and measure WER before and after (offline, CPU).')
  .showHelpAfterError();

decoderOptions(scoringOptions(program
  .command('evaluate')), false)
  .description('score a model on a test manifest; writes DIR/report.json')
  .requiredOption('--model <dir>', 'model folder (model.json, weights.bin, card.json)')
  .requiredOption('--test <manifest>', 'test set, NeMo JSON Lines manifest')
  .requiredOption('--out <dir>', 'output folder for report.json')
  .action((o: { model: string; test: string; out: string } & ScoringOpts & DecoderOpts) =>
    run(async () => {
      const p = stderrProgress();
      const normalization = await loadProfile(o.normalize, o.rules);
      const report = await evaluate({ modelDir: o.model, testManifest: o.test, outDir: o.out, normalization, decoder: decoderSpec(o), onProgress: p.onProgress });
      p.stop();
      process.stdout.write(formatReport(report) + '\n');
      process.stdout.write(`report: ${path.join(o.out, 'report.json')} (also report.html, utterances.csv, trn/)\n`);
    }),
  );

decoderOptions(scoringOptions(program
  .command('adapt')), true)
  .description('fine-tune a model on an adaptation set; score test (and source test) before and after')
  .requiredOption('--model <dir>', 'base model folder (never modified)')
  .requiredOption('--adapt <manifest>', 'adaptation set (labelled), NeMo JSON Lines manifest')
  .requiredOption('--test <manifest>', 'target test set')
  .option('--source-test <manifest>', 'source-domain test set, to measure forgetting')
  .requiredOption('--out <dir>', 'output folder: report.json and the adapted model in model/')
  .option('--top-layers <n>', `weight layers that train, from the top (default ${DEFAULT_FINETUNE.topLayers})`, int('--top-layers'))
  .option('--epochs <n>', `maximum epochs (default ${DEFAULT_FINETUNE.epochs})`, int('--epochs'))
  .option('--lr <x>', `Adam learning rate (default ${DEFAULT_FINETUNE.learningRate})`, num('--lr'))
  .option('--batch-size <n>', `default ${DEFAULT_FINETUNE.batchSize}`, int('--batch-size'))
  .option('--seed <n>', `default ${DEFAULT_FINETUNE.seed}`, int('--seed'))
  .action(
    (o: {
      model: string;
      adapt: string;
      test: string;
      sourceTest?: string;
      out: string;
      topLayers?: number;
      epochs?: number;
      lr?: number;
      batchSize?: number;
      seed?: number;
    } & ScoringOpts & DecoderOpts) =>
      run(async () => {
        const p = stderrProgress();
        const normalization = await loadProfile(o.normalize, o.rules);
        const finetune = Object.fromEntries(
          Object.entries({ topLayers: o.topLayers, epochs: o.epochs, learningRate: o.lr, batchSize: o.batchSize, seed: o.seed }).filter(
            ([, v]) => v !== undefined,
          ),
        );
        const report = await adapt({
          modelDir: o.model,
          adaptManifest: o.adapt,
          testManifest: o.test,
          sourceTestManifest: o.sourceTest,
          outDir: o.out,
          finetune,
          normalization,
          decoder: decoderSpec(o),
          onProgress: p.onProgress,
        });
        p.stop();
        process.stdout.write(formatReport(report) + '\n');
        process.stdout.write(`report: ${path.join(o.out, 'report.json')}\nadapted model: ${report.adapted_model!.dir}\n`);
      }),
  );

scoringOptions(program
  .command('score'))
  .description('score existing transcripts: hypotheses matched to references by utterance id (no model)')
  .requiredOption('--ref <file>', 'references: sclite trn, JSON Lines {id, text}, or a NeMo manifest')
  .requiredOption('--hyp <file>', 'hypotheses (same formats)')
  .option('--hyp-after <file>', 'hypotheses of a second system: adds the paired bootstrap comparison')
  .option('--missing-as-empty', 'score references without a hypothesis as empty hypotheses instead of failing')
  .requiredOption('--out <dir>', 'output folder for report.json, report.html, utterances.csv, trn/')
  .action((o: { ref: string; hyp: string; hypAfter?: string; missingAsEmpty?: boolean; out: string } & ScoringOpts) =>
    run(async () => {
      const normalization = await loadProfile(o.normalize, o.rules);
      const report = await score({ refFile: o.ref, hypFile: o.hyp, hypAfterFile: o.hypAfter, outDir: o.out, normalization, missingAsEmpty: o.missingAsEmpty });
      process.stdout.write(formatReport(report) + '\n');
      process.stdout.write(`report: ${path.join(o.out, 'report.json')} (also report.html, utterances.csv, trn/)\n`);
    }),
  );

program
  .command('lm')
  .description('train a word n-gram LM (interpolated Kneser-Ney) from a text file, one sentence per line; writes ARPA')
  .requiredOption('--text <file>', 'training text, one sentence per line')
  .requiredOption('--out <file.arpa>', 'output ARPA file (not overwritten)')
  .option('--order <n>', 'n-gram order (default 3)', int('--order'), 3)
  .action((o: { text: string; out: string; order: number }) =>
    run(async () => {
      const lm = await buildLm({ textFile: o.text, outFile: o.out, order: o.order });
      process.stdout.write(`wrote ${o.out}: order ${lm.order}, ${lm.tables.map((t, i) => `${t.size} ${i + 1}-grams`).join(', ')}\n`);
    }),
  );

program
  .command('train-base')
  .description('train the base digit model from the source-domain manifest (seeded recipe)')
  .option('--train <manifest>', 'source training manifest', path.join(DATA, 'fsdd-source-train.jsonl'))
  .option('--test <manifest>', 'source test manifest (scored into the card)', path.join(DATA, 'fsdd-source-test.jsonl'))
  .option('--out <dir>', 'new model folder', 'models/digits-base')
  .option('--epochs <n>', `default ${DEFAULT_BASE_RECIPE.epochs}`, int('--epochs'))
  .option('--strings <n>', `synthetic connected strings (default ${DEFAULT_BASE_RECIPE.numStrings})`, int('--strings'))
  .option('--seed <n>', `default ${DEFAULT_BASE_RECIPE.seed}`, int('--seed'))
  .action((o: { train: string; test: string; out: string; epochs?: number; strings?: number; seed?: number }) =>
    run(async () => {
      const p = stderrProgress();
      const card = await trainBase({
        trainManifest: o.train,
        testManifest: o.test,
        outDir: o.out,
        ...(o.epochs !== undefined ? { epochs: o.epochs } : {}),
        ...(o.strings !== undefined ? { numStrings: o.strings } : {}),
        ...(o.seed !== undefined ? { seed: o.seed } : {}),
        onProgress: p.onProgress,
      });
      p.stop();
      const m = card.metrics[0];
      process.stdout.write(`saved ${o.out}: source-test WER ${(m.wer * 100).toFixed(2)}% (S ${m.substitutions}, D ${m.deletions}, I ${m.insertions}, N ${m.referenceWords})\n`);
    }),
  );

program.parseAsync(process.argv).catch((err: Error) => {
  process.stderr.write(`error: ${err.message}\n`);
  process.exitCode = 1;
});
