/**
 * ONNX graph -> trainable tf.LayersModel, one layer (or a few) per ONNX node, the initializers as
 * the layers' weights.
 *
 * Supported ops (ONNX default domain, opsets 7-21; ops.ts): Conv (1-D and 2-D, group 1), Gemm,
 * MatMul, Add, Sub, Mul, Div, Pow, Max, Min (two inputs), Relu, LeakyRelu, Sigmoid, Tanh, Softmax,
 * Log, Exp, Sqrt, Abs, Neg, Reciprocal, Clip, MaxPool (1-D, 2-D), BatchNormalization (inference),
 * Reshape, Transpose, Flatten (axis 1), Concat, Squeeze, Unsqueeze, ReduceMax/Min/Mean/Sum, Cast
 * (to float), Identity, Dropout (inference: identity), Constant. Any other op fails with
 * `FILE: node "NAME" (op OP) is not supported ...`.
 *
 * Layout: ONNX convolutions are channels-first, TensorFlow.js's are channels-last. A tensor is kept
 * in whichever layout its producer gave; convolutions and pools read channels-last, shape ops
 * (Reshape, Transpose, Flatten, Concat, Squeeze, Unsqueeze, MatMul) read ONNX layout, element-wise
 * ops pass the layout through, and a Permute layer is inserted only where a consumer needs the
 * other layout. So a chain Conv -> LeakyRelu -> Max -> Conv runs without transposes.
 *
 * Batch: dimension 0 of every graph input is the batch (a Keras model always has one). Ops that
 * move or remove axis 0 are refused, except reductions over all axes (e.g. the mel graph's
 * utterance maximum), which then span the whole batch, as in ONNX.
 */
import { tf } from '../backend';
import type { OnnxGraph, OnnxNode, OnnxTensor } from './parse';
import { OP_CONVERTERS, SUPPORTED_OPS } from './ops';
import './layers';

/** Layout of a stored tensor: ONNX's, or channels-last for rank 3 / 4 (perm applied to ONNX's). */
export type Layout = 'onnx' | 'channels-last';

/** A graph value during conversion: a symbolic tensor, or a constant. */
export type Value =
  | { kind: 'tensor'; sym: tf.SymbolicTensor; layout: Layout }
  | { kind: 'const'; tensor: OnnxTensor; fromInitializer: boolean };

export interface ConvertOptions {
  /** Override declared input shapes (full ONNX shapes, batch first; null = variable). */
  inputShapes?: Record<string, (number | null)[]>;
  /** Output tensor names (default: the graph's outputs); lets a caller cut a graph. */
  outputs?: string[];
  /** Model name (default "onnx"). */
  name?: string;
}

/** Channels-last permutation of an ONNX rank-r tensor [N, C, ...spatial] -> [N, ...spatial, C]. */
export function toChannelsLastPerm(rank: number): number[] {
  return [0, ...Array.from({ length: rank - 2 }, (_, i) => i + 2), 1];
}
function inversePerm(p: number[]): number[] {
  const inv = new Array<number>(p.length);
  p.forEach((v, i) => (inv[v] = i));
  return inv;
}

/** Conversion state: values by name, unique layer names, and error context. */
export class ConvertContext {
  readonly values = new Map<string, Value>();
  private readonly used = new Set<string>();
  private readonly permuted = new Map<tf.SymbolicTensor, tf.SymbolicTensor>();
  constructor(readonly graph: OnnxGraph) {}

  /** A valid, unique layer name from an ONNX name. */
  layerName(base: string): string {
    let n = base.replace(/[^A-Za-z0-9_.-]/g, '_').replace(/^[^A-Za-z0-9]+/, '');
    if (!n) n = 'node';
    let k = n;
    for (let i = 1; this.used.has(k); i++) k = `${n}_${i}`;
    this.used.add(k);
    return k;
  }

  fail(node: OnnxNode, msg: string): never {
    throw new Error(`${this.graph.where}: node "${node.name}" (op ${node.opType}): ${msg}`);
  }

  input(node: OnnxNode, i: number): Value {
    const name = node.inputs[i];
    const v = name ? this.values.get(name) : undefined;
    if (!v)
      this.fail(
        node,
        `input ${i} ("${name ?? ''}") is not produced by any earlier node, initializer or graph input`,
      );
    return v;
  }

  optionalInput(node: OnnxNode, i: number): Value | null {
    return node.inputs[i] ? this.input(node, i) : null;
  }

