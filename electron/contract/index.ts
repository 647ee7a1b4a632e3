/**
 * The typed API between the renderer and the engine: one map of operation -> request/response and
 * one map of events. Plain data only (no tensors, no class instances). Imported as types by the
 * preload bridge, the main-process IPC table and the renderer.
 */
import type { Report, ProgressEvent } from '../engine';

export interface Operations {
  evaluate: { request: { modelDir: string; testManifest: string; outDir: string }; response: Report };
  adapt: {
    request: { modelDir: string; adaptManifest: string; testManifest: string; sourceTestManifest?: string; outDir: string; topLayers?: number };
    response: Report;
  };
  backend: { request: Record<string, never>; response: { name: string; detail: string } };
}

export interface Events {
  progress: ProgressEvent;
}

export type OperationName = keyof Operations;

/** What the preload bridge exposes as `window.studio`. */
export type StudioApi = {
  [K in OperationName]: (req: Operations[K]['request']) => Promise<Operations[K]['response']>;
} & {
  /** Subscribe to progress events; returns the unsubscribe function. */
  onProgress: (fn: (e: Events['progress']) => void) => () => void;
};

/** IPC channel of an operation. */
export const channel = (op: OperationName): string => `studio:${op}`;
export const PROGRESS_CHANNEL = 'studio:progress';
