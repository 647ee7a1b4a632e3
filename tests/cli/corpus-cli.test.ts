import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { access, mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { burstsWav, toneWav } from '../corpus/helpers';

const TSX = path.resolve('node_modules/.bin/tsx');
const CLI = path.resolve('electron/cli/main.ts');
const ADAPT = path.resolve('../shared/data/bench/duke-india-adapt.jsonl');

function cli(args: string[]) {
  return spawnSync(TSX, [CLI, ...args], { encoding: 'utf8', timeout: 120_000 });
}

/** id -> text of a project's canonical manifest. */
async function transcripts(project: string): Promise<Map<string, string>> {
  const lines = (await readFile(path.join(project, 'manifest.jsonl'), 'utf8')).trim().split('\n');
  return new Map(lines.map((l) => JSON.parse(l)).map((o) => [o.id as string, o.text as string]));
}

describe('CLI import / export', () => {
  it('imports the Duke India adaptation set, exports it to Kaldi, re-imports the Kaldi folder with the same transcripts', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'corpus-cli-'));
    const p1 = path.join(dir, 'p1');
    const r1 = cli(['import', '--format', 'nemo', '--source', ADAPT, '--project', p1]);
    expect(r1.status, r1.stderr).toBe(0);
    expect(r1.stdout).toMatch(/^imported 8 utterances, skipped 0$/m);
    expect(r1.stdout).toContain(`project: ${p1}`);
    const t1 = await transcripts(p1);
    expect(t1.size).toBe(8);
    const source = (await readFile(ADAPT, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).text as string);
    expect([...t1.values()].sort()).toEqual(source.sort());

    const kaldi = path.join(dir, 'kaldi');
    const e = cli(['export', '--project', p1, '--format', 'kaldi', '--out', kaldi]);
    expect(e.status, e.stderr).toBe(0);
    expect(e.stdout).toMatch(/^exported 8 utterances to .*kaldi \(kaldi\), skipped 0$/m);
    for (const f of ['wav.scp', 'text', 'utt2spk', 'spk2utt', 'utt2accent'])
      await access(path.join(kaldi, f));

    const p2 = path.join(dir, 'p2');
    const r2 = cli(['import', '--format', 'kaldi', '--source', kaldi, '--project', p2]);
    expect(r2.status, r2.stderr).toBe(0);
    expect(r2.stdout).toMatch(/^imported 8 utterances, skipped 0$/m);
    expect(await transcripts(p2)).toEqual(t1);
    // exporting into a non-empty folder is refused
    const again = cli(['export', '--project', p1, '--format', 'kaldi', '--out', kaldi]);
    expect(again.status).toBe(1);
    expect(again.stderr.trim().split('\n').pop()).toBe(
      `error: ${kaldi}: export folder is not empty; choose a new folder`,
    );
  });

  it('a missing source folder: exit 1, a one-line reason naming it, no project created', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'corpus-cli-'));
    const missing = path.join(dir, 'no-such-folder');
    const project = path.join(dir, 'p');
    const r = cli(['import', '--format', 'kaldi', '--source', missing, '--project', project]);
    expect(r.status).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines.pop()).toBe(`error: ${missing}: folder not found`);
    await expect(access(project)).rejects.toThrow();
    const r2 = cli([
      'import',
      '--format',
      'plain-folder',
      '--source',
      missing,
      '--project',
      project,
      '--threshold-db',
      '-30',
    ]);
    expect(r2.status).toBe(1);
    expect(r2.stderr.trim().split('\n').pop()).toBe(
      'error: --min-silence-ms and --threshold-db need --split-silences',
    );
  });

  it('import --split-silences turns a long recording into segments with empty transcripts', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'corpus-cli-'));
    const src = path.join(dir, 'recordings');
    await import('node:fs/promises').then((fs) => fs.mkdir(src));
    await writeFile(path.join(src, 'session1.wav'), burstsWav());
    const project = path.join(dir, 'p');
    const r = cli([
      'import',
      '--format',
      'plain-folder',
      '--source',
      src,
      '--project',
      project,
      '--split-silences',
      '--min-silence-ms',
      '100',
      '--threshold-db',
      '-30',
    ]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^imported 4 utterances, skipped 0$/m);
    const lines = (await readFile(path.join(project, 'manifest.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.id, l.offset, l.duration, l.text])).toEqual([
      ['session1_0.90', 0.9, 1.2, ''],
      ['session1_2.90', 2.9, 1.7, ''],
      ['session1_4.60', 4.6, 1, ''],
      ['session1_7.90', 7.9, 1.2, ''],
    ]);
    expect(new Set(lines.map((l) => l.audio_filepath))).toEqual(new Set(['audio/session1.wav']));
  });

  it('the issue 14 recipe: an id "../../../../victim" is skipped on import and export writes nothing outside --out', async () => {
    const base = await mkdtemp(path.join(tmpdir(), 'corpus-cli-'));
    const root = path.join(base, 'r');
    const out = path.join(root, 'exports', 'x', 'out');
    const victim = path.join(base, 'victim.txt');
    await writeFile(victim, 'precious\n');
    await mkdir(path.join(root, 'src'), { recursive: true });
    await writeFile(path.join(root, 'src', 'a.wav'), toneWav(1));
    await writeFile(path.join(root, 'src', 'b.wav'), toneWav(2));
    const manifest = path.join(root, 'src', 'm.jsonl');
    await writeFile(
      manifest,
      '{"id":"../../../../victim","audio_filepath":"a.wav","text":"zero"}\n{"id":"b","audio_filepath":"b.wav","text":"one"}\n',
    );
    const project = path.join(root, 'p');
    const r = cli(['import', '--format', 'nemo', '--source', manifest, '--project', project]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.split('\n').slice(0, 2)).toEqual([
      'imported 1 utterance, skipped 1',
      `  skipped ${manifest}:1: utterance id "../../../../victim" cannot be a file name: it holds a path separator ("/" or "\\"); rename it in the source`,
    ]);
    const e = cli(['export', '--project', project, '--format', 'plain-folder', '--out', out]);
    expect(e.status, e.stderr).toBe(0);
    expect(e.stdout).toBe(`exported 1 utterances to ${out} (plain-folder), skipped 0\n`);
    expect(await readFile(victim, 'utf8')).toBe('precious\n');
    expect((await readdir(out)).sort()).toEqual(['b.txt', 'b.wav']);
  });

  it('clean --dry-run lists the leftovers of an interrupted import; clean removes them (issue 14 item 16)', async () => {
    const base = await mkdtemp(path.join(tmpdir(), 'corpus-cli-'));
    await mkdir(path.join(base, 'src'));
    await writeFile(path.join(base, 'src', 'a.wav'), toneWav(1));
    await writeFile(path.join(base, 'src', 'a.txt'), 'one');
    const project = path.join(base, 'p');
    expect(
      cli(['import', '--format', 'plain-folder', '--source', path.join(base, 'src'), '--project', project])
        .status,
    ).toBe(0);
    // What a kill during the copies leaves: a copy no record names and a partial temporary file.
    await writeFile(path.join(project, 'audio', 'b.wav'), toneWav(2));
    await writeFile(path.join(project, 'audio', '.c.wav.123.1700000000000.tmp'), 'RIFF');
    const dry = cli(['clean', '--project', project, '--dry-run']);
    expect(dry.status, dry.stderr).toBe(0);
    expect(dry.stdout).toBe(
      [
        '2 leftovers of interrupted imports',
        `  orphan ${path.join(project, 'audio', '.c.wav.123.1700000000000.tmp')}: temporary file left by an interrupted audio copy`,
        `  orphan ${path.join(project, 'audio', 'b.wav')}: audio file that neither project.json nor the manifest names (left by an interrupted import or take)`,
        '',
      ].join('\n'),
    );
    expect((await readdir(path.join(project, 'audio'))).sort()).toEqual([
      '.c.wav.123.1700000000000.tmp',
      'a.wav',
      'b.wav',
    ]);
    const r = cli(['clean', '--project', project]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('removed 2 files and 0 incomplete imports');
    expect(await readdir(path.join(project, 'audio'))).toEqual(['a.wav']);
  });
});