  tensorInput(node: OnnxNode, i: number): Extract<Value, { kind: 'tensor' }> {
    const v = this.input(node, i);
    if (v.kind !== 'tensor')
      this.fail(
        node,
        `input ${i} ("${node.inputs[i]}") is a constant; the importer folds no constant subgraphs`,
      );
    return v;
  }

  constInput(node: OnnxNode, i: number): OnnxTensor {
    const v = this.input(node, i);
    if (v.kind !== 'const')
      this.fail(node, `input ${i} ("${node.inputs[i]}") must be a constant (initializer or Constant node)`);
    return v.tensor;
  }

  /** The stored tensor in the wanted layout (a Permute layer is added once per tensor and layout). */
  as(node: OnnxNode, v: Extract<Value, { kind: 'tensor' }>, layout: Layout): tf.SymbolicTensor {
    if (v.layout === layout) return v.sym;
    const cached = this.permuted.get(v.sym);
    if (cached) return cached;
    const rank = v.sym.shape.length;
    if (rank < 3) this.fail(node, `cannot change the layout of a rank-${rank} tensor`);
    const perm =
      layout === 'channels-last' ? toChannelsLastPerm(rank) : inversePerm(toChannelsLastPerm(rank));
    const out = tf.layers
      .permute({ dims: perm.slice(1), name: this.layerName(`${node.name}_to_${layout}`) })
      .apply(v.sym) as tf.SymbolicTensor;
    this.permuted.set(v.sym, out);
    return out;
  }

  /** ONNX shape of a tensor value (batch first; null = variable). */
  onnxShape(v: Extract<Value, { kind: 'tensor' }>): (number | null)[] {
    const s = v.sym.shape;
    if (v.layout === 'onnx') return [...s];
    const inv = inversePerm(toChannelsLastPerm(s.length));
    return inv.map((j) => s[j]);
  }
}

/**
 * Convert a parsed ONNX graph to a LayersModel.
 * @returns a model the caller owns (dispose()); inputs in ONNX layout, outputs in ONNX layout
 * @throws Error naming the file and the node: unsupported op, unsupported attribute value, a
 *   constant needed where a tensor flows, an op that moves the batch axis
 */
export function convertOnnx(graph: OnnxGraph, options: ConvertOptions = {}): tf.LayersModel {
  const ctx = new ConvertContext(graph);
  for (const [name, t] of graph.initializers)
    ctx.values.set(name, { kind: 'const', tensor: t, fromInitializer: true });
  const inputs: tf.SymbolicTensor[] = [];
  for (const vi of graph.inputs) {
    const shape = options.inputShapes?.[vi.name] ?? vi.shape;
    if (!shape)
      throw new Error(
        `${graph.where}: graph input "${vi.name}" has no declared shape; give one in inputShapes`,
      );
    const sym = tf.input({ shape: shape.slice(1), name: ctx.layerName(vi.name) });
    inputs.push(sym);
    ctx.values.set(vi.name, { kind: 'tensor', sym, layout: 'onnx' });
  }
  const wanted = options.outputs ?? graph.outputs.map((o) => o.name);
  for (const node of graph.nodes) {
    if (wanted.every((w) => ctx.values.has(w))) break;
    if (node.domain && node.domain !== 'ai.onnx')
      ctx.fail(node, `domain "${node.domain}" is not supported (only the default ONNX domain)`);
    const conv = OP_CONVERTERS[node.opType];
    if (!conv) {
      throw new Error(
        `${graph.where}: node "${node.name}" (op ${node.opType}) is not supported by the ONNX importer; supported ops: ${SUPPORTED_OPS.join(', ')}`,
      );
    }
    const outs = conv(node, ctx);
    outs.forEach((v, i) => {
      if (node.outputs[i]) ctx.values.set(node.outputs[i], v);
    });
  }
  const outputs = wanted.map((name) => {
    const v = ctx.values.get(name);
    if (!v) throw new Error(`${graph.where}: output "${name}" is not produced by the graph`);
    if (v.kind !== 'tensor') throw new Error(`${graph.where}: output "${name}" is a constant`);
    return ctx.as(
      { name, opType: 'output', domain: '', inputs: [], outputs: [], attributes: new Map() },
      v,
      'onnx',
    );
  });
  return tf.model({ inputs, outputs, name: options.name ?? 'onnx' });
}
