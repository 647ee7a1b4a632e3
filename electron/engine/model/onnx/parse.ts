/**
 * ONNX model file -> a plain graph description (nodes, initializers as typed arrays, inputs and
 * outputs with their declared shapes). Parsing only; no TensorFlow.js here.
 *
 * Source: the ONNX IR specification (https://onnx.ai/onnx/repo-docs/IR.html) and onnx.proto; the
 * protobuf decoding is protobufjs's, over the schema in proto.ts.
 */
import type protobuf from 'protobufjs';
import { modelProtoType } from './proto';

/** Element types the importer reads (TensorProto.DataType). */
const FLOAT = 1;
const INT32 = 6;
const INT64 = 7;
const DOUBLE = 11;

/** A constant tensor (initializer or Constant node value), row-major. */
export interface OnnxTensor {
  name: string;
  /** Shape; [] for a scalar. */
  dims: number[];
  /** "float32" for FLOAT and DOUBLE (converted), "int64" for INT32 and INT64 (as JS numbers). */
  dtype: 'float32' | 'int64';
  data: Float32Array | number[];
}

/** One attribute value, decoded by its declared type. */
export type OnnxAttribute = number | string | number[] | OnnxTensor;

export interface OnnxNode {
  /** Node name (the op and its index when the file has none, e.g. "Conv#3"). */
  name: string;
  opType: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  attributes: Map<string, OnnxAttribute>;
}

/** A graph input or output: name and declared shape (null for a symbolic or missing dimension). */
export interface OnnxValueInfo {
  name: string;
  shape: (number | null)[] | null;
}

export interface OnnxGraph {
  /** Where the graph came from (file name), for messages. */
  where: string;
  producer: string;
  /** Opset version of the default domain ("" / "ai.onnx"). */
  opset: number;
  nodes: OnnxNode[];
  initializers: Map<string, OnnxTensor>;
  /** Graph inputs that are not initializers. */
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
}

/* eslint-disable @typescript-eslint/no-explicit-any */
function toNum(v: any): number {
  return typeof v === 'number'
    ? v
    : typeof v === 'bigint'
      ? Number(v)
      : v && typeof v.toNumber === 'function'
        ? v.toNumber()
        : Number(v);
}

function decodeTensor(t: any, where: string): OnnxTensor {
  const name = String(t.name ?? '');
  const dims = (t.dims ?? []).map(toNum);
  const size = dims.reduce((a: number, b: number) => a * b, 1);
  if (t.data_location === 1)
    throw new Error(
      `${where}: tensor "${name}" keeps its data in an external file, which the importer does not read`,
    );
  const raw: Uint8Array | undefined = t.raw_data && t.raw_data.length ? t.raw_data : undefined;
  const type = t.data_type;
  const copy = (bytes: Uint8Array): ArrayBuffer =>
    bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  let out: OnnxTensor;
  if (type === FLOAT) {
    const data = raw ? new Float32Array(copy(raw)) : Float32Array.from(t.float_data ?? []);
    out = { name, dims, dtype: 'float32', data };
  } else if (type === DOUBLE) {
    const data = raw
      ? Float32Array.from(new Float64Array(copy(raw)))
      : Float32Array.from(t.double_data ?? []);
    out = { name, dims, dtype: 'float32', data };
  } else if (type === INT64) {
    const data = raw ? Array.from(new BigInt64Array(copy(raw)), Number) : (t.int64_data ?? []).map(toNum);
    out = { name, dims, dtype: 'int64', data };
  } else if (type === INT32) {
    const data = raw ? Array.from(new Int32Array(copy(raw))) : (t.int32_data ?? []).map(toNum);
    out = { name, dims, dtype: 'int64', data };
  } else {
    throw new Error(
      `${where}: tensor "${name}" has element type ${type} (TensorProto.DataType); the importer reads FLOAT, DOUBLE, INT32 and INT64`,
    );
  }
  if (out.data.length !== size)
    throw new Error(
      `${where}: tensor "${name}" has ${out.data.length} values for shape [${dims.join(', ')}]`,
    );
  return out;
}

function decodeAttribute(a: any, where: string, node: string): OnnxAttribute {
  switch (a.type) {
    case 1:
      return a.f ?? 0;
    case 2:
      return toNum(a.i ?? 0);
    case 3:
      return new TextDecoder().decode(a.s ?? new Uint8Array());
    case 4:
      return decodeTensor(a.t, `${where}: node "${node}"`);
    case 6:
      return Array.from(a.floats ?? [], Number);
    case 7:
      return (a.ints ?? []).map(toNum);
    default:
      throw new Error(
        `${where}: node "${node}": attribute "${a.name}" has type ${a.type} (AttributeProto.AttributeType), which the importer does not read`,
      );
  }
}

function valueInfo(v: any): OnnxValueInfo {
  const dims = v.type?.tensor_type?.shape?.dim;
  return {
    name: v.name,
    shape: dims
      ? dims.map((d: any) =>
          d.dim_value !== undefined && d.dim_value !== null && toNum(d.dim_value) > 0
            ? toNum(d.dim_value)
            : null,
        )
      : null,
  };
}

/**
 * Parse an ONNX model file.
 * @param bytes the .onnx file's bytes
 * @param where file name for messages
 * @throws Error naming `where`: not a protobuf ModelProto, no graph, external data, an element type
 *   other than float/double/int32/int64 in an initializer
 */
export function parseOnnx(bytes: Uint8Array, where: string): OnnxGraph {
  let m: any;
  try {
    m = (modelProtoType() as protobuf.Type).decode(bytes);
  } catch (err) {
    throw new Error(`${where}: not an ONNX model (${(err as Error).message})`, { cause: err });
  }
  const g = m.graph;
  if (!g || !g.node || g.node.length === 0) throw new Error(`${where}: not an ONNX model (no graph nodes)`);
  const opsetEntry = (m.opset_import ?? []).find((o: any) => !o.domain || o.domain === 'ai.onnx');
  const initializers = new Map<string, OnnxTensor>();
  for (const t of g.initializer ?? []) initializers.set(t.name, decodeTensor(t, where));
  const nodes: OnnxNode[] = (g.node as any[]).map((n, i) => {
    const name = n.name || `${n.op_type}#${i}`;
    const attributes = new Map<string, OnnxAttribute>();
    for (const a of n.attribute ?? []) attributes.set(a.name, decodeAttribute(a, where, name));
    return {
      name,
      opType: n.op_type,
      domain: n.domain ?? '',
      inputs: [...(n.input ?? [])],
      outputs: [...(n.output ?? [])],
      attributes,
    };
  });
  return {
    where,
    producer: `${m.producer_name ?? ''} ${m.producer_version ?? ''}`.trim(),
    opset: opsetEntry ? toNum(opsetEntry.version) : 1,
    nodes,
    initializers,
    inputs: (g.input ?? []).filter((v: any) => !initializers.has(v.name)).map(valueInfo),
    outputs: (g.output ?? []).map(valueInfo),
  };
}
