/**
 * Aligned allocation: one block of native memory per buffer, for weights and other long-lived
 * tensors that SIMD kernels read (32-byte alignment for AVX2, 64 for AVX-512).
 *
 * The result is a view, not a bare `ArrayBuffer`, so that the V8-owned fallback (Electron) can
 * over-allocate and start the view at the aligned byte.
 * @module
 */

import {
  alignmentFor,
  booleanOption,
  checkAlignment,
  checkLength,
  checkType,
  checkView,
  codedError,
  describe,
} from './errors';
import { Holds } from './hold';
import {
  anyBufferLength,
  bufferOf,
  byteOffsetOf,
  SafeUint8Array,
  SafeWeakMap,
  typedArrayName,
  weakGet,
  weakSet,
} from './intrinsics';
import { remember } from './seen';
import { SharedAligned } from './shared';

import native = require('./native');

import type { TypedArray, TypedArrayConstructor } from './typed-array';

/** The native block behind each buffer handed out, and where its aligned bytes start. */
interface Owner {
  /** The block's handle: a shared block's only gives up the claim (see `ts/shared.ts`). */
  readonly handle: native.NativeAligned | SharedAligned;
  readonly start: number;
  readonly holds: Holds;
}

// Keyed by buffer, so an owner lives exactly as long as its buffer: collecting the buffer
// collects the handle, whose finalizer frees the memory.
const owners: WeakMap<ArrayBufferLike, Owner> = new SafeWeakMap();

/** Options of {@link alignedAlloc} and {@link alignedNew}. */
export interface AlignedOptions {
  /**
   * Shared memory: a view over a `SharedArrayBuffer` that every worker it is posted to sees as
   * the same memory (see `Arena`'s `shared`). {@link alignedFree} then gives up this thread's
   * claim and detaches nothing; the memory is freed when no thread holds a view of it.
   */
  shared?: boolean;
}

function allocateBlock(
  size: number,
  alignment: number,
  options: AlignedOptions,
): { buffer: ArrayBuffer; start: number } {
  if (typeof options !== 'object' || options === null) {
    throw codedError(
      'ERR_INVALID_ARG_TYPE',
      `options must be an object; received ${describe(options)}`,
    );
  }
  const parts = booleanOption(options, 'shared')
    ? SharedAligned.create(size, alignment)
    : native.createAligned(size, alignment);
  remember(parts.buffer);
  weakSet(owners, parts.buffer, { handle: parts.handle, start: parts.start, holds: new Holds() });
  return parts;
}

/** AVX2's alignment: 32 bytes (the core's `AVX2_ALIGNMENT`). */
export const AVX2_ALIGNMENT: number = native.AVX2_ALIGNMENT;
/** AVX-512's alignment, and a cache line: 64 bytes (the core's `AVX512_ALIGNMENT`). */
export const AVX512_ALIGNMENT: number = native.AVX512_ALIGNMENT;

/**
 * `size` zero-filled bytes whose first byte's native address is a multiple of `alignment`.
 * Free them with {@link alignedFree}, or let the garbage collector do it.
 * @throws TypeError `ERR_INVALID_ARG_TYPE`; RangeError `ERR_OUT_OF_RANGE`,
 *   `ERR_INVALID_ALIGNMENT` or `ERR_OUT_OF_MEMORY`.
 */
export function alignedAlloc(
  size: number,
  alignment: number,
  options: AlignedOptions = {},
): Uint8Array {
  const bytes = checkLength(size, 'size');
  const align = checkAlignment(alignment);
  const { buffer, start } = allocateBlock(bytes, align, options);
  return new SafeUint8Array(buffer, start, bytes);
}

/**
 * `length` zeroed elements of `type`, the first at a native address that is a multiple of
 * `alignment` (raised to `type.BYTES_PER_ELEMENT`, the default).
 * @throws as {@link alignedAlloc}, and TypeError `ERR_INVALID_ARG_TYPE` for a wrong `type`.
 */
export function alignedNew<T extends TypedArray>(
  type: TypedArrayConstructor<T>,
  length: number,
  alignment?: number,
  options: AlignedOptions = {},
): T {
  const elementSize = checkType(type);
  const count = checkLength(length, 'length');
  const align = alignmentFor(alignment, elementSize, 1);
  const { buffer, start } = allocateBlock(count * elementSize, align, options);
  return new type(buffer, start, count);
}

/**
 * Frees a buffer from {@link alignedAlloc} now, and detaches it (a shared one: gives up this
 * thread's claim; the memory goes when no thread holds a view of it).
 * @throws Error `ERR_DOUBLE_FREE` if it was freed already; `ERR_FOREIGN_VIEW` if it is not a
 *   view returned by `alignedAlloc`/`alignedNew`; TypeError `ERR_INVALID_ARG_TYPE`.
 */
export function alignedFree(view: Uint8Array): void {
  release(view);
}

/**
 * Frees an array from {@link alignedNew} now, and detaches it.
 * @throws as {@link alignedFree}.
 */
export function alignedDelete(view: TypedArray): void {
  release(view);
}

/**
 * Holds an aligned buffer until `work` settles (see `Arena.hold`): until then
 * {@link alignedFree}/{@link alignedDelete} of it throw `ERR_BUSY` and free nothing.
 * @throws TypeError `ERR_INVALID_ARG_TYPE`; Error `ERR_FOREIGN_VIEW` if `view` is not from
 *   `alignedAlloc`/`alignedNew`; `ERR_DOUBLE_FREE` if it was freed.
 */
export function holdAligned<R>(view: TypedArray, work: PromiseLike<R>): Promise<R> {
  const owner = ownerOf(view);
  if (owner.handle.released) {
    throw codedError('ERR_DOUBLE_FREE', 'double free: this aligned buffer has already been freed');
  }
  return owner.holds.take(work, view);
}

function ownerOf(value: unknown): Owner {
  const view = checkView(value, 'view');
  if (typedArrayName(view) === undefined) {
    throw codedError('ERR_INVALID_ARG_TYPE', 'view must be a typed array; received a DataView');
  }
  // The view's own slots, not its `buffer`/`byteOffset` properties: those can be replaced.
  const owner = weakGet(owners, bufferOf(view));
  if (owner === undefined) {
    throw codedError('ERR_FOREIGN_VIEW', 'the view was not returned by alignedAlloc or alignedNew');
  }
  return owner;
}

function release(value: unknown): void {
  const owner = ownerOf(value);
  const view = value as ArrayBufferView;
  if (owner.handle.released) {
    throw codedError('ERR_DOUBLE_FREE', 'double free: this aligned buffer has already been freed');
  }
  // A detached buffer that was never freed was transferred away: the native side gives the
  // block up (it never frees memory that another buffer may now hold).
  const offset = byteOffsetOf(view);
  if (anyBufferLength(bufferOf(view)) !== 0 && offset !== owner.start) {
    throw codedError(
      'ERR_FOREIGN_VIEW',
      `the view starts ${offset - owner.start} bytes into an aligned buffer; pass the view that was returned`,
    );
  }
  owner.holds.check('free the aligned buffer');
  owner.handle.free();
}
