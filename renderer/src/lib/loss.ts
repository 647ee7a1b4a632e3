/** Reading the training progress for the loss chart (plain functions, tested without a browser). */

/** The held-out loss in an epoch line ("epoch 3: train loss 0.4100, held-out loss 0.5200 (1.2 s)"), or null. */
export function heldOutLoss(message: string): number | null {
  const m = /held-out loss (-?\d+(?:\.\d+)?(?:e-?\d+)?)/.exec(message);
  return m ? Number(m[1]) : null;
}

/** A stage's chart series: its label, numbered from its second run ("lhuc (2)"). */
export const seriesName = (label: string, run: number): string => (run === 1 ? label : `${label} (${run})`);
