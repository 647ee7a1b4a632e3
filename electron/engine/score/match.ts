/**
 * Transcript files for the `score` command: sclite trn (`words (utterance-id)`) or JSON Lines
 * (`{"id": ..., "text": ...}`, or a NeMo manifest whose id is the audio file's base name), and the
 * matching of hypotheses to references by utterance id.
 */
import { readTextFile } from '../util/files';
import { readManifest } from '../corpus/manifest';

export interface Transcript {
  id: string;
  text: string;
  speaker?: string;
  accent?: string;
  /**
   * trn lines only: the id without its "speaker-" prefix (sclite's `(speaker-utterance)` convention),
   * used to match a reference id that has no prefix. Undefined for other formats and for trn ids
   * without a "-".
   */
  trnUtterance?: string;
}

/**
 * Read a transcript file; the format follows the extension (.trn, otherwise JSON Lines).
 * trn ids "(speaker-utt)" give the speaker as the part before the first "-". Bytes are decoded by the
 * shared rule (util/text.ts decodeText); lines are never quoted in errors.
 * @param notes when given, receives `"<file>: not valid UTF-8; read as Latin-1"` (or a UTF-16 note)
 * @throws Error naming the file and line for malformed lines or duplicate ids
 */
export async function readTranscripts(file: string, notes?: string[]): Promise<Transcript[]> {
  let out: Transcript[];
  if (/\.trn$/i.test(file)) {
    const { text, note } = await readTextFile(file, 'transcript file');
    if (note) notes?.push(`${file}: ${note}`);
    out = [];
    text.split(/\r?\n/).forEach((line, i) => {
      if (!line.trim()) return;
      const m = line.match(/^(.*)\(([^()]*)\)\s*$/);
      if (!m) throw new Error(`${file}:${i + 1}: a trn line must end with "(utterance-id)"`);
      const id = m[2];
      const dash = id.indexOf('-');
      out.push({
        id,
        text: m[1].trim(),
        ...(dash > 0 ? { speaker: id.slice(0, dash), trnUtterance: id.slice(dash + 1) } : {}),
      });
    });
  } else {
    const { text, note } = await readTextFile(file, 'transcript file');
    const lines = text.split(/\r?\n/);
    const firstIndex = lines.findIndex((l) => l.trim());
    let first: unknown;
    if (firstIndex >= 0) {
      try {
        first = JSON.parse(lines[firstIndex]);
      } catch {
        // Never quote the line: the file may be anything (JSON.parse's message shows its start).
        throw new Error(
          `${file}:${firstIndex + 1}: not valid JSON: expected a .trn file or JSON Lines ({"id", "text"} or a NeMo manifest)`,
        );
      }
    }
    if (first !== null && typeof first === 'object' && 'audio_filepath' in first) {
      out = (await readManifest(file, notes)).map((u) => ({
        id: u.id,
        text: u.text,
        speaker: u.speaker,
        accent: u.accent,
      }));
    } else {
      if (note) notes?.push(`${file}: ${note}`);
      out = [];
      text.split(/\r?\n/).forEach((line, i) => {
        if (!line.trim()) return;
        let o: { id?: unknown; utt_id?: unknown; text?: unknown; speaker?: unknown; accent?: unknown };
        try {
          o = JSON.parse(line);
        } catch {
          throw new Error(`${file}:${i + 1}: not valid JSON`);
        }
        if (o === null || typeof o !== 'object') throw new Error(`${file}:${i + 1}: not a JSON object`);
        const id = o.id ?? o.utt_id;
        if (typeof id !== 'string' || typeof o.text !== 'string')
          throw new Error(`${file}:${i + 1}: needs string fields "id" and "text"`);
        out.push({
          id,
          text: o.text,
          ...(typeof o.speaker === 'string' ? { speaker: o.speaker } : {}),
          ...(typeof o.accent === 'string' ? { accent: o.accent } : {}),
        });
      });
    }
  }
  const seen = new Set<string>();
  for (const t of out) {
    if (seen.has(t.id)) throw new Error(`${file}: utterance id "${t.id}" appears more than once`);
    seen.add(t.id);
  }
  return out;
}

/**
 * Pair hypotheses with references by id, in reference order.
 * @param missingAsEmpty score references without a hypothesis as empty hypotheses (all deletions)
 *   instead of failing; extra hypotheses are always an error
 * @throws Error `"<where>: N references have more than one hypothesis: ...; N hypotheses have no
 *   reference: ...; N references have no hypothesis: ..."` listing the ids (first 20)
 */
export function matchById(
  refs: Transcript[],
  hyps: Transcript[],
  where: string,
  missingAsEmpty = false,
): { ref: Transcript; hyp: string }[] {
  // Ids match exactly. The one exception is the format's own convention: a trn line's id
  // "(speaker-utterance)" also matches a reference "utterance" (so our own trn output scores
  // against the original manifest) when no reference has the whole id. Two hypotheses that land
  // on one reference are an error, never a silent choice.
  const refIds = new Set(refs.map((r) => r.id));
  const byId = new Map<string, { text: string; from: string }>();
  const extra: string[] = [];
  const twice: string[] = [];
  for (const h of hyps) {
    const key = refIds.has(h.id)
      ? h.id
      : h.trnUtterance !== undefined && refIds.has(h.trnUtterance)
        ? h.trnUtterance
        : undefined;
    if (key === undefined) {
      extra.push(h.id);
      continue;
    }
    const prev = byId.get(key);
    if (prev) twice.push(`"${prev.from}" and "${h.id}" both match reference "${key}"`);
    else byId.set(key, { text: h.text, from: h.id });
  }
  const missing = refs.filter((r) => !byId.has(r.id)).map((r) => r.id);
  const list = (ids: string[]) =>
    ids.slice(0, 20).join(', ') + (ids.length > 20 ? `, ... (${ids.length} in all)` : '');
  const problems: string[] = [];
  if (twice.length) problems.push(`${twice.length} references have more than one hypothesis: ${list(twice)}`);
  if (extra.length) problems.push(`${extra.length} hypotheses have no reference: ${list(extra)}`);
  if (missing.length && !missingAsEmpty)
    problems.push(
      `${missing.length} references have no hypothesis: ${list(missing)} (use --missing-as-empty to score them as empty)`,
    );
  if (problems.length) throw new Error(`${where}: ${problems.join('; ')}`);
  return refs.map((ref) => ({ ref, hyp: byId.get(ref.id)?.text ?? '' }));
}
