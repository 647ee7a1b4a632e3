/**
 * Command-line entry: parses arguments (commander), calls the engine facade, prints tables.
 * Exit codes: 0 ok; 1 bad input or failure, with a one-line reason on stderr.
 */
import { Command, InvalidArgumentError } from 'commander';
import { METHOD_LIMITS, type LimitedSetting } from '../contract';
import path from 'node:path';
import {
  adapt,
  evaluate,
  score,
  trainBase,
  vocabulary,
  DEFAULT_VOCABULARY,
  importOnnx,
  buildLm,
  loadProfile,
  PROFILES,
  DEFAULT_ADAPT,
  definedSettings,
  DEFAULT_BASE_RECIPE,
  METHODS,
  METHOD_NAMES,
  UNLABELLED_USES,
  type AdaptConfig,
  type UnlabelledUse,
  type DecoderSpec,
  type MethodName,
  type ProfileName,
} from '../engine';
import { FORMATS, FORMAT_NAMES, isFormatName, formatImportSummary, type FormatName } from '../engine/corpus';
import { cleanProject, importIntoProject, exportProject, openProject } from '../engine/corpus/project';
import { DEFAULT_SILENCE_SPLIT } from '../engine/audio/split';
import { stderrProgress } from './progress';
import { formatReport, formatSynthesizers } from './table';
import { findSynthesizer, listSynthesizers } from '../engine/synth';
import { sayToWav } from '../engine/synth/say';
import { SPEECH_EMBEDDING_FEATURES } from '../engine/features/config';

const DATA = path.resolve(process.cwd(), '..', 'shared', 'data', 'bench');

/** Integer option parser; `min` is the smallest accepted value (default 1). */
function int(name: string, min = 1) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min)
      throw new InvalidArgumentError(`${name} must be an integer >= ${min}`);
    return n;
  };
}
/** Number option parser; `min` (inclusive) or `above` (exclusive) bound it from below. */
function num(name: string, bound: { min?: number; above?: number } = {}) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n)) throw new InvalidArgumentError(`${name} must be a number`);
    if (bound.min !== undefined && n < bound.min)
      throw new InvalidArgumentError(`${name} must be >= ${bound.min}`);
    if (bound.above !== undefined && n <= bound.above)
      throw new InvalidArgumentError(`${name} must be > ${bound.above}`);
    return n;
  };
}

/**
 * Option parser for an adaptation setting within its METHOD_LIMITS range: the numbers the API's
 * schema and the Adapt screen check (electron/contract), so the CLI accepts exactly what they do.
 */
