/**
 * TensorFlow.js backend selection: tfjs-node-gpu if it loads, else tfjs-node, else wasm (SIMD) with
 * our kernel fixes (see wasm-kernels.ts). The chosen backend is reported in every report.
 *
 * Both native packages are optional dependencies: their install downloads libtensorflow, which fails
 * on machines without internet; npm then drops them, and importing them fails here, at run time.
 */
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import path from 'node:path';
import { registerWasmKernelFixes } from './wasm-kernels';

export type BackendName = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';

/** What ran: the tfjs backend name and the package it came from. */
export interface BackendInfo {
  name: BackendName;
  /** e.g. "@tensorflow/tfjs-backend-wasm 4.22.0 (SIMD, 1 thread)" */
  detail: string;
}

let selected: BackendInfo | null = null;

async function tryNative(pkg: string): Promise<boolean> {
  try {
    await import(pkg);
    return tf.findBackend('tensorflow') !== null && (await tf.setBackend('tensorflow'));
  } catch {
    return false;
  }
}

/**
 * Initialise TensorFlow.js once per process and return which backend runs.
 * @param prefer "auto" (native GPU, native CPU, then wasm) or a specific backend; "cpu" is the
 *   pure-JS reference backend, used by tests to check the wasm kernels against it
 * @throws Error when the requested backend cannot start
 */
export async function initBackend(prefer: 'auto' | 'wasm' | 'cpu' = 'auto'): Promise<BackendInfo> {
  if (selected && (prefer === 'auto' || prefer === selected.name)) return selected;
  if (prefer === 'auto') {
    if (await tryNative('@tensorflow/tfjs-node-gpu')) {
      selected = { name: 'tensorflow-gpu', detail: '@tensorflow/tfjs-node-gpu (libtensorflow, CUDA)' };
      return selected;
    }
    if (await tryNative('@tensorflow/tfjs-node')) {
      selected = { name: 'tensorflow', detail: '@tensorflow/tfjs-node (libtensorflow, CPU)' };
      return selected;
    }
  }
  if (prefer === 'cpu') {
    await tf.setBackend('cpu');
    await tf.ready();
    selected = { name: 'cpu', detail: '@tensorflow/tfjs-backend-cpu (pure JS)' };
    return selected;
  }
  const require = createRequire(import.meta.url);
  const wasmDir =
    path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + path.sep;
  setWasmPaths(wasmDir);
  registerWasmKernelFixes();
  if (!(await tf.setBackend('wasm'))) throw new Error('backend: the wasm backend failed to initialise');
  await tf.ready();
  const simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT');
  selected = {
    name: 'wasm',
    detail: `@tensorflow/tfjs-backend-wasm ${tf.version_core} (${simd ? 'SIMD' : 'no SIMD'}, 1 thread)`,
  };
  return selected;
}

export { tf };
