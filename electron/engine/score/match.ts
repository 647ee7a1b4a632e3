/**
 * Transcript files for the `score` command: sclite trn (`words (utterance-id)`) or JSON Lines
 * (`{"id": ..., "text": ...}`, or a NeMo manifest whose id is the audio file's base name), and the
 * matching of hypotheses to references by utterance id.
 */
import { readText } from '../util/files';
import { readManifest } from '../corpus/manifest';

export interface Transcript {
  id: string;
  text: string;
  speaker?: string;
  accent?: string;
}

/**
 * Read a transcript file; the format follows the extension (.trn, otherwise JSON Lines).
 * trn ids "(speaker-utt)" give the speaker as the part before the first "-".
 * @throws Error naming the file and line for malformed lines or duplicate ids
 */
export async function readTranscripts(file: string): Promise<Transcript[]> {
  let out: Transcript[];
  if (/\.trn$/i.test(file)) {
    const text = await readText(file);
    out = [];
    text.split(/\r?\n/).forEach((line, i) => {
      if (!line.trim()) return;
      const m = line.match(/^(.*)\(([^()]*)\)\s*$/);
      if (!m) throw new Error(`${file}:${i + 1}: a trn line must end with "(utterance-id)"`);
      const id = m[2];
      const dash = id.indexOf('-');
      out.push({ id, text: m[1].trim(), ...(dash > 0 ? { speaker: id.slice(0, dash) } : {}) });
    });
  } else {
    const text = await readText(file);
    const first = text.split(/\r?\n/).find((l) => l.trim());
    if (first && 'audio_filepath' in JSON.parse(first)) {
      out = (await readManifest(file)).map((u) => ({ id: u.id, text: u.text, speaker: u.speaker, accent: u.accent }));
    } else {
      out = [];
      text.split(/\r?\n/).forEach((line, i) => {
        if (!line.trim()) return;
        let o: { id?: unknown; utt_id?: unknown; text?: unknown; speaker?: unknown; accent?: unknown };
        try {
          o = JSON.parse(line);
        } catch (err) {
          throw new Error(`${file}:${i + 1}: not valid JSON (${(err as Error).message})`);
        }
        const id = o.id ?? o.utt_id;
        if (typeof id !== 'string' || typeof o.text !== 'string') throw new Error(`${file}:${i + 1}: needs string fields "id" and "text"`);
        out.push({ id, text: o.text, ...(typeof o.speaker === 'string' ? { speaker: o.speaker } : {}), ...(typeof o.accent === 'string' ? { accent: o.accent } : {}) });
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
 * @throws Error listing the ids (first 20) that are missing or extra
 */
export function matchById(refs: Transcript[], hyps: Transcript[], where: string, missingAsEmpty = false): { ref: Transcript; hyp: string }[] {
  // sclite trn ids are "speaker-utterance": when ids do not match as written, match them without the
  // speaker prefix on the trn side (so our own trn output scores against the original manifest).
  const refIdSet = new Set(refs.map((r) => r.id));
  const unprefix = (id: string): string => {
    if (refIdSet.has(id)) return id;
    const dash = id.indexOf('-');
    return dash > 0 && refIdSet.has(id.slice(dash + 1)) ? id.slice(dash + 1) : id;
  };
  hyps = hyps.map((h) => ({ ...h, id: unprefix(h.id) }));
  const byId = new Map(hyps.map((h) => [h.id, h.text]));
  const refIds = new Set(refs.map((r) => r.id));
  const extra = hyps.filter((h) => !refIds.has(h.id)).map((h) => h.id);
  const missing = refs.filter((r) => !byId.has(r.id)).map((r) => r.id);
  const list = (ids: string[]) => ids.slice(0, 20).join(', ') + (ids.length > 20 ? `, ... (${ids.length} in all)` : '');
  const problems: string[] = [];
  if (extra.length) problems.push(`${extra.length} hypotheses have no reference: ${list(extra)}`);
  if (missing.length && !missingAsEmpty) problems.push(`${missing.length} references have no hypothesis: ${list(missing)} (use --missing-as-empty to score them as empty)`);
  if (problems.length) throw new Error(`${where}: ${problems.join('; ')}`);
  return refs.map((ref) => ({ ref, hyp: byId.get(ref.id) ?? '' }));
}
