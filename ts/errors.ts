/**
 * Errors with stable codes, and the argument checks that throw them.
 *
 * Every check runs before any state changes, so a thrown error leaves the object as it was.
 * @module
 */

import {
  isBufferView,
  isSafeIntegerValue,
  max,
  reflectApply,
  SafeError,
  SafeRangeError,
  SafeTypeError,
  sameValue,
  sliceText,
  toJSONText,
} from './intrinsics';
import { ACCEPTED, elementSize, HAS_FLOAT16 } from './typed-array';

import native = require('./native');

/**
 * Every stable `code` this package throws, with the class it is thrown as. The one list is the
 * Rust bindings' (`ErrorCode` in `crates/codes/src/code.rs`): the package's tests hold this copy,
 * which TypeScript needs for the {@link ErrorCode} type, and the README's table to it.
 */
export const ERROR_CODES = {
  ERR_INVALID_ARG_TYPE: 'TypeError',
  ERR_INVALID_ARG_VALUE: 'TypeError',
  ERR_OUT_OF_RANGE: 'RangeError',
  ERR_INVALID_ALIGNMENT: 'RangeError',
  ERR_ARENA_EXHAUSTED: 'RangeError',
  ERR_OUT_OF_MEMORY: 'RangeError',
  ERR_DOUBLE_FREE: 'Error',
  ERR_FOREIGN_VIEW: 'Error',
  ERR_DISPOSED: 'Error',
  ERR_INVALID_STATE: 'Error',
  ERR_BUSY: 'Error',
  ERR_PLAN_MISMATCH: 'Error',
  ERR_ABORTED: 'Error',
  ERR_NATIVE_ADDON_NOT_LOADED: 'Error',
} as const;

/** The stable `code` of every error this package throws. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** An error thrown by this package: a real `TypeError`, `RangeError` or `Error`, with a `code`. */
export type MemoryError<C extends ErrorCode = ErrorCode> = (TypeError | RangeError | Error) & {
  readonly code: C;
};

/**
 * Whether `error` is an error of this package: an `Error` whose `code` is one of {@link ErrorCode}
 * (`code`, if given). A type guard for `catch`.
 *
 * ```ts
 * try {
 *   arena.alloc(Float32Array, 1 << 20);
 * } catch (error) {
 *   if (isMemoryError(error, 'ERR_ARENA_EXHAUSTED')) arena.reset();
 *   else throw error;
 * }
 * ```
 */
export function isMemoryError<C extends ErrorCode = ErrorCode>(
  error: unknown,
  code?: C,
): error is MemoryError<C> {
  if (!(error instanceof SafeError)) return false;
  const own = (error as { code?: unknown }).code;
  if (typeof own !== 'string' || !hasOwnCode(own)) return false;
  return code === undefined || own === code;
}

const objectHasOwn = Object.hasOwn;

function hasOwnCode(code: string): code is ErrorCode {
  return objectHasOwn(ERROR_CODES, code);
}

/** The largest alignment accepted: 64 KiB (the core's `MAX_ALIGNMENT`). */
export const MAX_ALIGNMENT: number = native.MAX_ALIGNMENT;

// The alignment of arena, scope and plan allocations when none is given: 16 bytes (the core's
// `DEFAULT_ALIGNMENT`; exported as such by ts/arena.ts).
const DEFAULT_ALIGN: number = native.DEFAULT_ALIGNMENT;

/**
 * @internal An error with `code`, of the class the code is thrown as (a `RangeError` for
 * `ERR_OUT_OF_RANGE`, ...), as the native side throws it.
 */
export function codedError(code: ErrorCode, message: string): Error & { code: ErrorCode } {
  const kind = ERROR_CODES[code];
  // The constructors captured at load, and `code` defined: a replaced global or a setter on
  // `Error.prototype` cannot make an error of ours lose its code.
  const error =
    kind === 'TypeError'
      ? new SafeTypeError(message)
      : kind === 'RangeError'
        ? new SafeRangeError(message)
        : new SafeError(message);
  reflectApply(defineOwn, undefined, [
    error,
    'code',
    { __proto__: null, value: code, writable: true, enumerable: true, configurable: true },
  ]);
  return error as Error & { code: ErrorCode };
}

const defineOwn = Reflect.defineProperty;

/** A short, safe description of a received value for error messages. */
export function describe(value: unknown): string {
  switch (typeof value) {
    case 'number':
      return sameValue(value, -0) ? 'number -0' : `number ${value}`;
    case 'bigint':
      return `bigint ${value}n`;
    case 'string':
      return `string ${toJSONText(value.length > 32 ? `${sliceText(value, 0, 32)}...` : value)}`;
    case 'function':
      try {
        return `function ${value.name || '(anonymous)'}`;
      } catch {
        return 'a function';
      }
    case 'object':
      if (value === null) return 'null';
      // A user's object may have a getter here that throws: the message is not worth it.
      try {
        return `an instance of ${value.constructor?.name ?? 'Object'}`;
      } catch {
        return 'an object';
      }
    default:
      return String(value);
  }
}

