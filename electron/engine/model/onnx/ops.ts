/**
 * One converter per supported ONNX op: (node, context) -> its output values. Semantics from the
 * ONNX operator definitions (https://onnx.ai/onnx/operators/); attributes the importer cannot honour
 * fail with the node's name (ConvertContext.fail). Weight layers get the initializers as weights
 * (ONNX Conv weight [out, in, k...] -> TF.js kernel [k..., in, out]; MatMul / Gemm B -> Dense kernel).
 */
import { tf } from '../backend';
import type { ConvertContext, Layout, Value } from './convert';
import { toChannelsLastPerm } from './convert';
import type { OnnxNode, OnnxTensor } from './parse';
import {
  BINARY_OPS,
  OnnxAxes,
  OnnxBinary,
  OnnxClip,
  OnnxConstBinary,
  OnnxReduce,
  OnnxReshape,
  OnnxUnary,
  REDUCE_OPS,
  UNARY_OPS,
} from './layers';

type TensorValue = Extract<Value, { kind: 'tensor' }>;
type OpConverter = (node: OnnxNode, ctx: ConvertContext) => Value[];

function attr<T>(node: OnnxNode, name: string, fallback: T): T {
  const v = node.attributes.get(name);
  return v === undefined ? fallback : (v as unknown as T);
}

function out(sym: tf.SymbolicTensor | tf.SymbolicTensor[], layout: Layout = 'onnx'): Value[] {
  return [{ kind: 'tensor', sym: sym as tf.SymbolicTensor, layout }];
}

/** Apply a layer to a symbolic tensor, then give it its weights (disposed here). */
function applyWithWeights(
  layer: tf.layers.Layer,
  x: tf.SymbolicTensor | tf.SymbolicTensor[],
  weights: tf.Tensor[],
): tf.SymbolicTensor {
  const y = layer.apply(x) as tf.SymbolicTensor;
  if (weights.length) layer.setWeights(weights);
  tf.dispose(weights);
  return y;
}

function constTensor(t: OnnxTensor): tf.Tensor {
  return tf.tensor(Array.from(t.data as ArrayLike<number>), t.dims, 'float32');
}

function scalarOf(ctx: ConvertContext, node: OnnxNode, t: OnnxTensor): number {
  if (t.data.length !== 1) ctx.fail(node, `"${t.name}" must hold one value, has ${t.data.length}`);
  return Number(t.data[0]);
}

function normAxis(ctx: ConvertContext, node: OnnxNode, axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) ctx.fail(node, `axis ${axis} is out of range for rank ${rank}`);
  if (a === 0) ctx.fail(node, 'acts on axis 0, the batch axis, which the importer keeps fixed');
  return a;
}

/** Keras padding for ONNX pads [b1, b2, ..., e1, e2, ...], or null when it needs explicit padding. */
function kerasPadding(
  ctx: ConvertContext,
  node: OnnxNode,
  kernel: number[],
  strides: number[],
  dilations: number[],
): 'valid' | 'same' | null {
  const k = kernel.length;
  const autoPad = attr<string>(node, 'auto_pad', 'NOTSET');
  if (autoPad === 'VALID') return 'valid';
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    if (autoPad === 'SAME_LOWER' && kernel.some((kk, i) => (dilations[i] * (kk - 1)) % 2 === 1))
      ctx.fail(node, 'auto_pad SAME_LOWER with an even kernel is not supported');
    return 'same';
  }
  if (autoPad !== 'NOTSET') ctx.fail(node, `auto_pad "${autoPad}" is not supported`);
  const pads = attr<number[]>(node, 'pads', new Array(2 * k).fill(0));
  if (pads.every((p) => p === 0)) return 'valid';
  const same = kernel.every(
    (kk, i) => strides[i] === 1 && pads[i] === pads[i + k] && 2 * pads[i] === dilations[i] * (kk - 1),
  );
  return same ? 'same' : null;
}

