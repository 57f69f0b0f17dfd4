/**
 * The pool: fixed-size slots of one typed array type, handed out and taken back in O(1).
 *
 * Why the free list runs here: a crossing on allocate and another on deallocate would make the
 * pool slower than letting the GC do the work (docs/design.md). The rule is the core's `Pool`
 * (`crates/memory/src/pool.rs`), and the package's differential test holds this copy to it: a
 * slot never used since the pool was made or cleared comes from a cursor in slot order (here,
 * the next view to cut), a freed one goes on a stack that the next allocation pops, and a full
 * pool grows by one chunk. Every slot's view is cut once and tagged with its index, so
 * `deallocate` checks in O(1) that the view is this pool's current view of a live slot. Native
 * code only adds, renews and frees whole chunks.
 * @module
 */

import type { Backing } from './arena';
import {
  alignmentFor,
  booleanOption,
  checkLength,
  checkPositive,
  checkType,
  codedError,
  describe,
  disposedError,
} from './errors';
import { Holds } from './hold';
import {
  append,
  fillView,
  floorOf,
  isBufferView,
  list,
  max,
  SafeUint8Array,
  SafeUint32Array,
} from './intrinsics';
import type { Lease } from './lease';
import { remember } from './seen';
import { SharedPool } from './shared';
import { poisonView, zeroOf } from './typed-array';

import native = require('./native');

import type { TypedArray, TypedArrayConstructor } from './typed-array';

/** Options of a {@link Pool}. */
export interface PoolOptions {
  /** Slots in the first chunk, and in every chunk added when the pool is full; 1024 by default. */
  initialCapacity?: number;
  /**
   * Alignment of every slot's first byte: a power of two from 1 to 65536, raised to the type's
   * `BYTES_PER_ELEMENT`, which is the default.
   */
  alignment?: number;
  /** Zero a reused slot on `allocate`; `false` by default (fresh slots are always zero). */
  zero?: boolean;
  /**
   * Shared memory: slots over `SharedArrayBuffer`s that every worker they are posted to sees as
   * the same memory (see `Arena`'s `shared`). `clear` and `dispose` leave the views attached;
   * take a {@link Pool.lease} or a {@link Pool.hold} for work other threads do with them.
   */
  shared?: boolean;
  /**
   * Fill a slot given back (`deallocate`, `clear`, `dispose`) with NaN (float types) or `0xDE`
   * bytes, so that a stale view shows (shared pools only: other views are detached).
   */
  poison?: boolean;
}

/** The slots of the first chunk, and of each later one, when `initialCapacity` is not given. */
export const DEFAULT_CAPACITY: number = native.DEFAULT_CAPACITY;

/** Returns its argument from a constructor: what lets {@link SlotTag} stamp a view it did not make. */
const Identity = function (this: unknown, target: object) {
  return target;
} as unknown as new (
  target: object,
) => object;

/**
 * The slot index each view of a pool carries, as a private field stamped on the view: no
 * property, getter or `defineProperty` of user code can read, fake or change it.
 */
class SlotTag extends Identity {
  readonly #slot: number;

  private constructor(view: object, slot: number) {
    super(view);
    this.#slot = slot;
  }

  static stamp(view: object, slot: number): void {
    new SlotTag(view, slot);
  }

  static read(value: unknown): number | undefined {
    // One private load, which throws for anything not stamped (a brand check `#slot in value`
    // first cost a tenth more per deallocate).
    try {
      return (value as SlotTag).#slot;
    } catch {
      return undefined;
    }
  }
}

/** @internal The slot index a pool's view carries (for the differential test). */
export function slotOf(view: TypedArray): number | undefined {
  return SlotTag.read(view);
}

/**
 * A pool of equal slots, each a view of `length` elements of one typed array type: the nodes of
 * a graph, the small tensors of an autograd tape.
 *
 * ```ts
 * using pool = new Pool(Float32Array, 16);
 * const node = pool.allocate(); // a Float32Array(16) over native memory
 * pool.deallocate(node);        // the slot is free again: O(1), no GC
 * ```
 */
