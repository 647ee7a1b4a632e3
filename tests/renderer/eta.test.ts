/**
 * The whole-job ETA of the Adapt screen (renderer/src/lib/eta.ts), fed the events an adaptation job
 * sends, in the engine's order and wording (electron/engine/adapt/train.ts epoch messages).
 */
import { describe, expect, it } from 'vitest';
import { EARLY_STOP_PATIENCE, JobEta } from '../../renderer/src/lib/eta';
import { DEFAULT_ADAPT } from '../../electron/engine/adapt/job';
import type { JobProgress } from '../../electron/contract';

const ev = (
  phase: 'features' | 'evaluate' | 'train',
  label: string,
  done: number,
  total: number,
  message?: string,
) => ({ jobId: 'j', phase, label, done, total, ...(message ? { message } : {}) }) as JobProgress;

/** Features (1 s), scoring 20 test utterances at 0.5 s each, then `steps` training steps at 2 s each. */
function start(eta: JobEta): number {
  let t = 0;
  eta.update(ev('features', 'test', 0, 20), t);
  eta.update(ev('features', 'test', 20, 20), (t += 1));
  eta.update(ev('evaluate', 'test', 0, 20), t);
  for (let i = 1; i <= 20; i++) eta.update(ev('evaluate', 'test', i, 20), (t += 0.5));
  return t;
}

describe('JobEta: one estimate for the whole adaptation job', () => {
  it('uses the engine default patience', () => {
    expect(EARLY_STOP_PATIENCE).toBe(DEFAULT_ADAPT.patience);
  });

  it('is null until an epoch has run, then counts training to its expected end plus the scoring after it', () => {
    const eta = new JobEta(40);
    let t = start(eta);
    expect(eta.remaining()).toBeNull();
    // 40 max epochs x 5 steps; 2 s a step; epoch 1's held-out loss 1.5.
    for (let s = 1; s <= 5; s++) {
      eta.update(ev('train', 'adapters', s, 200), (t += 2));
      if (s < 5) expect(eta.remaining()).toBeNull(); // steps per epoch not known yet
    }
    eta.update(
      ev('train', 'adapters', 5, 200, 'epoch 1: train loss 2.0000, held-out loss 1.5000 (10.0 s)'),
      t,
    );
    // Early stopping: best epoch 1, so at most epoch 1 + 6 = 7: (35 - 5) steps x 2 s, then 20 x 0.5 s scoring.
    expect(eta.remaining()).toBeCloseTo(30 * 2 + 10, 9);
    for (let s = 6; s <= 10; s++) eta.update(ev('train', 'adapters', s, 200), (t += 2));
    eta.update(
      ev('train', 'adapters', 10, 200, 'epoch 2: train loss 1.0000, held-out loss 1.2000 (10.0 s)'),
      t,
    );
    // A better held-out loss at epoch 2 moves the expected end to epoch 8: 40 - 10 = 30 steps.
    expect(eta.remaining()).toBeCloseTo(30 * 2 + 10, 9);
    for (let s = 11; s <= 15; s++) eta.update(ev('train', 'adapters', s, 200), (t += 2));
    eta.update(
      ev('train', 'adapters', 15, 200, 'epoch 3: train loss 0.9000, held-out loss 1.3000 (10.0 s)'),
      t,
    );
    expect(eta.remaining()).toBeCloseTo(25 * 2 + 10, 9); // still epoch 8
    // Stopped early: the scoring pass after training, 12 of 20 done at 0.5 s each.
    eta.update(ev('train', 'adapters', 15, 15), t);
    eta.update(ev('evaluate', 'test', 0, 20), t);
    for (let i = 1; i <= 12; i++) eta.update(ev('evaluate', 'test', i, 20), (t += 0.5));
    expect(eta.remaining()).toBeCloseTo(8 * 0.5, 9);
  });

  it('without early stopping (no held-out loss), counts every planned step; never the maximum epochs', () => {
    const eta = new JobEta(40);
    let t = start(eta);
    // Fixed 3 epochs of 4 steps (total 12), 1 s a step; the stage opens with a 0 / 1 event, as the engine's does.
    eta.update(ev('train', 'lhuc', 0, 1), t);
    for (let s = 1; s <= 4; s++) eta.update(ev('train', 'lhuc', s, 12), (t += 1));
    eta.update(ev('train', 'lhuc', 4, 12, 'epoch 1: train loss 2.0000 (4.0 s)'), t);
    expect(eta.remaining()).toBeCloseTo(8 * 1 + 10, 9);
  });
});
