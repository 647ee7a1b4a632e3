/**
 * Text normalisation before scoring: an explicit, named profile applied identically to reference and
 * hypothesis, and recorded in every report.
 *
 * - tokenisation (always): NFC, then split on any Unicode whitespace (tab, NBSP, CR/LF, ...)
 * - "none": tokenisation only
 * - "basic": lower-case (locale-independent), apostrophes removed, other punctuation and symbols
 *   become word breaks
 * - rules (optional, on top of a profile): word-sequence rewrites such as `oh -> zero` or
 *   `double five -> five five`, in the spirit of sclite's GLM mapping files; longest match first,
 *   left to right, applied once (the output is not rewritten again)
 */
import { readText } from '../util/files';
import { tokenize } from '../util/text';

export { tokenize };

export interface NormalizationProfile {
  name: string;
  lowercase: boolean;
  removePunctuation: boolean;
  /** [from words, to words]; `to` may be empty (delete the words). */
  rules: [string[], string[]][];
}

export const PROFILES = {
  none: { name: 'none', lowercase: false, removePunctuation: false, rules: [] },
  basic: { name: 'basic', lowercase: true, removePunctuation: true, rules: [] },
} as const satisfies Record<string, NormalizationProfile>;

export type ProfileName = keyof typeof PROFILES;

/**
 * Parse a rules file: one rule per line, `from words -> to words` (`=>` also accepted); `#` starts a
 * comment; an empty right side deletes the words.
 * @param where file name for error messages
 * @throws Error `"<where>:<line>: ..."` for a line without an arrow or with an empty left side
 */
export function parseRules(text: string, where: string): [string[], string[]][] {
  const rules: [string[], string[]][] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (!line) return;
    const m = line.match(/^(.*?)\s*(?:->|=>)\s*(.*)$/);
    if (!m) throw new Error(`${where}:${i + 1}: expected "from -> to"`); // never quote the line
    const from = tokenize(m[1]);
    if (from.length === 0) throw new Error(`${where}:${i + 1}: the left side of a rule is empty`);
    rules.push([from, tokenize(m[2])]);
  });
  return rules;
}

/** Build a profile from a name and an optional rules file. */
export async function loadProfile(name: ProfileName, rulesFile?: string): Promise<NormalizationProfile> {
  const base = PROFILES[name];
  if (!base)
    throw new Error(`unknown normalisation profile "${name}" (known: ${Object.keys(PROFILES).join(', ')})`);
  if (!rulesFile) return { ...base, rules: [] };
  return { ...base, name: `${base.name}+rules`, rules: parseRules(await readText(rulesFile), rulesFile) };
}

/**
 * Normalise a transcript into scoring tokens.
 * @returns words after the profile; rule sides are normalised with the same profile first
 */
export function normalizeText(text: string, p: NormalizationProfile): string[] {
  const clean = (t: string): string[] => {
    let s = t.normalize('NFC');
    if (p.lowercase) s = s.toLowerCase();
    if (p.removePunctuation) s = s.replace(/['\u2019]/gu, '').replace(/[\p{P}\p{S}]/gu, ' ');
    return tokenize(s);
  };
  const words = clean(text);
  if (p.rules.length === 0) return words;
  const rules = p.rules
    .map(([f, t]) => [clean(f.join(' ')), clean(t.join(' '))] as const)
    .sort((a, b) => b[0].length - a[0].length);
  const out: string[] = [];
  for (let i = 0; i < words.length;) {
    const rule = rules.find(([f]) => f.length > 0 && f.every((w, k) => words[i + k] === w));
    if (rule) {
      out.push(...rule[1]);
      i += rule[0].length;
    } else out.push(words[i++]);
  }
  return out;
}

/** Plain-data description of a profile for reports. */
export function describeProfile(p: NormalizationProfile): {
  name: string;
  lowercase: boolean;
  remove_punctuation: boolean;
  rules: string[];
} {
  return {
    name: p.name,
    lowercase: p.lowercase,
    remove_punctuation: p.removePunctuation,
    rules: p.rules.map(([f, t]) => `${f.join(' ')} -> ${t.join(' ')}`),
  };
}
