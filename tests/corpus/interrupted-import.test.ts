/**
 * Issue 14 item 16: a process killed during an import. The kill is simulated at three moments by
 * making one atomic write or copy never return (and never clean up), which is what a kill leaves on
 * disk: (1) in the middle of the audio copies (two copies renamed into place, a partial `.tmp`
 * file), (2) after project.json recorded the import, before the manifest, (3) after the manifest,
 * before project.json marked the import complete. openProject reports the leftovers, cleanProject
 * removes them, and importing the same source again copies each file exactly once.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import path from 'node:path';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { tmp, toneWav, writeAt } from './helpers';

/** Which write "kills the process": a predicate on the function and its destination. */
const kill = vi.hoisted(() => ({
  at: undefined as undefined | ((fn: 'copy' | 'write', dest: string) => boolean),
}));

vi.mock('../../electron/engine/util/atomic', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../electron/engine/util/atomic')>();
  const never = () => new Promise<never>(() => undefined);
  return {
    ...real,
    copyFileAtomic: async (src: string, dest: string) => {
      if (kill.at?.('copy', dest)) {
        // A kill during copyFile: the temporary file holds part of the audio and is never renamed.
        await writeFile(
          path.join(path.dirname(dest), `.${path.basename(dest)}.4242.1700000000000.tmp`),
          (await readFile(src)).subarray(0, 10),
        );
        return never();
      }
      return real.copyFileAtomic(src, dest);
    },
    writeFileAtomic: async (file: string, data: string | Uint8Array) =>
      kill.at?.('write', file) ? never() : real.writeFileAtomic(file, data),
    writeJsonAtomic: async (file: string, value: unknown) =>
      kill.at?.('write', file) ? never() : real.writeJsonAtomic(file, value),
  };
});

const { cleanProject, importIntoProject, openProject } = await import('../../electron/engine/corpus/project');

afterEach(() => {
  kill.at = undefined;
});

/** A plain folder of `n` utterances u0..u(n-1). */
async function source(n: number): Promise<string> {
  const dir = await tmp('src');
  for (let k = 0; k < n; k++) {
    await writeAt(path.join(dir, `u${k}.wav`), toneWav(k));
    await writeAt(path.join(dir, `u${k}.txt`), `word ${k}`);
  }
  return dir;
}

/** Start an import that the armed kill stops; wait until it is stuck (the kill point reached). */
async function killedImport(project: string, src: string): Promise<void> {
  let reached!: () => void;
  const stuck = new Promise<void>((r) => (reached = r));
  const at = kill.at!;
  kill.at = (fn, dest) => {
    const hit = at(fn, dest);
    if (hit) reached();
    return hit;
  };
  void importIntoProject(project, 'plain-folder', src);
  await stuck;
  await new Promise((r) => setTimeout(r, 50)); // the partial .tmp write of a killed copy settles
  kill.at = undefined;
}

const audioFiles = async (project: string) => (await readdir(path.join(project, 'audio'))).sort();

