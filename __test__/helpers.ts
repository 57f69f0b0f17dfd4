import type { ExecutionContext } from 'ava';

import type { TypedArray, TypedArrayConstructor } from '../ts/index';

/** The eleven typed array constructors. */
export const TYPES: TypedArrayConstructor<TypedArray>[] = [
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
];

/** Asserts that `fn` throws an instance of `type` whose `code` is `code`, and returns it. */
export function throwsCode(
  t: ExecutionContext,
  fn: () => unknown,
  type: ErrorConstructor | TypeErrorConstructor | RangeErrorConstructor,
  code: string,
): Error {
  const error = t.throws(fn, { instanceOf: type });
  t.is((error as Error & { code?: string }).code, code, `expected code ${code}: ${error?.message}`);
  if (type === Error) {
    t.false(error instanceof TypeError || error instanceof RangeError, 'expected a plain Error');
  }
  return error as Error;
}

/** Runs the garbage collector (tests run with --expose-gc) and lets finalizers run. */
export async function collect(rounds = 4): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with --expose-gc');
  for (let i = 0; i < rounds; i++) {
    gc();
    // Node runs N-API finalizers from the event loop: yield to it.
    await new Promise((resolve) => setImmediate(resolve));
  }
}