export class Pool<T extends TypedArray> implements Disposable {
  readonly #type: TypedArrayConstructor<T>;
  readonly #length: number;
  readonly #chunkSlots: number;
  readonly #zero: boolean;
  /** Bytes from one slot's start to the next (the core's `slot_stride`). */
  readonly #stride: number;
  /** What `zero: true` fills a reused slot with: `0n` for the 64-bit integer types. */
  readonly #zeroValue: number | bigint;
  #handle: native.NativePool | SharedPool | null;
  /** Where the pool's memory is (see `Backing`). */
  readonly #backing: Backing;
  /** Whether a slot given back is poisoned (shared pools only). */
  readonly #poison: boolean;
  /** One buffer per chunk (the current epoch), and where its first slot starts. */
  #buffers: ArrayBuffer[] = list();
  readonly #starts: number[] = list();
  /** Slots in all chunks. */
  #capacity = 0;
  /**
   * The view of every slot cut so far, by slot index. Views are cut on a slot's first use, in
   * slot order, not when its chunk arrives: a pool of a million slots costs nothing up front.
   */
  #views: T[] = list();
  // Typed arrays with their lengths kept here: a typed array's `length` is a getter on its
  // prototype, which user code can replace.
  /** 1 for a live slot, 0 for a free one, by slot index (as far as views are cut). */
  #live: Uint8Array = new SafeUint8Array(64);
  #liveRoom = 64;
  /** Indices of freed slots, all cut, as a stack: `allocate` pops the last. */
  #free: Uint32Array = new SafeUint32Array(64);
  #freeRoom = 64;
  #freeCount = 0;
  /** Slots below this index held data before the last `clear`: not zero when cut again. */
  #dirty = 0;
  readonly #holds = new Holds();

  /**
   * @param type the slots' typed array constructor, e.g. `Float32Array`.
   * @param length elements per slot, an integer >= 1.
   * @throws TypeError `ERR_INVALID_ARG_TYPE` for a wrong argument type; RangeError
   *   `ERR_OUT_OF_RANGE`, `ERR_INVALID_ALIGNMENT` or `ERR_OUT_OF_MEMORY`.
   */
  constructor(type: TypedArrayConstructor<T>, length: number, options: PoolOptions = {}) {
    const elementSize = checkType(type);
    const slotLength = checkPositive(checkLength(length, 'length'), 'length');
    if (typeof options !== 'object' || options === null) {
      throw codedError(
        'ERR_INVALID_ARG_TYPE',
        `options must be an object; received ${describe(options)}`,
      );
    }
    const { initialCapacity = DEFAULT_CAPACITY, alignment, zero = false } = options;
    const chunkSlots = checkPositive(initialCapacity, 'initialCapacity');
    const align = alignmentFor(alignment, elementSize, 1);
    if (typeof zero !== 'boolean') {
      throw codedError(
        'ERR_INVALID_ARG_TYPE',
        `zero must be a boolean; received ${describe(zero)}`,
      );
    }
    const shared = booleanOption(options, 'shared');
    const poison = booleanOption(options, 'poison');
    this.#type = type;
    this.#zeroValue = zeroOf(type);
    this.#length = slotLength;
    this.#chunkSlots = chunkSlots;
    this.#zero = zero;
    this.#poison = shared && poison;
    const handle = shared
      ? new SharedPool(slotLength * elementSize, align, poison)
      : new native.NativePool(slotLength * elementSize, align);
    this.#handle = handle;
    this.#stride = handle.stride;
    try {
      this.#grow();
    } catch (error) {
      handle.dispose();
      throw error;
    }
    // The browser entry's backend says 'js' (its chunks are JavaScript's).
    this.#backing =
      handle instanceof SharedPool
        ? handle.shared === 'native'
          ? 'shared-native'
          : 'shared-v8'
        : (native.memoryBacking() as string) === 'js'
          ? 'js'
          : this.#firstBacking;
  }

  /** The backing of the first chunk, as the binding said. */
  #firstBacking: 'native' | 'v8' = 'native';

