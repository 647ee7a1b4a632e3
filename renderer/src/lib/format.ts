/** Number formatting shared by every screen (and by the UI tests, which compare against reports). */

/** A rate in [0, inf) as a percentage with two decimals ("12.50%"); "n/a" for null/undefined. */
export function pct(x: number | null | undefined): string {
  return x === null || x === undefined || !Number.isFinite(x) ? 'n/a' : `${(x * 100).toFixed(2)}%`;
}

/** A signed change of a rate in percentage points ("-3.20 pp", "+0.00 pp"). */
export function pp(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return 'n/a';
  return `${x < 0 ? '−' : '+'}${Math.abs(x * 100).toFixed(2)} pp`;
}

/** An integer count with thousands separators. */
export const count = (n: number): string => n.toLocaleString('en-US');

/** Seconds as "1 h 02 min", "3 min 05 s" or "12 s". */
export function duration(sec: number): string {
  if (!Number.isFinite(sec) || sec < 0) return '';
  const s = Math.round(sec);
  if (s >= 3600)
    return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
  if (s >= 60) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${s} s`;
}

/** A total length in minutes with one decimal ("2.4 min"), or seconds under a minute ("17.3 s"). */
export const minutes = (sec: number): string =>
  sec < 60 ? `${sec.toFixed(1)} s` : `${(sec / 60).toFixed(1)} min`;

/** A loss value with 4 significant decimals. */
export const loss = (x: number | undefined): string => (x === undefined ? '' : x.toFixed(4));

/** ISO time as a short local date and time. */
export function when(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime())
    ? iso
    : d.toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' });
}