/** Conv input in channels-last, with explicit zero padding when Keras's "same"/"valid" do not fit. */
function paddedInput(
  ctx: ConvertContext,
  node: OnnxNode,
  x: TensorValue,
  k: number,
  padding: 'valid' | 'same' | null,
): tf.SymbolicTensor {
  let xs = ctx.as(node, x, 'channels-last');
  if (padding === null) {
    const pads = attr<number[]>(node, 'pads', []);
    if (k !== 2)
      ctx.fail(
        node,
        `pads [${pads.join(', ')}] on a 1-D ${node.opType} are not supported (only none or symmetric "same")`,
      );
    xs = tf.layers
      .zeroPadding2d({
        padding: [
          [pads[0], pads[2]],
          [pads[1], pads[3]],
        ],
        name: ctx.layerName(`${node.name}_pad`),
      })
      .apply(xs) as tf.SymbolicTensor;
  }
  return xs;
}

const Conv: OpConverter = (node, ctx) => {
  const x = ctx.tensorInput(node, 0);
  const w = ctx.constInput(node, 1);
  const bv = ctx.optionalInput(node, 2);
  const b = bv ? ctx.constInput(node, 2) : null;
  const k = w.dims.length - 2;
  if (k !== 1 && k !== 2) ctx.fail(node, `${k}-D convolution is not supported (1-D and 2-D are)`);
  if (attr<number>(node, 'group', 1) !== 1)
    ctx.fail(node, `group ${attr<number>(node, 'group', 1)} is not supported (only 1)`);
  const kernel = w.dims.slice(2);
  const strides = attr<number[]>(node, 'strides', new Array(k).fill(1));
  const dilations = attr<number[]>(node, 'dilations', new Array(k).fill(1));
  const padding = kerasPadding(ctx, node, kernel, strides, dilations);
  const xs = paddedInput(ctx, node, x, k, padding);
  const common = {
    filters: w.dims[0],
    kernelSize: kernel,
    strides,
    dilationRate: dilations as [number, number],
    padding: padding ?? 'valid',
    useBias: b !== null,
    name: ctx.layerName(node.name),
  };
  const layer =
    k === 2
      ? tf.layers.conv2d(common)
      : tf.layers.conv1d({
          ...common,
          kernelSize: kernel[0],
          strides: strides[0],
          dilationRate: dilations[0],
        });
  const kernelT = tf.tidy(() => tf.transpose(constTensor(w), k === 2 ? [2, 3, 1, 0] : [2, 1, 0]));
  const weights = b ? [kernelT, constTensor(b)] : [kernelT];
  return out(applyWithWeights(layer, xs, weights), 'channels-last');
};

const MaxPool: OpConverter = (node, ctx) => {
  const x = ctx.tensorInput(node, 0);
  const kernel = attr<number[]>(node, 'kernel_shape', []);
  const k = kernel.length;
  if (k !== 1 && k !== 2) ctx.fail(node, `${k}-D pooling is not supported (1-D and 2-D are)`);
  if (attr<number>(node, 'ceil_mode', 0) !== 0) ctx.fail(node, 'ceil_mode 1 is not supported');
  if (attr<number[]>(node, 'dilations', new Array(k).fill(1)).some((d) => d !== 1))
    ctx.fail(node, 'dilated pooling is not supported');
  if (node.outputs.length > 1 && node.outputs[1]) ctx.fail(node, 'the Indices output is not supported');
  const strides = attr<number[]>(node, 'strides', new Array(k).fill(1));
  const padding = kerasPadding(ctx, node, kernel, strides, new Array(k).fill(1));
  if (padding === null)
    return ctx.fail(
      node,
      `pads [${attr<number[]>(node, 'pads', []).join(', ')}] are not supported (only none or symmetric "same")`,
    );
  const xs = ctx.as(node, x, 'channels-last');
  const name = ctx.layerName(node.name);
  const layer =
    k === 2
      ? tf.layers.maxPooling2d({
          poolSize: kernel as [number, number],
          strides: strides as [number, number],
          padding,
          name,
        })
      : tf.layers.maxPooling1d({ poolSize: kernel[0], strides: strides[0], padding, name });
  return out(layer.apply(xs) as tf.SymbolicTensor, 'channels-last');
};