describe('an import killed half-way (issue 14 item 16)', () => {
  it('killed during the audio copies: the copies and the .tmp file are reported as orphans and cleaned; re-import copies each file once', async () => {
    const src = await source(4);
    const project = path.join(await tmp('proj'), 'p');
    let copies = 0;
    kill.at = (fn) => fn === 'copy' && ++copies === 3;
    await killedImport(project, src);
    expect(await audioFiles(project)).toEqual(['.u2.wav.4242.1700000000000.tmp', 'u0.wav', 'u1.wav']);
    const opened = await openProject(project);
    expect(opened.utterances).toEqual([]);
    expect(opened.problems.map((p) => [p.problem, path.basename(p.file), p.detail])).toEqual([
      ['orphan', '.u2.wav.4242.1700000000000.tmp', 'temporary file left by an interrupted audio copy'],
      [
        'orphan',
        'u0.wav',
        'audio file that neither project.json nor the manifest names (left by an interrupted import or take)',
      ],
      [
        'orphan',
        'u1.wav',
        'audio file that neither project.json nor the manifest names (left by an interrupted import or take)',
      ],
    ]);
    const cleaned = await cleanProject(project);
    expect(cleaned.removed.map((f) => path.basename(f))).toEqual([
      '.u2.wav.4242.1700000000000.tmp',
      'u0.wav',
      'u1.wav',
    ]);
    expect(cleaned.removedImports).toEqual([]);
    expect(await audioFiles(project)).toEqual([]);
    expect((await openProject(project)).problems).toEqual([]);
    const again = await importIntoProject(project, 'plain-folder', src);
    expect(again.imported).toBe(4);
    expect(await audioFiles(project)).toEqual(['u0.wav', 'u1.wav', 'u2.wav', 'u3.wav']);
  });

  it('killed after project.json recorded the import, before the manifest: reported as an incomplete import, cleaned, re-imported without doubling the audio', async () => {
    const src = await source(3);
    const base = await tmp('proj');
    const project = path.join(base, 'p');
    // A first, complete import of one utterance stays untouched throughout.
    const first = await tmp('first');
    await writeAt(path.join(first, 'keep.wav'), toneWav(9));
    await writeAt(path.join(first, 'keep.txt'), 'kept');
    expect((await importIntoProject(project, 'plain-folder', first)).imported).toBe(1);
    kill.at = (fn, dest) => fn === 'write' && path.basename(dest) === 'manifest.jsonl';
    await killedImport(project, src);
    const pj = JSON.parse(await readFile(path.join(project, 'project.json'), 'utf8'));
    expect(
      pj.imports.map((i: { imported: number; pendingAudio?: string[] }) => [i.imported, i.pendingAudio]),
    ).toEqual([
      [1, undefined],
      [3, ['audio/u0.wav', 'audio/u1.wav', 'audio/u2.wav']],
    ]);
    const opened = await openProject(project);
    expect(opened.utterances.map((u) => u.id)).toEqual(['keep']);
    expect(opened.problems).toEqual([
      {
        file: path.join(project, 'project.json'),
        problem: 'incomplete-import',
        detail: `the import of ${src} (${pj.imports[1].date}, 3 utterances) never reached the manifest (interrupted); its 3 audio files are unused: clean the project to remove them and the record, then import again`,
      },
    ]);
    // An import into the damaged project warns about the leftovers.
    const other = await tmp('other');
    await writeAt(path.join(other, 'x.wav'), toneWav(5));
    await writeAt(path.join(other, 'x.txt'), 'x');
    const warned = await importIntoProject(project, 'plain-folder', other);
    expect(warned.warnings).toEqual([
      {
        file: project,
        reason:
          'the project holds 1 leftover of an interrupted import (unused audio or .tmp files, or an import that never reached the manifest): clean the project to remove them',
      },
    ]);

    const cleaned = await cleanProject(project);
    expect(cleaned.removed.map((f) => path.relative(project, f)).sort()).toEqual([
      'audio/u0.wav',
      'audio/u1.wav',
      'audio/u2.wav',
    ]);
    expect(cleaned.removedImports).toEqual([{ source: src, date: pj.imports[1].date }]);
    const after = JSON.parse(await readFile(path.join(project, 'project.json'), 'utf8'));
    expect(Object.keys(after.audio).sort()).toEqual(['audio/keep.wav', 'audio/x.wav']);
    expect(after.imports.map((i: { source: string }) => i.source)).toEqual([first, other]);
    expect((await openProject(project)).problems).toEqual([]);
    expect((await cleanProject(project)).removed).toEqual([]);

    expect((await importIntoProject(project, 'plain-folder', src)).imported).toBe(3);
    expect(await audioFiles(project)).toEqual(['keep.wav', 'u0.wav', 'u1.wav', 'u2.wav', 'x.wav']);
    expect((await openProject(project)).utterances.map((u) => u.id)).toEqual(['keep', 'x', 'u0', 'u1', 'u2']);
  });

  it('killed after the manifest, before the import was marked complete: nothing is lost; clean-up only completes the record', async () => {
    const src = await source(2);
    const project = path.join(await tmp('proj'), 'p');
    let writes = 0;
    kill.at = (fn, dest) => fn === 'write' && path.basename(dest) === 'project.json' && ++writes === 3; // create, pending, complete
    await killedImport(project, src);
    const opened = await openProject(project);
    expect(opened.utterances.map((u) => u.id)).toEqual(['u0', 'u1']);
    expect(opened.problems).toEqual([]);
    const cleaned = await cleanProject(project);
    expect(cleaned).toEqual({ removed: [], removedImports: [], completedImports: 1 });
    const pj = JSON.parse(await readFile(path.join(project, 'project.json'), 'utf8'));
    expect(pj.imports[0].pendingAudio).toBeUndefined();
    expect(pj.imports[0].imported).toBe(2);
    expect(await audioFiles(project)).toEqual(['u0.wav', 'u1.wav']);
  });

  it('a complete import leaves no pending record; audio of a deleted utterance is not an orphan; clean-up never leaves <project>/audio', async () => {
    const src = await source(2);
    const project = path.join(await tmp('proj'), 'p');
    await importIntoProject(project, 'plain-folder', src);
    const pjFile = path.join(project, 'project.json');
    const pj = JSON.parse(await readFile(pjFile, 'utf8'));
    expect(pj.imports[0]).not.toHaveProperty('pendingAudio');
    // Delete u1's line (the Data screen keeps its audio for undo): not reported, not removed.
    const manifest = path.join(project, 'manifest.jsonl');
    await writeFile(manifest, (await readFile(manifest, 'utf8')).split('\n')[0] + '\n');
    expect((await openProject(project)).problems).toEqual([]);
    expect((await cleanProject(project)).removed).toEqual([]);
    // A hand-edited pending record naming a file outside audio/ is refused, and nothing is removed.
    const victim = path.join(path.dirname(project), 'victim.wav');
    await writeFile(victim, 'x');
    pj.imports.push({
      format: 'nemo',
      source: '/x',
      date: 'd',
      imported: 1,
      skipped: 0,
      pendingAudio: ['../victim.wav'],
    });
    await writeFile(pjFile, JSON.stringify(pj));
    await expect(cleanProject(project)).rejects.toThrow(
      `${victim}: not inside ${path.join(project, 'audio')}; not removed`,
    );
    expect(await readFile(victim, 'utf8')).toBe('x');
    expect(await audioFiles(project)).toEqual(['u0.wav', 'u1.wav']);
  });
});
