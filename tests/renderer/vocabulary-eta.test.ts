/**
 * The time left of a vocabulary job (renderer/src/lib/vocabulary-eta.ts), fed the events the recipe
 * sends, in its order and wording (recipes/vocabulary.ts, head-recipe.ts, adapt/train.ts).
 */
import { describe, expect, it } from 'vitest';
import { STAGE_LABEL, VocabularyEta } from '../../renderer/src/lib/vocabulary-eta';
import type { JobProgress } from '../../electron/contract';

const ev = (
  phase: 'features' | 'evaluate' | 'train',
  label: string,
  done: number,
  total: number,
  message?: string,
) => ({ jobId: 'j', phase, label, done, total, ...(message ? { message } : {}) }) as JobProgress;

describe('VocabularyEta', () => {
  it('estimates the current step while speech and features are made, then the whole job from the first epoch', () => {
    const eta = new VocabularyEta(30);
    let t = 0;
    eta.update(ev('features', STAGE_LABEL, 0, 1, 'stage 1-prepare: running'), t);
    expect(eta.remaining()).toBeNull();
    // 60 utterances of speech at 0.5 s each, progress every 20.
    eta.update(ev('features', 'synthetic speech (espeak-ng (system))', 1, 60), (t += 0.5));
    expect(eta.remaining()).toBeNull(); // no rate yet
    eta.update(ev('features', 'synthetic speech (espeak-ng (system))', 21, 60), (t += 10));
    expect(eta.remaining()).toEqual({ sec: 39 * 0.5, scope: 'step', step: 'the synthetic speech' });
    // A stage message in between changes nothing.
    eta.update(ev('features', STAGE_LABEL, 0, 1, 'stage 2-features: running'), (t += 30));
    // Features of 40 training utterances at 0.2 s each.
    eta.update(ev('features', 'training features', 1, 40), t);
    eta.update(ev('features', 'training features', 11, 40), (t += 2));
    expect(eta.remaining()?.scope).toBe('step');
    expect(eta.remaining()?.step).toBe('the features');
    expect(eta.remaining()?.sec).toBeCloseTo(29 * 0.2, 9);
    // Training: 30 max epochs x 4 steps at 1 s a step; no estimate before the first epoch ends.
    for (let s = 1; s <= 4; s++) {
      eta.update(ev('train', 'vocabulary', s, 120), (t += 1));
      expect(eta.remaining()).toBeNull();
    }
    eta.update(
      ev('train', 'vocabulary', 4, 120, 'epoch 1: train loss 20.0000, held-out loss 10.0000 (4.0 s)'),
      t,
    );
    // Early stopping: best epoch 1, so at most epoch 7: (28 - 4) steps x 1 s, for the whole job.
    expect(eta.remaining()).toEqual({ sec: 24, scope: 'job', step: '' });
  });
});