const BatchNormalization: OpConverter = (node, ctx) => {
  const x = ctx.tensorInput(node, 0);
  const [scale, bias, mean, variance] = [1, 2, 3, 4].map((i) => ctx.constInput(node, i));
  if (node.outputs.length > 1 && node.outputs.slice(1).some((o) => o))
    ctx.fail(node, 'training-mode outputs (running mean / variance) are not supported');
  const rank = x.sym.shape.length;
  const layer = tf.layers.batchNormalization({
    axis: x.layout === 'onnx' ? 1 : rank - 1,
    epsilon: attr<number>(node, 'epsilon', 1e-5),
    name: ctx.layerName(node.name),
  });
  return out(applyWithWeights(layer, x.sym, [scale, bias, mean, variance].map(constTensor)), x.layout);
};

const activation =
  (make: (node: OnnxNode, name: string) => tf.layers.Layer): OpConverter =>
  (node, ctx) => {
    const x = ctx.tensorInput(node, 0);
    return out(make(node, ctx.layerName(node.name)).apply(x.sym) as tf.SymbolicTensor, x.layout);
  };

const unary: OpConverter = (node, ctx) => {
  const x = ctx.tensorInput(node, 0);
  return out(
    new OnnxUnary({ op: node.opType, name: ctx.layerName(node.name) }).apply(x.sym) as tf.SymbolicTensor,
    x.layout,
  );
};

const Softmax: OpConverter = (node, ctx) => {
  const x = ctx.tensorInput(node, 0);
  const rank = x.sym.shape.length;
  const axis = normAxis(ctx, node, attr<number>(node, 'axis', ctx.graph.opset >= 13 ? -1 : 1), rank);
  if (ctx.graph.opset < 13 && axis !== rank - 1)
    ctx.fail(node, 'Softmax before opset 13 flattens from its axis; only the last axis is supported');
  return out(
    tf.layers
      .softmax({ axis, name: ctx.layerName(node.name) })
      .apply(ctx.as(node, x, 'onnx')) as tf.SymbolicTensor,
  );
};

const binary: OpConverter = (node, ctx) => {
  if (node.inputs.length !== 2) ctx.fail(node, `${node.inputs.length} inputs are not supported (only 2)`);
  const a = ctx.input(node, 0);
  const b = ctx.input(node, 1);
  const name = ctx.layerName(node.name);
  if (a.kind === 'const' && b.kind === 'const')
    ctx.fail(node, 'both inputs are constants; the importer folds no constant subgraphs');
  if (a.kind === 'tensor' && b.kind === 'tensor') {
    const layout: Layout = a.layout === b.layout && node.opType !== 'MatMul' ? a.layout : 'onnx';
    return out(
      new OnnxBinary({ op: node.opType, name }).apply([
        ctx.as(node, a, layout),
        ctx.as(node, b, layout),
      ]) as tf.SymbolicTensor,
      layout,
    );
  }
  const constFirst = a.kind === 'const';
  const x = (constFirst ? b : a) as TensorValue;
  const c = (constFirst ? a : b) as Extract<Value, { kind: 'const' }>;
  if (node.opType === 'MatMul') {
    if (constFirst || c.tensor.dims.length !== 2)
      ctx.fail(node, 'MatMul with a constant is supported as tensor x [in, out] matrix only');
    const layer = tf.layers.dense({ units: c.tensor.dims[1], useBias: false, name });
    return out(applyWithWeights(layer, ctx.as(node, x, 'onnx'), [constTensor(c.tensor)]));
  }
  const size = c.tensor.data.length;
  // A one-value constant broadcasts the same in any layout; others need ONNX layout.
  const layout: Layout = size === 1 ? x.layout : 'onnx';
  const layer = new OnnxConstBinary({
    op: node.opType,
    constDims: c.tensor.dims,
    constFirst,
    name,
    trainable: c.fromInitializer && size > 1,
  });
  return out(applyWithWeights(layer, ctx.as(node, x, layout), [constTensor(c.tensor)]), layout);
};

