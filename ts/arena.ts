/**
 * The arena: a bump pointer over a chain of native blocks, handing out zero-copy views; it can
 * grow, reset in three modes, and open scopes.
 *
 * Why the bump runs here and not in Rust: an N-API crossing costs about as much as cutting the
 * view itself (docs/design.md), so `alloc` is a few additions and one `new T(buffer, offset,
 * length)`. The rule is the core crate's `Chain` (`crates/memory/src/chain.rs`): the bump in the
 * current block, on the absolute address (known here modulo 65536, `misalignment`, enough for
 * every alignment accepted); then the next block with room; then growth, whose size the native
 * side computes with the core's own function. The package's differential test holds this copy
 * to the core's, step by step. Every decision that allocates, frees or ends a buffer is native:
 * this side asks by block index and scope depth, and never hands a buffer back.
 *
 * A claim is a transaction: the new position is computed, the view is cut, and only then is the
 * position committed, so a claim that throws (a buffer its user moved away with `transfer()`)
 * changes nothing.
 * @module
 */

import {
  checkAlignment,
  checkCount,
  checkLength,
  checkPositive,
  checkType,
  checkView,
  codedError,
  describe,
  disposedError,
  type ErrorCode,
} from './errors';
import { Holds } from './hold';
import { append, bufferByteLength, bufferOf, byteOffsetOf, SafeUint8Array } from './intrinsics';
import { RegionArena, type RegionInfo, type RegionOptions, wantsRegion } from './region';
import { Scope } from './scope';
import { type BlockFacts, type Opened, ScopeBuffers, type ScopeRecord } from './scope-buffers';

import native = require('./native');

import type { TypedArray, TypedArrayConstructor } from './typed-array';

// Copies local to this module: the hot paths use them, and a module-level constant is one load,
// where an imported binding is a property load (tsc) or a getter call (esbuild, tsx) on every
// allocation (measured: 19 -> 23 ns per `alloc`). The values come from the core.
const DEFAULT_ALIGN: number = native.DEFAULT_ALIGNMENT;

/** The alignment of `allocate` and `alloc` when none is given: 16 bytes (SSE, NEON). */
export const DEFAULT_ALIGNMENT: number = DEFAULT_ALIGN;

/**
 * Options of an {@link Arena}. With `memory` (see {@link RegionOptions}), the arena is carved from
 * `capacity` bytes of that memory at `offset` and never grows; `poison: true` then fills memory it
 * gives back with `0xDE` bytes, since views over it cannot be detached.
 */
export interface ArenaOptions extends RegionOptions {
  /**
   * Whether a full arena adds a block instead of throwing `ERR_ARENA_EXHAUSTED`: of
   * `max(2 x the last block's size, the padded request)` bytes, as bumpalo grows. Live views
   * never move. `false` by default.
   */
  growable?: boolean;
  /** The most bytes all blocks together may hold (growable arenas only); no limit by default. */
  maxCapacity?: number;
  /** Fill memory given back with `0xDE` bytes (arenas over a `memory` region only). */
  poison?: boolean;
}

/**
 * What {@link Arena.reset} keeps (Zig's `ArenaAllocator` reset modes):
 * - `'retain'`: the capacity. Several blocks become one of their total size, so the next cycle
 *   of the same work needs no growth; one block keeps its memory and addresses.
 * - `'release'`: one block of the initial capacity; the rest is freed.
 * - `{ retainLimit }`: as `'retain'`, but at most `max(retainLimit, initial capacity)` bytes.
 */
export type ResetMode = 'retain' | 'release' | { readonly retainLimit: number };

/** A block of the chain, as the hot path cuts from it. */
interface Block extends BlockFacts {
  /** Its base buffer (renewed by reset, and by the close of a scope that entered it). */
  buffer: ArrayBuffer;
}

/** A block's parts, as the binding returns them. */
interface Parts {
  buffer: ArrayBuffer;
  start: number;
  misalignment: number;
  size: number;
  backing: 'native' | 'v8';
}

function toBlock(parts: Parts): Block {
  return {
    buffer: parts.buffer,
    start: parts.start,
    misalignment: parts.misalignment,
    size: parts.size,
    native: parts.backing === 'native',
  };
}

