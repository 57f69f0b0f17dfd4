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
  alignmentFor,
  booleanOption,
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
import {
  append,
  bufferByteLength,
  bufferOf,
  byteLengthOf,
  byteOffsetOf,
  list,
  max,
  publicArray,
  SafeArrayBuffer,
  SafeUint8Array,
} from './intrinsics';
import type { Lease } from './lease';
import { RegionArena, type RegionInfo, type RegionOptions, wantsRegion } from './region';
import { Adoptions, BASE, renew, renewsHere } from './renewal';
import { Scope, type ScopeHost } from './scope';
import { type BlockFacts, ScopeBuffers } from './scope-buffers';
import { remember } from './seen';
import { SharedArena } from './shared';

import native = require('./native');

const TASKS = native.TASKS;

import type { PassMemory } from './pass';
import type { TypedArray, TypedArrayConstructor } from './typed-array';

/** What a disposed arena cuts from: nothing (its `#limit` sends every claim to `#live`). */
const NO_BUFFER = new SafeArrayBuffer(0);

/** The alignment of `allocate` and `alloc` when none is given: 16 bytes (SSE, NEON). */
// The default itself is applied by `alignmentFor` (ts/errors.ts), the one home of the rule;
// calling it in `alloc` costs nothing measurable (Node 20 and 24, 16 floats: 23 ns either way).
export const DEFAULT_ALIGNMENT: number = native.DEFAULT_ALIGNMENT;

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
  /**
   * Shared memory: views over `SharedArrayBuffer`s that every worker they are posted to sees
   * as the same memory, zero copy (see {@link Arena.backing}). Such views cannot be detached: a
   * reset, a scope's close or a dispose gives the memory back (or up) and leaves them attached,
   * so take a {@link Arena.lease} or a {@link Arena.hold} for work other threads do with them.
   * The memory is freed only when no thread holds a view of it. `false` by default.
   */
  shared?: boolean;
  /**
   * Fill memory given back with `0xDE` bytes, so a stale view shows (arenas whose views cannot
   * be detached only: `shared`, or over a `memory` region).
   */
  poison?: boolean;
}

/**
 * Where an arena's, a pool's or an aligned buffer's memory is: `'native'` and `'v8'` as
 * {@link memoryBacking} says, `'js'` under the browser entry, `'region'` in a caller's memory
 * (`{ memory }`), `'shared-native'` for shared memory of the core's (an external
 * `SharedArrayBuffer`: Node 22.23+, 24.16+, 26.1+, Bun) and `'shared-v8'` for shared memory of
 * V8's (a `SharedArrayBuffer` it allocated: Node 20, Deno, a memory cage).
 */