/** @internal A byte or element count: a number that is a non-negative safe integer. */
export function checkCount(value: unknown, name: string): number {
  if (typeof value !== 'number') {
    throw codedError(
      'ERR_INVALID_ARG_TYPE',
      `${name} must be a number; received ${describe(value)}`,
    );
  }
  if (!isSafeIntegerValue(value) || value < 0) {
    throw codedError(
      'ERR_OUT_OF_RANGE',
      `${name} must be a non-negative safe integer; received ${describe(value)}`,
    );
  }
  return value;
}

/**
 * The most elements one typed array may have in this runtime (2 ** 32 in Node 20, 2 ** 53 - 1
 * from Node 22): longer views cannot be cut, so longer requests are refused before allocating.
 */
export const MAX_VIEW_LENGTH: number = native.MAX_VIEW_LENGTH;

/** @internal As `checkCount`, and at most {@link MAX_VIEW_LENGTH}: a count of view elements. */
export function checkLength(value: unknown, name: string): number {
  const count = checkCount(value, name);
  if (count > MAX_VIEW_LENGTH) {
    throw codedError(
      'ERR_OUT_OF_RANGE',
      `${name} must be at most ${MAX_VIEW_LENGTH}, the longest typed array this runtime allows; received ${count}`,
    );
  }
  return count;
}

/** @internal As `checkCount`, and at least 1. */
export function checkPositive(value: unknown, name: string): number {
  const count = checkCount(value, name);
  if (count === 0) {
    throw codedError('ERR_OUT_OF_RANGE', `${name} must be at least 1; received 0`);
  }
  return count;
}

/**
 * @internal The alignment an allocation of `elementSize`-byte elements gets: `alignment` if given
 * (checked), else `fallback`, raised to the element size so that every element is aligned. The
 * one home of this rule: arena, scope, plan and replay fall back to `DEFAULT_ALIGNMENT` (16),
 * aligned buffers and pools to the element size (`fallback` 1).
 */
export function alignmentFor(
  alignment: unknown,
  elementSize: number,
  fallback = DEFAULT_ALIGN,
): number {
  return max(alignment === undefined ? fallback : checkAlignment(alignment), elementSize);
}

/** @internal An alignment: a power of two in 1..65536. */
export function checkAlignment(value: unknown): number {
  // Small on purpose, the messages built out of line: V8 inlines a callee only while the caller's
  // budget of inlined bytecode lasts, and this runs inside `Arena.alloc` on the hot path.
  if (
    typeof value === 'number' &&
    value >= 1 &&
    value <= MAX_ALIGNMENT &&
    (value | 0) === value &&
    (value & (value - 1)) === 0
  ) {
    return value;
  }
  throw alignmentError(value);
}

function alignmentError(value: unknown): Error & { code: ErrorCode } {
  if (typeof value !== 'number') {
    return codedError(
      'ERR_INVALID_ARG_TYPE',
      `alignment must be a number; received ${describe(value)}`,
    );
  }
  // The core's words (`AllocError::InvalidAlignment`), so both sides say the same.
  return codedError(
    'ERR_INVALID_ALIGNMENT',
    `alignment must be a power of two from 1 to ${MAX_ALIGNMENT}; received ${value}`,
  );
}

/**
 * @internal Reads the boolean option `name` of `options` (read once: a getter runs once):
 * `false` when absent.
 */
export function booleanOption(options: object, name: string): boolean {
  const value = (options as Record<string, unknown>)[name];
  if (value === undefined) return false;
  if (typeof value !== 'boolean') {
    throw codedError(
      'ERR_INVALID_ARG_TYPE',
      `${name} must be a boolean; received ${describe(value)}`,
    );
  }
  return value;
}

/** @internal `type.BYTES_PER_ELEMENT`, if `type` is a typed array constructor. */
export function checkType(type: unknown): number {
  const size = elementSize(type);
  if (size === undefined) throw typeArgumentError(type);
  return size;
}

// Out of line, as for `alignmentError`: `checkType` runs inside `Arena.alloc`.
function typeArgumentError(type: unknown): Error & { code: ErrorCode } {
  const received = describe(type);
  const missing =
    !HAS_FLOAT16 && received === 'function Float16Array'
      ? ' (this runtime has no Float16Array of its own: Node 24+, current browsers)'
      : '';
  return codedError(
    'ERR_INVALID_ARG_TYPE',
    `type must be a typed array constructor of this runtime (${ACCEPTED})${missing}; received ${received}`,
  );
}

/** @internal `value` must be a typed array or DataView. */
export function checkView(value: unknown, name: string): ArrayBufferView {
  if (!isBufferView(value)) {
    throw codedError(
      'ERR_INVALID_ARG_TYPE',
      `${name} must be a typed array or DataView; received ${describe(value)}`,
    );
  }
  return value;
}

/** @internal */
export function disposedError(what: string): Error & { code: ErrorCode } {
  return codedError('ERR_DISPOSED', `this ${what} has been disposed`);
}
