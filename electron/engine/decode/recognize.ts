/**
 * Recognition: features -> acoustic model -> log-posteriors -> decoder (greedy or beam, with optional
 * LM, grammar, lexicon) -> text with word confidences.
 */
import { tf } from '../model/backend';
import { outputFrames, timeSubsampling } from '../model/acoustic';
import { lengthBatches, padBatch } from '../model/batch';
import type { ModelCard } from '../model/card';
import { decodeTokens } from '../model/tokens';
import type { FeatureMatrix } from '../features/logmel';
import type { ProgressFn } from '../progress';
import { greedyCollapse } from './greedy';
import { ctcBeamSearch, DEFAULT_BEAM, type BeamConfig } from './beam';
import { combineScorers, type WordScorer } from './constraint';
import { tokenConfidences } from './forced-align';
import type { Grammar } from './grammar';
import type { Lexicon } from './lexicon';
import type { NgramLM } from './ngram';
import type { ReportDecoder } from '../score/report';

/** Which decoder runs and with what knowledge. */
export interface DecoderOptions {
  kind: 'greedy' | 'beam';
  beam: BeamConfig;
  /** Shallow-fusion weight of the LM's natural-log probabilities. */
  lmWeight: number;
  lm?: NgramLM;
  grammar?: Grammar;
  lexicon?: Lexicon;
}

export const GREEDY: DecoderOptions = { kind: 'greedy', beam: DEFAULT_BEAM, lmWeight: 0 };

/** Plain-data description for reports. */
export function describeDecoder(
  d: DecoderOptions,
  extra: Pick<ReportDecoder, 'real_time_factor' | 'tuned_on' | 'tuning'> = {},
): ReportDecoder {
  if (d.kind === 'greedy') return { kind: 'greedy', ...extra };
  return {
    kind: 'beam',
    beam_width: d.beam.beamWidth,
    token_prune_nats: d.beam.tokenPruneNats,
    word_bonus: d.beam.wordBonus,
    lm: d.lm ? { order: d.lm.order, weight: d.lmWeight, vocabulary: d.lm.vocabulary.length } : null,
    grammar: Boolean(d.grammar),
    lexicon: d.lexicon ? d.lexicon.size : null,
    ...extra,
  };
}

/** Model output of one utterance. */
export interface Posteriors {
  /** [numFrames, numTokens] natural-log posteriors (log-softmax), frame-major. */
  logProbs: Float32Array;
  numFrames: number;
}

export interface Recognition {
  text: string;
  /** Words with confidence in [0, 1] (mean posterior over the word's aligned frames). */
  words: { word: string; confidence: number }[];
}

/** Input frames per chunk when long audio is split (20 s at a 10 ms hop). */
export const CHUNK_FRAMES = 2000;
/** Input frames of context on each side of a chunk (more than the model's receptive field). */
export const CONTEXT_FRAMES = 96;

/** A piece of one utterance's features run through the model: [inStart, inEnd) with context. */
interface Piece {
  item: number;
  mat: FeatureMatrix;
  /** Output frames of this piece to keep: [keepFrom, keepTo), written at outOffset of the utterance. */
  keepFrom: number;
  keepTo: number;
  outOffset: number;
}

const subsampling = (card: ModelCard): number => timeSubsampling(card.architecture);

/**
 * Split utterances longer than CHUNK_FRAMES into chunks with CONTEXT_FRAMES of context on each side
 * (chunk boundaries on multiples of the subsampling factor, so output frames line up exactly).
 */
function piecesOf(mats: FeatureMatrix[], card: ModelCard): Piece[] {
  const s = subsampling(card);
  const chunk = Math.ceil(CHUNK_FRAMES / s) * s;
  const ctx = Math.ceil(CONTEXT_FRAMES / s) * s;
  const pieces: Piece[] = [];
  mats.forEach((m, item) => {
    const total = outputFrames(card.architecture, m.numFrames);
    if (m.numFrames <= chunk + 2 * ctx) {
      pieces.push({ item, mat: m, keepFrom: 0, keepTo: total, outOffset: 0 });
      return;
    }
    for (let start = 0; start < m.numFrames; start += chunk) {
      const inStart = Math.max(0, start - ctx);
      const inEnd = Math.min(m.numFrames, start + chunk + ctx);
      const sub: FeatureMatrix = {
        data: m.data.subarray(inStart * m.dim, inEnd * m.dim),
        numFrames: inEnd - inStart,
        dim: m.dim,
      };
      const keepFrom = (start - inStart) / s;
      const outOffset = start / s;
      const keepTo = keepFrom + Math.min(chunk / s, total - outOffset);
      pieces.push({ item, mat: sub, keepFrom, keepTo, outOffset });
    }
  });
  return pieces;
}

