// Tampering with the realm, for the hostile tests: patches to prototypes and globals that are
// always undone, and the checks the tests make with builtins captured before any patch.
import { execFileSync } from 'node:child_process';
import path from 'node:path';

const { apply, defineProperty, deleteProperty, getOwnPropertyDescriptor, getPrototypeOf } = Reflect;

/** The %TypedArray% prototype, where `fill`, `buffer`, `byteLength` and friends live. */
export const TYPED_ARRAY_PROTOTYPE: object = getPrototypeOf(Uint8Array.prototype) as object;

const byteLengthGetter = getOwnPropertyDescriptor(TYPED_ARRAY_PROTOTYPE, 'byteLength')
  ?.get as () => number;
const bufferByteLengthGetter = getOwnPropertyDescriptor(ArrayBuffer.prototype, 'byteLength')
  ?.get as () => number;

/** A view's byte length from its internal slot (0 once detached), whatever is patched. */
export function byteLengthOf(view: ArrayBufferView): number {
  return apply(byteLengthGetter, view, []) as number;
}

/** A buffer's byte length from its internal slot (0 once detached), whatever is patched. */
export function bufferLengthOf(buffer: ArrayBufferLike): number {
  return apply(bufferByteLengthGetter, buffer, []) as number;
}

/**
 * Replaces `object[key]` with `value` (a data property, or `{ get }` for an accessor), runs
 * `fn`, and restores what was there, even if `fn` throws.
 */
export function patched<R>(
  object: object,
  key: PropertyKey,
  replacement: { value: unknown } | { get: () => unknown; set?: (value: unknown) => void },
  fn: () => R,
): R {
  const saved = getOwnPropertyDescriptor(object, key);
  defineProperty(object, key, { ...replacement, configurable: true, enumerable: false });
  try {
    return fn();
  } finally {
    if (saved === undefined) deleteProperty(object, key);
    else defineProperty(object, key, saved);
  }
}

/** As {@link patched}, for an async `fn`: restored once its promise settles. */
export async function patchedAsync<R>(
  object: object,
  key: PropertyKey,
  replacement: { value: unknown } | { get: () => unknown },
  fn: () => Promise<R>,
): Promise<R> {
  const saved = getOwnPropertyDescriptor(object, key);
  defineProperty(object, key, { ...replacement, configurable: true, enumerable: false });
  try {
    return await fn();
  } finally {
    if (saved === undefined) deleteProperty(object, key);
    else defineProperty(object, key, saved);
  }
}

/**
 * Runs `source` (CommonJS) in a new Node process whose realm it may tamper with before it loads
 * the package (`require(PACKAGE)`), with the environment's backing; returns what it printed.
 */
export function inChild(source: string, env: Record<string, string> = {}): string {
  const entry = path.resolve(__dirname, '..', '..', 'ts', 'index.ts');
  const script = `const PACKAGE = ${JSON.stringify(entry)};\n${source}`;
  return execFileSync(process.execPath, ['--require=tsx/cjs', '--expose-gc', '-e', script], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
  }).trim();
}
