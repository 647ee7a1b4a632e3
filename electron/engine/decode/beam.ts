/**
 * CTC prefix beam search (Graves 2012 §7.5; Hannun et al. 2014, "First-pass large vocabulary
 * continuous speech recognition using bi-directional recurrent DNNs") with optional word-level
 * knowledge (shallow fusion with an n-gram LM, grammar constraint) and, for character models, a
 * lexicon constraint (prefix tree over a word list).
 *
 * Each prefix keeps two probabilities: ending in blank (pB) and ending in its last token (pNB), so
 * blank and repeated-token merging are exact. Scores are natural logs. A prefix's rank is
 * ln(pB + pNB) + fusion score, where the fusion score is the sum over its words of
 * (lmWeight * ln P_lm + wordBonus) as computed by the `WordScorer`.
 */
import type { TokenConfig } from '../model/tokens';
import { decodeTokens } from '../model/tokens';
import type { WordScorer } from './constraint';
import { Lexicon } from './lexicon';
import { logAdd } from '../util/logmath';

export interface BeamConfig {
  /** Prefixes kept per frame. Default 16. */
  beamWidth: number;
  /** Tokens whose log-prob is more than this below the frame's best are skipped. Default 12 (nats). */
  tokenPruneNats: number;
  /** Natural-log bonus added per word (counteracts the LM's preference for short outputs). Default 0. */
  wordBonus: number;
}

export const DEFAULT_BEAM: BeamConfig = { beamWidth: 16, tokenPruneNats: 12, wordBonus: 0 };

export interface BeamResult {
  /** Token ids of the best prefix (no blanks). */
  tokens: number[];
  text: string;
  /** ln p(prefix | audio) summed over alignments (acoustic part only). */
  acousticLogProb: number;
  /** Fusion score (weighted LM log-probs + word bonuses). */
  fusionScore: number;
}

interface Beam {
  tokens: number[];
  pB: number;
  pNB: number;
  state: unknown;
  fusion: number;
  /** Characters of the current, unfinished word (character models). */
  partial: string;
}

const NEG_INF = -Infinity;

/**
 * Decode one utterance.
 * @param logProbs [numFrames, numTokens] natural-log posteriors (log-softmax), frame-major
 * @param numFrames valid frames
 * @param tokens the model's token inventory (word or char unit)
 * @param scorer optional word-level scorer (LM, grammar or both, already weighted)
 * @param lexicon optional word list (character models only): only its words can be emitted
 * @returns the best prefix; with a grammar that no prefix satisfies, the empty hypothesis
 */
export function ctcBeamSearch(
  logProbs: Float32Array,
  numFrames: number,
  tokens: TokenConfig,
  config: BeamConfig = DEFAULT_BEAM,
  scorer?: WordScorer,
  lexicon?: Lexicon,
): BeamResult {
  const V = tokens.inventory.length;
  const blank = tokens.blankIndex;
  const isChar = tokens.unit === 'char';
  const space = isChar ? tokens.inventory.indexOf(' ') : -1;
  if (lexicon && !isChar)
    throw new Error('beam search: a lexicon constraint applies to character models only');

  /** Score a completed word on top of a beam's state; null = forbidden. */
  const addWord = (
    state: unknown,
    fusion: number,
    word: string,
  ): { state: unknown; fusion: number } | null => {
    if (lexicon && !lexicon.has(word)) return null;
    if (!scorer) return { state, fusion: fusion + config.wordBonus };
    const r = scorer.next(state, word);
    return r ? { state: r.state, fusion: fusion + r.logScore + config.wordBonus } : null;
  };

  let beams: Beam[] = [{ tokens: [], pB: 0, pNB: NEG_INF, state: scorer?.initial(), fusion: 0, partial: '' }];
  for (let t = 0; t < numFrames; t++) {
    const row = t * V;
    let best = NEG_INF;
    for (let k = 0; k < V; k++) best = Math.max(best, logProbs[row + k]);
    const cutoff = best - config.tokenPruneNats;
    const next = new Map<string, Beam>();
    const get = (proto: Beam, toks: number[], extra?: Partial<Beam>): Beam => {
      const key = toks.join(',');
      let b = next.get(key);
      if (!b) {
        b = { ...proto, ...extra, tokens: toks, pB: NEG_INF, pNB: NEG_INF };
        next.set(key, b);
      }
      return b;
    };
    for (const beam of beams) {
      const total = logAdd(beam.pB, beam.pNB);
      const last = beam.tokens.length ? beam.tokens[beam.tokens.length - 1] : -1;
      // 1. blank: same prefix, now ending in blank
      const lpBlank = logProbs[row + blank];
      const same = get(beam, beam.tokens);
      same.pB = logAdd(same.pB, total + lpBlank);
      // 2. repeat of the last token without a blank: same prefix (CTC merges repeats)
      if (last >= 0) same.pNB = logAdd(same.pNB, beam.pNB + logProbs[row + last]);
      // 3. a new token
      for (let c = 0; c < V; c++) {
        if (c === blank) continue;
        const lp = logProbs[row + c];
        if (lp < cutoff) continue;
        // a repeated token needs a blank in between
        const p = c === last ? beam.pB + lp : total + lp;
        if (p === NEG_INF) continue;
        let extra: Partial<Beam>;
        if (!isChar) {
          const w = addWord(beam.state, beam.fusion, tokens.inventory[c]);
          if (!w) continue;
          extra = { state: w.state, fusion: w.fusion, partial: '' };
        } else if (c === space) {
          if (beam.partial === '') continue; // no empty words
          const w = addWord(beam.state, beam.fusion, beam.partial);
          if (!w) continue;
          extra = { state: w.state, fusion: w.fusion, partial: '' };
        } else {
          const partial = beam.partial + tokens.inventory[c];
          if (lexicon && !lexicon.hasPrefix(partial)) continue;
          extra = { state: beam.state, fusion: beam.fusion, partial };
        }
        const toks = [...beam.tokens, c];
        const nb = get(beam, toks, extra);
        nb.pNB = logAdd(nb.pNB, p);
      }
    }
    const all = [...next.values()];
    all.sort((a, b) => logAdd(b.pB, b.pNB) + b.fusion - (logAdd(a.pB, a.pNB) + a.fusion));
    beams = all.slice(0, Math.max(1, config.beamWidth));
  }
  // End of utterance: finish a partial word, then the scorer's end score.
  let bestBeam: BeamResult | null = null;
  let bestScore = NEG_INF;
  for (const beam of beams) {
    let state = beam.state;
    let fusion = beam.fusion;
    if (isChar && beam.partial) {
      const w = addWord(state, fusion, beam.partial);
      if (!w) continue;
      state = w.state;
      fusion = w.fusion;
    }
    if (scorer) {
      const f = scorer.final(state);
      if (f === null) continue;
      fusion += f;
    }
    const ac = logAdd(beam.pB, beam.pNB);
    if (ac + fusion > bestScore) {
      bestScore = ac + fusion;
      bestBeam = {
        tokens: beam.tokens,
        text: decodeTokens(beam.tokens, tokens),
        acousticLogProb: ac,
        fusionScore: fusion,
      };
    }
  }
  return bestBeam ?? { tokens: [], text: '', acousticLogProb: NEG_INF, fusionScore: NEG_INF };
}
