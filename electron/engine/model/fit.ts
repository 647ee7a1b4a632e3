/**
 * Can the model emit a reference within an utterance's frames? A CTC model emits at most one
 * token per output frame and needs a blank between two equal tokens, so a reference of L tokens
 * with R adjacent repeats needs L + R output frames (Graves et al., "Connectionist Temporal
 * Classification", ICML 2006, section 3.1). A 1-sample file, or one that is empty after
 * resampling, has 0 or 1 output frames: it is scored as 100% WER and, trained on, would push the
 * CTC loss to infinity (or be skipped by it) epoch after epoch without a word. Such utterances are
 * named in the report's notes and left out of training; so are adaptation utterances longer than
 * MAX_TRAIN_UTTERANCE_SEC (a whole recording is one CTC sequence: its training step alone would
 * need gigabytes).
 */
import type { FeaturizedUtterance } from '../features/corpus';
import type { ModelCard } from './card';
import { outputFrames } from './acoustic';
import { encodeText } from './tokens';
import { MAX_TRAIN_UTTERANCE_SEC } from '../audio/limits';

/** Output frames a CTC model needs to emit `labels`: one per token plus a blank between repeats. */
export function ctcFramesNeeded(labels: readonly number[]): number {
  let n = labels.length;
  for (let i = 1; i < labels.length; i++) if (labels[i] === labels[i - 1]) n++;
  return n;
}

/**
 * The note for an utterance whose reference the model cannot emit, or null when it can.
 * @returns e.g. `utterance "u1" (0.000 s): 0 output frames, fewer than the 2 its 2-token reference needs`
 */
function shortNote(it: FeaturizedUtterance, card: ModelCard): string | null {
  let labels: number[];
  try {
    labels = encodeText(it.utt.text, card.tokens);
  } catch {
    return null; // words outside the inventory are reported elsewhere (decoder warnings, new-head)
  }
  const frames = outputFrames(card.architecture, it.feats.numFrames);
  const need = ctcFramesNeeded(labels);
  if (frames >= need) return null;
  const sec = (it.feats.numFrames * card.features.hopMs) / 1000;
  return `utterance "${it.utt.id}" (${sec.toFixed(3)} s): ${frames} output frame${frames === 1 ? '' : 's'}, fewer than the ${need} its ${labels.length}-token reference needs`;
}

/**
 * Notes for a scored set: utterances too short for the model to emit their reference (scored as
 * they are, which is usually 100% WER for them).
 * @param set the set's name in the note ("test", "source test")
 */
export function tooShortNotes(items: readonly FeaturizedUtterance[], card: ModelCard, set: string): string[] {
  const notes: string[] = [];
  for (const it of items) {
    const n = shortNote(it, card);
    if (n) notes.push(`${set} set: ${n}; the model cannot emit its reference (scored as it is)`);
  }
  return notes;
}

/**
 * Split labelled adaptation utterances into those that can train and notes on those left out:
 * too short for the reference (see ctcFramesNeeded) or longer than MAX_TRAIN_UTTERANCE_SEC.
 * @returns kept items in their order, and one note per utterance left out
 */
export function trainableItems(
  items: readonly FeaturizedUtterance[],
  card: ModelCard,
): { kept: FeaturizedUtterance[]; notes: string[] } {
  const kept: FeaturizedUtterance[] = [];
  const notes: string[] = [];
  for (const it of items) {
    const n = shortNote(it, card);
    const sec = (it.feats.numFrames * card.features.hopMs) / 1000;
    if (n) notes.push(`adaptation set: ${n}; left out of training`);
    else if (sec > MAX_TRAIN_UTTERANCE_SEC) {
      notes.push(
        `adaptation set: utterance "${it.utt.id}" is ${sec.toFixed(1)} s long, more than the ${MAX_TRAIN_UTTERANCE_SEC} s an adaptation utterance may have; ` +
          'left out of training (cut it into segments, e.g. import --split-silences, to train on it)',
      );
    } else kept.push(it);
  }
  return { kept, notes };
}
