/** Contract schemas of the project operations (create/open/import) and of saveTake. */
import { describe, expect, it } from 'vitest';
import { InvalidRequestError, MAX_TAKE_BASE64_CHARS, parseRequest } from '../../electron/contract/schemas';
import { IMPORT_FORMAT_NAMES, TAKE_LIMITS } from '../../electron/contract';
import { FORMAT_NAMES } from '../../electron/engine/corpus';

const messageOf = (op: Parameters<typeof parseRequest>[0], payload: unknown): string => {
  try {
    parseRequest(op, payload);
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidRequestError);
    return (err as Error).message;
  }
  throw new Error('expected the request to be refused');
};

const b64 = (samples: number[]): string => {
  const buf = Buffer.alloc(samples.length * 4);
  samples.forEach((v, i) => buf.writeFloatLE(v, i * 4));
  return buf.toString('base64');
};

const take = {
  project: 'p1',
  promptText: 'one two three',
  speaker: 'spk1',
  accent: 'de',
  sampleRateHz: 48000,
  samples: b64([0, 0.5, -0.5, 0.25]),
};

describe('project operations', () => {
  it('accepts project names and refuses names that could leave the projects root', () => {
    expect(parseRequest('createProject', { name: 'swabian-digits_1.0' })).toEqual({
      name: 'swabian-digits_1.0',
    });
    expect(parseRequest('openProject', { name: 'p1' })).toEqual({ name: 'p1' });
    for (const bad of ['../up', '.hidden', 'a/b', 'a\\b', '', 'x'.repeat(65), '/abs']) {
      expect(messageOf('createProject', { name: bad })).toMatch(
        /^createProject: invalid request: name: name may hold only letters, digits/,
      );
      expect(messageOf('openProject', { name: bad })).toMatch(/^openProject: invalid request: name: /);
    }
    expect(messageOf('createProject', {})).toMatch(/name: /);
    expect(messageOf('openProject', { name: 'p', dir: '/x' })).toMatch(/Unrecognized key: "dir"/);
    expect(parseRequest('listProjects', undefined)).toEqual({});
  });

  it('import: the format list equals the engine registry; bad format, project and source are named', () => {
    expect([...IMPORT_FORMAT_NAMES].sort()).toEqual([...FORMAT_NAMES].sort());
    const ok = { project: 'p1', format: 'kaldi', source: '/data/kaldi/train' };
    expect(parseRequest('importIntoProject', ok)).toEqual(ok);
    const m = messageOf('importIntoProject', { project: '../p', format: 'mp4', source: '' });
    expect(m).toMatch(/^importIntoProject: invalid request: /);
    expect(m).toContain('project: project may hold only letters, digits');
    expect(m).toMatch(
      /format: must be one of "nemo", "hf-audiofolder", "common-voice", "kaldi", "plain-folder"/,
    );
    expect(m).toContain('source: must not be empty');
  });
});

