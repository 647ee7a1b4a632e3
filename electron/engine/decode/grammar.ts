/**
 * Grammar constraint: a small finite-state description of what may be said, compiled to an NFA
 * (Thompson's construction) and used by the beam search as a `WordScorer` that allows or forbids
 * each next word (score 0 when allowed).
 *
 * Syntax (words are tokens; whitespace separates them):
 *   # comment to end of line
 *   $digit = zero | one | two | three | four | five | six | seven | eight | nine ;
 *   $digit{8,10}                        <- the utterance: 8 to 10 digits
 * Operators: `a | b` alternation, `( ... )` grouping, postfix `?`, `*`, `+`, `{m}`, `{m,n}`.
 * `$name = expr ;` defines a macro (defined before use). Every other statement (ended by `;` or a
 * line break) is an alternative for the whole utterance, so a command list is one command per line.
 * Words are letters, marks, digits and `' ’ _ - .`; any other character outside a comment makes the
 * file "not a grammar file" (so a path naming some other file is refused, not read as words).
 * Errors give the line number and never quote a word of the file.
 */
import { readText } from '../util/files';
import type { WordScorer } from './constraint';

type Node =
  | { kind: 'word'; word: string }
  | { kind: 'seq'; items: Node[] }
  | { kind: 'alt'; options: Node[] }
  | { kind: 'rep'; node: Node; min: number; max: number };

