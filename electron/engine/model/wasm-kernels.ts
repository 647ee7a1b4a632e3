/**
 * Kernel fixes for @tensorflow/tfjs-backend-wasm 4.22 in Node, so it can train a conv CTC model:
 *
 * - `Conv2DBackpropFilter` (conv weight gradient) and `UnsortedSegmentSum` (gather gradient) are not
 *   registered for wasm at all. Ours: im2col written straight into the wasm heap, then the wasm
 *   (XNNPACK) matmul kernel; a plain accumulation loop for the segment sum.
 * - `Slice`, `SplitV`, `Unpack` read their input through `readSync`, which copies the whole tensor
 *   out of the heap for every call (per-time-step slicing becomes quadratic). Ours copy only the
 *   selected rows, from a view of the heap.
 * - `BatchMatMul` with transposeA/transposeB (every matmul gradient) takes a path ~15x slower than
 *   the plain one. Ours transposes with the wasm Transpose kernel, then calls the plain matmul.
 * - `Conv2DBackpropInput` (the conv input gradient) is registered but a direct loop, ~75% of a
 *   training step of our model. Ours: one wasm matmul dy . W^T, then a col2im scatter-add in JS.
 *
 * Values and gradients are tested against the pure-JS cpu backend (tests/model/wasm-kernels.test.ts).
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';

type KernelArgs = { inputs: Record<string, TensorInfo>; attrs?: NamedAttrMap; backend: unknown };
/** Our kernel functions take fully-present inputs; cast to tfjs's KernelFunc at registration. */
type Kern = (args: KernelArgs) => TensorInfo | TensorInfo[];
type Heap = Float32Array | Int32Array | Uint8Array;

const BACKEND = 'wasm';
let registered = false;

function heap(backend: BackendWasm, t: TensorInfo): Heap {
  return backend.typedArrayFromHeap(t) as Heap;
}

function sizeOf(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * Copy an n-d box out of x: out = x[begin : begin + size]. Rows of the last dimension are copied
 * with TypedArray.set on heap views (no full-tensor copy).
 */
function copyBox(src: Heap, shape: number[], begin: number[], size: number[], dst: Heap): void {
  const rank = shape.length;
  if (rank === 0) {
    dst[0] = src[0];
    return;
  }
  const strides = new Array<number>(rank);
  strides[rank - 1] = 1;
  for (let i = rank - 2; i >= 0; i--) strides[i] = strides[i + 1] * shape[i + 1];
  // Merge trailing dims that are taken whole, so each copy is as long as possible.
  let inner = rank - 1;
  let rowLen = size[rank - 1];
  while (inner > 0 && begin[inner] === 0 && size[inner] === shape[inner]) {
    inner--;
    rowLen *= size[inner];
  }
  // Dims [0, inner) iterate; dim `inner` and below form one contiguous row of rowLen elements.
  const rowStart = (idx: number[]): number => {
    let off = 0;
    for (let d = 0; d < inner; d++) off += (begin[d] + idx[d]) * strides[d];
    return off + begin[inner] * strides[inner];
  };
  const numRows = sizeOf(size.slice(0, inner));
  const idx = new Array<number>(inner).fill(0);
  for (let r = 0, o = 0; r < numRows; r++, o += rowLen) {
    const s = rowStart(idx);
    dst.set(src.subarray(s, s + rowLen), o);
    for (let d = inner - 1; d >= 0; d--) {
      if (++idx[d] < size[d]) break;
      idx[d] = 0;
    }
  }
}

const slice: Kern = ({ inputs, attrs, backend }: KernelArgs) => {
  const b = backend as BackendWasm;
  const x = inputs.x;
  const [begin, size] = tf.slice_util.parseSliceParams(
    x as unknown as tf.Tensor,
    attrs!.begin as number | number[],
    attrs!.size as number | number[],
  );
  const out = b.makeOutput(size, x.dtype);
  if (sizeOf(size) === 0) return out;
  copyBox(heap(b, x), x.shape, begin, size, heap(b, out));
  return out;
};

function splitAlong(
  b: BackendWasm,
  x: TensorInfo,
  axis: number,
  sizes: number[],
  squeeze: boolean,
): TensorInfo[] {
  const outs: TensorInfo[] = [];
  let offset = 0;
  for (const s of sizes) {
    const begin = x.shape.map((_, d) => (d === axis ? offset : 0));
    const size = x.shape.map((n, d) => (d === axis ? s : n));
    const outShape = squeeze ? size.filter((_, d) => d !== axis) : size;
    const out = b.makeOutput(outShape, x.dtype);
    if (sizeOf(size) > 0) copyBox(heap(b, x), x.shape, begin, size, heap(b, out));
    outs.push(out);
    offset += s;
  }
  return outs;
}

const splitV: Kern = ({ inputs, attrs, backend }: KernelArgs) => {
  const x = inputs.x;
  const axis = tf.util.parseAxisParam(attrs!.axis as number, x.shape)[0];
  const sizes = tf.backend_util.prepareSplitSize(
    x as unknown as tf.Tensor,
    attrs!.numOrSizeSplits as number | number[],
    axis,
  );
  return splitAlong(backend as BackendWasm, x, axis, sizes, false);
};

const unpack: Kern = ({ inputs, attrs, backend }: KernelArgs) => {
  const x = inputs.value;
  const axis = tf.util.parseAxisParam((attrs!.axis as number) ?? 0, x.shape)[0];
  return splitAlong(backend as BackendWasm, x, axis, new Array(x.shape[axis]).fill(1), true);
};

function makeBatchMatMul(original: Kern, transpose: Kern): Kern {
  return ({ inputs, attrs, backend }: KernelArgs) => {
    const b = backend as BackendWasm;
    let { a, b: bb } = inputs;
    const transposeA = Boolean(attrs!.transposeA);
    const transposeB = Boolean(attrs!.transposeB);
    if (!transposeA && !transposeB) return original({ inputs, attrs, backend: b });
    const temps: TensorInfo[] = [];
    const swapLast = (t: TensorInfo): TensorInfo => {
      const rank = t.shape.length;
      const perm = [...Array(rank).keys()];
      [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1], perm[rank - 2]];
      const out = transpose({ inputs: { x: t }, attrs: { perm }, backend: b }) as TensorInfo;
      temps.push(out);
      return out;
    };
    if (transposeA) a = swapLast(a);
    if (transposeB) bb = swapLast(bb);
    const out = original({
      inputs: { a, b: bb },
      attrs: { ...attrs, transposeA: false, transposeB: false },
      backend: b,
    }) as TensorInfo;
    for (const t of temps) b.disposeData(t.dataId);
    return out;
  };
}