describe('saveTake', () => {
  it('accepts a valid take (speaker and accent trimmed, may be empty)', () => {
    expect(parseRequest('saveTake', take)).toEqual(take);
    expect(parseRequest('saveTake', { ...take, speaker: '  s ', accent: '' })).toMatchObject({
      speaker: 's',
      accent: '',
    });
    expect(parseRequest('saveTake', { ...take, promptText: '  hello  ' }).promptText).toBe('hello');
  });

  it('a re-recording names the take it replaces; restoreTake takes a line, its index and the take to discard', () => {
    expect(parseRequest('saveTake', { ...take, replaces: 'take-0001' }).replaces).toBe('take-0001');
    expect(messageOf('saveTake', { ...take, replaces: '' })).toContain('replaces: must not be empty');
    const line = '{"audio_filepath":"audio/take-0001.wav","duration":1,"text":"one"}';
    const req = { project: 'p1', line, index: 0, discard: 'take-0002' };
    expect(parseRequest('restoreTake', req)).toEqual(req);
    expect(messageOf('restoreTake', { ...req, discard: 'a\nb' })).toContain(
      'discard: must not contain control characters',
    );
    expect(messageOf('restoreTake', { ...req, line: `${line}\n${line}` })).toContain(
      'line: must be one line',
    );
    expect(messageOf('restoreTake', { project: 'p1', line, index: 0 })).toMatch(/discard: /);
  });

  it('refuses bad sample rates with the limits in the message', () => {
    expect(messageOf('saveTake', { ...take, sampleRateHz: 4000 })).toContain(
      `sampleRateHz: must be at least ${TAKE_LIMITS.minSampleRateHz} Hz`,
    );
    expect(messageOf('saveTake', { ...take, sampleRateHz: 384000 })).toContain(
      `sampleRateHz: must be at most ${TAKE_LIMITS.maxSampleRateHz} Hz`,
    );
    expect(messageOf('saveTake', { ...take, sampleRateHz: 44100.5 })).toContain(
      'sampleRateHz: must be a whole number of Hz',
    );
    expect(messageOf('saveTake', { ...take, sampleRateHz: '48000' })).toMatch(
      /sampleRateHz: .*expected number/,
    );
  });

  it('refuses empty, non-base64, partial-sample and too long payloads', () => {
    expect(messageOf('saveTake', { ...take, samples: '' })).toContain('samples: must not be empty');
    expect(messageOf('saveTake', { ...take, samples: 'not base64!' })).toContain('samples: must be base64');
    // 6 bytes: one and a half samples.
    expect(messageOf('saveTake', { ...take, samples: Buffer.alloc(6).toString('base64') })).toContain(
      'samples: holds 6 bytes, not a whole number of Float32 samples',
    );
    // 2 s at 8 kHz is fine; more than the limit at that rate is not.
    const tooLong = Buffer.alloc((TAKE_LIMITS.maxSeconds * 8000 + 4) * 4).toString('base64');
    expect(messageOf('saveTake', { ...take, sampleRateHz: 8000, samples: tooLong })).toMatch(
      new RegExp(`samples: is 60\\.0 s long at 8000 Hz; a take may be at most ${TAKE_LIMITS.maxSeconds} s`),
    );
    expect(messageOf('saveTake', { ...take, samples: 'A'.repeat(MAX_TAKE_BASE64_CHARS + 4) })).toContain(
      'samples: is too large',
    );
  });

  it('refuses a missing project, an empty or multi-line prompt, long labels and unknown fields', () => {
    const m = messageOf('saveTake', {
      ...take,
      project: '..',
      promptText: '   ',
      speaker: 'x'.repeat(65),
      extra: true,
    });
    expect(m).toContain('project: project may hold only letters, digits');
    expect(m).toContain('promptText: must not be empty');
    expect(m).toContain('speaker: must be at most 64 characters');
    expect(m).toContain('Unrecognized key: "extra"');
    expect(messageOf('saveTake', { ...take, promptText: 'one\ntwo' })).toContain(
      'promptText: must be one line',
    );
    expect(messageOf('saveTake', { ...take, accent: 'a\tb' })).toContain(
      'accent: must not contain control characters',
    );
    const { sampleRateHz: _r, ...noRate } = take;
    void _r;
    expect(messageOf('saveTake', noRate)).toMatch(/sampleRateHz: /);
  });
});

