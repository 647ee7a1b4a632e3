/**
 * N-gram word language models: training with interpolated Kneser-Ney smoothing from plain text, and
 * the ARPA format (read and write), so models made by KenLM or SRILM load too.
 *
 * Training (Kneser & Ney 1995; Chen & Goodman 1998, "An empirical study of smoothing techniques",
 * interpolated KN): sentences are padded with one <s> and </s>. The highest order uses raw counts;
 * lower orders use continuation counts N1+(. g) (distinct left extensions), except n-grams starting
 * with <s>, which have no left context and keep raw counts (as KenLM does). For order k and context h:
 *   p_k(w | h) = max(c_k(h w) - D_k, 0) / c_k(h .) + gamma_k(h) * p_{k-1}(w | h')
 *   gamma_k(h) = D_k * N1+(h .) / c_k(h .)
 * and the unigram level interpolates with the uniform distribution over the vocabulary (with <unk>).
 * D_k = n1 / (n1 + 2 n2) from the count-of-counts of order k (0.75 when undefined), or fixed.
 * Interpolated KN is exactly representable in ARPA backoff form: seen n-grams store the interpolated
 * probability and each context stores gamma as its backoff weight.
 */
import { readText } from '../util/files';
import { tokenize } from '../util/text';
import type { WordScorer } from './constraint';

export const BOS = '<s>';
export const EOS = '</s>';
export const UNK = '<unk>';
const LN10 = Math.log(10);

export interface NgramTrainConfig {
  /** Model order. Default 3. */
  order: number;
  /** Fixed discount for every order; omit to estimate D_k = n1 / (n1 + 2 n2). */
  discount?: number;
}

/** An ARPA-style backoff model: log10 probabilities and log10 backoff weights. */
export class NgramLM implements WordScorer<string[]> {
  /** order k (1-based) -> "w1 w2 ... wk" -> [log10 prob, log10 backoff] */
  readonly tables: Map<string, [number, number]>[];

  constructor(
    readonly order: number,
    tables: Map<string, [number, number]>[],
  ) {
    this.tables = tables;
    if (!tables[0]?.has(UNK)) tables[0].set(UNK, [-99, 0]); // an ARPA file without <unk>: OOV words get ~0
  }

  /** Vocabulary (unigrams, without <s>). */
  get vocabulary(): string[] {
    return [...this.tables[0].keys()].filter((w) => w !== BOS);
  }

  /**
   * log10 p(word | context) with ARPA backoff.
   * @param context preceding words, oldest first (only the last order-1 are used)
   */
  log10Prob(context: string[], word: string): number {
    const w = this.tables[0].has(word) ? word : UNK;
    const h = context
      .slice(Math.max(0, context.length - (this.order - 1)))
      .map((x) => (this.tables[0].has(x) ? x : UNK));
    let bo = 0;
    for (let start = 0; start <= h.length; start++) {
      const ctx = h.slice(start);
      const entry = this.tables[ctx.length]?.get([...ctx, w].join(' '));
      if (entry) return bo + entry[0];
      // back off: add the context's backoff weight (0 when the context is not listed)
      const c = ctx.length ? this.tables[ctx.length - 1].get(ctx.join(' ')) : undefined;
      bo += c ? c[1] : 0;
    }
    return bo + this.tables[0].get(UNK)![0];
  }

  /** log10 probability of a whole sentence, including </s>. */
  sentenceLog10Prob(words: string[]): number {
    let lp = 0;
    const ctx = [BOS];
    for (const w of [...words, EOS]) {
      lp += this.log10Prob(ctx, w);
      ctx.push(w);
    }
    return lp;
  }

  // WordScorer: natural-log scores, state = the last order-1 words.
  initial(): string[] {
    return [BOS];
  }
  next(state: string[], word: string): { state: string[]; logScore: number } {
    return {
      state: [...state, word].slice(-(this.order - 1 || 1)),
      logScore: this.log10Prob(state, word) * LN10,
    };
  }
  final(state: string[]): number {
    return this.log10Prob(state, EOS) * LN10;
  }
  key(state: string[]): string {
    return state.join(' ');
  }