/**
 * dW[kh, kw, ci, co] = sum_{n, oh, ow} x[n, oh*sh + kh*dh - padTop, ow*sw + kw*dw - padLeft, ci]
 *                                       * dy[n, oh, ow, co]
 * computed as colsT [K = kh*kw*ci, N = n*oh*ow] @ dy [N, co] with the wasm matmul.
 */
function makeConv2DBackpropFilter(matmul: Kern): Kern {
  return ({ inputs, attrs, backend }: KernelArgs) => {
    const b = backend as BackendWasm;
    const { x, dy } = inputs;
    const filterShape = attrs!.filterShape as [number, number, number, number];
    if (attrs!.dataFormat === 'NCHW')
      throw new Error('Conv2DBackpropFilter (wasm fix): only NHWC is supported');
    const info = tf.backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      filterShape,
      attrs!.strides as [number, number],
      1,
      attrs!.pad as 'same' | 'valid' | number,
      attrs!.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined,
    );
    const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = info;
    const { filterHeight, filterWidth, strideHeight, strideWidth, dilationHeight, dilationWidth } = info;
    const padTop = info.padInfo.top;
    const padLeft = info.padInfo.left;
    const K = filterHeight * filterWidth * inChannels;
    const N = batchSize * outHeight * outWidth;
    const cols = b.makeOutput([1, K, N], 'float32');
    const colsV = heap(b, cols) as Float32Array;
    const xV = heap(b, x) as Float32Array;
    colsV.fill(0);
    for (let kh = 0; kh < filterHeight; kh++) {
      for (let kw = 0; kw < filterWidth; kw++) {
        for (let n = 0; n < batchSize; n++) {
          for (let oh = 0; oh < outHeight; oh++) {
            const ih = oh * strideHeight + kh * dilationHeight - padTop;
            if (ih < 0 || ih >= inHeight) continue;
            for (let ow = 0; ow < outWidth; ow++) {
              const iw = ow * strideWidth + kw * dilationWidth - padLeft;
              if (iw < 0 || iw >= inWidth) continue;
              const col = (n * outHeight + oh) * outWidth + ow;
              const xOff = ((n * inHeight + ih) * inWidth + iw) * inChannels;
              const kBase = (kh * filterWidth + kw) * inChannels;
              for (let ci = 0; ci < inChannels; ci++) colsV[(kBase + ci) * N + col] = xV[xOff + ci];
            }
          }
        }
      }
    }
    const dy3: TensorInfo = { dataId: dy.dataId, shape: [1, N, outChannels], dtype: dy.dtype };
    const prod = matmul({
      inputs: { a: cols, b: dy3 },
      attrs: { transposeA: false, transposeB: false },
      backend: b,
    }) as TensorInfo;
    b.disposeData(cols.dataId);
    // Same memory, filter shape: hand the product over under the new shape.
    const out = b.makeOutput(filterShape, 'float32');
    (heap(b, out) as Float32Array).set(heap(b, prod) as Float32Array);
    b.disposeData(prod.dataId);
    return out;
  };
}

/**
 * dx[n, ih, iw, ci] = sum over (oh, ow, kh, kw) with ih = oh*sh + kh*dh - padTop, iw likewise, of
 *                     sum_co dy[n, oh, ow, co] * W[kh, kw, ci, co]
 * computed as cols [N = n*oh*ow, K = kh*kw*ci] = dy [N, co] @ W[K, co]^T (wasm matmul), then a
 * scatter-add of each column block into dx (col2im).
 */
