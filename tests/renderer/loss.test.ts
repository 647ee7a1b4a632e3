/** The loss chart's reading of progress events: held-out loss from the engine's epoch line, one series per stage run. */
import { describe, expect, it } from 'vitest';
import { heldOutLoss, seriesName } from '../../renderer/src/lib/loss';

describe('loss chart helpers', () => {
  it('reads the held-out loss of the engine epoch line (electron/engine/adapt/train.ts)', () => {
    expect(heldOutLoss('epoch 3: train loss 0.4100, held-out loss 0.5234 (1.2 s)')).toBe(0.5234);
    expect(heldOutLoss('epoch 1: train loss 0.4100 (1.2 s)')).toBeNull();
  });
  it('numbers a stage from its second run so rounds never draw over each other', () => {
    expect([1, 2, 3].map((n) => seriesName('lhuc', n))).toEqual(['lhuc', 'lhuc (2)', 'lhuc (3)']);
  });
});
