import { describe, expect, it } from 'vitest';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readReportFile } from '../../electron/host/catalog';
import { REPORT_VERSION } from '../../electron/engine/score/report';
import { snakeCase, snakeKeys } from '../../electron/engine/util/case';

describe('report versions', () => {
  it('snake_case keys: one rule for names with capitals, digits and already snake names', () => {
    expect(
      ['heldOutLoss', 'numTensors', 'beam_width', 'cmvn', 'noiseSnrDb', 'top4Layers'].map(snakeCase),
    ).toEqual(['held_out_loss', 'num_tensors', 'beam_width', 'cmvn', 'noise_snr_db', 'top4_layers']);
    expect(
      snakeKeys({
        epochLog: [{ trainLoss: 1, heldOutLoss: null }],
        heldOutIds: ['uttA', 'uttB'],
        note: 'camelCase value kept',
      }),
    ).toEqual({
      epoch_log: [{ train_loss: 1, held_out_loss: null }],
      held_out_ids: ['uttA', 'uttB'],
      note: 'camelCase value kept',
    });
  });

  it('reads a version 1 report (camelCase adaptation block and LM tuning) as the current version', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'report-v1-'));
    const file = path.join(dir, 'report.json');
    const v1 = {
      format: 'accent-studio-report',
      version: 1,
      command: 'adapt',
      adaptation: {
        method: 'finetune',
        methodSummary: 'fine-tune the top N weight layers',
        topLayers: 4,
        trainableParams: 249203,
        epochLog: [{ epoch: 1, trainLoss: 2.5, heldOutLoss: 1.25, seconds: 0.5, numTensors: 40 }],
        renormalization: {
          statisticsFrom: 'unlabelled set',
          utterances: 50,
          cmvn: true,
          batchNormLayers: ['bn1'],
        },
        heldOutIds: ['u1'],
      },
      decoder: {
        kind: 'beam',
        beam_width: 8,
        tuning: { lmWeight: 0.5, wordBonus: 1, grid: [{ lmWeight: 0, wordBonus: 0, wer: 0.25 }] },
      },
    };
    await writeFile(file, JSON.stringify(v1));
    const r = await readReportFile(file);
    expect(r.version).toBe(REPORT_VERSION);
    expect(r.adaptation).toEqual({
      method: 'finetune',
      method_summary: 'fine-tune the top N weight layers',
      top_layers: 4,
      trainable_params: 249203,
      epoch_log: [{ epoch: 1, train_loss: 2.5, held_out_loss: 1.25, seconds: 0.5, num_tensors: 40 }],
      renormalization: {
        statistics_from: 'unlabelled set',
        utterances: 50,
        cmvn: true,
        batch_norm_layers: ['bn1'],
      },
      held_out_ids: ['u1'],
    });
    expect(r.decoder).toEqual({
      kind: 'beam',
      beam_width: 8,
      tuning: { lm_weight: 0.5, word_bonus: 1, grid: [{ lm_weight: 0, word_bonus: 0, wer: 0.25 }] },
    });
  });

  it('refuses a report newer than this program reads, naming the file', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'report-v9-'));
    const file = path.join(dir, 'report.json');
    await writeFile(file, JSON.stringify({ format: 'accent-studio-report', version: REPORT_VERSION + 1 }));
    await expect(readReportFile(file)).rejects.toThrow(
      `${file}: report version ${REPORT_VERSION + 1} is not one this program reads (up to ${REPORT_VERSION})`,
    );
  });
});
