/**
 * The adaptation methods, typed from data: the CLI, the UI's method picker and the benchmark all
 * read this registry.
 */
import { adapters } from './adapters';
import { finetune } from './finetune';
import { inputTransform } from './input-transform';
import { lhuc } from './lhuc';
import { newHead } from './new-head';

export const METHODS = {
  finetune,
  'new-head': newHead,
  adapters,
  lhuc,
  'input-transform': inputTransform,
} as const;

export type MethodName = keyof typeof METHODS;

export const METHOD_NAMES = Object.keys(METHODS) as MethodName[];

export { finetuneLayers, type FinetuneConfig } from './finetune';
export type { AdaptMethod, MethodSettings, PreparedModel } from './types';