/**
 * The bytes up to the next multiple of `alignment` from `address` (the core's `padding`; the hot
 * path inlines it). `&` is exact for any safe integer here, since every alignment divides 2 ** 32.
 */
function padding(address: number, alignment: number): number {
  return -address & (alignment - 1);
}

/** Where a claim lands outside the hot path: everything the arena commits once the view is cut. */
interface Move {
  readonly buffer: ArrayBuffer;
  readonly bias: number;
  readonly limit: number;
  readonly index: number;
  readonly before: number;
  readonly cursor: number;
  readonly misalignment: number;
  /** A scope's new buffer in the current block, or `null`. */
  readonly opened: Opened | null;
  /** Whether the innermost scope moved to another block (it then cuts from its base buffer). */
  readonly entered: boolean;
  /** A block the arena grew by, or `null`. */
  readonly grown: Block | null;
}

/** Reads a private field for {@link blockMisalignments}; set by the class's static block. */
let inspect: (arena: Arena) => number[];

/**
 * A bump allocator over native memory, for scratch tensors that live until the next
 * {@link Arena.reset} or the close of the {@link Scope} they were claimed in.
 *
 * ```ts
 * using arena = new Arena(1 << 20, { growable: true });
 * for (const input of batches) {
 *   const hidden = arena.alloc(Float32Array, 256, 64); // 64-byte aligned, zero-copy
 *   // ...
 *   arena.reset(); // every view handed out is detached; the memory is reused
 * }
 * ```
 */
export class Arena implements Disposable {
  static {
    inspect = (arena) => {
      const out: number[] = [];
      const blocks = arena.#blocks;
      for (let index = 0; index < blocks.length; index++) {
        append(out, (blocks[index] as Block).misalignment);
      }
      return out;
    };
  }

  // The hot path: the buffer cut from, where the current block's offset 0 is in it, the end of
  // the current buffer's room (-1 to send every claim to the slow path), the cursor in the
  // current block and that block's misalignment.
  #buffer: ArrayBuffer;
  #bias: number;
  #limit: number;
  #cursor = 0;
  #misalignment: number;

  #handle: native.NativeArena | null;
  /** The caller's memory the arena is carved from, or `null` (memory of the package's). */
  readonly #region: RegionArena | null = null;
  readonly #growable: boolean;
  #blocks: Block[];
  #index = 0;
  /** The bytes of the blocks before the current one: used, tails included. */
  #before = 0;
  #capacity: number;
  readonly #scopes = new ScopeBuffers();
  readonly #holds = new Holds();

