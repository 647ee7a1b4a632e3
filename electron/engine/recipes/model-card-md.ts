/** A readable model card (README.md) rendered from card.json. */
import type { ModelCard } from '../model/card';

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;

/** Markdown for a model folder's README.md: what it is, data and licence, features, results. */
export function modelCardMarkdown(card: ModelCard): string {
  const a = card.architecture;
  const arch =
    a.type === 'conv1d-ctc'
      ? `${a.convLayers.length} 1-D conv layers (${a.convLayers.map((c) => `${c.filters}x${c.kernelSize}/${c.stride}`).join(', ')}; filters x kernel / stride), ReLU, dropout ${a.dropout}, linear CTC output over ${a.numTokens} tokens; ${a.numParams ?? '?'} parameters`
      : `imported LayersModel, subsampling ${a.subsampling}, ${a.numTokens} tokens`;
  const f = card.features;
  const lines = [
    `# Model card: ${card.name}`,
    '',
    card.description,
    '',
    '## Intended use',
    '',
    'A base model to adapt to a speaker, dialect or accent with a few labelled utterances, offline on a laptop CPU (`npm run cli -- adapt`). It recognises English digit words (isolated and connected); it is not a general-purpose recognizer.',
    '',
    '## Model',
    '',
    `- Architecture: ${arch}.`,
    `- Tokens (${card.tokens.unit}): ${card.tokens.inventory.map((t) => `\`${t}\``).join(' ')}; blank index ${card.tokens.blankIndex}.`,
    `- Features: ${f.kind} ${f.kind === 'mfcc' ? `${f.numCeps} cepstra of ` : ''}${f.numMelBins} mel bands at ${f.sampleRateHz} Hz, ${f.windowMs} ms Hann window, ${f.hopMs} ms hop, pre-emphasis ${f.preemphasis}, waveform scale ${f.inputScale}, CMVN ${f.cmvn}.`,
    '',
    '## Training data and licence',
    '',
    ...card.trainingData.map((d) => `- ${d.name}: ${d.utterances} utterances; licence ${d.licence}; ${d.attribution}.`),
    '',
    `Licence of the weights: ${card.licence}.`,
    '',
    '## Measured results',
    '',
    '| test set | utterances | WER | S | D | I | N | backend |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...card.metrics.map((m) => `| ${m.testSet} | ${m.utterances} | ${pct(m.wer)} | ${m.substitutions} | ${m.deletions} | ${m.insertions} | ${m.referenceWords} | ${m.backend ?? ''} |`),
    '',
    ...(card.recipe
      ? ['## Reproduce', '', `\`${String(card.recipe.command ?? '')}\` (with a new folder for \`--out\`: an existing one is refused); the full recipe settings and the epoch log are in \`card.json\` under \`recipe\`.`, '']
      : []),
    '## Limitations',
    '',
    'Trained on few real speakers (see the training data) recorded in quiet conditions at 8 kHz; synthetic voices and simulated rooms, where the recipe adds them, widen that only partly: expect high error rates on other speakers, accents, microphones and noisy rooms before adaptation. Words outside the token inventory cannot be recognised.',
    '',
  ];
  return lines.join('\n');
}
