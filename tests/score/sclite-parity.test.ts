/**
 * Parity with NIST sclite (Debian package sctk): a generated corpus of random reference/hypothesis
 * pairs (varied lengths, empty strings, repeated words) is scored by our scorer and by sclite; N, S,
 * D, I must be identical per utterance and pooled. .ci/run installs sctk when it is missing; on a
 * developer machine without it the test is skipped with a notice.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { align } from '../../electron/engine/score/align';
import { seededRandom } from '../../electron/engine/model/batch';

const hasSclite = spawnSync('sctk', ['sclite', '-h'], { encoding: 'utf8' }).error === undefined;
if (!hasSclite) console.warn('sclite parity test skipped: install Debian package sctk');

function corpus(n: number, seed: number): { ref: string[]; hyp: string[] }[] {
  const rand = seededRandom(seed);
  const vocab = ['one', 'two', 'three', 'oh', 'zero', 'five', 'double', 'nine'];
  const word = () => vocab[Math.floor(rand() * vocab.length)];
  const out: { ref: string[]; hyp: string[] }[] = [];
  for (let k = 0; k < n; k++) {
    const len = k % 17 === 0 ? 0 : Math.floor(rand() * 14);
    const ref = Array.from({ length: len }, word);
    let hyp: string[];
    const mode = rand();
    if (mode < 0.1) hyp = [];
    else if (mode < 0.25) hyp = Array.from({ length: Math.floor(rand() * 14) }, word);
    else {
      hyp = [];
      for (const w of ref) {
        const r = rand();
        if (r < 0.1) continue; // deletion
        if (r < 0.25)
          hyp.push(word()); // substitution (or accidental hit)
        else hyp.push(w);
        if (rand() < 0.1) hyp.push(word()); // insertion
      }
      if (rand() < 0.2 && hyp.length > 2) {
        const i = Math.floor(rand() * (hyp.length - 1));
        [hyp[i], hyp[i + 1]] = [hyp[i + 1], hyp[i]];
      }
    }
    out.push({ ref, hyp });
  }
  return out;
}

describe.skipIf(!hasSclite && !process.env.CI)('parity with sclite', () => {
  it('S, D, I and N per utterance and pooled equal sclite on 400 random pairs', () => {
    const pairs = corpus(400, 7);
    const dir = mkdtempSync(path.join(tmpdir(), 'sclite-'));
    const trn = (side: 'ref' | 'hyp') =>
      pairs.map((p, i) => `${p[side].join(' ')} (spk${i % 7}-utt${i})`).join('\n') + '\n';
    writeFileSync(path.join(dir, 'ref.trn'), trn('ref'));
    writeFileSync(path.join(dir, 'hyp.trn'), trn('hyp'));
    const r = spawnSync(
      'sctk',
      [
        'sclite',
        '-r',
        path.join(dir, 'ref.trn'),
        'trn',
        '-h',
        path.join(dir, 'hyp.trn'),
        'trn',
        '-i',
        'rm',
        '-o',
        'sgml',
        'stdout',
      ],
      {
        encoding: 'utf8',
        maxBuffer: 64 << 20,
      },
    );
    expect(r.status).toBe(0);
    const sclite = new Map<number, { S: number; D: number; I: number; N: number }>();
    for (const m of r.stdout.matchAll(
      /<PATH id="\(spk\d+-utt(\d+)\)" word_cnt="(\d+)"[^>]*>\n([^<]*)<\/PATH>/g,
    )) {
      const ops = m[3].trim()
        ? m[3]
            .trim()
            .split(':')
            .map((e) => e[0])
        : [];
      const c = (op: string) => ops.filter((o) => o === op).length;
      sclite.set(Number(m[1]), { S: c('S'), D: c('D'), I: c('I'), N: c('C') + c('S') + c('D') });
    }
    expect(sclite.size).toBe(pairs.length);
    const total = { ours: [0, 0, 0, 0], sclite: [0, 0, 0, 0] };
    let mismatches = 0;
    pairs.forEach((p, i) => {
      const a = align(p.ref, p.hyp);
      const s = sclite.get(i)!;
      const ours = [a.substitutions, a.deletions, a.insertions, a.referenceWords];
      const theirs = [s.S, s.D, s.I, s.N];
      if (ours.join() !== theirs.join()) mismatches++;
      ours.forEach((v, k) => (total.ours[k] += v));
      theirs.forEach((v, k) => (total.sclite[k] += v));
    });
    expect(mismatches).toBe(0);
    expect(total.ours).toEqual(total.sclite);
    expect(total.ours[3]).toBeGreaterThan(1500);
  });
});