const Gemm: OpConverter = (node, ctx) => {
  const a = ctx.tensorInput(node, 0);
  const bT = ctx.constInput(node, 1);
  const cv = ctx.optionalInput(node, 2);
  const c = cv ? ctx.constInput(node, 2) : null;
  if (attr<number>(node, 'transA', 0) !== 0) ctx.fail(node, 'transA 1 is not supported');
  const alpha = attr<number>(node, 'alpha', 1);
  const beta = attr<number>(node, 'beta', 1);
  const transB = attr<number>(node, 'transB', 0) === 1;
  const units = transB ? bT.dims[0] : bT.dims[1];
  const kernel = tf.tidy(() => tf.mul(transB ? tf.transpose(constTensor(bT)) : constTensor(bT), alpha));
  const weights = [kernel];
  if (c) {
    if (c.data.length !== 1 && c.data.length !== units)
      ctx.fail(node, `bias "${c.name}" of shape [${c.dims.join(', ')}] is not per output unit`);
    weights.push(tf.tidy(() => tf.mul(tf.broadcastTo(tf.reshape(constTensor(c), [-1]), [units]), beta)));
  }
  const layer = tf.layers.dense({ units, useBias: c !== null, name: ctx.layerName(node.name) });
  return out(applyWithWeights(layer, ctx.as(node, a, 'onnx'), weights));
};

const Clip: OpConverter = (node, ctx) => {
  const x = ctx.tensorInput(node, 0);
  const bound = (i: number, attrName: string): { value: number | null; tensor: TensorValue | null } => {
    if (ctx.graph.opset < 11) {
      const v = node.attributes.get(attrName) as number | undefined;
      return { value: v === undefined ? null : v, tensor: null };
    }
    const v = ctx.optionalInput(node, i);
    if (!v) return { value: null, tensor: null };
    if (v.kind === 'tensor') return { value: null, tensor: v };
    const n = scalarOf(ctx, node, v.tensor);
    return { value: Number.isFinite(n) && Math.abs(n) < 3.4e38 ? n : null, tensor: null };
  };
  const lo = bound(1, 'min');
  const hi = bound(2, 'max');
  const bounds = [lo.tensor, hi.tensor].filter((t): t is TensorValue => t !== null);
  const layout: Layout = bounds.every((t) => t.sym.shape.length <= 1) ? x.layout : 'onnx';
  const layer = new OnnxClip({
    min: lo.value,
    max: hi.value,
    hasMin: lo.tensor !== null,
    hasMax: hi.tensor !== null,
    name: ctx.layerName(node.name),
  });
  const inputs = [
    ctx.as(node, x, layout),
    ...bounds.map((t) => (t.sym.shape.length <= 1 ? t.sym : ctx.as(node, t, 'onnx'))),
  ];
  return out(layer.apply(inputs.length === 1 ? inputs[0] : inputs) as tf.SymbolicTensor, layout);
};