  /**
   * @param capacity bytes of the first block, an integer >= 1. Fresh memory is zero.
   * @throws TypeError `ERR_INVALID_ARG_TYPE` for an argument of the wrong type;
   *   `ERR_INVALID_ARG_VALUE` for a `maxCapacity` without `growable`.
   * @throws RangeError `ERR_OUT_OF_RANGE` if `capacity` is not a safe integer >= 1 or
   *   `maxCapacity` is below it; `ERR_OUT_OF_MEMORY` if the system refuses the memory.
   */
  constructor(capacity: number, options: ArenaOptions = {}) {
    const bytes = checkPositive(capacity, 'capacity');
    if (typeof options !== 'object' || options === null) {
      throw codedError(
        'ERR_INVALID_ARG_TYPE',
        `options must be an object; received ${describe(options)}`,
      );
    }
    const { growable = false, maxCapacity } = options;
    if (typeof growable !== 'boolean') {
      throw codedError(
        'ERR_INVALID_ARG_TYPE',
        `growable must be a boolean; received ${describe(growable)}`,
      );
    }
    const max = maxCapacity === undefined ? undefined : checkCount(maxCapacity, 'maxCapacity');
    // The value rules (a limit below the capacity, a limit without growth) are the core's.
    const parts = wantsRegion(options)
      ? RegionArena.create(bytes, options, () => this.#used())
      : native.createArena(bytes, growable, max);
    if (parts.handle instanceof RegionArena) this.#region = parts.handle;
    this.#handle = parts.handle;
    this.#growable = growable;
    const first = toBlock(parts);
    this.#blocks = [first];
    this.#capacity = first.size;
    this.#buffer = first.buffer;
    this.#bias = first.start;
    this.#limit = first.size;
    this.#misalignment = first.misalignment;
  }

  /**
   * `size` bytes whose first byte's native address is a multiple of `alignment`.
   * @param alignment a power of two from 1 to 65536; 16 by default.
   * @throws RangeError `ERR_ARENA_EXHAUSTED` if they do not fit and the arena may not grow (or
   *   not that far); see also the argument errors of the constructor, and
   *   `ERR_INVALID_ALIGNMENT`. `Error` `ERR_DISPOSED` after dispose; `ERR_INVALID_STATE` if the
   *   memory was moved away from the arena (`transfer()`).
   */
  allocate(size: number, alignment?: number): Uint8Array {
    if (typeof size !== 'number' || size >>> 0 !== size) checkLength(size, 'size');
    const align = alignment === undefined ? DEFAULT_ALIGN : checkAlignment(alignment);
    return this.#cut(SafeUint8Array, size, size, align);
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
    // One compare for the common case, a whole number below 2 ** 32 (a valid view length in
    // every runtime); anything else is checked in full.
    if (typeof length !== 'number' || length >>> 0 !== length) checkLength(length, 'length');
    let align = alignment === undefined ? DEFAULT_ALIGN : checkAlignment(alignment);
    if (align < elementSize) align = elementSize;
    return this.#cut(type, length, length * elementSize, align);
  }

  /** Claims `size` bytes aligned to `alignment` and cuts `length` elements of `type` there. */
  #cut<T>(
    type: new (buffer: ArrayBuffer, offset: number, length: number) => T,
    length: number,
    size: number,
    alignment: number,
  ): T {
    const cursor = this.#cursor;
    const offset = cursor + (-(this.#misalignment + cursor) & (alignment - 1)); // `padding`
    const end = offset + size;
    if (end > this.#limit) return this.#cutSlow(type, length, size, alignment);
    let view: T;
    try {
      view = new type(this.#buffer, this.#bias + offset, length);
    } catch {
      // Only a buffer moved away (detached) refuses a cut that fits: nothing is committed. Over
      // a region, a `memory.grow` detaches the memory's buffer: cut from its new one.
      if (this.#rebind()) return this.#cut(type, length, size, alignment);
      throw this.#movedAway();
    }
    this.#cursor = end;
    return view;
  }

  /**
   * Moves to a region memory's new buffer after a grow (the region follows it; a scope's close
   * may have restored a buffer from before); `false` if the arena cuts from the current one.
   */
  #rebind(): boolean {
    const region = this.#region?.region;
    if (region === undefined) return false;
    region.rebind();
    const fresh = region.buffer as ArrayBuffer;
    if (fresh === this.#buffer) return false;
    (this.#blocks[0] as Block).buffer = fresh;
    this.#buffer = fresh;
    return true;
  }

  /**
   * The caller's memory the arena is carved from (`new Arena(capacity, { memory, offset })`), or
   * `null`: where it starts, its bytes, the buffer views are cut from now, and how many times the
   * memory grew under it (views cut before a grow are dead).
   */
  get region(): RegionInfo | null {
    this.#live();
    return this.#region === null ? null : this.#region.region.info();
  }

  /** The slow path: a scope's first claim here, the end of a shadow, or the end of the block. */
  #cutSlow<T>(
    type: new (buffer: ArrayBuffer, offset: number, length: number) => T,
    length: number,
    size: number,
    alignment: number,
  ): T {
    const move = this.#move(this.#live(), size, alignment);
    const offset = move.cursor + padding(move.misalignment + move.cursor, alignment);
    // The buffer comes from the native side, which checked it, or is checked in `#move`.
    const view = new type(move.buffer, move.bias + offset, length);
    this.#buffer = move.buffer;
    this.#bias = move.bias;
    this.#limit = move.limit;
    this.#index = move.index;
    this.#before = move.before;
    this.#misalignment = move.misalignment;
    this.#cursor = offset + size;
    if (move.grown !== null) {
      append(this.#blocks, move.grown);
      this.#capacity += move.grown.size;
    }
    if (move.opened !== null || move.entered) this.#scopes.commit(move.opened);
    return view;
  }

  /**
   * Where a claim the hot path refused lands: a buffer of its own for the innermost scope in the
   * current block, else the next block with room, else a new block if the arena may grow.
   * Commits nothing; the native side may have made a buffer, which it ends if never used.
   */
  #move(handle: native.NativeArena, size: number, alignment: number): Move {
    const index = this.#index;
    const block = this.#blocks[index] as Block;
    const cursor = this.#cursor;
    const offset = cursor + padding(this.#misalignment + cursor, alignment);
    if (offset <= block.size && size <= block.size - offset && this.#scopes.depth > 0) {
      const cut = this.#scopes.bufferFor(handle, index, block, offset, size);
      return {
        buffer: cut.buffer,
        bias: cut.bias,
        limit: cut.limit,
        index,
        before: this.#before,
        cursor,
        misalignment: this.#misalignment,
        opened: cut,
        entered: false,
        grown: null,
      };
    }
    const blocks = this.#blocks;
    let before = this.#before + block.size;
    for (let next = index + 1; next < blocks.length; next++) {
      const candidate = blocks[next] as Block;
      const at = padding(candidate.misalignment, alignment);
      if (at <= candidate.size && size <= candidate.size - at) {
        return this.#enter(handle, next, candidate, before);
      }
      before += candidate.size;
    }
    if (!this.#growable) throw this.#exhausted(size, alignment);
    const grown = toBlock(
      handle.grow(size, alignment, this.#capacity - this.#used(), this.#scopes.touch()),
    );
    const moved = this.#enterBlock(blocks.length, grown, before, grown.buffer);
    return { ...moved, grown };
  }

  /**
   * Moves to block `index` (after the current one; the blocks between are given up). No view of
   * it is live (claims only move forward), so the innermost scope, if any, cuts from its base
   * buffer, which the native side renews when that scope closes.
   */
  #enter(handle: native.NativeArena, index: number, block: Block, before: number): Move {
    let buffer = block.buffer;
    if (this.#scopes.depth > 0) {
      buffer = this.#scopes.enter(handle, index);
      block.buffer = buffer;
    } else if (bufferByteLength(buffer) === 0) {
      throw this.#movedAway();
    }
    return this.#enterBlock(index, block, before, buffer);
  }

  #enterBlock(index: number, block: Block, before: number, buffer: ArrayBuffer): Move {
    return {
      buffer,
      bias: block.start,
      limit: block.size,
      index,
      before,
      cursor: 0,
      misalignment: block.misalignment,
      opened: null,
      entered: this.#scopes.depth > 0,
      grown: null,
    };
  }

  #exhausted(size: number, alignment: number): Error & { code: ErrorCode } {
    // The core's words (`AllocError::Exhausted`), so both sides say the same.
    return codedError(
      'ERR_ARENA_EXHAUSTED',
      `arena exhausted: requested ${size} bytes aligned to ${alignment}, ${this.#capacity - this.#used()} of ${this.#capacity} bytes available`,
    );
  }

  #movedAway(): Error & { code: ErrorCode } {
    this.#live();
    return codedError(
      'ERR_INVALID_STATE',
      "the arena's memory was moved away (ArrayBuffer.prototype.transfer, or a structured-clone transfer); dispose the arena",
    );
  }

  #used(): number {
    return this.#before + this.#cursor;
  }

  /**
   * Opens a scope at the arena's current position: what the arena hands out until it closes
   * belongs to it. Close it with `scope.close()` or `using scope = arena.scope()`.
   * @throws Error `ERR_DISPOSED` after dispose.
   */
  scope(): Scope {
    this.#live();
    const record = this.#scopes.open({
      index: this.#index,
      cursor: this.#cursor,
      before: this.#before,
      buffer: this.#buffer,
      bias: this.#bias,
      limit: this.#limit,
    });
    this.#limit = -1;
    return new Scope(record, (closing) => this.#close(closing));
  }

  /**
   * Runs `fn(arena)` in a new scope and closes the scope when `fn` returns or throws, or, if it
   * returns a promise, when the promise settles; returns what `fn` returns.
   */
  scoped<R>(fn: (arena: this) => R): R {
    if (typeof fn !== 'function') {
      throw codedError('ERR_INVALID_ARG_TYPE', `fn must be a function; received ${describe(fn)}`);
    }
    const scope = this.scope();
    let result: R;
    try {
      result = fn(this);
    } catch (error) {
      scope.close();
      throw error;
    }
    if (isThenable(result)) return closeAfter(result, scope) as R;
    scope.close();
    return result;
  }

  /**
   * Holds the arena's memory until `work` settles: native work in flight over views of it (an
   * async `fs.read`, an inference run) must not see that memory reused. Until then `reset`,
   * `dispose`, and closing a scope that was open when the hold was taken throw `ERR_BUSY` and
   * change nothing; allocation goes on. Settles as `work` does (a rejection releases too).
   *
   * ```ts
   * const input = arena.alloc(Float32Array, 784, 64);
   * await arena.hold(session.run({ input: new ort.Tensor('float32', input, [1, 784]) }));
   * arena.reset(); // safe: the run is over
   * ```
   * @throws TypeError `ERR_INVALID_ARG_TYPE` if `work` is not a promise; Error `ERR_DISPOSED`.
   */
  hold<R>(work: PromiseLike<R>): Promise<R> {
    this.#live();
    return this.#holds.take(work, this, this.#scopes.depth);
  }

  /** Closes `record`'s scope and every scope opened after it. */
  #close(record: ScopeRecord): void {
    if (record.closed) return;
    const handle = this.#live();
    if (!this.#scopes.isOpen(record)) return;
    this.#holds.checkDepth('close the scope', record.depth - 1);
    // The native side checks first and ends the scopes' buffers; if it throws, nothing changed.
    const renewed = this.#scopes.close(handle, record);
    if (renewed !== null) {
      for (let at = 0; at + 1 < renewed.length; at += 2) {
        (this.#blocks[renewed[at] as number] as Block).buffer = renewed[at + 1] as ArrayBuffer;
      }
    }
    this.#index = record.index;
    this.#cursor = record.cursor;
    this.#before = record.before;
    this.#misalignment = (this.#blocks[record.index] as Block).misalignment;
    this.#buffer = record.buffer;
    this.#bias = record.bias;
    this.#limit = record.limit;
  }

  /**
   * Makes the whole arena free again, keeping what `mode` says (see {@link ResetMode}; an arena
   * of one block keeps the same memory and addresses under `'retain'`). Every view handed out
   * before, from every block, is detached, and every open scope closes. Reused memory is not
   * zeroed: it holds what its last user wrote, as `Buffer.allocUnsafe` does.
   * @throws TypeError `ERR_INVALID_ARG_VALUE` for another `mode`, and nothing changes;
   *   RangeError `ERR_OUT_OF_RANGE` for a `retainLimit` that is not a safe integer >= 0;
   *   Error `ERR_BUSY` while a hold is pending; `ERR_INVALID_STATE` if the memory was moved away
   *   (nothing changes then); `ERR_DISPOSED` after dispose.
   */
  reset(mode: ResetMode = 'retain'): void {
    const handle = this.#live();
    const limit = resetLimit(mode);
    this.#holds.check('reset the arena');
    const blocks = this.#blocks;
    if (mode === 'retain' && blocks.length === 1) {
      // The common case, without lists: the one block renewed in place (the native side closes
      // the scopes and ends every buffer first).
      (blocks[0] as Block).buffer = handle.renewFirst();
    } else {
      const kind = limit === undefined ? (mode as 'retain' | 'release') : 'retainLimit';
      const kept = handle.reset(kind, limit);
      const fresh: Block[] = [];
      let capacity = 0;
      for (let at = 0; at < kept.length; at++) {
        const block = toBlock(kept[at] as Parts);
        append(fresh, block);
        capacity += block.size;
      }
      this.#blocks = fresh;
      this.#capacity = capacity;
    }
    this.#scopes.closeAll();
    this.#index = 0;
    this.#before = 0;
    this.#cursor = 0;
    const block = this.#blocks[0] as Block;
    this.#misalignment = block.misalignment;
    this.#buffer = block.buffer;
    this.#bias = block.start;
    this.#limit = block.size;
  }

  /**
   * The byte offset of `view`'s first byte from the arena's start, its blocks laid end to end
   * (in an arena of one block: from its first byte; 1 KiB, 2 KiB, 4 KiB give 0, 1024, 3072).
   * @throws TypeError `ERR_INVALID_ARG_TYPE` if `view` is not a typed array or DataView;
   *   Error `ERR_FOREIGN_VIEW` if it does not view this arena's current memory.
   */
  offsetOf(view: ArrayBufferView): number {
    this.#live();
    checkView(view, 'view');
    const buffer = bufferOf(view);
    const byteOffset = byteOffsetOf(view);
    const blocks = this.#blocks;
    let before = 0;
    for (let index = 0; index < blocks.length; index++) {
      const block = blocks[index] as Block;
      if (block.buffer === buffer) return before + byteOffset - block.start;
      before += block.size;
    }
    const opened = this.#scopes.find(buffer);
    if (opened !== undefined) {
      let start = 0;
      for (let index = 0; index < opened.block; index++) start += (blocks[index] as Block).size;
      return start + byteOffset - opened.bias;
    }
    throw codedError(
      'ERR_FOREIGN_VIEW',
      'the view was not handed out by this arena since its last reset',
    );
  }

  /** Bytes claimed since the last reset, padding and the given-up tails of blocks included. */
  get used(): number {
    this.#live();
    return this.#used();
  }

  /** Bytes in all blocks. */
  get capacity(): number {
    this.#live();
    return this.#capacity;
  }

  /** Bytes that can be claimed without growing: `capacity - used`. */
  get available(): number {
    this.#live();
    return this.#capacity - this.#used();
  }

  /** The number of blocks (1 for an arena that does not grow). */
  get blocks(): number {
    this.#live();
    return this.#blocks.length;
  }

  /**
   * Frees the memory now, detaches every view and closes every scope. Any later use throws
   * `ERR_DISPOSED`; a second `dispose` does nothing. Without it, the garbage collector frees
   * the memory.
   * @throws Error `ERR_BUSY` while a hold is pending (and nothing changes).
   */
  dispose(): void {
    const handle = this.#handle;
    if (handle === null) return;
    this.#holds.check('dispose the arena');
    this.#handle = null;
    this.#scopes.closeAll();
    this.#limit = -1;
    this.#cursor = 0;
    // The native side detaches every buffer it made over the arena's memory, then frees it.
    handle.dispose();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  #live(): native.NativeArena {
    if (this.#handle === null) throw disposedError('arena');
    return this.#handle;
  }
}

/** Whether `value` has a `then` method (a promise, or a thenable). */
function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/** Waits for `work` (awaited: it settles once, whatever its `then` does), then closes `scope`. */
async function closeAfter(work: PromiseLike<unknown>, scope: Scope): Promise<unknown> {
  try {
    return await work;
  } finally {
    scope.close();
  }
}

/**
 * @internal The misalignment of each of `arena`'s blocks, in order: what the differential test
 * hands the core's rule so that it pads exactly as the facade does.
 */
export function blockMisalignments(arena: Arena): number[] {
  return inspect(arena);
}

/** Checks a reset mode and returns its retain limit, if it has one. */
function resetLimit(mode: unknown): number | undefined {
  if (mode === 'retain' || mode === 'release') return undefined;
  if (typeof mode === 'object' && mode !== null && 'retainLimit' in mode) {
    const limit = (mode as { retainLimit: unknown }).retainLimit;
    if (typeof limit === 'number') return checkCount(limit, 'retainLimit');
  }
  throw codedError(
    'ERR_INVALID_ARG_VALUE',
    `mode must be 'retain', 'release' or { retainLimit: bytes }; received ${describe(mode)}`,
  );
}