  /** Write in the ARPA format (KenLM/SRILM compatible). */
  toArpa(): string {
    const lines = ['', '\\data\\'];
    this.tables.forEach((t, i) => lines.push(`ngram ${i + 1}=${t.size}`));
    this.tables.forEach((t, i) => {
      lines.push('', `\\${i + 1}-grams:`);
      const keys = [...t.keys()].sort();
      for (const k of keys) {
        const [p, b] = t.get(k)!;
        const hasBo = i + 1 < this.order && b !== 0;
        lines.push(`${p.toFixed(6)}\t${k}${hasBo ? `\t${b.toFixed(6)}` : ''}`);
      }
    });
    lines.push('', '\\end\\', '');
    return lines.join('\n');
  }

  /**
   * Parse an ARPA file.
   * @throws Error `"<where>: ..."` for a missing \data\ section, bad counts or malformed lines
   */
  static fromArpa(text: string, where = 'lm.arpa'): NgramLM {
    const lines = text.split(/\r?\n/);
    let i = lines.findIndex((l) => l.trim() === '\\data\\');
    if (i < 0) throw new Error(`${where}: not an ARPA file (no \\data\\ section)`);
    const counts: number[] = [];
    for (i++; i < lines.length && lines[i].trim() !== ''; i++) {
      const m = lines[i].trim().match(/^ngram (\d+)\s*=\s*(\d+)$/);
      if (!m) throw new Error(`${where}:${i + 1}: expected "ngram N=count"`);
      counts[Number(m[1]) - 1] = Number(m[2]);
    }
    const order = counts.length;
    if (order === 0) throw new Error(`${where}: \\data\\ lists no n-gram counts`);
    const tables = counts.map(() => new Map<string, [number, number]>());
    let cur = -1;
    for (; i < lines.length; i++) {
      const l = lines[i].trim();
      if (!l) continue;
      if (l === '\\end\\') break;
      const sec = l.match(/^\\(\d+)-grams:$/);
      if (sec) {
        cur = Number(sec[1]) - 1;
        if (cur >= order) throw new Error(`${where}:${i + 1}: section ${l} beyond the order ${order}`);
        continue;
      }
      if (cur < 0) throw new Error(`${where}:${i + 1}: n-gram line outside a section`);
      const parts = l.split(/\s+/);
      const n = cur + 1;
      if (parts.length !== n + 1 && parts.length !== n + 2)
        throw new Error(`${where}:${i + 1}: expected ${n} words with a probability`);
      const p = Number(parts[0]);
      const b = parts.length === n + 2 ? Number(parts[n + 1]) : 0;
      if (!Number.isFinite(p) || !Number.isFinite(b)) throw new Error(`${where}:${i + 1}: bad number`);
      tables[cur].set(parts.slice(1, n + 1).join(' '), [p, b]);
    }
    tables.forEach((t, k) => {
      if (t.size !== counts[k])
        throw new Error(`${where}: \\data\\ says ${counts[k]} ${k + 1}-grams but ${t.size} are listed`);
    });
    return new NgramLM(order, tables);
  }

  static async fromArpaFile(file: string): Promise<NgramLM> {
    return NgramLM.fromArpa(await readText(file, 'LM file'), file);
  }
}

/**
 * Train an interpolated Kneser-Ney model.
 * @param sentences one sentence per entry (whitespace-separated words, used as given)
 * @throws Error when there are no words or the order is < 1
 */
