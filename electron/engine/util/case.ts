/**
 * camelCase -> snake_case for the keys of plain data: report.json writes every key in snake_case
 * while the engine's objects (and card.json) use camelCase.
 */

/** `heldOutLoss` -> `held_out_loss` (type level). */
export type Snake<S extends string> = S extends `${infer H}${infer T}`
  ? `${H extends Lowercase<H> ? H : `_${Lowercase<H>}`}${Snake<T>}`
  : S;

/** `T` with every object key, at any depth (through arrays), in snake_case. */
export type SnakeKeys<T> = T extends readonly (infer U)[]
  ? SnakeKeys<U>[]
  : T extends object
    ? { [K in keyof T as K extends string ? Snake<K> : K]: SnakeKeys<T[K]> }
    : T;

/** One key: `heldOutLoss` -> `held_out_loss` (keys already in snake_case are unchanged). */
export const snakeCase = (key: string): string => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/**
 * A deep copy of plain data (objects, arrays, primitives) with every object key in snake_case.
 * Values are not changed (strings stay as they are).
 */
export function snakeKeys<T>(x: T): SnakeKeys<T> {
  if (Array.isArray(x)) return x.map((v) => snakeKeys(v)) as SnakeKeys<T>;
  if (x !== null && typeof x === 'object') {
    return Object.fromEntries(
      Object.entries(x).map(([k, v]) => [snakeCase(k), snakeKeys(v)]),
    ) as SnakeKeys<T>;
  }
  return x as SnakeKeys<T>;
}
