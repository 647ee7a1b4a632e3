/**
 * Bring your own ONNX acoustic model: convert an .onnx file with our importer and write a model
 * folder (model.json + weights.bin + card.json) that evaluate, adapt and the studio use like any
 * model. The card is written by the user (architecture type "layers-model"): the ONNX graph must map
 * [batch, frames, inputDim] features to [batch, ceil(frames / subsampling), numTokens] CTC logits.
 */
import { readFile } from 'node:fs/promises';
import { initBackend, tf } from '../backend';
import { parseCard, type ModelCard } from '../card';
import { saveModel } from '../checkpoint';
import { convertOnnx } from './convert';
import { parseOnnx } from './parse';

/**
 * Convert and save.
 * @param onnxFile the .onnx file (weights inside the file; external data is refused)
 * @param cardFile the card the user wrote (validated like any card)
 * @param outDir new model folder (never an existing one)
 * @returns the card, with architecture.numParams filled in
 * @throws Error naming the file: parse and conversion errors (unsupported op with the node's name),
 *   an invalid card, a card whose architecture is not "layers-model", a graph whose input or output
 *   shape does not match the card (checked on a 100-frame dummy input)
 */
export async function importOnnxModel(
  onnxFile: string,
  cardFile: string,
  outDir: string,
): Promise<ModelCard> {
  await initBackend();
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(cardFile, 'utf8'));
  } catch (err) {
    // JSON.parse's message may quote the file: never echo it (issue 14).
    throw new Error(
      `${cardFile}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'card not found' : 'not a readable JSON card'}`,
      { cause: err },
    );
  }
  const card = parseCard(raw, cardFile);
  const arch = card.architecture;
  if (arch.type !== 'layers-model')
    throw new Error(
      `${cardFile}: architecture.type must be "layers-model" for an imported ONNX model, is "${arch.type}"`,
    );
  const graph = parseOnnx(await readFile(onnxFile), onnxFile);
  if (graph.inputs.length !== 1 || graph.outputs.length !== 1) {
    throw new Error(
      `${onnxFile}: the graph has ${graph.inputs.length} inputs and ${graph.outputs.length} outputs; an acoustic model has one of each`,
    );
  }
  const model = convertOnnx(graph, {
    inputShapes: { [graph.inputs[0].name]: [null, null, arch.inputDim] },
    name: card.name.replace(/[^A-Za-z0-9_]/g, '_') || 'onnx',
  });
  try {
    const frames = 100;
    const shape = tf.tidy(() => (model.predict(tf.zeros([1, frames, arch.inputDim])) as tf.Tensor).shape);
    const want = [1, Math.ceil(frames / arch.subsampling), arch.numTokens];
    if (shape.length !== 3 || shape[2] !== want[2] || Math.abs(shape[1] - want[1]) > 1) {
      throw new Error(
        `${onnxFile}: on [1, ${frames}, ${arch.inputDim}] features the graph gives [${shape.join(', ')}], the card says [${want.join(', ')}] (subsampling ${arch.subsampling}, ${arch.numTokens} tokens)`,
      );
    }
    const out: ModelCard = { ...card, architecture: { ...arch, numParams: model.countParams() } };
    await saveModel(outDir, model, out);
    return out;
  } finally {
    model.dispose();
  }
}
