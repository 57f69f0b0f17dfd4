/**
 * The arena: a bump pointer over one block of native memory, handing out zero-copy views.
 *
 * Why the bump runs here and not in Rust: an N-API crossing costs about as much as cutting the
 * view itself (DESIGN.md), so `alloc` is a few additions and one `new T(buffer, offset, length)`.
 * The rule is the core crate's `Bump`: alignment on the absolute address, which this side knows
 * modulo 65536 (`misalignment`), enough for every alignment it accepts.
 * @module
 */

import {
  checkAlignment,
  checkLength,
  checkPositive,
  checkType,
  checkView,
  disposedError,
  type ErrorCode,
  MAX_VIEW_LENGTH,
  plainError,
  rangeError,
} from './errors';

import native = require('./native');

import type { TypedArray, TypedArrayConstructor } from './typed-array';

// A copy of `MAX_VIEW_LENGTH` local to this module: the hot paths compare against it, and a
// module-level constant is one load, where an imported binding is a property load (tsc) or a
// getter call (esbuild, tsx) on every allocation (measured: 19 -> 23 ns per `alloc`).
const MAX_LENGTH: number = MAX_VIEW_LENGTH;

/** The alignment of `allocate` and `alloc` when none is given: 16 bytes (SSE, NEON). */
export const DEFAULT_ALIGNMENT = 16;

/**
 * A bump allocator over one block of native memory, for scratch tensors that live until the next
 * {@link Arena.reset}: a forward pass's activations, say.
 *
 * ```ts
 * using arena = new Arena(1 << 20);
 * for (const input of batches) {
 *   const hidden = arena.alloc(Float32Array, 256, 64); // 64-byte aligned, zero-copy
 *   // ...
 *   arena.reset(); // every view handed out is detached; the memory is reused
 * }
 * ```
 */
export class Arena implements Disposable {
  #handle: native.NativeArena | null;
  #buffer: ArrayBuffer;
  /** Offset of the arena's first byte in `#buffer`. */
  readonly #start: number;
  /** The arena's first byte's address, modulo 65536. */
  readonly #misalignment: number;
  /** Bytes in the arena; -1 once disposed, so the hot path's bounds check also catches that. */
  #capacity: number;
  /** Bytes claimed since the last reset, padding included. */
  #cursor = 0;

  /**
   * @param capacity bytes, an integer >= 1. Fresh memory is zero.
   * @throws TypeError `ERR_INVALID_ARG_TYPE` if `capacity` is not a number.
   * @throws RangeError `ERR_OUT_OF_RANGE` if it is not a safe integer >= 1;
   *   `ERR_OUT_OF_MEMORY` if the system refuses the memory.
   */
  constructor(capacity: number) {
    const bytes = checkPositive(capacity, 'capacity');
    const parts = native.createArena(bytes);
    this.#handle = parts.handle;
    this.#buffer = parts.buffer;
    this.#start = parts.start;
    this.#misalignment = parts.misalignment;
    this.#capacity = bytes;
  }

  /**
   * `size` bytes whose first byte's native address is a multiple of `alignment`.
   * @param alignment a power of two from 1 to 65536; 16 by default.
   * @throws RangeError `ERR_ARENA_EXHAUSTED` if they do not fit; see also the argument errors
   *   of the constructor, and `ERR_INVALID_ALIGNMENT`. `Error` `ERR_DISPOSED` after dispose.
   */
  allocate(size: number, alignment?: number): Uint8Array {
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0 || size > MAX_LENGTH) {
      checkLength(size, 'size');
    }
    const align = alignment === undefined ? DEFAULT_ALIGNMENT : checkAlignment(alignment);
    return new Uint8Array(this.#buffer, this.#claim(size, align), size);
  }

  /**
   * `length` elements of `type`, e.g. `arena.alloc(Float32Array, 256)`.
   * @param alignment defaults to `max(16, type.BYTES_PER_ELEMENT)`, and is raised to
   *   `type.BYTES_PER_ELEMENT` if smaller.
   * @throws as {@link Arena.allocate}, and TypeError `ERR_INVALID_ARG_TYPE` if `type` is not a
   *   typed array constructor.
   */
  alloc<T extends TypedArray>(
    type: TypedArrayConstructor<T>,
    length: number,
    alignment?: number,
  ): T {
    const elementSize = checkType(type);
    if (
      typeof length !== 'number' ||
      !Number.isSafeInteger(length) ||
      length < 0 ||
      length > MAX_LENGTH
    ) {
      checkLength(length, 'length');
    }
    let align = alignment === undefined ? DEFAULT_ALIGNMENT : checkAlignment(alignment);
    if (align < elementSize) align = elementSize;
    return new type(this.#buffer, this.#claim(length * elementSize, align), length);
  }

  /** Claims `size` bytes aligned to `alignment`; returns their offset in `#buffer`. */
  #claim(size: number, alignment: number): number {
    const cursor = this.#cursor;
    const remainder = (this.#misalignment + cursor) % alignment;
    const offset = remainder === 0 ? cursor : cursor + alignment - remainder;
    const end = offset + size;
    if (end > this.#capacity) throw this.#exhausted(size, alignment);
    this.#cursor = end;
    return this.#start + offset;
  }

  #exhausted(size: number, alignment: number): Error & { code: ErrorCode } {
    if (this.#handle === null) return disposedError('arena');
    const available = this.#capacity - this.#cursor;
    return rangeError(
      'ERR_ARENA_EXHAUSTED',
      `arena exhausted: requested ${size} bytes aligned to ${alignment}, ${available} of ${this.#capacity} bytes available`,
    );
  }

  /**
   * Makes the whole arena free again. The same memory is handed out from the start (same
   * addresses); every view handed out before is detached (`byteLength === 0`). Reused memory is
   * not zeroed: it holds what its last user wrote, as `Buffer.allocUnsafe` does.
   * @throws Error `ERR_DISPOSED` after dispose.
   */
  reset(): void {
    const handle = this.#live();
    this.#buffer = handle.reset(this.#buffer);
    this.#cursor = 0;
  }

  /**
   * The byte offset of `view`'s first byte from the arena's start.
   * @throws TypeError `ERR_INVALID_ARG_TYPE` if `view` is not a typed array or DataView;
   *   Error `ERR_FOREIGN_VIEW` if it does not view this arena's current memory.
   */
  offsetOf(view: ArrayBufferView): number {
    this.#live();
    checkView(view, 'view');
    if (view.buffer !== this.#buffer) {
      throw plainError(
        'ERR_FOREIGN_VIEW',
        'the view was not handed out by this arena since its last reset',
      );
    }
    return view.byteOffset - this.#start;
  }

  /** Bytes claimed since the last reset, padding included. */
  get used(): number {
    this.#live();
    return this.#cursor;
  }

  /** Bytes in the arena. */
  get capacity(): number {
    this.#live();
    return this.#capacity;
  }

  /** Bytes not yet claimed (an aligned request may need some of them as padding). */
  get available(): number {
    this.#live();
    return this.#capacity - this.#cursor;
  }

  /**
   * Frees the memory now and detaches every view. Any later use throws `ERR_DISPOSED`;
   * a second `dispose` does nothing. Without it, the garbage collector frees the memory.
   */
  dispose(): void {
    const handle = this.#handle;
    if (handle === null) return;
    handle.dispose(this.#buffer);
    this.#handle = null;
    this.#capacity = -1;
    this.#cursor = 0;
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  #live(): native.NativeArena {
    if (this.#handle === null) throw disposedError('arena');
    return this.#handle;
  }
}
