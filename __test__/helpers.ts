import type { ExecutionContext } from 'ava';

import { memoryStats, type TypedArray, type TypedArrayConstructor } from '../ts/index';
import { typedArrayConstructors } from '../ts/typed-array';

/**
 * The typed array constructors this runtime has (Float16Array where it is a global): the facade's
 * own list, so the tests cover every type it accepts.
 */
export const TYPES: TypedArrayConstructor<TypedArray>[] = typedArrayConstructors();

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

/**
 * The backing blocks get once one exists: V8-owned when LIGHTWATCH_MEMORY_BACKING=v8 forces it,
 * and when a memory cage refuses external buffers (Electron's, or its simulation:
 * LIGHTWATCH_MEMORY_SIMULATE_CAGE=1); native otherwise.
 */
export function expectedBacking(): 'native' | 'v8' {
  const caged =
    process.env.LIGHTWATCH_MEMORY_SIMULATE_CAGE === '1' || process.versions.electron !== undefined;
  return process.env.LIGHTWATCH_MEMORY_BACKING === 'v8' || caged ? 'v8' : 'native';
}

/** Every counter of `memoryStats()` at zero (its own keys: the list is the package's). */
export const ZERO_STATS: Record<string, number> = Object.fromEntries(
  Object.keys(memoryStats()).map((key) => [key, 0]),
);
