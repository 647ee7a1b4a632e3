/**
 * Checks of the Adapt form before Start, all at once: every numeric setting against the contract's
 * METHOD_LIMITS (the numbers the request schema enforces), finetune's top layers against the chosen
 * model's weight layers, and the adaptation transcripts against the model's token inventory (the
 * engine's encodeText would refuse them after the job started).
 */
import {
  METHOD_LIMITS,
  type LimitedSetting,
  type ManifestRow,
  type ModelCard,
} from '../../../electron/contract';

/** Field name -> what is wrong with it, as shown under the field and in the list beside Start. */
export type FieldProblems = Record<string, string>;

const range = (min: number, max: number, integer: boolean, minExclusive = false): string =>
  integer
    ? `a whole number from ${min} to ${max}`
    : minExclusive
      ? `above ${min} and at most ${max}`
      : `from ${min} to ${max}`;

/**
 * The problem of one numeric setting ('' when fine).
 * @param value the input's value (null/undefined/NaN = empty)
 * @param optional an empty value is allowed (the default applies)
 * @param max a tighter upper bound than the contract's (e.g. the model's weight layers), with its reason
 */
export function limitProblem(
  key: LimitedSetting,
  value: unknown,
  label: string,
  opts: { optional?: string; max?: { value: number; why: string } } = {},
): string {
  const l: { min: number; max: number; integer: boolean; minExclusive?: boolean } = METHOD_LIMITS[key];
  const max = opts.max && opts.max.value < l.max ? opts.max.value : l.max;
  const empty =
    value === null ||
    value === undefined ||
    value === '' ||
    (typeof value === 'number' && Number.isNaN(value));
  const tail = `${opts.optional ? ` (or empty ${opts.optional})` : ''}${opts.max && max === opts.max.value ? ` (${opts.max.why})` : ''}.`;
  if (empty) return opts.optional ? '' : `${label}: ${range(l.min, max, l.integer, l.minExclusive)}${tail}`;
  const v = value as number;
  const ok =
    typeof v === 'number' &&
    Number.isFinite(v) &&
    (!l.integer || Number.isInteger(v)) &&
    (l.minExclusive ? v > l.min : v >= l.min) &&
    v <= max;
  return ok ? '' : `${label}: ${range(l.min, max, l.integer, l.minExclusive)}${tail}`;
}

/**
 * Weight layers finetune can train in a model of this card (conv layers plus the output layer), or
 * null when the card does not say (a user's layers model: the engine checks after start).
 */
export function weightLayers(card: ModelCard | null | undefined): number | null {
  if (!card) return null;
  const a = card.architecture as { type: string; convLayers?: unknown[] };
  return a.type === 'conv1d-ctc' && Array.isArray(a.convLayers) ? a.convLayers.length + 1 : null;
}

/** Utterances whose transcript holds words (or characters) outside the model's tokens, with those units. */
export function unknownUnits(
  rows: readonly Pick<ManifestRow, 'id' | 'text'>[],
  tokens: ModelCard['tokens'],
): { id: string; units: string[] }[] {
  const known = new Set(tokens.inventory.filter((_, i) => i !== tokens.blankIndex));
  const out: { id: string; units: string[] }[] = [];
  for (const r of rows) {
    const ws = r.text.normalize('NFC').split(/\s+/u).filter(Boolean);
    const units = tokens.unit === 'word' ? ws : [...ws.join(' ')];
    const bad = [...new Set(units.filter((u) => !known.has(u)))];
    if (bad.length) out.push({ id: r.id, units: bad });
  }
  return out;
}

/** One line naming the first few bad utterances and their unknown units. */
export function describeUnknown(bad: { id: string; units: string[] }[], unit: 'word' | 'char'): string {
  const shown = bad.slice(0, 3).map((b) => `${b.id} (${b.units.map((u) => JSON.stringify(u)).join(', ')})`);
  return `${bad.length} adaptation utterance${bad.length === 1 ? ' has' : 's have'} ${unit === 'word' ? 'words' : 'characters'} the model cannot emit: ${shown.join('; ')}${bad.length > 3 ? '; …' : ''}. Correct the transcripts, move them to “unlabelled”, or use the “New output layer” method.`;
}