function makeConv2DBackpropInput(matmul: Kern): Kern {
  return ({ inputs, attrs, backend }: KernelArgs) => {
    const b = backend as BackendWasm;
    const { dy, filter } = inputs;
    if (attrs!.dataFormat === 'NCHW')
      throw new Error('Conv2DBackpropInput (wasm fix): only NHWC is supported');
    const inShape = attrs!.inputShape as [number, number, number, number];
    const info = tf.backend_util.computeConv2DInfo(
      inShape,
      filter.shape as [number, number, number, number],
      attrs!.strides as [number, number],
      1,
      attrs!.pad as 'same' | 'valid' | number,
      attrs!.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined,
    );
    const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = info;
    const { filterHeight, filterWidth, strideHeight, strideWidth, dilationHeight, dilationWidth } = info;
    const K = filterHeight * filterWidth * inChannels;
    const N = batchSize * outHeight * outWidth;
    const a: TensorInfo = { dataId: dy.dataId, shape: [1, N, outChannels], dtype: 'float32' };
    const w: TensorInfo = { dataId: filter.dataId, shape: [1, K, outChannels], dtype: 'float32' };
    const cols = matmul({
      inputs: { a, b: w },
      attrs: { transposeA: false, transposeB: true },
      backend: b,
    }) as TensorInfo;
    const out = b.makeOutput(inShape, 'float32');
    const dx = heap(b, out) as Float32Array;
    const c = heap(b, cols) as Float32Array;
    dx.fill(0);
    for (let n = 0; n < batchSize; n++) {
      for (let oh = 0; oh < outHeight; oh++) {
        for (let ow = 0; ow < outWidth; ow++) {
          const row = ((n * outHeight + oh) * outWidth + ow) * K;
          for (let kh = 0; kh < filterHeight; kh++) {
            const ih = oh * strideHeight + kh * dilationHeight - info.padInfo.top;
            if (ih < 0 || ih >= inHeight) continue;
            for (let kw = 0; kw < filterWidth; kw++) {
              const iw = ow * strideWidth + kw * dilationWidth - info.padInfo.left;
              if (iw < 0 || iw >= inWidth) continue;
              const dst = ((n * inHeight + ih) * inWidth + iw) * inChannels;
              const src = row + (kh * filterWidth + kw) * inChannels;
              for (let ci = 0; ci < inChannels; ci++) dx[dst + ci] += c[src + ci];
            }
          }
        }
      }
    }
    b.disposeData(cols.dataId);
    return out;
  };
}

const unsortedSegmentSum: Kern = ({ inputs, attrs, backend }: KernelArgs) => {
  const b = backend as BackendWasm;
  const { x, segmentIds } = inputs;
  const numSegments = attrs!.numSegments as number;
  const numIds = sizeOf(segmentIds.shape);
  const inner = numIds === 0 ? 0 : sizeOf(x.shape) / numIds;
  const outShape = [numSegments, ...x.shape.slice(segmentIds.shape.length)];
  const out = b.makeOutput(outShape, x.dtype);
  const o = heap(b, out);
  const xv = heap(b, x);
  const ids = heap(b, segmentIds);
  o.fill(0);
  for (let i = 0; i < numIds; i++) {
    const s = ids[i];
    if (s < 0 || s >= numSegments) continue; // TF semantics: out-of-range ids are dropped
    const src = i * inner;
    const dst = s * inner;
    for (let j = 0; j < inner; j++) o[dst + j] += xv[src + j];
  }
  return out;
};

function replace(name: string, kernelFunc: Kern, keepSetup = true): void {
  const existing = tf.getKernel(name, BACKEND);
  if (existing) tf.unregisterKernel(name, BACKEND);
  const config: KernelConfig = {
    kernelName: name,
    backendName: BACKEND,
    kernelFunc: kernelFunc as unknown as KernelFunc,
  };
  if (keepSetup && existing?.setupFunc) config.setupFunc = existing.setupFunc;
  tf.registerKernel(config);
}

/**
 * Register the fixed kernels for the wasm backend. Idempotent; call before `tf.setBackend('wasm')`
 * so the original kernels' setup functions run on initialisation.
 * @throws Error when the wasm backend package has not registered its own kernels yet
 */
export function registerWasmKernelFixes(): void {
  if (registered) return;
  const bmm = tf.getKernel('BatchMatMul', BACKEND);
  const transpose = tf.getKernel('Transpose', BACKEND);
  if (!bmm || !transpose) throw new Error('wasm kernels: @tensorflow/tfjs-backend-wasm is not loaded');
  const plainMatMul = bmm.kernelFunc as unknown as Kern;
  const fastMatMul = makeBatchMatMul(plainMatMul, transpose.kernelFunc as unknown as Kern);
  replace('BatchMatMul', fastMatMul);
  replace('Conv2DBackpropInput', makeConv2DBackpropInput(fastMatMul), false);
  replace('Slice', slice, false);
  replace('SplitV', splitV, false);
  replace('Unpack', unpack, false);
  replace('Conv2DBackpropFilter', makeConv2DBackpropFilter(plainMatMul));
  replace('UnsortedSegmentSum', unsortedSegmentSum);
  registered = true;
}
