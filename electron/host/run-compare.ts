/**
 * Two finished runs side by side (operation `compareRuns`) and a test utterance's audio of a run
 * (operation `readRunAudio`). Both read only the runs' own report.json and test manifest: a request
 * names runs and utterance ids, never a file path.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { pairedBootstrap } from '../engine/score/bootstrap';
import type { ErrorCounts } from '../engine/score/align';
import { readManifest as readManifestFile } from '../engine/corpus/manifest';
import { MAX_PLAY_BYTES, type Report, type RunAudio, type RunComparison } from '../contract';
import { AUDIO_MIME } from './project-data';

type Row = Report['utterances'][number];

/** The counts of a run's final system on one utterance: "after" for an adaptation, else "before". */
function finalCounts(u: Row): ErrorCounts {
  const s = u.after ?? u.before;
  return {
    hits: u.reference_words - s.substitutions - s.deletions,
    substitutions: s.substitutions,
    deletions: s.deletions,
    insertions: s.insertions,
    referenceWords: u.reference_words,
  };
}

/**
 * Paired bootstrap of run B's final system against run A's on their shared test set: "before" of
 * the comparison is run A, "after" is run B (a negative change = B makes fewer errors).
 * @param a report of the first run, `nameA` its label for messages (`project/run` or `run`)
 * @throws Error naming both runs when their test sets differ: utterance counts, ids (in order) or
 *   reference texts; or when the test set has no reference words
 */
export function compareReports(nameA: string, a: Report, nameB: string, b: Report): RunComparison {
  const ua = a.utterances.filter((u) => u.set === 'test');
  const ub = b.utterances.filter((u) => u.set === 'test');
  const differ = (why: string): Error =>
    new Error(`runs "${nameA}" and "${nameB}" were not scored on the same test set: ${why}`);
  if (ua.length !== ub.length)
    throw differ(`${ua.length} test utterances in "${nameA}", ${ub.length} in "${nameB}"`);
  const byId = new Map(ub.map((u) => [u.id, u]));
  const missing = ua.filter((u) => !byId.has(u.id)).map((u) => u.id);
  if (missing.length)
    throw differ(
      `${missing.length} utterance ids of "${nameA}" are not in "${nameB}" (${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ', …' : ''})`,
    );
  const changed = ua.find((u) => byId.get(u.id)!.reference !== u.reference);
  if (changed) throw differ(`utterance "${changed.id}" has a different reference text`);
  const paired = ua.map((u) => byId.get(u.id)!);
  const cmp = pairedBootstrap(ua.map(finalCounts), paired.map(finalCounts), a.scoring.bootstrap);
  if (!cmp) throw new Error(`runs "${nameA}" and "${nameB}": the test set has no reference words`);
  return {
    a: { run: nameA, system: a.adapted_model?.name ?? a.model.name, adapted: Boolean(a.test.after) },
    b: { run: nameB, system: b.adapted_model?.name ?? b.model.name, adapted: Boolean(b.test.after) },
    manifests: { a: a.test.manifest, b: b.test.manifest },
    comparison: cmp,
    utterances: ua.map((u, i) => {
      const sa = u.after ?? u.before;
      const sb = paired[i].after ?? paired[i].before;
      return {
        id: u.id,
        reference: u.reference,
        a: { hypothesis: sa.hypothesis, wer: sa.wer, alignment: sa.alignment },
        b: { hypothesis: sb.hypothesis, wer: sb.wer, alignment: sb.alignment },
      };
    }),
  };
}

/**
 * The audio of one utterance of a run's test set, found through the test manifest the run's report
 * names (never a path from the request).
 * @param label the run's name for messages
 * @throws Error for an id not in the manifest, a missing or non-audio file, or one over MAX_PLAY_BYTES
 */
export async function readRunAudio(label: string, report: Report, id: string): Promise<RunAudio> {
  const manifest = report.test.manifest;
  let utts: Awaited<ReturnType<typeof readManifestFile>>;
  try {
    utts = await readManifestFile(manifest);
  } catch (err) {
    throw new Error(`run "${label}": its test manifest cannot be read: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const u = utts.find((x) => x.id === id);
  if (!u) throw new Error(`run "${label}": utterance "${id}" is not in its test manifest ${manifest}`);
  const file = path.resolve(path.dirname(manifest), u.audioPath);
  const mime = AUDIO_MIME[path.extname(file).toLowerCase()];
  if (!mime) throw new Error(`${file}: not an audio file (${Object.keys(AUDIO_MIME).join(', ')})`);
  const st = await stat(file).catch(() => null);
  if (!st?.isFile()) throw new Error(`${file}: audio file of utterance "${id}" is missing`);
  if (st.size > MAX_PLAY_BYTES)
    throw new Error(
      `${file}: ${(st.size / 2 ** 20).toFixed(0)} MiB is too large to play here (at most ${MAX_PLAY_BYTES / 2 ** 20} MiB)`,
    );
  return {
    id,
    mime,
    data: (await readFile(file)).toString('base64'),
    ...(u.offsetSec !== undefined ? { offsetSec: u.offsetSec } : {}),
    durationSec: u.durationSec,
  };
}
