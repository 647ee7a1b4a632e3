/**
 * The split of the utterances an import brings into a project (the Project screen asks for it before
 * importing): all to one split (adapt, test or unlabelled), or "split by speaker": whole speakers go
 * to the test split, chosen by a seeded shuffle, until it holds about `testFraction` of the labelled
 * utterances, so that no speaker is ever in both the adapt and the test split.
 *
 * Rules, in order:
 * - an utterance without a transcript goes to "unlabelled" (neither adapt nor test can use it);
 * - by speaker: a speaker already in the project's adapt or test split stays there (its new
 *   utterances join it), so the project never gets a speaker in both; an utterance without a
 *   speaker label is its own group (it cannot be matched to anyone).
 *
 * The shuffle is mulberry32 over the speakers in natural order, so one seed gives one split on every
 * machine. Pure functions; ProjectStore (projects.ts) applies the result.
 */
import { SPLIT_NAMES, type ImportSplitChoice, type ImportSplitCounts, type SplitName } from '../contract';
import { naturalCompare } from '../contract/natural';
import { seededRandom } from '../engine/model/batch';

/** What the assignment needs of an utterance. */
export interface SplitCandidate {
  id: string;
  text: string;
  speaker?: string;
  durationSec: number;
}

/**
 * The split of each utterance.
 * @param existing the split of speakers already in the project (adapt or test only)
 * @returns utterance id -> split, for every candidate
 */
export function assignImportSplits(
  candidates: readonly SplitCandidate[],
  choice: ImportSplitChoice,
  existing: ReadonlyMap<string, 'adapt' | 'test'> = new Map(),
): Map<string, SplitName> {
  const out = new Map<string, SplitName>();
  const labelled = candidates.filter((c) => c.text.trim() !== '');
  for (const c of candidates) if (c.text.trim() === '') out.set(c.id, 'unlabelled');
  if (choice.mode !== 'by-speaker') {
    for (const c of labelled) out.set(c.id, choice.mode);
    return out;
  }
  // Groups: one per speaker label, one per unlabelled-speaker utterance.
  const groups = new Map<string, SplitCandidate[]>();
  for (const c of labelled) {
    const key = c.speaker ? `s:${c.speaker}` : `u:${c.id}`;
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  const target = Math.round(choice.testFraction * labelled.length);
  let inTest = 0;
  const free: string[] = [];
  for (const [key, members] of groups) {
    const known = key.startsWith('s:') ? existing.get(key.slice(2)) : undefined;
    if (known) {
      for (const m of members) out.set(m.id, known);
      if (known === 'test') inTest += members.length;
    } else free.push(key);
  }
  free.sort(naturalCompare);
  const rand = seededRandom(choice.seed); // mulberry32 (model/batch.ts)
  for (let i = free.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [free[i], free[j]] = [free[j], free[i]];
  }
  for (const key of free) {
    const members = groups.get(key)!;
    // A speaker goes to test while that brings the test count nearer the target.
    const toTest = inTest < target && Math.abs(inTest + members.length - target) <= Math.abs(inTest - target);
    for (const m of members) out.set(m.id, toTest ? 'test' : 'adapt');
    if (toTest) inTest += members.length;
  }
  return out;
}

/** Utterances, speakers and seconds per split of an assignment. */
export function importSplitCounts(
  candidates: readonly SplitCandidate[],
  splits: ReadonlyMap<string, SplitName>,
): ImportSplitCounts {
  const counts = Object.fromEntries(
    SPLIT_NAMES.map((s) => [s, { utterances: 0, speakers: 0, totalSec: 0 }]),
  ) as ImportSplitCounts;
  const speakers = Object.fromEntries(SPLIT_NAMES.map((s) => [s, new Set<string>()])) as Record<
    SplitName,
    Set<string>
  >;
  for (const c of candidates) {
    const s = splits.get(c.id);
    if (!s) continue;
    counts[s].utterances++;
    counts[s].totalSec += c.durationSec;
    if (c.speaker) speakers[s].add(c.speaker);
  }
  for (const s of SPLIT_NAMES) counts[s].speakers = speakers[s].size;
  return counts;
}
