import { describe, expect, it } from 'vitest';
import { InvalidRequestError, parseRequest } from '../../electron/contract/schemas';
import { OPERATION_NAMES } from '../../electron/contract';

const adapt = { jobId: 'job-1', modelDir: '/m', adaptManifest: '/a.jsonl', testManifest: '/t.jsonl', runName: 'run-1' };

describe('contract request schemas (shared by IPC and browser mode)', () => {
  it('accepts a full adapt request and returns it unchanged', () => {
    const req = {
      ...adapt,
      sourceTestManifest: '/s.jsonl',
      method: { topLayers: 2, epochs: 3, learningRate: 0.0005 },
      decoder: { kind: 'beam' as const, beamWidth: 8, grammarFile: 'g.txt', lmFromAdapt: true },
    };
    expect(parseRequest('adapt', req)).toEqual(req);
  });

  it('names every problem with its path', () => {
    expect(() => parseRequest('adapt', { ...adapt, runName: '../up', method: { epochs: 0, topLayers: 1.5 }, extra: 1 })).toThrow(InvalidRequestError);
    try {
      parseRequest('adapt', { ...adapt, runName: '../up', method: { epochs: 0, topLayers: 1.5 }, extra: 1 });
    } catch (err) {
      const m = (err as Error).message;
      expect(m).toMatch(/^adapt: invalid request: /);
      expect(m).toContain('runName: runName may hold only letters, digits');
      expect(m).toMatch(/method\.epochs: .*>=1/);
      expect(m).toMatch(/method\.topLayers: .*expected int/);
      expect(m).toMatch(/Unrecognized key: "extra"/);
    }
  });

  it('refuses beam-only decoder settings with the greedy decoder, and an adaptation LM for evaluate', () => {
    expect(() => parseRequest('adapt', { ...adapt, decoder: { kind: 'greedy', grammarFile: 'g.txt' } })).toThrow(/need kind "beam"/);
    expect(() => parseRequest('evaluate', { jobId: 'j', modelDir: '/m', testManifest: '/t', runName: 'r', decoder: { kind: 'beam', lmFromAdapt: true } })).toThrow(
      /decoder\.lmFromAdapt: .*needs an adaptation set/,
    );
  });

  it('has a schema for every operation; empty requests take {} or nothing', () => {
    for (const op of OPERATION_NAMES) expect(() => parseRequest(op, {})).not.toThrow(/no schema/);
    expect(parseRequest('listModels', undefined)).toEqual({});
    expect(() => parseRequest('listRuns', { x: 1 })).toThrow(/listRuns: invalid request: .*"x"/);
  });
});