const Reshape: OpConverter = (node, ctx) => {
  const x = ctx.tensorInput(node, 0);
  const target = Array.from(ctx.constInput(node, 1).data as ArrayLike<number>, Number);
  if (attr<number>(node, 'allowzero', 0) === 1 && target.includes(0))
    ctx.fail(node, 'allowzero 1 with a 0 in the shape is not supported');
  const xs = ctx.as(node, x, 'onnx');
  const inShape = xs.shape;
  if (target[0] !== -1 && target[0] !== 0 && inShape[0] !== null && target[0] !== inShape[0])
    ctx.fail(node, 'reshapes the batch axis');
  // A variable input dimension with a fixed target: allowed when the reshape only inserts or
  // removes unit axes, the variable dimensions then carried over at run time.
  let fromInput: number[] | null = null;
  if (inShape.slice(1).includes(null)) {
    const inCore = inShape.map((d, i) => (i > 0 && d !== 1 ? i : -1)).filter((i) => i > 0);
    const tCore = target.map((d, j) => (j > 0 && d !== 1 ? j : -1)).filter((j) => j > 0);
    const matches =
      inCore.length === tCore.length &&
      inCore.every(
        (i, p) => inShape[i] === null || inShape[i] === target[tCore[p]] || target[tCore[p]] === 0,
      );
    const hasInferred = target.slice(1).includes(-1);
    if (matches) {
      fromInput = target.map((_, j) => (j === 0 ? 0 : tCore.includes(j) ? inCore[tCore.indexOf(j)] : -1));
    } else if (!hasInferred) {
      ctx.fail(
        node,
        `shape [${target.join(', ')}] fixes dimensions of an input with variable ones [${inShape.map((d) => d ?? '?').join(', ')}]`,
      );
    }
  }
  return out(
    new OnnxReshape({ shape: target, fromInput, name: ctx.layerName(node.name) }).apply(
      xs,
    ) as tf.SymbolicTensor,
  );
};

const Transpose: OpConverter = (node, ctx) => {
  const x = ctx.tensorInput(node, 0);
  const rank = x.sym.shape.length;
  const perm = attr<number[]>(
    node,
    'perm',
    Array.from({ length: rank }, (_, i) => rank - 1 - i),
  );
  // Stored axis j holds ONNX axis L[j]; the output's axis i is ONNX axis perm[i] = stored axis Linv[perm[i]].
  const L = x.layout === 'onnx' ? perm.map((_, i) => i) : toChannelsLastPerm(rank);
  const Linv = new Array<number>(rank);
  L.forEach((v, i) => (Linv[v] = i));
  const composite = perm.map((p) => Linv[p]);
  if (composite[0] !== 0) ctx.fail(node, `perm [${perm.join(', ')}] moves the batch axis`);
  if (composite.every((p, i) => p === i)) return out(x.sym);
  return out(
    tf.layers
      .permute({ dims: composite.slice(1), name: ctx.layerName(node.name) })
      .apply(x.sym) as tf.SymbolicTensor,
  );
};

const Flatten: OpConverter = (node, ctx) => {
  const x = ctx.tensorInput(node, 0);
  if (attr<number>(node, 'axis', 1) !== 1)
    ctx.fail(node, `axis ${attr<number>(node, 'axis', 1)} is not supported (only 1)`);
  return out(
    tf.layers.flatten({ name: ctx.layerName(node.name) }).apply(ctx.as(node, x, 'onnx')) as tf.SymbolicTensor,
  );
};

const Concat: OpConverter = (node, ctx) => {
  const xs = node.inputs.map((_, i) => ctx.tensorInput(node, i));
  const axis = normAxis(ctx, node, attr<number>(node, 'axis', 1), xs[0].sym.shape.length);
  return out(
    tf.layers
      .concatenate({ axis, name: ctx.layerName(node.name) })
      .apply(xs.map((x) => ctx.as(node, x, 'onnx'))) as tf.SymbolicTensor,
  );
};

const axesOp: OpConverter = (node, ctx) => {
  const x = ctx.tensorInput(node, 0);
  const xs = ctx.as(node, x, 'onnx');
  const rank = xs.shape.length;
  let axes = node.inputs[1]
    ? Array.from(ctx.constInput(node, 1).data as ArrayLike<number>, Number)
    : attr<number[] | null>(node, 'axes', null);
  if (axes === null) {
    if (node.opType === 'Unsqueeze') ctx.fail(node, 'no axes given');
    axes = xs.shape.map((d, i) => (d === 1 ? i : -1)).filter((i) => i >= 0);
  }
  const outRank = node.opType === 'Unsqueeze' ? rank + axes.length : rank;
  const norm = axes.map((a) => normAxis(ctx, node, a, outRank));
  return out(
    new OnnxAxes({ op: node.opType, axes: norm, name: ctx.layerName(node.name) }).apply(
      xs,
    ) as tf.SymbolicTensor,
  );
};