export type Backing = 'native' | 'v8' | 'js' | 'region' | 'shared-native' | 'shared-v8';

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
export class Arena implements Disposable, PassMemory {
  static {
    inspect = (arena) => {
      const out = list<number>();
      const blocks = arena.#blocks;
      for (let index = 0; index < blocks.length; index++) {
        append(out, (blocks[index] as Block).misalignment);
      }
      return publicArray(out);
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
  /** The cursor past the last claim, until the view is cut and the claim committed. */
  #next = 0;

  #handle: native.NativeArena | null;
  /** The caller's memory the arena is carved from, or `null` (memory of the package's). */
  readonly #region: RegionArena | null = null;
  /** Where the arena's memory is (see {@link Backing}). */
  readonly #backing: Backing;
  /** Whether its views can never be detached (a region, shared memory). */
  readonly #keeps: boolean;
  readonly #growable: boolean;
  #blocks: Block[];
  #index = 0;
  /** The bytes of the blocks before the current one: used, tails included. */
  #before = 0;
  /**
   * The most bytes claimed at once, as of the last time `used` went down (a reset, a close, a
   * free): `peak` is the larger of this and `used`, so the hot path keeps no high-water mark.
   */
  #peak = 0;
  #capacity: number;
  /** Buffers renewed here that the binding has yet to take in (see `ts/renewal.ts`). */
  readonly #adoptions = new Adoptions();
  readonly #scopes = new ScopeBuffers(this.#adoptions);
  readonly #holds = new Holds();
  /** `#native`, bound once: what the scope buffers call to reach the binding. */
  readonly #reach = (): native.NativeArena => this.#native();

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
    const shared = booleanOption(options, 'shared');
    if (shared && wantsRegion(options)) {
      throw codedError(
        'ERR_INVALID_ARG_VALUE',
        'an arena is either shared or over a memory region; received both shared: true and memory',
      );
    }
    // The value rules (a limit below the capacity, a limit without growth) are the core's.
    const parts = wantsRegion(options)
      ? RegionArena.create(bytes, options, () => this.#used())
      : shared
        ? SharedArena.create(bytes, growable, max, booleanOption(options, 'poison'), () =>
            this.#used(),
          )
        : native.createArena(bytes, growable, max);
    if (parts.handle instanceof RegionArena) {
      this.#region = parts.handle;
      this.#backing = 'region';
    } else if (parts.handle instanceof SharedArena) {
      this.#backing = parts.handle.shared === 'native' ? 'shared-native' : 'shared-v8';
    } else {
      // The browser entry's backend says 'js' (its blocks are JavaScript's).
      this.#backing = (native.memoryBacking() as string) === 'js' ? 'js' : parts.backing;
    }
    // Views that cannot be detached: nothing is renewed here, the handle gives memory back.
    this.#keeps =
      this.#backing === 'region' ||
      this.#backing === 'shared-native' ||
      this.#backing === 'shared-v8';
    if (this.#keeps) this.#scopes.keepBuffers();
    remember(parts.buffer);
    this.#handle = parts.handle;
    this.#growable = growable;
    const first = toBlock(parts);
    this.#blocks = list<Block>();
    append(this.#blocks, first);
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
    const at = this.#claim(size, alignmentFor(alignment, 1));
    // Cut, then commit (as in `alloc`): a cut that throws changes nothing.
    let view: Uint8Array;
    try {
      view = new SafeUint8Array(this.#buffer, at, size);
    } catch {
      if (this.#rebind()) return this.allocate(size, alignment);
      throw this.#movedAway();
    }
    this.#cursor = this.#next;
    return view;
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
    const at = this.#claim(length * elementSize, alignmentFor(alignment, elementSize));
    // The view is cut here, where `type` is the caller's (one constructor per call site, as V8
    // likes it), and the claim committed only once it exists: a cut that throws (a buffer its
    // user moved away) changes nothing.
    let view: T;
    try {
      view = new type(this.#buffer, at, length);
    } catch {
      // Only a buffer moved away (detached) refuses a cut that fits: nothing is committed. Over
      // a region, a `memory.grow` detaches the memory's buffer: cut from its new one.
      if (this.#rebind()) return this.alloc(type, length, alignment);
      throw this.#movedAway();
    }
    this.#cursor = this.#next;
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

  /**
   * Claims `size` bytes aligned to `alignment`: returns their offset in `#buffer` and leaves the
   * cursor past them in `#next`, for the caller to commit once the view is cut.
   */
  #claim(size: number, alignment: number): number {
    const cursor = this.#cursor;
    const offset = cursor + (-(this.#misalignment + cursor) & (alignment - 1)); // `padding`
    const end = offset + size;
    if (end > this.#limit) return this.#claimSlow(size, alignment);
    this.#next = end;
    return this.#bias + offset;
  }

  /**
   * The slow path: a scope's first claim here, the end of a shadow, or the end of the block.
   * It moves the arena (the buffer it moves to is checked usable: the cut cannot fail there),
   * then claims as the hot path does.
   */
  #claimSlow(size: number, alignment: number): number {
    this.#live();
    this.#move(size, alignment);
    const cursor = this.#cursor;
    const offset = cursor + padding(this.#misalignment + cursor, alignment);
    this.#next = offset + size;
    return this.#bias + offset;
  }

  /**
   * Moves the arena to where a claim the hot path refused lands: a buffer of its own for the
   * innermost scope in the current block, else the next block with room, else a new block if
   * the arena may grow. What may throw (a native call, exhaustion) comes before any field is
   * written: a move that throws changes nothing (the native side may have made a buffer, which
   * it ends if never used). No object is made for the move: a scope's first claim is the common
   * slow path, and its garbage is what a scope per layer costs in GCs (docs/design.md).
   */
  #move(size: number, alignment: number): void {
    const index = this.#index;
    const block = this.#blocks[index] as Block;
    const cursor = this.#cursor;
    const offset = cursor + padding(this.#misalignment + cursor, alignment);
    const scopes = this.#scopes;
    if (offset <= block.size && size <= block.size - offset && scopes.depth > 0) {
      this.#buffer = scopes.bufferFor(this.#reach, index, block, offset, size);
      this.#bias = scopes.cutBias;
      this.#limit = scopes.cutLimit;
      scopes.commit(true);
      return;
    }
    const blocks = this.#blocks;
    let before = this.#before + block.size;
    for (let next = index + 1; next < blocks.length; next++) {
      const candidate = blocks[next] as Block;
      const at = padding(candidate.misalignment, alignment);
      if (at <= candidate.size && size <= candidate.size - at) {
        this.#enter(next, candidate, before);
        return;
      }
      before += candidate.size;
    }
    if (!this.#growable) throw this.#exhausted(size, alignment);
    const depth = scopes.touch();
    const parts = this.#native().grow(size, alignment, this.#capacity - this.#used(), depth);
    const grown = toBlock(parts);
    remember(grown.buffer);
    append(blocks, grown);
    this.#capacity += grown.size;
    this.#enterBlock(blocks.length - 1, grown, before, grown.buffer);
  }

  /**
   * Moves to block `index` (after the current one; the blocks between are given up). No view of
   * it is live (claims only move forward), so the innermost scope, if any, cuts from its base
   * buffer, which the native side renews when that scope closes.
   */
  #enter(index: number, block: Block, before: number): void {
    let buffer = block.buffer;
    if (this.#scopes.depth > 0) {
      buffer = this.#scopes.enter(this.#reach, index);
      block.buffer = buffer;
    } else if (!this.#keeps && bufferByteLength(buffer) === 0) {
      throw this.#movedAway();
    }
    this.#enterBlock(index, block, before, buffer);
  }

  /** Commits a move to block `index`, cutting from `buffer`. */
  #enterBlock(index: number, block: Block, before: number, buffer: ArrayBuffer): void {
    this.#buffer = buffer;
    this.#bias = block.start;
    this.#limit = block.size;
    this.#index = index;
    this.#before = before;
    this.#cursor = 0;
    this.#misalignment = block.misalignment;
    if (this.#scopes.depth > 0) this.#scopes.commit(false);
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
    const task = TASKS === undefined ? undefined : TASKS.current();
    return this.#openScope(task, task);
  }

  /**
   * Opens a scope for task `task`, refused if the innermost open scope belongs to a task other
   * than `caller`'s (see {@link Arena.scoped}).
   */
  #openScope(caller: unknown, task: unknown): Scope {
    this.#scopes.checkTask(caller);
    const serial = this.#scopes.open(
      this.#index,
      this.#cursor,
      this.#before,
      this.#buffer,
      this.#bias,
      this.#limit,
      task,
    );
    this.#limit = -1;
    return new Scope(this.#host, this.#scopes.depth, serial);
  }

  /** What this arena's scopes call: made once, so that a scope is one small object. */
  readonly #host: ScopeHost = {
    arena: this,
    close: (depth, serial) => this.#close(depth, serial),
    isOpen: (depth, serial) => this.#scopes.isOpen(depth, serial),
  };

  /**
   * Runs `fn(arena)` in a new scope and closes the scope when `fn` returns or throws, or, if it
   * returns a promise, when the promise settles; returns what `fn` returns.
   *
   * For async work, this is how a scope knows its task: scopes nest per arena, in the order they
   * were opened, so if another task opened a scope in the same arena while this one's is open,
   * closing this one would end the other's. A scope opened meanwhile by another task (where the
   * runtime can tell, with `AsyncLocalStorage`: Node, Bun, Deno) is refused with
   * `ERR_INVALID_STATE`: give each concurrent task its own arena.
   * @throws Error `ERR_INVALID_STATE` if a scope of this arena is open in another task.
   */
  scoped<R>(fn: (arena: this) => R): R {
    if (typeof fn !== 'function') {
      throw codedError('ERR_INVALID_ARG_TYPE', `fn must be a function; received ${describe(fn)}`);
    }
    if (TASKS === undefined) return this.#scopedAs(undefined, undefined, fn);
    const caller = TASKS.current();
    const task = {};
    return TASKS.run(task, () => this.#scopedAs(caller, task, fn));
  }

  #scopedAs<R>(caller: unknown, task: unknown, fn: (arena: this) => R): R {
    const scope = this.#openScope(caller, task);
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

  /**
   * A lease on the arena's memory, for work another thread does with its views (a worker that
   * synchronises with `Atomics` rather than a promise): until {@link releaseLease} is called
   * with it, in any thread, `reset`, `dispose` and the close of a scope that was open when it
   * was taken throw `ERR_BUSY` and change nothing, as for a {@link Arena.hold}. The lease is
   * plain data: post it to the worker with the views.
   *
   * ```ts
   * const arena = new Arena(1 << 20, { shared: true });
   * const input = arena.alloc(Float32Array, 1024);
   * worker.postMessage({ input, lease: arena.lease() }); // the worker calls releaseLease(lease)
   * ```
   * @throws Error `ERR_DISPOSED`; `ERR_INVALID_STATE` where there is no `SharedArrayBuffer`.
   */
  lease(): Lease {
    this.#live();
    return this.#holds.lease(this.#scopes.depth);
  }

  /** Where the arena's memory is (see {@link Backing}): shared memory says whose it is. */
  get backing(): Backing {
    this.#live();
    return this.#backing;
  }

  /** Closes the scope opened as `serial` at `depth`, and every scope opened after it. */
  #close(depth: number, serial: number): void {
    const scopes = this.#scopes;
    if (!scopes.isOpen(depth, serial)) return;
    this.#live();
    this.#holds.checkDepth('close the scope', depth - 1);
    // What the arena goes back to, read before the close (which lets go of it).
    const index = scopes.indexAt(depth);
    const cursor = scopes.cursorAt(depth);
    const before = scopes.beforeAt(depth);
    const buffer = scopes.bufferAt(depth);
    const bias = scopes.biasAt(depth);
    const limit = scopes.limitAt(depth);
    // Ends the scopes' buffers (here, or in the binding, which checks first: if it throws,
    // nothing changed).
    const renewed = scopes.close(this.#reach, depth);
    this.#notePeak();
    if (renewed !== null) {
      for (let at = 0; at + 1 < renewed.length; at += 2) {
        (this.#blocks[renewed[at] as number] as Block).buffer = renewed[at + 1] as ArrayBuffer;
      }
    }
    this.#index = index;
    this.#cursor = cursor;
    this.#before = before;
    this.#misalignment = (this.#blocks[index] as Block).misalignment;
    this.#buffer = buffer;
    this.#bias = bias;
    this.#limit = limit;
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
    this.#live();
    const limit = resetLimit(mode);
    this.#holds.check('reset the arena');
    this.#notePeak();
    const blocks = this.#blocks;
    if (mode === 'retain' && blocks.length === 1 && this.#renewHere(blocks[0] as Block)) {
      // The common case: no scope is open or left anything the binding must end, and the one
      // block's buffer is renewed here (ts/renewal.ts); a spare window stays, nothing was cut
      // from it.
      this.#scopes.closeAll(false);
    } else if (mode === 'retain' && blocks.length === 1) {
      // The binding closes the scopes, ends every buffer, and renews the one block in place.
      (blocks[0] as Block).buffer = remember(this.#native().renewFirst());
      this.#scopes.closeAll(true);
    } else {
      const kind = limit === undefined ? (mode as 'retain' | 'release') : 'retainLimit';
      const kept = this.#native().reset(kind, limit);
      const fresh = list<Block>();
      let capacity = 0;
      for (let at = 0; at < kept.length; at++) {
        const block = toBlock(kept[at] as Parts);
        remember(block.buffer);
        append(fresh, block);
        capacity += block.size;
      }
      this.#blocks = fresh;
      this.#capacity = capacity;
      this.#scopes.closeAll(true);
    }
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
    if (opened >= 0) {
      let start = 0;
      const block = this.#scopes.openedBlock(opened);
      for (let index = 0; index < block; index++) start += (blocks[index] as Block).size;
      return start + byteOffset - this.#scopes.openedBias(opened);
    }
    throw codedError(
      'ERR_FOREIGN_VIEW',
      'the view was not handed out by this arena since its last reset',
    );
  }

  /**
   * The most bytes ever claimed at once (as `used` counts them) since the arena was made or the
   * last {@link Arena.resetPeak}: run the work once in a growable arena, and `peak` is the
   * capacity a fixed arena needs for it (each block's given-up tail included).
   */
  get peak(): number {
    this.#live();
    const used = this.#used();
    return max(used, this.#peak);
  }

  /** Starts the high-water mark over from what is claimed now. */
  resetPeak(): void {
    this.#live();
    this.#peak = this.#used();
  }

  #notePeak(): void {
    const used = this.#used();
    if (used > this.#peak) this.#peak = used;
  }

  /**
   * Ends a view's life (the {@link PassMemory} call, so that one forward function runs on an
   * arena, a scope or a planned pass). If `view` is the arena's last allocation (in the innermost
   * open scope, if one is), its bytes are claimable again (bumpalo's rule: only the last one can
   * be given back in a bump arena);
   * otherwise, or while a hold or lease is pending (the work may still use them), `free` only
   * checks that the arena handed it out, and the bytes stay claimed until the reset or the close
   * of its scope. The view is not detached either way: using it after
   * `free` is a bug its next claim shows.
   * @throws TypeError `ERR_INVALID_ARG_TYPE` if `view` is not a typed array or DataView; Error
   *   `ERR_FOREIGN_VIEW` if this arena did not hand it out since its last reset (or the close of
   *   its scope); `ERR_DISPOSED` after dispose.
   */
  free(view: ArrayBufferView): void {
    this.#live();
    checkView(view, 'view');
    const at = byteOffsetOf(view) - this.#bias;
    if (
      bufferOf(view) === this.#buffer &&
      this.#holds.count === 0 &&
      at >= this.#scopes.floorIn(this.#index) &&
      at >= 0 &&
      at + byteLengthOf(view) === this.#cursor
    ) {
      this.#notePeak();
      this.#cursor = at;
      return;
    }
    this.offsetOf(view);
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
    // The binding takes in what was renewed here, then detaches every buffer it made over the
    // arena's memory and frees it.
    if (this.#adoptions.pending) this.#adoptions.flush(handle);
    this.#handle = null;
    this.#limit = -1;
    this.#cursor = 0;
    // The binding goes first, while every buffer it made is still held here (the scopes'
    // windows too): it holds them weakly, and one collected before it looks is one it cannot
    // rule out was moved away, so it would give that block up instead of freeing it now.
    try {
      handle.dispose();
    } finally {
      // Nothing of the arena's memory is reachable from it any more: shared memory, which only
      // goes when no thread can reach it, can go once other threads let go too.
      this.#scopes.closeAll(true);
      this.#blocks = list();
      this.#buffer = NO_BUFFER;
    }
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  #live(): native.NativeArena {
    if (this.#handle === null) throw disposedError('arena');
    return this.#handle;
  }

  /**
   * The binding, for a call that may act on the arena's buffers: it first takes in the buffers
   * renewed here (`ts/renewal.ts`), so it never acts on a stale picture.
   */
  #native(): native.NativeArena {
    const handle = this.#live();
    if (this.#adoptions.pending) this.#adoptions.flush(handle);
    return handle;
  }

  /**
   * Renews the one block's base buffer here, if nothing the binding must end is left (no open
   * scope, no shadow, no entered block) and this runtime's `transfer()` keeps the memory.
   */
  #renewHere(block: Block): boolean {
    // A region's or a shared buffer is never detached (its handle gives the memory back).
    if (this.#keeps || this.#scopes.depth > 0 || this.#scopes.touched) return false;
    if (!renewsHere(block.native ? 'native' : 'v8')) return false;
    const fresh = renew(block.buffer);
    if (fresh === null) return false;
    block.buffer = fresh;
    this.#adoptions.add(0, BASE, fresh);
    return true;
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