const MAX_REPEAT = 64;
/** Largest NFA built (states); a grammar of nested repetitions past it is refused, not built. */
export const MAX_GRAMMAR_STATES = 200_000;
/** What a grammar word may hold. */
const WORD_RE = /^[\p{L}\p{M}\p{N}'’_.-]+$/u;

class Parser {
  private pos = 0;
  constructor(
    private readonly toks: string[],
    private readonly macros: Map<string, Node>,
    private readonly fail: (why: string) => Error,
  ) {}
  /** A token for a message: operators as written, anything else as "a word" / "a macro". */
  private static describe(t: string): string {
    return t.startsWith('$') ? 'a macro name' : /^[|()?*+=;]$|^\{/.test(t) ? `"${t}"` : 'a word';
  }
  private peek(): string | undefined {
    return this.toks[this.pos];
  }
  parseAll(): Node {
    const n = this.alt();
    if (this.pos < this.toks.length) throw this.fail(`unexpected ${Parser.describe(this.toks[this.pos])}`);
    return n;
  }
  private alt(): Node {
    const options = [this.seq()];
    while (this.peek() === '|') {
      this.pos++;
      options.push(this.seq());
    }
    return options.length === 1 ? options[0] : { kind: 'alt', options };
  }
  private seq(): Node {
    const items: Node[] = [];
    while (this.peek() !== undefined && this.peek() !== '|' && this.peek() !== ')') items.push(this.item());
    return { kind: 'seq', items };
  }
  private item(): Node {
    let node = this.atom();
    for (;;) {
      const t = this.peek();
      if (t === '?') node = { kind: 'rep', node, min: 0, max: 1 };
      else if (t === '*') node = { kind: 'rep', node, min: 0, max: Infinity };
      else if (t === '+') node = { kind: 'rep', node, min: 1, max: Infinity };
      else if (t && /^\{\d+(,\d*)?\}$/.test(t)) {
        const [a, b] = t.slice(1, -1).split(',');
        const min = Number(a);
        const max = b === undefined ? min : b === '' ? Infinity : Number(b);
        if (max < min || (Number.isFinite(max) && max > MAX_REPEAT))
          throw this.fail(`bad repetition ${t} (at most ${MAX_REPEAT})`);
        node = { kind: 'rep', node, min, max };
      } else break;
      this.pos++;
    }
    return node;
  }
  private atom(): Node {
    const t = this.toks[this.pos++];
    if (t === undefined) throw this.fail('unexpected end of the statement');
    if (t === '(') {
      const n = this.alt();
      if (this.toks[this.pos++] !== ')') throw this.fail('missing ")"');
      return n;
    }
    if (t.startsWith('$')) {
      const m = this.macros.get(t);
      if (!m) throw this.fail('a macro is used before it is defined');
      return m;
    }
    if (/^[|)?*+{}=;]/.test(t)) throw this.fail(`unexpected ${Parser.describe(t)}`);
    return { kind: 'word', word: t };
  }
}

/**
 * Split a statement into tokens; null when some character is neither whitespace, an operator, a
 * macro name nor a word character (the text is not a grammar).
 */
function lex(text: string): string[] | null {
  const re = /\s+|(\{\d+(?:,\d*)?\}|[|()?*+=;]|\$[\p{L}\p{N}_]+|[^\s|()?*+=;{}$]+)/guy;
  const toks: string[] = [];
  while (re.lastIndex < text.length) {
    const m = re.exec(text);
    if (m === null) return null; // a "{" or "$" that starts no operator or macro name
    const t = m[1];
    if (t === undefined) continue;
    if (!t.startsWith('$') && !/^[|()?*+=;]$|^\{/.test(t) && !WORD_RE.test(t)) return null;
    toks.push(t);
  }
  return toks;
}

/** States Nfa.build creates for `n` (memoised per node: macros share nodes). */
function nfaStates(n: Node, memo: Map<Node, number>): number {
  const known = memo.get(n);
  if (known !== undefined) return known;
  let k: number;
  if (n.kind === 'word') k = 2;
  else if (n.kind === 'seq') k = 2 + n.items.reduce((a, it) => a + nfaStates(it, memo), 0);
  else if (n.kind === 'alt') k = 2 + n.options.reduce((a, o) => a + nfaStates(o, memo), 0);
  else k = 2 + (n.max === Infinity ? n.min + 1 : n.max) * nfaStates(n.node, memo);
  memo.set(n, k);
  return k;
}

/** NFA: state i has word edges and epsilon edges; state `accept` accepts. */
class Nfa {
  words: Map<string, number[]>[] = [];
  eps: number[][] = [];
  add(): number {
    this.words.push(new Map());
    this.eps.push([]);
    return this.words.length - 1;
  }
  /** Build `node` between fresh states; returns [start, end]. */
  build(node: Node): [number, number] {
    const s = this.add();
    const e = this.add();
    switch (node.kind) {
      case 'word': {
        const m = this.words[s];
        m.set(node.word, [...(m.get(node.word) ?? []), e]);
        break;
      }
      case 'seq': {
        let cur = s;
        for (const it of node.items) {
          const [a, b] = this.build(it);
          this.eps[cur].push(a);
          cur = b;
        }
        this.eps[cur].push(e);
        break;
      }
      case 'alt':
        for (const o of node.options) {
          const [a, b] = this.build(o);
          this.eps[s].push(a);
          this.eps[b].push(e);
        }
        break;
      case 'rep': {
        let cur = s;
        for (let i = 0; i < node.min; i++) {
          const [a, b] = this.build(node.node);
          this.eps[cur].push(a);
          cur = b;
        }
        if (node.max === Infinity) {
          const [a, b] = this.build(node.node);
          this.eps[cur].push(a, e);
          this.eps[b].push(a, e);
        } else {
          this.eps[cur].push(e);
          for (let i = node.min; i < node.max; i++) {
            const [a, b] = this.build(node.node);
            this.eps[cur].push(a);
            this.eps[b].push(e);
            cur = b;
          }
        }
        break;
      }
    }
    return [s, e];
  }
}

/** A compiled grammar; use as a WordScorer (state = sorted NFA state set). */
export class Grammar implements WordScorer<number[]> {
  private readonly nfa = new Nfa();
  private readonly start: number[];
  private readonly accept: number;
  /** Every word the grammar can emit. */
  readonly vocabulary = new Set<string>();

  /**
   * @param text grammar source (see the module comment)
   * @param where file name for error messages
   * @throws Error `"<where>: not a grammar file (line N)"` for a character no grammar holds,
   *   `"<where>: not a grammar file (line N: missing \")\")"` (or another syntax error, an undefined
   *   macro, a bad repetition), `"<where>: no utterance expression (only macro definitions)"`, or
   *   `"<where>: the grammar expands to more than 200000 states (nested repetitions)"`. Never quotes a word.
   */
  constructor(text: string, where = 'grammar') {
    const macros = new Map<string, Node>();
    const mains: Node[] = [];
    const lines = text.split(/\r?\n/);
    for (const [i, raw] of lines.entries()) {
      const fail = (why?: string) =>
        new Error(`${where}: not a grammar file (line ${i + 1}${why ? `: ${why}` : ''})`);
      for (const part of raw.replace(/#.*$/, '').split(';')) {
        const st = part.trim();
        if (!st) continue;
        const def = st.match(/^(\$[\p{L}\p{N}_]+)\s*=\s*([\s\S]*)$/u);
        const toks = lex(def ? def[2] : st);
        if (toks === null) throw fail();
        if (def) macros.set(def[1], new Parser(toks, macros, fail).parseAll());
        else mains.push(new Parser(toks, macros, fail).parseAll());
      }
    }
    if (mains.length === 0) throw new Error(`${where}: no utterance expression (only macro definitions)`);
    const root: Node = mains.length === 1 ? mains[0] : { kind: 'alt', options: mains };
    // Macros share nodes: visit each once (a chain of doubling macros is a DAG of exponential size).
    const seen = new Set<Node>();
    const collect = (n: Node): void => {
      if (seen.has(n)) return;
      seen.add(n);
      if (n.kind === 'word') this.vocabulary.add(n.word);
      else if (n.kind === 'seq') n.items.forEach(collect);
      else if (n.kind === 'alt') n.options.forEach(collect);
      else collect(n.node);
    };
    collect(root);
    // Counted before building (linear in the grammar): a huge automaton is refused at once.
    if (nfaStates(root, new Map()) > MAX_GRAMMAR_STATES)
      throw new Error(
        `${where}: the grammar expands to more than ${MAX_GRAMMAR_STATES} states (nested repetitions)`,
      );
    const [s, e] = this.nfa.build(root);
    this.accept = e;
    this.start = this.closure([s]);
  }

  /**
   * Read and compile a grammar file (decoded by the shared text rule, util/text.ts).
   * @throws Error as the constructor, or util/files readText's (not found, a folder, not a regular file)
   */
  static async fromFile(file: string): Promise<Grammar> {
    return new Grammar(await readText(file, 'grammar file'), file);
  }

  private closure(states: number[]): number[] {
    const seen = new Set(states);
    const stack = [...states];
    while (stack.length) {
      const s = stack.pop()!;
      for (const t of this.nfa.eps[s]) {
        if (!seen.has(t)) {
          seen.add(t);
          stack.push(t);
        }
      }
    }
    return [...seen].sort((a, b) => a - b);
  }

  initial(): number[] {
    return this.start;
  }

  next(state: number[], word: string): { state: number[]; logScore: number } | null {
    const targets: number[] = [];
    for (const s of state) {
      const t = this.nfa.words[s].get(word);
      if (t) targets.push(...t);
    }
    if (targets.length === 0) return null;
    return { state: this.closure(targets), logScore: 0 };
  }

  final(state: number[]): number | null {
    return state.includes(this.accept) ? 0 : null;
  }

  key(state: number[]): string {
    return state.join(',');
  }

  /** True when the whole word sequence is in the grammar's language. */
  accepts(words: string[]): boolean {
    let st: number[] | null = this.start;
    for (const w of words) {
      const r = this.next(st, w);
      if (!r) return false;
      st = r.state;
    }
    return this.final(st) !== null;
  }
}