describe('project data operations (Data screen) and adapting from a project', () => {
  it('editUtterances: trims text and labels, needs a change, names bad splits, ids and fields', () => {
    expect(
      parseRequest('editUtterances', { project: 'p1', ids: ['a', 'b'], changes: { split: 'test' } }),
    ).toEqual({ project: 'p1', ids: ['a', 'b'], changes: { split: 'test' } });
    expect(
      parseRequest('editUtterances', {
        project: 'p1',
        ids: ['a'],
        changes: { text: '  eins zwei ', speaker: ' s ', accent: '' },
      }).changes,
    ).toEqual({
      text: 'eins zwei',
      speaker: 's',
      accent: '',
    });
    expect(
      parseRequest('editUtterances', { project: 'p1', ids: ['a'], changes: { text: '' } }).changes,
    ).toEqual({ text: '' });
    expect(messageOf('editUtterances', { project: 'p1', ids: ['a'], changes: {} })).toContain(
      'changes: must change at least one of text, speaker, accent, split',
    );
    expect(messageOf('editUtterances', { project: 'p1', ids: ['a'], changes: { split: 'train' } })).toContain(
      'changes.split: must be one of "adapt", "test", "unlabelled"',
    );
    expect(messageOf('editUtterances', { project: 'p1', ids: [], changes: { split: 'test' } })).toContain(
      'ids: must name at least one utterance',
    );
    expect(
      messageOf('editUtterances', { project: 'p1', ids: ['a', 'a'], changes: { split: 'test' } }),
    ).toContain('ids: must not repeat an id');
    expect(
      messageOf('editUtterances', { project: 'p1', ids: ['a'], changes: { text: 'one\ntwo' } }),
    ).toContain('changes.text: must be one line');
    expect(messageOf('editUtterances', { project: 'p1', ids: ['a'], changes: { duration: 3 } })).toContain(
      'Unrecognized key: "duration"',
    );
    expect(
      messageOf('editUtterances', {
        project: '../p',
        ids: ['a\u0000'],
        changes: { speaker: 'x'.repeat(65) },
      }),
    ).toMatch(
      /project: project may hold only.*ids\.0: must not contain control characters.*changes\.speaker: must be at most 64 characters/,
    );
  });

  it('deleteUtterance / restoreUtterance: one id; one line and a whole index', () => {
    expect(parseRequest('deleteUtterance', { project: 'p1', id: '0_yweweler_0' })).toEqual({
      project: 'p1',
      id: '0_yweweler_0',
    });
    expect(messageOf('deleteUtterance', { project: 'p1', id: '' })).toContain('id: must not be empty');
    const line = '{"id":"a","audio_filepath":"audio/a.wav","text":"x"}';
    expect(parseRequest('restoreUtterance', { project: 'p1', line, index: 3 })).toEqual({
      project: 'p1',
      line,
      index: 3,
    });
    expect(messageOf('restoreUtterance', { project: 'p1', line: `${line}\n${line}`, index: 0 })).toContain(
      'line: must be one line',
    );
    expect(messageOf('restoreUtterance', { project: 'p1', line, index: -1 })).toMatch(/index: /);
    expect(messageOf('restoreUtterance', { project: 'p1', line, index: 1.5 })).toContain(
      'index: must be a whole number',
    );
  });

  it('readProjectAudio: project-relative paths only', () => {
    expect(parseRequest('readProjectAudio', { project: 'p1', path: 'audio/take-0001.wav' })).toEqual({
      project: 'p1',
      path: 'audio/take-0001.wav',
    });
    for (const bad of ['../secret.wav', 'audio/../../x.wav', 'audio\\..\\..\\x.wav', '..']) {
      expect(messageOf('readProjectAudio', { project: 'p1', path: bad })).toContain(
        'path: must not leave the project folder',
      );
    }
    for (const bad of ['/etc/passwd', '\\\\server\\share\\a.wav', 'C:\\a.wav', 'c:/a.wav']) {
      expect(messageOf('readProjectAudio', { project: 'p1', path: bad })).toContain(
        'path: must be relative to the project folder',
      );
    }
    expect(messageOf('readProjectAudio', { project: 'p1', path: '' })).toContain('path: must not be empty');
  });

  it('adapt: fromProject replaces the adaptation, test and unlabelled manifests', () => {
    const base = { jobId: 'j', modelDir: '/m', runName: 'r' };
    expect(parseRequest('adapt', { ...base, fromProject: 'p1', method: { epochs: 2 } })).toEqual({
      ...base,
      fromProject: 'p1',
      method: { epochs: 2 },
    });
    // Pseudo-label settings are allowed: the project's unlabelled split is the unlabelled audio.
    expect(parseRequest('adapt', { ...base, fromProject: 'p1', method: { pseudoRounds: 1 } }).method).toEqual(
      { pseudoRounds: 1 },
    );
    const both = messageOf('adapt', {
      ...base,
      fromProject: 'p1',
      adaptManifest: '/a',
      testManifest: '/t',
      unlabelledManifest: '/u',
    });
    expect(both).toContain('adaptManifest: must be absent with fromProject');
    expect(both).toContain('testManifest: must be absent with fromProject');
    expect(both).toContain('unlabelledManifest: must be absent with fromProject');
    const neither = messageOf('adapt', base);
    expect(neither).toContain('adaptManifest: is required (or adapt fromProject)');
    expect(neither).toContain('testManifest: is required (or adapt fromProject)');
    expect(messageOf('adapt', { ...base, fromProject: '../p' })).toContain(
      'fromProject: fromProject may hold only letters',
    );
  });
});