const reduce: OpConverter = (node, ctx) => {
  const x = ctx.tensorInput(node, 0);
  const xs = ctx.as(node, x, 'onnx');
  const rank = xs.shape.length;
  const raw = node.inputs[1]
    ? Array.from(ctx.constInput(node, 1).data as ArrayLike<number>, Number)
    : attr<number[]>(node, 'axes', []);
  if (raw.length === 0 && attr<number>(node, 'noop_with_empty_axes', 0) === 1) return out(xs);
  const axes = raw.map((a) => (a < 0 ? a + rank : a)).sort();
  if (axes.includes(0) && axes.length !== rank) ctx.fail(node, 'reduces the batch axis but not every axis');
  const all = axes.length === 0 || axes.length === rank;
  const layer = new OnnxReduce({
    op: node.opType,
    axes: all ? [] : axes,
    keepdims: attr<number>(node, 'keepdims', 1) === 1,
    name: ctx.layerName(node.name),
  });
  return out(layer.apply(xs) as tf.SymbolicTensor);
};

const passThrough: OpConverter = (node, ctx) => [ctx.input(node, 0)];

const Cast: OpConverter = (node, ctx) => {
  if (attr<number>(node, 'to', 1) !== 1)
    ctx.fail(node, `cast to element type ${attr<number>(node, 'to', 1)} is not supported (only FLOAT, 1)`);
  return [ctx.input(node, 0)];
};

const Constant: OpConverter = (node, ctx) => {
  const t = node.attributes.get('value');
  if (t && typeof t === 'object' && !Array.isArray(t))
    return [{ kind: 'const', tensor: { ...t, name: node.outputs[0] }, fromInitializer: false }];
  const f = node.attributes.get('value_float') ?? node.attributes.get('value_int');
  if (typeof f === 'number')
    return [
      {
        kind: 'const',
        tensor: { name: node.outputs[0], dims: [], dtype: 'float32', data: Float32Array.of(f) },
        fromInitializer: false,
      },
    ];
  const fs = node.attributes.get('value_floats') ?? node.attributes.get('value_ints');
  if (Array.isArray(fs))
    return [
      {
        kind: 'const',
        tensor: { name: node.outputs[0], dims: [fs.length], dtype: 'float32', data: Float32Array.from(fs) },
        fromInitializer: false,
      },
    ];
  return ctx.fail(node, 'only value, value_float(s) and value_int(s) constants are supported');
};

export const OP_CONVERTERS: Record<string, OpConverter> = {
  Conv,
  MaxPool,
  BatchNormalization,
  Gemm,
  MatMul: binary,
  ...Object.fromEntries(BINARY_OPS.map((op) => [op, binary])),
  Relu: activation((_, name) => tf.layers.reLU({ name })),
  LeakyRelu: activation(
    (node, name) => new OnnxUnary({ op: 'LeakyRelu', alpha: attr<number>(node, 'alpha', 0.01), name }),
  ),
  ...Object.fromEntries(
    UNARY_OPS.filter((op) => op !== 'Relu' && op !== 'LeakyRelu').map((op) => [op, unary]),
  ),
  Softmax,
  Clip,
  Reshape,
  Transpose,
  Flatten,
  Concat,
  Squeeze: axesOp,
  Unsqueeze: axesOp,
  ...Object.fromEntries(REDUCE_OPS.map((op) => [op, reduce])),
  Cast,
  Identity: passThrough,
  Dropout: passThrough,
  Constant,
};

export const SUPPORTED_OPS = Object.keys(OP_CONVERTERS).sort();
