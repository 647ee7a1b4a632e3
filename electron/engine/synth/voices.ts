/** Language matching shared by the synthesizers' voice lists. */

/**
 * Whether a voice's language tag falls under a requested language: equal, or a sub-tag of it
 * (`en-GB-scotland` is under `en` and `en-GB`, not under `e` or `en-US`), case-insensitive.
 */
export function languageMatches(tag: string, language: string): boolean {
  const t = tag.toLowerCase();
  const l = language.toLowerCase();
  return t === l || t.startsWith(l + '-');
}