  /**
   * A free slot, growing the pool by one chunk if none is left (live slots never move).
   * A slot never used before is zero; a reused one holds what its last user wrote, unless the
   * pool was made with `zero: true`.
   * @throws RangeError `ERR_OUT_OF_MEMORY` if the pool must grow and cannot; Error
   *   `ERR_DISPOSED` after dispose.
   */
  allocate(): T {
    const count = this.#freeCount;
    if (count === 0) return this.#cutNext();
    const slot = this.#free[count - 1] as number;
    const view = this.#views[slot] as T;
    // Every slot in the free list was used: zero it if asked, with the builtin `fill` (no
    // user code runs) and the type's own zero (`0n` for BigInt64Array), before the slot leaves
    // the free list; a view whose memory was moved away refuses, and nothing changes.
    if (this.#zero) this.#zeroSlot(view);
    this.#freeCount = count - 1;
    this.#live[slot] = 1;
    return view;
  }

  #zeroSlot(view: T): void {
    try {
      fillView(view, this.#zeroValue);
    } catch {
      throw this.#movedAway();
    }
  }

  /** Cuts the view of the first slot never used since the last clear, growing if needed. */
  #cutNext(): T {
    const slot = this.#views.length;
    if (slot === this.#capacity) this.#grow();
    // Cut, zero and tag before anything is recorded: if one throws, nothing changes.
    const view = this.#cut(slot);
    if (this.#zero && slot < this.#dirty) this.#zeroSlot(view);
    SlotTag.stamp(view, slot);
    if (slot === this.#liveRoom) {
      const live = new SafeUint8Array(2 * slot);
      copy(this.#live, live, slot);
      this.#live = live;
      this.#liveRoom = 2 * slot;
    }
    append(this.#views, view);
    this.#live[slot] = 1;
    return view;
  }

  /**
   * Frees the slot that `view` came from, in O(1).
   * @throws Error `ERR_DOUBLE_FREE` if the slot is already free; `ERR_FOREIGN_VIEW` if this pool
   *   did not hand `view` out (or cleared it since); TypeError `ERR_INVALID_ARG_TYPE` if `view`
   *   is not a typed array; Error `ERR_DISPOSED` after dispose.
   */
  deallocate(view: T): void {
    const slot = SlotTag.read(view);
    if (slot === undefined || this.#views[slot] !== view) throw this.#notMine(view);
    if (this.#live[slot] !== 1) {
      throw codedError('ERR_DOUBLE_FREE', `double free: pool slot ${slot} is already free`);
    }
    const count = this.#freeCount;
    if (count === this.#freeRoom) {
      const free = new SafeUint32Array(2 * count);
      copy(this.#free, free, count);
      this.#free = free;
      this.#freeRoom = 2 * count;
    }
    // Shared memory stays attached: a stale view shows if it is poisoned (before the slot is
    // free: the fill is the builtin's, and runs no user code).
    if (this.#poison) poisonView(view);
    this.#free[count] = slot;
    this.#freeCount = count + 1;
    this.#live[slot] = 0;
  }

  #notMine(view: unknown): Error {
    if (this.#handle === null) return disposedError('pool');
    if (!isBufferView(view)) {
      return codedError(
        'ERR_INVALID_ARG_TYPE',
        `view must be a typed array; received ${describe(view)}`,
      );
    }
    return codedError(
      'ERR_FOREIGN_VIEW',
      'the view was not handed out by this pool (or the pool was cleared since)',
    );
  }

  /**
   * Frees every slot; the capacity is kept, and every view handed out before is detached (in a
   * shared pool: left attached, and poisoned if asked).
   * @throws Error `ERR_BUSY` while a hold is pending or a lease unreleased; `ERR_DISPOSED`.
   */
  clear(): void {
    const handle = this.#handleOrThrow();
    this.#holds.check('clear the pool');
    // The native side checks every chunk, then ends every buffer over them: if it throws,
    // nothing changed.
    const renewed = handle.clear();
    const buffers = list<ArrayBuffer>();
    for (let at = 0; at < renewed.length; at++)
      append(buffers, remember(renewed[at] as ArrayBuffer));
    this.#buffers = buffers;
    this.#dirty = max(this.#dirty, this.#views.length);
    this.#views = list();
    this.#live = new SafeUint8Array(this.#liveRoom);
    this.#freeCount = 0;
  }

  /**
   * Holds the pool's memory until `work` settles (see `Arena.hold`): until then `clear` and
   * `dispose` throw `ERR_BUSY` and change nothing. `deallocate` is not held back: a slot you free
   * while native work still writes into it is yours to keep track of.
   * @throws TypeError `ERR_INVALID_ARG_TYPE` if `work` is not a promise; Error `ERR_DISPOSED`.
   */
  hold<R>(work: PromiseLike<R>): Promise<R> {
    this.#handleOrThrow();
    return this.#holds.take(work, this);
  }

  /**
   * A lease on the pool's memory, for work another thread does with its slots: until
   * `releaseLease(lease)` is called, in any thread, `clear` and `dispose` throw `ERR_BUSY` and
   * change nothing, as for a {@link Pool.hold} (see `Arena.lease`).
   * @throws Error `ERR_DISPOSED`; `ERR_INVALID_STATE` where there is no `SharedArrayBuffer`.
   */
  lease(): Lease {
    this.#handleOrThrow();
    return this.#holds.lease();
  }

  /** Where the pool's memory is (see `Backing`): shared memory says whose it is. */
  get backing(): Backing {
    this.#handleOrThrow();
    return this.#backing;
  }

  /** Live slots. */
  get size(): number {
    this.#handleOrThrow();
    return this.#views.length - this.#freeCount;
  }

  /** All slots, live and free. */
  get capacity(): number {
    this.#handleOrThrow();
    return this.#capacity;
  }

  /** Free slots: what can be allocated without growing (`capacity - size`). */
  get available(): number {
    this.#handleOrThrow();
    return this.#capacity - this.#views.length + this.#freeCount;
  }

  /** The number of chunks; a full pool grows by one chunk of `initialCapacity` slots. */
  get chunks(): number {
    this.#handleOrThrow();
    return this.#buffers.length;
  }

  /**
   * Frees every chunk now and detaches every view. Any later use throws `ERR_DISPOSED`; a second
   * `dispose` does nothing. Without it, the garbage collector frees the memory.
   */
  dispose(): void {
    const handle = this.#handle;
    if (handle === null) return;
    this.#holds.check('dispose the pool');
    this.#handle = null;
    // The native side detaches every buffer it made over the chunks, then frees them. It goes
    // first, while the chunks' buffers are still held here: the binding holds them weakly, and
    // one collected before it looks (a collection can run at any allocation below) is one it
    // cannot rule out was moved away, so it would give that chunk up instead of freeing it now.
    try {
      handle.dispose();
    } finally {
      this.#buffers = list();
      this.#views = list();
      this.#live = new SafeUint8Array(0);
      this.#liveRoom = 0;
      this.#freeCount = 0;
      this.#capacity = 0;
    }
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  /** Adds a chunk of `#chunkSlots` fresh slots; on error nothing changes. */
  #grow(): void {
    const parts = this.#handleOrThrow().addChunk(this.#chunkSlots);
    if (this.#buffers.length === 0) this.#firstBacking = parts.backing;
    append(this.#buffers, remember(parts.buffer));
    append(this.#starts, parts.start);
    this.#capacity += this.#chunkSlots;
  }

  /** A new view of slot `slot` over its chunk's current buffer. */
  #cut(slot: number): T {
    const chunk = floorOf(slot / this.#chunkSlots);
    const offset = (this.#starts[chunk] as number) + (slot % this.#chunkSlots) * this.#stride;
    try {
      return new this.#type(this.#buffers[chunk] as ArrayBuffer, offset, this.#length);
    } catch {
      throw this.#movedAway();
    }
  }

  #movedAway(): Error {
    this.#handleOrThrow();
    return codedError(
      'ERR_INVALID_STATE',
      "the pool's memory was moved away (ArrayBuffer.prototype.transfer, or a structured-clone transfer); dispose the pool",
    );
  }

  #handleOrThrow(): native.NativePool | SharedPool {
    if (this.#handle === null) throw disposedError('pool');
    return this.#handle;
  }
}

/** Copies the first `count` elements of `from` into `to` (a loop: `set` could be replaced). */
function copy(from: Uint8Array | Uint32Array, to: Uint8Array | Uint32Array, count: number): void {
  for (let at = 0; at < count; at++) to[at] = from[at] as number;
}
