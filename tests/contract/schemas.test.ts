import { describe, expect, it } from 'vitest';
import { InvalidRequestError, isOperation, parseRequest } from '../../electron/contract/schemas';
import { ADAPT_METHOD_NAMES, OPERATION_NAMES } from '../../electron/contract';
import { METHOD_NAMES } from '../../electron/engine/adapt/methods';

const adapt = {
  jobId: 'job-1',
  modelDir: '/m',
  adaptManifest: '/a.jsonl',
  testManifest: '/t.jsonl',
  runName: 'run-1',
};

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
    expect(() =>
      parseRequest('adapt', { ...adapt, runName: '../up', method: { epochs: 0, topLayers: 1.5 }, extra: 1 }),
    ).toThrow(InvalidRequestError);
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
    expect(() =>
      parseRequest('adapt', { ...adapt, decoder: { kind: 'greedy', grammarFile: 'g.txt' } }),
    ).toThrow(/need kind "beam"/);
    expect(() =>
      parseRequest('evaluate', {
        jobId: 'j',
        modelDir: '/m',
        testManifest: '/t',
        runName: 'r',
        decoder: { kind: 'beam', lmFromAdapt: true },
      }),
    ).toThrow(/decoder\.lmFromAdapt: .*needs an adaptation set/);
  });

  // That every operation has a schema, and that OPERATION_NAMES lists every operation, is checked at
  // compile time (`schemas ... satisfies { [K in OperationName]: ... }` in schemas.ts and
  // `EveryOperationListed` in the contract): `npm run typecheck` fails without them.
  it('validates every operation with its own schema; empty requests take {} or nothing', () => {
    for (const op of OPERATION_NAMES) {
      expect(isOperation(op)).toBe(true);
      let answer: unknown;
      try {
        answer = parseRequest(op, {});
      } catch (err) {
        // Operations with required fields refuse {} with their own name and the missing field's path.
        expect(err).toBeInstanceOf(InvalidRequestError);
        expect((err as Error).message).toMatch(new RegExp(`^${op}: invalid request: \\w+`));
        continue;
      }
      expect(answer).toEqual({});
    }
    expect(isOperation('noSuchOperation')).toBe(false);
    expect(isOperation('toString')).toBe(false);
    expect(parseRequest('listModels', undefined)).toEqual({});
    expect(() => parseRequest('listRuns', { x: 1 })).toThrow(/listRuns: invalid request: .*"x"/);
  });

  it('validates exportModel: run, optional project and the new folder name (NAME_PATTERN), nothing else', () => {
    expect(parseRequest('exportModel', { run: 'r1', name: 'e1' })).toEqual({ run: 'r1', name: 'e1' });
    expect(parseRequest('exportModel', { run: 'r1', project: 'p1', name: 'e1' })).toEqual({
      run: 'r1',
      project: 'p1',
      name: 'e1',
    });
    expect(() => parseRequest('exportModel', { run: 'r1', name: '../up' })).toThrow(
      /^exportModel: invalid request: name: name may hold only/,
    );
    expect(() => parseRequest('exportModel', { run: '.hidden', name: 'e' })).toThrow(
      /run: run may hold only/,
    );
    expect(() => parseRequest('exportModel', { run: 'r1', project: 'a/b', name: 'e' })).toThrow(
      /project: project may hold only/,
    );
    expect(() => parseRequest('exportModel', { run: 'r1' })).toThrow(/name: /);
    expect(() => parseRequest('exportModel', { run: 'r1', name: 'e', dest: '/tmp' })).toThrow(
      /Unrecognized key: "dest"/,
    );
    expect(parseRequest('readReport', { runName: 'r1', project: 'p1' })).toEqual({
      runName: 'r1',
      project: 'p1',
    });
    expect(() => parseRequest('readReport', { runName: 'r1', project: '..' })).toThrow(/project: /);
  });

  it('validates compareRuns (two run references) and readRunAudio (a run and an utterance id, never a path)', () => {
    expect(parseRequest('compareRuns', { a: { runName: 'r1' }, b: { runName: 'r2', project: 'p' } })).toEqual(
      {
        a: { runName: 'r1' },
        b: { runName: 'r2', project: 'p' },
      },
    );
    expect(() => parseRequest('compareRuns', { a: { runName: 'r1' } })).toThrow(
      /^compareRuns: invalid request: b: /,
    );
    expect(() => parseRequest('compareRuns', { a: { runName: '../r' }, b: { runName: 'r2' } })).toThrow(
      /a\.runName: runName may hold only/,
    );
    expect(parseRequest('readRunAudio', { runName: 'r1', id: '0_jackson_1' })).toEqual({
      runName: 'r1',
      id: '0_jackson_1',
    });
    expect(() => parseRequest('readRunAudio', { runName: 'r1', id: '' })).toThrow(/id: must not be empty/);
    expect(() => parseRequest('readRunAudio', { runName: 'r1', id: 'a', path: '/etc/passwd' })).toThrow(
      /Unrecognized key: "path"/,
    );
  });

  it('validates chooseFile: purpose manifest or folder, and a one-line title', () => {
    expect(parseRequest('chooseFile', { purpose: 'manifest', title: 'Adaptation manifest' })).toEqual({
      purpose: 'manifest',
      title: 'Adaptation manifest',
    });
    expect(parseRequest('chooseFile', { purpose: 'folder', title: ' Corpus folder ' })).toEqual({
      purpose: 'folder',
      title: 'Corpus folder',
    });
    expect(() => parseRequest('chooseFile', { purpose: 'file', title: 'x' })).toThrow(
      /purpose: must be "manifest" or "folder"/,
    );
    expect(() => parseRequest('chooseFile', { purpose: 'folder', title: '' })).toThrow(
      /title: must not be empty/,
    );
    expect(() => parseRequest('chooseFile', { purpose: 'folder', title: 'a\nb' })).toThrow(
      /title: must be one line/,
    );
    expect(() => parseRequest('chooseFile', { purpose: 'folder', title: 'x'.repeat(201) })).toThrow(
      /title: must be at most 200/,
    );
    expect(() => parseRequest('chooseFile', { purpose: 'folder', title: 't', defaultPath: '/' })).toThrow(
      /Unrecognized key: "defaultPath"/,
    );
  });

  describe('adaptation method settings', () => {
    const messageOf = (payload: unknown): string => {
      try {
        parseRequest('adapt', payload);
      } catch (err) {
        expect(err).toBeInstanceOf(InvalidRequestError);
        return (err as Error).message;
      }
      throw new Error('expected the request to be refused');
    };

    it('lists exactly the methods of the engine registry, in its order', () => {
      expect([...ADAPT_METHOD_NAMES]).toEqual(METHOD_NAMES);
    });

    it('accepts every method with the settings that apply, and returns them unchanged', () => {
      const common = {
        epochs: 2,
        fixedEpochs: 2,
        learningRate: 0.003,
        klWeight: 0.5,
        specAugment: true,
        speedPerturb: false,
        noiseSnrDb: 15,
        resplice: 0,
      };
      for (const method of ADAPT_METHOD_NAMES) {
        const req = { ...adapt, method: { method, ...common } };
        expect(parseRequest('adapt', req)).toEqual(req);
      }
      const full = {
        ...adapt,
        unlabelledManifest: '/u.jsonl',
        method: {
          method: 'adapters' as const,
          bottleneck: 16,
          ...common,
          pseudoRounds: 3,
          pseudoThreshold: 0.8,
        },
      };
      expect(parseRequest('adapt', full)).toEqual(full);
      expect(
        parseRequest('adapt', {
          ...adapt,
          method: { method: 'finetune', topLayers: 3, klWeight: 0, noiseSnrDb: -5 },
        }),
      ).toBeTruthy();
      expect(parseRequest('adapt', { ...adapt, method: { topLayers: 3 } })).toBeTruthy(); // no method = finetune
      expect(parseRequest('methods', {})).toEqual({});
    });

    it('refuses an unknown method, naming the field and the choices', () => {
      const m = messageOf({ ...adapt, method: { method: 'lora' } });
      expect(m).toMatch(
        /^adapt: invalid request: method\.method: must be one of "finetune", "new-head", "adapters", "lhuc", "input-transform"$/,
      );
    });

    it('refuses out-of-range and mistyped values, naming each field', () => {
      const m = messageOf({
        ...adapt,
        method: {
          method: 'adapters',
          bottleneck: 0,
          learningRate: 0,
          klWeight: -1,
          specAugment: 'yes',
          speedPerturb: 1,
          noiseSnrDb: 99,
          resplice: 1.5,
        },
      });
      expect(m).toMatch(/method\.bottleneck: .*>=1/);
      expect(m).toMatch(/method\.learningRate: .*>0/);
      expect(m).toMatch(/method\.klWeight: .*>=0/);
      expect(m).toMatch(/method\.specAugment: .*expected boolean/);
      expect(m).toMatch(/method\.speedPerturb: .*expected boolean/);
      expect(m).toMatch(/method\.noiseSnrDb: .*<=60/);
      expect(m).toMatch(/method\.resplice: .*int/);
      expect(messageOf({ ...adapt, method: { resplice: 21 } })).toMatch(/method\.resplice: .*<=20/);
      expect(messageOf({ ...adapt, method: { embeddingLayers: 6 } })).toMatch(
        /method\.embeddingLayers: .*<=5/,
      );
      expect(messageOf({ ...adapt, method: { embeddingLayers: 1.5 } })).toMatch(
        /method\.embeddingLayers: .*int/,
      );
      expect(messageOf({ ...adapt, method: { noiseSnrDb: Number.NaN } })).toMatch(/method\.noiseSnrDb: /);
      expect(
        messageOf({
          ...adapt,
          unlabelledManifest: '/u.jsonl',
          method: { pseudoRounds: 0, pseudoThreshold: 1.5 },
        }),
      ).toMatch(/method\.pseudoRounds: .*>=1.*; method\.pseudoThreshold: .*<=1/);
      expect(messageOf({ ...adapt, unlabelledManifest: '' })).toMatch(
        /unlabelledManifest: must not be empty/,
      );
    });

    it('refuses settings of another method and pseudo-label settings without unlabelled audio', () => {
      expect(messageOf({ ...adapt, method: { method: 'adapters', topLayers: 2 } })).toMatch(
        /method\.topLayers: applies to method "finetune" only, not "adapters"/,
      );
      expect(messageOf({ ...adapt, method: { bottleneck: 8 } })).toMatch(
        /method\.bottleneck: applies to method "adapters" only, not "finetune"/,
      );
      expect(messageOf({ ...adapt, method: { pseudoRounds: 2 } })).toMatch(
        /method\.pseudoRounds: needs unlabelledManifest/,
      );
    });

    it('unlabelledUse: one of three uses, with unlabelled audio; pseudo-label settings with "pseudo-labels" only', () => {
      const u = { ...adapt, unlabelledManifest: '/u.jsonl' };
      for (const use of ['pseudo-labels', 'statistics', 'none'] as const)
        expect(parseRequest('adapt', { ...u, method: { unlabelledUse: use } }).method).toEqual({
          unlabelledUse: use,
        });
      expect(messageOf({ ...u, method: { unlabelledUse: 'labels' } })).toMatch(
        /method\.unlabelledUse: must be one of "pseudo-labels", "statistics", "none"/,
      );
      expect(messageOf({ ...adapt, method: { unlabelledUse: 'statistics' } })).toMatch(
        /method\.unlabelledUse: needs unlabelledManifest \(unlabelled audio to use\)/,
      );
      expect(messageOf({ ...u, method: { unlabelledUse: 'none', pseudoRounds: 2 } })).toMatch(
        /method\.pseudoRounds: applies to unlabelledUse "pseudo-labels" only, not "none"/,
      );
      const fromProject = {
        jobId: adapt.jobId,
        modelDir: adapt.modelDir,
        fromProject: 'p1',
        runName: adapt.runName,
        method: { unlabelledUse: 'statistics' },
      };
      expect(parseRequest('adapt', fromProject)).toEqual(fromProject);
    });
  });
});