export function trainKneserNey(sentences: string[], config: NgramTrainConfig = { order: 3 }): NgramLM {
  const N = config.order;
  if (!Number.isInteger(N) || N < 1) throw new Error(`n-gram: order must be a positive integer, got ${N}`);
  const sents = sentences.map((s) => tokenize(s)).filter((s) => s.length > 0);
  if (sents.length === 0) throw new Error('n-gram: the training text holds no words');
  // raw counts per order
  const raw: Map<string, number>[] = Array.from({ length: N }, () => new Map());
  for (const s of sents) {
    const w = [BOS, ...s, EOS];
    for (let end = 1; end < w.length; end++) {
      for (let k = 1; k <= N && end - k + 1 >= 0; k++) {
        const g = w.slice(end - k + 1, end + 1);
        const key = g.join(' ');
        raw[k - 1].set(key, (raw[k - 1].get(key) ?? 0) + 1);
      }
    }
  }
  raw[0].delete(BOS); // <s> is never predicted (it appears only as a context)
  // modified counts: continuation counts for lower orders (except n-grams starting with <s>)
  const cnt: Map<string, number>[] = raw.map((m) => new Map(m));
  for (let k = 1; k < N; k++) {
    const cont = new Map<string, number>();
    for (const key of raw[k].keys()) {
      const suffix = key.split(' ').slice(1).join(' ');
      cont.set(suffix, (cont.get(suffix) ?? 0) + 1);
    }
    for (const key of cnt[k - 1].keys()) {
      if (key.split(' ')[0] !== BOS) cnt[k - 1].set(key, cont.get(key) ?? 0);
    }
  }
  const vocab = new Set([...raw[0].keys()].filter((w) => w !== BOS));
  vocab.add(UNK);
  const discounts = cnt.map((m) => {
    if (config.discount !== undefined) return config.discount;
    let n1 = 0;
    let n2 = 0;
    for (const c of m.values()) {
      if (c === 1) n1++;
      else if (c === 2) n2++;
    }
    const d = n1 + 2 * n2 > 0 ? n1 / (n1 + 2 * n2) : 0.75;
    return d > 0 && d < 1 ? d : 0.75;
  });
  // context statistics per order: total count and number of distinct followers
  const ctxStats = cnt.map((m) => {
    const st = new Map<string, { total: number; types: number }>();
    for (const [key, c] of m) {
      if (c <= 0) continue;
      const ctx = key.split(' ').slice(0, -1).join(' ');
      const s = st.get(ctx) ?? { total: 0, types: 0 };
      s.total += c;
      s.types += 1;
      st.set(ctx, s);
    }
    return st;
  });
  const gamma = (k: number, ctx: string): number => {
    const s = ctxStats[k - 1].get(ctx);
    return s ? (discounts[k - 1] * s.types) / s.total : 1;
  };
  const prob = (k: number, words: string[]): number => {
    // interpolated p_k(w | h), words = [...h, w] with h of length k-1
    if (k === 0) return 1 / vocab.size;
    const key = words.join(' ');
    const ctx = words.slice(0, -1).join(' ');
    const s = ctxStats[k - 1].get(ctx);
    const lower = prob(k - 1, words.slice(1));
    if (!s) return lower;
    const c = cnt[k - 1].get(key) ?? 0;
    return Math.max(c - discounts[k - 1], 0) / s.total + gamma(k, ctx) * lower;
  };
  const tables: Map<string, [number, number]>[] = Array.from({ length: N }, () => new Map());
  for (let k = 1; k <= N; k++) {
    for (const [key, c] of cnt[k - 1]) {
      if (c <= 0) continue;
      const words = key.split(' ');
      const bo = k < N && ctxStats[k].has(key) ? Math.log10(gamma(k + 1, key)) : 0;
      tables[k - 1].set(key, [Math.log10(prob(k, words)), bo]);
    }
  }
  tables[0].set(UNK, [Math.log10(prob(1, [UNK])), 0]);
  // <s> as a unigram: no probability (ARPA convention -99), but its backoff weight
  tables[0].set(BOS, [-99, N > 1 && ctxStats[1].has(BOS) ? Math.log10(gamma(2, BOS)) : 0]);
  return new NgramLM(N, tables);
}