function limited(flag: string, key: LimitedSetting) {
  const l: { min: number; max: number; integer: boolean; minExclusive?: boolean } = METHOD_LIMITS[key];
  return (v: string): number => {
    const n = Number(v);
    const low = l.minExclusive ? n <= l.min : n < l.min;
    if (!Number.isFinite(n) || (l.integer && !Number.isInteger(n)) || low || n > l.max) {
      throw new InvalidArgumentError(
        `${flag} must be ${l.integer ? 'an integer' : 'a number'} ${l.minExclusive ? `above ${l.min}` : `from ${l.min}`} to ${l.max}`,
      );
    }
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
    .option(
      '--normalize <profile>',
      'text normalisation before scoring: none | basic (lower-case, no punctuation)',
      profileName,
      'basic',
    )
    .option(
      '--rules <file>',
      'word rewrite rules applied to reference and hypothesis, one "from -> to" per line',
    );

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
  c.option(
    '--decoder <kind>',
    'greedy | beam (CTC prefix beam search)',
    (v: string) => {
      if (v !== 'greedy' && v !== 'beam') throw new InvalidArgumentError('greedy or beam');
      return v;
    },
    'greedy',
  )
    .option('--beam-width <n>', 'beam width (default 16)', int('--beam-width'))
    .option('--lm <file.arpa>', 'word n-gram LM in ARPA format (KenLM, SRILM or `lm`), shallow fusion')
    .option(
      '--lm-weight <x>',
      adaptOnly ? 'LM weight (default: tuned on the adaptation set)' : 'LM weight (default 0.5)',
      num('--lm-weight'),
    )
    .option(
      '--word-bonus <x>',
      adaptOnly
        ? 'natural-log bonus per word (default: tuned with the weight)'
        : 'natural-log bonus per word (default 0)',
      num('--word-bonus'),
    )
    .option('--grammar <file>', 'grammar constraint: what may be said, e.g. "$digit{8,10}"')
    .option('--lexicon <file>', 'word list: character models may only emit these words');
  if (adaptOnly)
    c.option('--lm-from-adapt', "train a trigram Kneser-Ney LM from the adaptation set's transcripts");
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
  .showHelpAfterError('(add --help for usage)');

decoderOptions(scoringOptions(program.command('evaluate')), false)
  .description(
    'score a model on a test manifest; writes DIR/report.json, report.html, utterances.csv and trn/',
  )
  .requiredOption('--model <dir>', 'model folder (model.json, weights.bin, card.json)')
  .requiredOption('--test <manifest>', 'test set, NeMo JSON Lines manifest')
  .requiredOption('--out <dir>', 'new output folder for report.json, report.html, utterances.csv, trn/')
  .action((o: { model: string; test: string; out: string } & ScoringOpts & DecoderOpts) =>
    run(async () => {
      const p = stderrProgress();
      const normalization = await loadProfile(o.normalize, o.rules);
      const report = await evaluate({
        modelDir: o.model,
        testManifest: o.test,
        outDir: o.out,
        normalization,
        decoder: decoderSpec(o),
        onProgress: p.onProgress,
      });
      p.stop();
      process.stdout.write(formatReport(report) + '\n');
      process.stdout.write(
        `report: ${path.join(o.out, 'report.json')} (also report.html, utterances.csv, trn/)\n`,
      );
    }),
  );

type AdaptOpts = {
  model: string;
  adapt?: string;
  unlabelled?: string;
  test: string;
  sourceTest?: string;
  out: string;
  method: MethodName;
  topLayers?: number;
  inputTransform?: boolean;
  bottleneck?: number;
  embeddingLayers?: number;
  epochs?: number;
  fixedEpochs?: number;
  lr?: number;
  batchSize?: number;
  seed?: number;
  klWeight?: number;
  specAugment?: boolean;
  speedPerturb?: boolean;
  noiseSnr?: number;
  resplice?: number;
  unlabelledUse?: UnlabelledUse;
  pseudoRounds?: number;
  pseudoThreshold?: number;
  sourceMix?: string;
  sourceMixCount?: number;
  workers?: number;
  renormalize?: boolean;
  refit: boolean;
};

/** AdaptConfig fields from the flags that were given (the rest keep DEFAULT_ADAPT). */
function adaptSettings(o: AdaptOpts): Partial<AdaptConfig> {
  const given = {
    method: o.method,
    topLayers: o.topLayers,
    inputTransform: o.inputTransform,
    bottleneck: o.bottleneck,
    embeddingLayers: o.embeddingLayers,
    epochs: o.epochs,
    fixedEpochs: o.fixedEpochs,
    learningRate: o.lr,
    batchSize: o.batchSize,
    seed: o.seed,
    klWeight: o.klWeight,
    specAugment: o.specAugment,
    speedPerturb: o.speedPerturb,
    noiseSnrDb: o.noiseSnr,
    resplice: o.resplice,
    unlabelledUse: o.unlabelledUse,
    pseudoRounds: o.pseudoRounds,
    pseudoThreshold: o.pseudoThreshold,
    sourceMixCount: o.sourceMixCount,
    workers: o.workers,
    renormalize: o.renormalize,
    refit: o.refit,
  };
  return definedSettings(given);
}

const D = DEFAULT_ADAPT;
decoderOptions(scoringOptions(program.command('adapt')), true)
  .description('adapt a model to an accent; score the test set (and the source test set) before and after')
  .requiredOption('--model <dir>', 'base model folder (never modified)')
  .option('--adapt <manifest>', 'adaptation set (labelled), NeMo JSON Lines manifest')
  .option(
    '--unlabelled <manifest>',
    'unlabelled target audio for pseudo-label self-training (transcripts ignored)',
  )
  .requiredOption('--test <manifest>', 'target test set')
  .option('--source-test <manifest>', 'source-domain test set, to measure forgetting')
  .requiredOption('--out <dir>', 'output folder: report.json and the adapted model in model/')
  .option(
    '--method <name>',
    `${METHOD_NAMES.map((m) => `${m}: ${METHODS[m].summary}`).join('; ')}`,
    (v: string) => {
      if (!(METHOD_NAMES as string[]).includes(v))
        throw new InvalidArgumentError(`one of ${METHOD_NAMES.join(', ')}`);
      return v as MethodName;
    },
    D.method,
  )
  .option(
    '--top-layers <n>',
    `finetune: weight layers that train, from the top (default ${D.topLayers})`,
    limited('--top-layers', 'topLayers'),
  )
  .option(
    '--input-transform',
    'finetune: also train an affine input transform (identity at start) before the first layer (the default)',
  )
  .option('--no-input-transform', 'finetune: the top layers only')
  .option(
    '--bottleneck <n>',
    `adapters: bottleneck width (default ${D.bottleneck})`,
    limited('--bottleneck', 'bottleneck'),
  )
  .option(
    '--embedding-layers <n>',
    `speech-embedding models: the embedding's top conv layers (0-5) that adapt with the head (finetune trains them; LHUC and adapters are added after them; default: the card's, else ${D.embeddingLayers})`,
    limited('--embedding-layers', 'embeddingLayers'),
  )
  .option(
    '--epochs <n>',
    `maximum epochs with early stopping (default ${D.epochs})`,
    limited('--epochs', 'epochs'),
  )
  .option(
    '--fixed-epochs <n>',
    `epochs when the adaptation set is too small to hold ${D.minHeldOut} utterances out for early stopping (default ${D.fixedEpochs}; at most --epochs)`,
    limited('--fixed-epochs', 'fixedEpochs'),
  )
  .option('--lr <x>', "Adam learning rate (default: the method's)", limited('--lr', 'learningRate'))
  .option('--batch-size <n>', `default ${D.batchSize}`, int('--batch-size'))
  .option('--seed <n>', `default ${D.seed}`, int('--seed', 0))
  .option(
    '--workers <n>',
    `training threads, 1 or 2 (2: a gradient worker thread takes half of each large batch; same result; default ${D.workers} here)`,
    (v: string) => {
      if (v !== '1' && v !== '2') throw new InvalidArgumentError('--workers must be 1 or 2');
      return Number(v);
    },
  )
  .option(
    '--kl-weight <x>',
    "conservative training: weight of KL(base || adapted) against forgetting; 0 = off (default: the method's, 1 for finetune, else 0)",
    limited('--kl-weight', 'klWeight'),
  )
  .option('--source-mix <manifest>', 'labelled source-domain data mixed into training against forgetting')
  .option(
    '--source-mix-count <n>',
    `utterances of --source-mix used (default ${D.sourceMixCount})`,
    int('--source-mix-count'),
  )
  .option('--spec-augment', 'SpecAugment time and frequency masks while training')
  .option('--speed-perturb', 'add speed-perturbed copies (0.9, 1.1) of the adaptation audio')
  .option(
    '--noise-snr <dB>',
    'add a noisy copy of the adaptation audio at this SNR',
    limited('--noise-snr', 'noiseSnrDb'),
  )
  .option(
    '--resplice <n>',
    `word re-splicing: from each labelled utterance of two or more words, n new utterances with its words (cut at their forced alignment) in another order; 0 = off (default ${D.resplice})`,
    limited('--resplice', 'resplice'),
  )
  .option(
    '--unlabelled-use <use>',
    `what --unlabelled is for: pseudo-labels (self-training, --pseudo-rounds rounds), statistics (only re-estimate the normalisation statistics on it, as --renormalize; no pseudo-labels) or none (ignored) (default ${D.unlabelledUse})`,
    (v: string) => {
      if (!(UNLABELLED_USES as readonly string[]).includes(v))
        throw new InvalidArgumentError(`one of ${UNLABELLED_USES.join(', ')}`);
      return v as UnlabelledUse;
    },
  )
  .option(
    '--pseudo-rounds <n>',
    `pseudo-labelling rounds with --unlabelled (default ${D.pseudoRounds}; 0 = none)`,
    int('--pseudo-rounds', 0),
  )
  .option(
    '--renormalize',
    're-estimate normalisation statistics (global CMVN, batch norm) on the target audio: --unlabelled if given, else the adaptation audio',
  )
  .option(
    '--pseudo-threshold <x>',
    `keep pseudo-labels whose every word has this confidence (default ${D.pseudoThreshold})`,
    limited('--pseudo-threshold', 'pseudoThreshold'),
  )
  .option('--no-refit', 'keep the early-stopped weights instead of retraining on the whole adaptation set')
  .action((o: AdaptOpts & ScoringOpts & DecoderOpts) =>
    run(async () => {
      const p = stderrProgress();
      const normalization = await loadProfile(o.normalize, o.rules);
      const report = await adapt({
        modelDir: o.model,
        adaptManifest: o.adapt,
        unlabelledManifest: o.unlabelled,
        sourceMixManifest: o.sourceMix,
        testManifest: o.test,
        sourceTestManifest: o.sourceTest,
        outDir: o.out,
        settings: adaptSettings(o),
        normalization,
        decoder: decoderSpec(o),
        onProgress: p.onProgress,
      });
      p.stop();
      process.stdout.write(formatReport(report) + '\n');
      process.stdout.write(
        `report: ${path.join(o.out, 'report.json')} (also report.html, utterances.csv, trn/)\nadapted model: ${path.join(o.out, 'model')}\n`,
      );
    }),
  );

scoringOptions(program.command('score'))
  .description('score existing transcripts: hypotheses matched to references by utterance id (no model)')
  .requiredOption('--ref <file>', 'references: sclite trn, JSON Lines {id, text}, or a NeMo manifest')
  .requiredOption('--hyp <file>', 'hypotheses (same formats)')
  .option('--hyp-after <file>', 'hypotheses of a second system: adds the paired bootstrap comparison')
  .option(
    '--missing-as-empty',
    'score references without a hypothesis as empty hypotheses instead of failing',
  )
  .requiredOption('--out <dir>', 'output folder for report.json, report.html, utterances.csv, trn/')
  .action(
    (
      o: { ref: string; hyp: string; hypAfter?: string; missingAsEmpty?: boolean; out: string } & ScoringOpts,
    ) =>
      run(async () => {
        const normalization = await loadProfile(o.normalize, o.rules);
        const report = await score({
          refFile: o.ref,
          hypFile: o.hyp,
          hypAfterFile: o.hypAfter,
          outDir: o.out,
          normalization,
          missingAsEmpty: o.missingAsEmpty,
        });
        process.stdout.write(formatReport(report) + '\n');
        process.stdout.write(
          `report: ${path.join(o.out, 'report.json')} (also report.html, utterances.csv, trn/)\n`,
        );
      }),
  );

program
  .command('lm')
  .description(
    'train a word n-gram LM (interpolated Kneser-Ney) from a text file, one sentence per line; writes ARPA',
  )
  .requiredOption('--text <file>', 'training text, one sentence per line')
  .requiredOption('--out <file.arpa>', 'output ARPA file (not overwritten)')
  .option('--order <n>', 'n-gram order (default 3)', int('--order'), 3)
  .action((o: { text: string; out: string; order: number }) =>
    run(async () => {
      const lm = await buildLm({ textFile: o.text, outFile: o.out, order: o.order });
      process.stdout.write(
        `wrote ${o.out}: order ${lm.order}, ${lm.tables.map((t, i) => `${t.size} ${i + 1}-grams`).join(', ')}\n`,
      );
    }),
  );

program
  .command('train-base')
  .description('train the base digit model from the source-domain manifest (seeded recipe)')
  .option('--train <manifest>', 'source training manifest', path.join(DATA, 'fsdd-source-train.jsonl'))
  .option(
    '--test <manifest>',
    'source test manifest (scored into the card)',
    path.join(DATA, 'fsdd-source-test.jsonl'),
  )
  .requiredOption(
    '--out <dir>',
    'new model folder (never an existing one; the shipped model is models/digits-base)',
  )
  .option(
    '--epochs <n>',
    `maximum epochs; early stopping on held-out clips may end sooner (default ${DEFAULT_BASE_RECIPE.epochs})`,
    int('--epochs'),
  )
  .option(
    '--strings <n>',
    `synthetic connected strings (default ${DEFAULT_BASE_RECIPE.numStrings})`,
    int('--strings'),
  )
  .option(
    '--seed <n>',
    `seed of data synthesis, augmentation, batches and dropout (default ${DEFAULT_BASE_RECIPE.seed})`,
    int('--seed', 0),
  )
  .option(
    '--tts-strings <n>',
    `digit strings synthesised by espeak-ng (default ${DEFAULT_BASE_RECIPE.ttsStrings})`,
    int('--tts-strings', 0),
  )
  .option(
    '--channel-fraction <x>',
    `fraction of augmented audio given a simulated room and microphone (default ${DEFAULT_BASE_RECIPE.channelFraction})`,
    num('--channel-fraction', { min: 0 }),
  )
  .option(
    '--max-gap <sec>',
    `longest silence between clips of a connected string (default ${DEFAULT_BASE_RECIPE.gapSec[1]})`,
    num('--max-gap', { min: 0 }),
  )
  .option(
    '--min-gap <sec>',
    `shortest silence between clips (default ${DEFAULT_BASE_RECIPE.gapSec[0]})`,
    num('--min-gap', { min: 0 }),
  )
  .option(
    '--front-end <name>',
    'features: "logmel" (default: 40 log-mel bins at 8 kHz, the conv model) or "speech-embedding" (the frozen pretrained speech embedding at 16 kHz, a small conv head on it)',
    frontEndName,
    'logmel',
  )
  .option(
    '--work <dir>',
    "folder of the stages' artifacts and markers (default <out>.work); the same command run again skips the finished stages",
  )
  .action(
    (o: {
      train: string;
      test: string;
      out: string;
      epochs?: number;
      strings?: number;
      seed?: number;
      ttsStrings?: number;
      channelFraction?: number;
      maxGap?: number;
      minGap?: number;
      frontEnd: 'logmel' | 'speech-embedding';
      work?: string;
    }) =>
      run(async () => {
        const p = stderrProgress();
        const card = await trainBase({
          trainManifest: o.train,
          testManifest: o.test,
          outDir: o.out,
          ...(o.epochs !== undefined ? { epochs: o.epochs } : {}),
          ...(o.strings !== undefined ? { numStrings: o.strings } : {}),
          ...(o.seed !== undefined ? { seed: o.seed } : {}),
          ...(o.ttsStrings !== undefined ? { ttsStrings: o.ttsStrings } : {}),
          ...(o.channelFraction !== undefined ? { channelFraction: o.channelFraction } : {}),
          ...(o.maxGap !== undefined || o.minGap !== undefined
            ? {
                gapSec: [
                  o.minGap ?? DEFAULT_BASE_RECIPE.gapSec[0],
                  o.maxGap ?? DEFAULT_BASE_RECIPE.gapSec[1],
                ] as [number, number],
              }
            : {}),
          ...(o.frontEnd === 'speech-embedding' ? { features: SPEECH_EMBEDDING_FEATURES } : {}),
          ...(o.work !== undefined ? { workDir: o.work } : {}),
          onProgress: p.onProgress,
        });
        p.stop();
        const m = card.metrics[0];
        process.stdout.write(
          `saved ${o.out}: source-test WER ${(m.wer * 100).toFixed(2)}% (S ${m.substitutions}, D ${m.deletions}, I ${m.insertions}, N ${m.referenceWords})\n`,
        );
      }),
  );

type VocabularyOpts = {
  words: string;
  out: string;
  synth?: string;
  language?: string;
  utterances?: number;
  heldOut?: number;
  maxSequence?: number;
  epochs?: number;
  seed?: number;
  test?: string;
  sourceClips?: string;
  sourceLicence?: string;
  work?: string;
};

/** The vocabulary command line that reproduces a model (the options given, in a fixed order). */
function vocabularyCommand(o: VocabularyOpts): string {
  const q = (v: string) => (/^[\w./:+-]+$/.test(v) ? v : `'${v.replace(/'/g, `'\\''`)}'`);
  const flags: [string, string | number | undefined][] = [
    ['--words', o.words],
    ['--out', o.out],
    ['--synth', o.synth],
    ['--language', o.language],
    ['--utterances', o.utterances],
    ['--held-out', o.heldOut],
    ['--max-sequence', o.maxSequence],
    ['--epochs', o.epochs],
    ['--seed', o.seed],
    ['--test', o.test],
    ['--source-clips', o.sourceClips],
    ['--source-licence', o.sourceLicence],
  ];
  return [
    'npm run cli -- vocabulary',
    ...flags.filter(([, v]) => v !== undefined).map(([f, v]) => `${f} ${q(String(v))}`),
  ].join(' ');
}

program
  .command('vocabulary')
  .description(
    'train a model for your own word list from synthetic speech (speech-embedding front end; see docs/vocabulary.md)',
  )
  .requiredOption(
    '--words <file>',
    'word list: one word or short phrase per line; "token<TAB>spoken form" to say it differently; # comments',
  )
  .requiredOption('--out <dir>', 'new model folder (never an existing one)')
  .option(
    '--synth <names>',
    'speech synthesizer, or several separated by commas (espeak-ng,flite: each utterance picks one, then a voice); default: the first available',
  )
  .option('--language <tag>', `language of the voices (default ${DEFAULT_VOCABULARY.language})`)
  .option(
    '--utterances <n>',
    `synthetic training utterances (default ${DEFAULT_VOCABULARY.utterancesPerWord} per word, at least ${DEFAULT_VOCABULARY.minUtterances})`,
    int('--utterances'),
  )
  .option(
    '--held-out <n>',
    'synthetic held-out utterances from other voices, for early stopping (default a tenth of --utterances, at least 20)',
    int('--held-out', 0),
  )
  .option(
    '--max-sequence <n>',
    `most entries in a connected sequence (default ${DEFAULT_VOCABULARY.maxSequence}; 1 = single entries only)`,
    int('--max-sequence'),
  )
  .option(
    '--epochs <n>',
    `maximum epochs; early stopping on the held-out utterances may end sooner (default ${DEFAULT_VOCABULARY.epochs})`,
    int('--epochs'),
  )
  .option(
    '--seed <n>',
    `seed of synthesis, augmentation, batches and dropout (default ${DEFAULT_VOCABULARY.seed})`,
    int('--seed', 0),
  )
  .option('--test <manifest>', 'a test manifest (real recordings of the words) scored into the card')
  .option(
    '--source-clips <manifest>',
    "real clips to mix into training (transcripts must use only the word list's words)",
  )
  .option(
    '--source-licence <text>',
    "licence of the --source-clips audio, for the card (e.g. 'CC BY-SA 4.0')",
  )
  .option(
    '--work <dir>',
    "folder of the stages' artifacts and markers (default <out>.work); the same command run again skips the finished stages",
  )
  .action((o: VocabularyOpts) =>
    run(async () => {
      const p = stderrProgress();
      const t0 = Date.now();
      const card = await vocabulary({
        wordsFile: o.words,
        outDir: o.out,
        command: vocabularyCommand(o),
        ...(o.synth !== undefined ? { synth: o.synth } : {}),
        ...(o.language !== undefined ? { language: o.language } : {}),
        ...(o.utterances !== undefined ? { utterances: o.utterances } : {}),
        ...(o.heldOut !== undefined ? { heldOutUtterances: o.heldOut } : {}),
        ...(o.maxSequence !== undefined ? { maxSequence: o.maxSequence } : {}),
        ...(o.epochs !== undefined ? { epochs: o.epochs } : {}),
        ...(o.seed !== undefined ? { seed: o.seed } : {}),
        ...(o.test !== undefined ? { testManifest: o.test } : {}),
        ...(o.sourceClips !== undefined ? { sourceManifest: o.sourceClips } : {}),
        ...(o.sourceLicence !== undefined ? { sourceLicence: o.sourceLicence } : {}),
        ...(o.work !== undefined ? { workDir: o.work } : {}),
        onProgress: p.onProgress,
      });
      p.stop();
      process.stdout.write(
        `saved ${o.out}: ${card.tokens.inventory.length - 1} words, ${card.architecture.numParams} parameters (${((Date.now() - t0) / 1000).toFixed(0)} s)\n`,
      );
      for (const m of card.metrics)
        process.stdout.write(
          `  ${m.testSet}: WER ${(m.wer * 100).toFixed(2)}% (S ${m.substitutions}, D ${m.deletions}, I ${m.insertions}, N ${m.referenceWords})\n`,
        );
    }),
  );

program
  .command('import-onnx')
  .description(
    'convert an ONNX acoustic model (documented op subset) into a new model folder, with a card you wrote',
  )
  .requiredOption(
    '--onnx <file>',
    'the .onnx file: [batch, frames, inputDim] features -> [batch, frames / subsampling, numTokens] CTC logits',
  )
  .requiredOption(
    '--card <file>',
    'card.json for it (architecture type "layers-model"; features, tokens, licence)',
  )
  .requiredOption('--out <dir>', 'new model folder (never an existing one)')
  .action((o: { onnx: string; card: string; out: string }) =>
    run(async () => {
      const card = await importOnnx({ onnxFile: o.onnx, cardFile: o.card, outDir: o.out });
      process.stdout.write(
        `saved ${o.out}: ${card.architecture.numParams} parameters, ${card.architecture.numTokens} tokens\n`,
      );
    }),
  );

function frontEndName(v: string): 'logmel' | 'speech-embedding' {
  if (v !== 'logmel' && v !== 'speech-embedding')
    throw new InvalidArgumentError('"logmel" or "speech-embedding"');
  return v;
}

function formatName(v: string): FormatName {
  if (!isFormatName(v)) throw new InvalidArgumentError(`one of ${FORMAT_NAMES.join(', ')}`);
  return v;
}

type ImportCliOpts = {
  format: FormatName;
  source: string;
  project: string;
  allowOutside?: boolean;
  allowEmptyText?: boolean;
  splitSilences?: boolean;
  minSilenceMs?: number;
  thresholdDb?: number;
};

program
  .command('import')
  .description(
    'import a corpus into a project folder (created if new); prints how many were imported and why others were skipped',
  )
  .requiredOption(
    '--format <name>',
    FORMAT_NAMES.map((f) => `${f}: ${FORMATS[f].summary}`).join('; '),
    formatName,
  )
  .requiredOption('--source <path>', 'manifest file or folder to import (see --format)')
  .requiredOption('--project <dir>', 'project folder (new, empty, or an existing project)')
  .option('--allow-outside', 'accept audio paths that leave the imported folder (.., absolute paths, links)')
  .option('--allow-empty-text', 'keep utterances without a transcript (unlabelled audio)')
  .option(
    '--split-silences',
    'split each long recording at silences into utterances (segments of the file with empty transcripts, to transcribe later)',
  )
  .option(
    '--min-silence-ms <n>',
    `with --split-silences: silences at least this long separate utterances, ms (default ${DEFAULT_SILENCE_SPLIT.minSilenceMs})`,
    int('--min-silence-ms'),
  )
  .option(
    '--threshold-db <x>',
    `with --split-silences: frames quieter than this are silence, dBFS (default ${DEFAULT_SILENCE_SPLIT.thresholdDb})`,
    num('--threshold-db'),
  )
  .action((o: ImportCliOpts) =>
    run(async () => {
      if (!o.splitSilences && (o.minSilenceMs !== undefined || o.thresholdDb !== undefined)) {
        throw new Error('--min-silence-ms and --threshold-db need --split-silences');
      }
      if (o.minSilenceMs !== undefined && o.minSilenceMs <= 0)
        throw new Error('--min-silence-ms must be positive');
      const split = o.splitSilences
        ? {
            ...(o.minSilenceMs !== undefined && { minSilenceMs: o.minSilenceMs }),
            ...(o.thresholdDb !== undefined && { thresholdDb: o.thresholdDb }),
          }
        : undefined;
      const options = {
        allowOutside: o.allowOutside,
        allowEmptyText: o.allowEmptyText,
        splitSilences: split,
      };
      const r = await importIntoProject(o.project, o.format, o.source, options, (done, total) => {
        if (done === total || done % 100 === 0) process.stderr.write(`checking audio ${done}/${total}\r`);
      });
      process.stderr.write('\n');
      process.stdout.write(
        formatImportSummary({ utterances: r.utterances, skipped: r.skipped, warnings: r.warnings }) + '\n',
      );
      process.stdout.write(`project: ${path.resolve(o.project)}\n`);
    }),
  );

program
  .command('export')
  .description('export a project to a corpus format in a new folder')
  .requiredOption('--project <dir>', 'project folder')
  .requiredOption('--format <name>', FORMAT_NAMES.join(' | '), formatName)
  .requiredOption('--out <dir>', 'new or empty output folder')
  .action((o: { project: string; format: FormatName; out: string }) =>
    run(async () => {
      const r = await exportProject(o.project, o.format, o.out);
      process.stdout.write(
        `exported ${r.exported} utterances to ${r.outDir} (${o.format}), skipped ${r.skipped.length}\n`,
      );
      for (const s of r.skipped) process.stdout.write(`  skipped ${s.file}: ${s.reason}\n`);
    }),
  );

program
  .command('clean')
  .description(
    'remove what an interrupted import left in a project: audio and .tmp files no record names, and imports that never reached the manifest',
  )
  .requiredOption('--project <dir>', 'project folder')
  .option('--dry-run', 'only list what would be removed')
  .action((o: { project: string; dryRun?: boolean }) =>
    run(async () => {
      if (o.dryRun) {
        const found = (await openProject(o.project, { verify: false })).problems.filter(
          (p) => p.problem === 'orphan' || p.problem === 'incomplete-import',
        );
        process.stdout.write(
          `${found.length} leftover${found.length === 1 ? '' : 's'} of interrupted imports\n`,
        );
        for (const p of found) process.stdout.write(`  ${p.problem} ${p.file}: ${p.detail}\n`);
        return;
      }
      const r = await cleanProject(o.project);
      process.stdout.write(
        `removed ${r.removed.length} file${r.removed.length === 1 ? '' : 's'} and ${r.removedImports.length} incomplete import${r.removedImports.length === 1 ? '' : 's'}\n`,
      );
      for (const f of r.removed) process.stdout.write(`  removed ${f}\n`);
      for (const i of r.removedImports)
        process.stdout.write(`  removed the record of the import of ${i.source} (${i.date})\n`);
    }),
  );

program
  .command('synthesizers')
  .description(
    'list the offline speech synthesizers available here (the names --synth takes), with version, licence and voices (docs/synthesizers.md)',
  )
  .option('--voices [language]', 'also list the voice ids (all, or of one language such as en or en-GB)')
  .action((o: { voices?: string | boolean }) =>
    run(async () => {
      const rows = await listSynthesizers();
      if (!rows.length) await findSynthesizer(); // throws: none available, and how to install one
      process.stdout.write(formatSynthesizers(rows) + '\n');
      if (o.voices === undefined) return;
      const language = typeof o.voices === 'string' ? o.voices : undefined;
      for (const r of rows) {
        const voices = (await findSynthesizer(r.name)).voices(language);
        process.stdout.write(`\n${r.name}: ${voices.length} voices${language ? ` for ${language}` : ''}\n`);
        for (const v of voices) process.stdout.write(`  ${v.id}  (${v.language})\n`);
      }
    }),
  );

program
  .command('say')
  .description('speak a text with one synthesizer and voice into a new WAV file (never overwrites)')
  .requiredOption('--synth <name>', 'synthesizer (see the synthesizers command)')
  .requiredOption('--voice <id>', 'voice id (see synthesizers --voices)')
  .requiredOption('--text <text>', 'what to say')
  .requiredOption('--out <file.wav>', 'WAV file to create (must not exist)')
  .option('--speed <x>', 'speaking rate, 1 = normal', num('--speed', { above: 0 }), 1)
  .option('--pitch <p>', "pitch 0-1, 0.5 = the voice's own", num('--pitch', { min: 0 }), 0.5)
  .action((o: { synth: string; voice: string; text: string; out: string; speed: number; pitch: number }) =>
    run(async () => {
      if (o.pitch > 1) throw new Error('--pitch must be <= 1');
      const synth = await findSynthesizer(o.synth);
      const t0 = performance.now();
      const sec = await sayToWav(
        synth,
        { text: o.text, voice: o.voice, speed: o.speed, pitch: o.pitch },
        o.out,
      );
      const took = (performance.now() - t0) / 1000;
      process.stdout.write(
        `wrote ${o.out}: ${sec.toFixed(2)} s of speech from ${synth.name} ${o.voice} (${synth.version}) in ${took.toFixed(2)} s\n`,
      );
    }),
  );

program.parseAsync(process.argv).catch((err: Error) => {
  process.stderr.write(`error: ${err.message}\n`);
  process.exitCode = 1;
});
