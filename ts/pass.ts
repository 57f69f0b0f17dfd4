/**
 * What a pass sees, recorded or replayed: the allocation calls it makes ({@link PassMemory}), and
 * what a plan keeps of each tensor it allocated ({@link PlannedTensor}). Its own file because the
 * recorder (`ts/plan.ts`) and the replay (`ts/replay.ts`) both speak it, and neither owns it.
 * @module
 */

import type { TypedArray, TypedArrayConstructor, TypedArrayName } from './typed-array';

/** What a pass sees while it is recorded and while it is replayed: an arena's allocation calls. */
export interface PassMemory {
  /** `length` elements of `type`; alignment as `Arena.alloc`'s (16, raised to the element size). */
  alloc<T extends TypedArray>(
    type: TypedArrayConstructor<T>,
    length: number,
    alignment?: number,
  ): T;
  /** `size` bytes as a `Uint8Array`; alignment as `Arena.allocate`'s (16 by default). */
  allocate(size: number, alignment?: number): Uint8Array;
  /** Ends a tensor's life: its memory may serve a later tensor of the pass. */
  free(view: ArrayBufferView): void;
}

/** A tensor of a plan: its lifetime, and, for a recorded pass, what was asked for it. */
export interface PlannedTensor {
  readonly size: number;
  readonly alignment: number;
  readonly start: number;
  readonly end: number;
  /** Whether the pass freed it (at step `end`), rather than keeping it to the end. */
  readonly freed: boolean;
  /** The typed array type it was allocated as (`'Uint8Array'` for `allocate`), if recorded. */
  readonly type?: TypedArrayName;
  /** Its length in elements, if recorded. */
  readonly length?: number;
}

/**
 * A pass: a function of the memory it allocates from, run synchronously. Its return value is
 * its own; a promise is refused, by the type (`R` may not be a promise) and at run time: a plan
 * records the order of allocations, which an `await` would make depend on timing.
 */
export type Pass<R> = (mem: PassMemory) => R & Synchronous<R>;

/** `unknown` for a value that is not a promise, `never` for one that is. */
export type Synchronous<R> = R extends PromiseLike<unknown> ? never : unknown;
