/** Filtering, sorting and totals of the utterance tables (Data screen: manifest viewer and project table). */
import type { ManifestRow } from '../../../electron/contract';
import { naturalCompare } from '../../../electron/contract/natural';

/** A table's sort: the column and its direction. */
export interface TableSort<C extends string> {
  col: C;
  ascending: boolean;
}

/** The distinct non-empty values of `speaker` or `accent`, sorted (the choices of a filter). */
export function labelsOf(rows: readonly ManifestRow[], field: 'speaker' | 'accent'): string[] {
  return [...new Set(rows.map((r) => r[field] ?? ''))].filter(Boolean).sort(naturalCompare);
}

/** Optional duration bounds of a filter, seconds (null or NaN: no bound). */
export interface DurationRange {
  minSec?: number | null;
  maxSec?: number | null;
}

/**
 * Rows of that speaker and accent (empty: any), within the duration range (inclusive), whose id or
 * transcript holds `query` (case-insensitive).
 */
export function filterRows<R extends ManifestRow>(
  rows: readonly R[],
  query: string,
  speaker: string,
  accent: string,
  range: DurationRange = {},
): R[] {
  const q = query.trim().toLowerCase();
  const lo = typeof range.minSec === 'number' && Number.isFinite(range.minSec) ? range.minSec : -Infinity;
  const hi = typeof range.maxSec === 'number' && Number.isFinite(range.maxSec) ? range.maxSec : Infinity;
  return rows.filter(
    (r) =>
      (!speaker || r.speaker === speaker) &&
      (!accent || r.accent === accent) &&
      r.durationSec >= lo &&
      r.durationSec <= hi &&
      (!q || r.id.toLowerCase().includes(q) || r.text.toLowerCase().includes(q)),
  );
}

/**
 * A sorted copy of `rows`: by the column's value (missing: ''), stable, descending when asked. Text
 * sorts in natural order ("utt2" before "utt10"), numbers as numbers.
 */
export function sortRows<R extends ManifestRow, C extends keyof R & string>(
  rows: readonly R[],
  sort: TableSort<C>,
): R[] {
  const key = (r: R): string | number =>
    sort.col === 'durationSec' ? r.durationSec : ((r[sort.col] ?? '') as string | number);
  return [...rows].sort((a, b) => {
    const x = key(a);
    const y = key(b);
    const c = typeof x === 'number' && typeof y === 'number' ? x - y : naturalCompare(String(x), String(y));
    return c * (sort.ascending ? 1 : -1);
  });
}

/** Total duration of the rows, seconds. */
export const totalSec = (rows: readonly ManifestRow[]): number => rows.reduce((a, r) => a + r.durationSec, 0);

/** The sort after a click on a column's header: the same column flips, another one sorts ascending. */
export function nextSort<C extends string>(sort: TableSort<C>, col: C): TableSort<C> {
  return sort.col === col ? { col, ascending: !sort.ascending } : { col, ascending: true };
}

/** The `aria-sort` of a column's header. */
export function ariaSort<C extends string>(sort: TableSort<C>, col: C): 'ascending' | 'descending' | 'none' {
  return sort.col === col ? (sort.ascending ? 'ascending' : 'descending') : 'none';
}
