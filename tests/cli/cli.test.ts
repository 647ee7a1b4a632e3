import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

const TSX = path.resolve('node_modules/.bin/tsx');
const CLI = path.resolve('electron/cli/main.ts');

function cli(args: string[]) {
  return spawnSync(TSX, [CLI, ...args], { encoding: 'utf8', timeout: 120_000 });
}

describe('CLI', () => {
  it('evaluate prints a WER table and writes report.json with the documented fields', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'cli-'));
    const bench = path.resolve('../shared/data/bench');
    const lines = (await readFile(path.join(bench, 'duke-us-control-test.jsonl'), 'utf8')).trim().split('\n');
    const manifest = path.join(dir, 'm.jsonl');
    await writeFile(
      manifest,
      lines
        .map((l) => ({ ...JSON.parse(l), audio_filepath: path.resolve(bench, JSON.parse(l).audio_filepath) }))
        .map((o) => JSON.stringify(o))
        .join('\n'),
    );
    const r = cli([
      'evaluate',
      '--model',
      'models/digits-base',
      '--test',
      manifest,
      '--out',
      path.join(dir, 'out'),
    ]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/│ test\s+│ \d+\.\d\d% │/);
    const report = JSON.parse(await readFile(path.join(dir, 'out', 'report.json'), 'utf8'));
    expect(report.backend).toBe('wasm');
    expect(report.model.name).toBe('digits-base');
    expect(report.test.before.reference_words).toBe(30);
    for (const k of ['wer', 'substitutions', 'deletions', 'insertions', 'reference_words'])
      expect(report.test.before).toHaveProperty(k);
    expect(report.test.after).toBeUndefined();
    expect(report.utterances).toHaveLength(3);
    expect(report.seconds.total).toBeGreaterThan(0);
    // refuses to overwrite an earlier result
    const again = cli([
      'evaluate',
      '--model',
      'models/digits-base',
      '--test',
      manifest,
      '--out',
      path.join(dir, 'out'),
    ]);
    expect(again.status).not.toBe(0);
    expect(again.stderr).toMatch(/already holds a finished run; choose a new --out folder/);
  });

  it('adapt --unlabelled-use none: the unlabelled set is ignored (report: unlabelled_use, no pseudo-labels); a bad use is refused', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'cli-'));
    const bench = path.resolve('../shared/data/bench');
    const slice = async (name: string, keep: (i: number) => boolean, out: string, text?: string) => {
      const lines = (await readFile(path.join(bench, name), 'utf8')).trim().split('\n');
      const file = path.join(dir, out);
      await writeFile(
        file,
        lines
          .filter((_, i) => keep(i))
          .map((l) => JSON.parse(l))
          .map((o) => ({
            ...o,
            audio_filepath: path.resolve(bench, o.audio_filepath),
            ...(text === undefined ? {} : { text }),
          }))
          .map((o) => JSON.stringify(o))
          .join('\n') + '\n',
      );
      return file;
    };
    const adaptM = await slice('fsdd-german-adapt.jsonl', (i) => i % 10 === 0, 'a.jsonl');
    const unl = await slice('fsdd-german-adapt.jsonl', (i) => i % 10 === 1, 'u.jsonl', '');
    const testM = await slice('fsdd-german-test.jsonl', (i) => i % 25 === 0, 't.jsonl');
    const args = [
      'adapt',
      '--model',
      'models/digits-base',
      '--adapt',
      adaptM,
      '--unlabelled',
      unl,
      '--test',
      testM,
      '--epochs',
      '1',
    ];
    const r = cli([...args, '--unlabelled-use', 'none', '--out', path.join(dir, 'out')]);
    expect(r.stderr).not.toMatch(/error/);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^adaptation: finetune .*, unlabelled audio ignored: /m);
    const report = JSON.parse(await readFile(path.join(dir, 'out', 'report.json'), 'utf8'));
    expect(report.adaptation).toMatchObject({
      unlabelled_use: 'none',
      unlabelled_utterances: 0,
      pseudo_labels: [],
      labelled_utterances: 5,
      training_utterances: 5,
    });
    const bad = cli([...args, '--unlabelled-use', 'labels', '--out', path.join(dir, 'bad')]);
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(
      /option '--unlabelled-use <use>' argument 'labels' is invalid\. one of pseudo-labels, statistics, none/,
    );
  });

  it('bad input: non-zero exit and a one-line reason naming the file', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'cli-'));
    const missing = path.join(dir, 'nope.jsonl');
    const r = cli([
      'evaluate',
      '--model',
      'models/digits-base',
      '--test',
      missing,
      '--out',
      path.join(dir, 'o'),
    ]);
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n').pop()).toBe(`error: ${missing}: manifest not found`);
    const badAudio = path.join(dir, 'bad.jsonl');
    await writeFile(path.join(dir, 'x.wav'), 'garbage');
    await writeFile(badAudio, JSON.stringify({ audio_filepath: 'x.wav', duration: 1, text: 'one' }) + '\n');
    const r2 = cli([
      'evaluate',
      '--model',
      'models/digits-base',
      '--test',
      badAudio,
      '--out',
      path.join(dir, 'o2'),
    ]);
    expect(r2.status).toBe(1);
    expect(r2.stderr).toContain(`${path.join(dir, 'x.wav')}: unknown audio format`);
    const oov = path.join(dir, 'oov.jsonl');
    await writeFile(
      oov,
      JSON.stringify({
        audio_filepath: path.resolve('../shared/data/fsdd/recordings/0_yweweler_0.wav'),
        duration: 1,
        text: 'zero hundred',
      }) + '\n',
    );
    const r3 = cli([
      'adapt',
      '--model',
      'models/digits-base',
      '--adapt',
      oov,
      '--test',
      oov,
      '--out',
      path.join(dir, 'o3'),
    ]);
    expect(r3.status).toBe(1);
    expect(r3.stderr).toContain('words not in the model\'s token inventory: "hundred"');
    const r5 = cli(['train-base', '--out', 'models/digits-base']);
    expect(r5.status).toBe(1);
    expect(r5.stderr).toContain('models/digits-base: already exists; a model folder is never overwritten');
    const r6 = cli([
      'adapt',
      '--model',
      'models/digits-base',
      '--adapt',
      oov,
      '--test',
      oov,
      '--out',
      path.join(dir, 'o6'),
      '--epochs',
      '-3',
    ]);
    expect(r6.status).not.toBe(0);
    expect(r6.stderr).toContain('--epochs must be an integer from 1 to 500');
    const r7 = cli([
      'adapt',
      '--model',
      'models/digits-base',
      '--adapt',
      oov,
      '--test',
      oov,
      '--out',
      path.join(dir, 'o7'),
      '--resplice',
      '1.5',
    ]);
    expect(r7.status).not.toBe(0);
    expect(r7.stderr).toContain('--resplice must be an integer from 0 to 20');
    // The same range as the API's schema and the Adapt screen (contract METHOD_LIMITS): 21 is refused too.
    const r8 = cli([
      'adapt',
      '--model',
      'models/digits-base',
      '--adapt',
      oov,
      '--test',
      oov,
      '--out',
      path.join(dir, 'o8'),
      '--resplice',
      '21',
    ]);
    expect(r8.status).not.toBe(0);
    expect(r8.stderr).toContain('--resplice must be an integer from 0 to 20');
    const r4 = cli([
      'evaluate',
      '--model',
      path.join(dir, 'no-model'),
      '--test',
      oov,
      '--out',
      path.join(dir, 'o4'),
    ]);
    expect(r4.status).toBe(1);
    expect(r4.stderr).toMatch(/not a model folder \(card\.json is missing\)/);
  });
});