/**
 * Run the acoustic model and keep log-posteriors (for decoding several ways without re-running it).
 * Long utterances are processed as batched chunks with context (see CHUNK_FRAMES), so memory stays
 * bounded for hour-long audio.
 * @returns one entry per matrix, in input order; leaves no tensors behind
 */
export async function computePosteriors(
  model: tf.LayersModel,
  card: ModelCard,
  mats: FeatureMatrix[],
  onProgress?: ProgressFn,
  label = 'test',
  batchSize = 32,
): Promise<Posteriors[]> {
  const V = card.tokens.inventory.length;
  const out: Posteriors[] = mats.map((m) => {
    const n = outputFrames(card.architecture, m.numFrames);
    return { logProbs: new Float32Array(n * V), numFrames: n };
  });
  const pieces = piecesOf(mats, card);
  let done = 0;
  for (const batch of lengthBatches(
    pieces.map((p) => p.mat.numFrames),
    batchSize,
  )) {
    const { x } = padBatch(
      batch.map((i) => pieces[i].mat),
      subsampling(card),
    );
    const lp = tf.tidy(() => tf.logSoftmax(model.predict(x) as tf.Tensor3D, -1));
    x.dispose();
    const data = (await lp.data()) as Float32Array;
    const T = lp.shape[1] as number;
    lp.dispose();
    batch.forEach((pi, b) => {
      const p = pieces[pi];
      const keepTo = Math.min(p.keepTo, T);
      out[p.item].logProbs.set(
        data.subarray((b * T + p.keepFrom) * V, (b * T + keepTo) * V),
        p.outOffset * V,
      );
    });
    done += batch.length;
    onProgress?.({ phase: 'evaluate', label, done, total: pieces.length });
  }
  return out;
}

function scorerFor(d: DecoderOptions): WordScorer | undefined {
  const parts: { scorer: WordScorer; weight: number }[] = [];
  if (d.lm && d.lmWeight !== 0) parts.push({ scorer: d.lm as WordScorer, weight: d.lmWeight });
  if (d.grammar) parts.push({ scorer: d.grammar as WordScorer, weight: 1 });
  if (parts.length === 0) return undefined;
  return parts.length === 1 && parts[0].weight === 1
    ? parts[0].scorer
    : (combineScorers(parts) as WordScorer);
}

/** Decode one utterance's posteriors. */
export function decodePosteriors(p: Posteriors, card: ModelCard, d: DecoderOptions): Recognition {
  const V = card.tokens.inventory.length;
  const blank = card.tokens.blankIndex;
  let ids: number[];
  if (d.kind === 'greedy') {
    const arg = new Int32Array(p.numFrames);
    for (let t = 0; t < p.numFrames; t++) {
      let k = 0;
      for (let j = 1; j < V; j++) if (p.logProbs[t * V + j] > p.logProbs[t * V + k]) k = j;
      arg[t] = k;
    }
    ids = greedyCollapse(arg, blank);
  } else {
    ids = ctcBeamSearch(p.logProbs, p.numFrames, card.tokens, d.beam, scorerFor(d), d.lexicon).tokens;
  }
  const conf = tokenConfidences(p.logProbs, p.numFrames, V, ids, blank);
  const text = decodeTokens(ids, card.tokens);
  let words: Recognition['words'];
  if (card.tokens.unit === 'word')
    words = ids.map((id, k) => ({ word: card.tokens.inventory[id], confidence: conf[k] }));
  else {
    // character model: a word's confidence is the mean over its characters
    words = [];
    let cur = '';
    let acc: number[] = [];
    const flush = () => {
      if (cur) words.push({ word: cur, confidence: acc.reduce((a, b) => a + b, 0) / acc.length });
      cur = '';
      acc = [];
    };
    ids.forEach((id, k) => {
      const ch = card.tokens.inventory[id];
      if (ch === ' ') flush();
      else {
        cur += ch;
        acc.push(conf[k]);
      }
    });
    flush();
  }
  return { text, words };
}

/**
 * Transcribe feature matrices.
 * @returns one recognition per matrix, in input order. Leaves no tensors behind.
 */
export async function recognize(
  model: tf.LayersModel,
  card: ModelCard,
  mats: FeatureMatrix[],
  decoder: DecoderOptions = GREEDY,
  onProgress?: ProgressFn,
  label = 'test',
): Promise<Recognition[]> {
  const post = await computePosteriors(model, card, mats, onProgress, label);
  return post.map((p) => decodePosteriors(p, card, decoder));
}
