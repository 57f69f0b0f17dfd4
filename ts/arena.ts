/**
 * The arena: a bump pointer over a chain of native blocks, handing out zero-copy views; it can
 * grow, reset in three modes, and open scopes.
 *
 * Long because the arena's rule is one piece: the hot path (`#claim`) and the slow path that
 * backs it (next block, growth, the buffers of scopes) share private state, which JavaScript
 * cannot share across modules without a property load on every allocation.
 *
 * Why the bump runs here and not in Rust: an N-API crossing costs about as much as cutting the
 * view itself (docs/design.md), so `alloc` is a few additions and one `new T(buffer, offset,
 * length)`. The rule is the core crate's `Chain` (`crates/memory/src/chain.rs`): the bump in the
 * current block, on the absolute address (known here modulo 65536, `misalignment`, enough for
 * every alignment accepted); then the next block with room; then growth, whose size the native
 * side computes with the core's own function. The package's differential test holds this copy
 * to the core's, step by step. Every decision that allocates or frees memory is native.
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
import { Scope, type ScopeRecord } from './scope';
import { renewsInPlace, transferInPlace } from './transfer';

import native = require('./native');

import type { TypedArray, TypedArrayConstructor } from './typed-array';

// Copies local to this module: the hot paths use them, and a module-level constant is one load,
// where an imported binding is a property load (tsc) or a getter call (esbuild, tsx) on every
// allocation (measured: 19 -> 23 ns per `alloc`). The values come from the core.
const DEFAULT_ALIGN: number = native.DEFAULT_ALIGNMENT;
const MAX_ALIGN: number = native.MAX_ALIGNMENT;

/** The alignment of `allocate` and `alloc` when none is given: 16 bytes (SSE, NEON). */
export const DEFAULT_ALIGNMENT: number = DEFAULT_ALIGN;

/** Options of an {@link Arena}. */
export interface ArenaOptions {
  /**
   * Whether a full arena adds a block instead of throwing `ERR_ARENA_EXHAUSTED`: of
   * `max(2 x the last block's size, the padded request)` bytes, as bumpalo grows. Live views
   * never move. `false` by default.
   */
  growable?: boolean;
  /** The most bytes all blocks together may hold (growable arenas only); no limit by default. */
  maxCapacity?: number;
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
interface Block {
  /** Its base buffer (renewed by reset, and by the close of a scope that entered it). */
  buffer: ArrayBuffer;
  /** Offset of its first byte in `buffer`. */
  readonly start: number;
  /** Its first byte's address modulo 65536. */
  readonly misalignment: number;
  /** Its bytes: what it adds to the capacity. */
  readonly size: number;
  /** Whether its memory is native (a scope gets a window) or V8-owned (a scope gets a shadow). */
  readonly native: boolean;
  /**
   * A window no scope uses, that nothing was cut from: what a closing scope's window becomes
   * where `transfer()` keeps the memory, for the next scope to take (ts/transfer.ts).
   */
  spare: ArrayBuffer | null;
}

/** A shadow: native memory of the arena's own that a scope maps its claims into (V8 backing). */
interface Shadow {
  /** Its place among the arena's shadows, as the native side numbers them. */
  readonly index: number;
  buffer: ArrayBuffer;
  readonly misalignment: number;
  readonly size: number;
  readonly backing: 'native' | 'v8';
}

/** A buffer a scope cuts from, to detach or renew when it closes. */
type Opened =
  | {
      readonly kind: 'window';
      readonly block: number;
      readonly buffer: ArrayBuffer;
      readonly bias: number;
    }
  | {
      readonly kind: 'shadow';
      readonly block: number;
      readonly shadow: Shadow;
      readonly bias: number;
    }
  | { readonly kind: 'block'; readonly block: number };

/** The smallest shadow worth making: small scopes share one (docs/design.md, scopes). */
const MIN_SHADOW = 65536;

function toBlock(parts: {
  buffer: ArrayBuffer;
  start: number;
  misalignment: number;
  size: number;
  backing: 'native' | 'v8';
}): Block {
  return {
    buffer: parts.buffer,
    start: parts.start,
    misalignment: parts.misalignment,
    size: parts.size,
    native: parts.backing === 'native',
    spare: null,
  };
}

/** The backing of a block's memory. */
function kind(block: Block): 'native' | 'v8' {
  return block.native ? 'native' : 'v8';
}

/**
 * The bytes up to the next multiple of `alignment` from `address` (the core's `padding`; `#claim`
 * inlines it). `&` is exact for any safe integer here, since every alignment divides 2 ** 32.
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
export class Arena implements Disposable {
  static {
    inspect = (arena) => arena.#blocks.map((block) => block.misalignment);
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
  readonly #growable: boolean;
  readonly #blocks: Block[];
  #index = 0;
  /** The bytes of the blocks before the current one: used, tails included. */
  #before = 0;
  #capacity: number;
  /** Open scopes, outermost first. */
  readonly #scopes: ScopeRecord[] = [];
  /** Whether the innermost open scope has yet to get a buffer of its own in the current block. */
  #pending = false;
  /** Buffers opened for scopes, in order; each scope owns those from its `windows` on. */
  readonly #opened: Opened[] = [];
  /** Shadows no open scope uses, and every shadow's count. */
  #spare: Shadow[] = [];
  #shadows = 0;
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
    const parts = native.createArena(bytes, growable, max);
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
   *   `ERR_INVALID_ALIGNMENT`. `Error` `ERR_DISPOSED` after dispose.
   */
  allocate(size: number, alignment?: number): Uint8Array {
    if (typeof size !== 'number' || size >>> 0 !== size) checkLength(size, 'size');
    const align = alignment === undefined ? DEFAULT_ALIGN : checkAlignment(alignment);
    const offset = this.#claim(size, align);
    return new Uint8Array(this.#buffer, offset, size);
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
    // The claim first: its slow path may change the buffer.
    const offset = this.#claim(length * elementSize, align);
    return new type(this.#buffer, offset, length);
  }

  /** Claims `size` bytes aligned to `alignment`; returns their offset in `#buffer`. */
  #claim(size: number, alignment: number): number {
    const cursor = this.#cursor;
    const offset = cursor + (-(this.#misalignment + cursor) & (alignment - 1)); // `padding`
    const end = offset + size;
    if (end > this.#limit) return this.#miss(size, alignment);
    this.#cursor = end;
    return this.#bias + offset;
  }

  /** The slow path: a scope's first claim here, the end of a shadow, or the end of the block. */
  #miss(size: number, alignment: number): number {
    const handle = this.#handle;
    if (handle === null) throw disposedError('arena');
    const block = this.#blocks[this.#index] as Block;
    const offset = this.#cursor + padding(this.#misalignment + this.#cursor, alignment);
    if (offset <= block.size && size <= block.size - offset) {
      this.#openBuffer(handle, block, offset, size);
    } else {
      this.#advance(handle, size, alignment);
    }
    return this.#claim(size, alignment);
  }

  /**
   * Gives the innermost scope a buffer of its own in the current block, from `offset` for at
   * least `size` bytes: a window over the block (native memory) or a shadow (V8-owned).
   */
  #openBuffer(handle: native.NativeArena, block: Block, offset: number, size: number): void {
    this.#pending = false;
    if (block.native) {
      const buffer = block.spare ?? handle.window(this.#index);
      block.spare = null;
      this.#opened.push({ kind: 'window', block: this.#index, buffer, bias: block.start });
      this.#use(buffer, block.start, block.size);
      return;
    }
    // A shadow maps logical offset `offset` to an address equal to the block's modulo 65536,
    // so the bump's padding, and so every figure and alignment, is the block's own.
    const room = block.size - offset;
    const want = Math.min(room, Math.max(size, MIN_SHADOW));
    const target = (block.misalignment + offset) % MAX_ALIGN;
    const shadow = this.#takeShadow(handle, want);
    const shift = (target - shadow.misalignment + MAX_ALIGN) % MAX_ALIGN;
    const bias = shift - offset;
    this.#opened.push({ kind: 'shadow', block: this.#index, shadow, bias });
    this.#use(shadow.buffer, bias, offset + Math.min(room, shadow.size - shift));
  }

  /** A spare shadow with room for `bytes` at any shift, or a new one. */
  #takeShadow(handle: native.NativeArena, bytes: number): Shadow {
    const at = this.#spare.findIndex((shadow) => shadow.size - (MAX_ALIGN - 1) >= bytes);
    if (at >= 0) return this.#spare.splice(at, 1)[0] as Shadow;
    const parts = handle.shadow(bytes);
    return {
      index: this.#shadows++,
      buffer: parts.buffer,
      misalignment: parts.misalignment,
      size: parts.size,
      backing: parts.backing,
    };
  }

  /** Moves to the next block with room for the request, growing if none has and the arena may. */
  #advance(handle: native.NativeArena, size: number, alignment: number): void {
    const blocks = this.#blocks;
    for (let index = this.#index + 1; index < blocks.length; index++) {
      const block = blocks[index] as Block;
      const offset = padding(block.misalignment, alignment);
      if (offset <= block.size && size <= block.size - offset) {
        this.#enter(index);
        return;
      }
    }
    if (!this.#growable) throw this.#exhausted(size, alignment);
    const block = toBlock(handle.grow(size, alignment, this.#capacity - this.#used()));
    blocks.push(block);
    this.#capacity += block.size;
    this.#enter(blocks.length - 1);
  }

  /** Makes block `index` (after the current one) current; the blocks between are given up. */
  #enter(index: number): void {
    const blocks = this.#blocks;
    for (let skipped = this.#index; skipped < index; skipped++) {
      this.#before += (blocks[skipped] as Block).size;
    }
    this.#index = index;
    this.#cursor = 0;
    this.#pending = false;
    const block = blocks[index] as Block;
    this.#misalignment = block.misalignment;
    // No view of this block is live (claims only move forward), so the scopes cut from its
    // base buffer, which the innermost one renews when it closes.
    if (this.#scopes.length > 0) this.#opened.push({ kind: 'block', block: index });
    this.#use(block.buffer, block.start, block.size);
  }

  #use(buffer: ArrayBuffer, bias: number, limit: number): void {
    this.#buffer = buffer;
    this.#bias = bias;
    this.#limit = limit;
  }

  #exhausted(size: number, alignment: number): Error & { code: ErrorCode } {
    // The core's words (`AllocError::Exhausted`), so both sides say the same.
    return codedError(
      'ERR_ARENA_EXHAUSTED',
      `arena exhausted: requested ${size} bytes aligned to ${alignment}, ${this.#capacity - this.#used()} of ${this.#capacity} bytes available`,
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
    const record: ScopeRecord = {
      index: this.#index,
      cursor: this.#cursor,
      before: this.#before,
      windows: this.#opened.length,
      buffer: this.#buffer,
      bias: this.#bias,
      limit: this.#limit,
      pending: this.#pending,
      closed: false,
    };
    this.#scopes.push(record);
    // The scope gets a buffer of its own at its first claim (none if it claims nothing).
    this.#pending = true;
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
    if (result instanceof Promise) {
      return result.then(
        (value: unknown) => {
          scope.close();
          return value;
        },
        (error: unknown) => {
          scope.close();
          throw error;
        },
      ) as R;
    }
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
    return this.#holds.take(work, this, this.#scopes.length);
  }

  /** Closes `record`'s scope and every scope opened after it. */
  #close(record: ScopeRecord): void {
    if (record.closed) return;
    const handle = this.#live();
    const at = this.#scopes.lastIndexOf(record);
    this.#holds.checkDepth('close the scope', at);
    const opened = this.#opened.splice(record.windows);
    // Windows are detached, or, where `transfer()` keeps the memory, renewed into their block's
    // spare window; the base buffers of blocks the scope entered, and its shadows, are renewed:
    // in JavaScript where `transfer()` keeps the memory (ts/transfer.ts), else natively.
    const windows: ArrayBuffer[] = [];
    const native: ArrayBuffer[] = [];
    const renewed: { buffer: ArrayBuffer; done: (fresh: ArrayBuffer) => void; inPlace: boolean }[] =
      [];
    // Blocks whose spare window this close provides (one each; any other window is detached).
    const spared = new Set<Block>();
    for (const entry of opened) {
      if (entry.kind === 'window') {
        const block = this.#blocks[entry.block] as Block;
        if (block.spare === null && !spared.has(block) && renewsInPlace(entry.buffer, 'native')) {
          spared.add(block);
          renewed.push({
            buffer: entry.buffer,
            inPlace: true,
            done: (fresh) => {
              block.spare = fresh;
            },
          });
        } else {
          windows.push(entry.buffer);
        }
        continue;
      }
      const target = entry.kind === 'shadow' ? entry.shadow : (this.#blocks[entry.block] as Block);
      const backing = entry.kind === 'shadow' ? entry.shadow.backing : kind(target as Block);
      const inPlace = renewsInPlace(target.buffer, backing);
      if (!inPlace) native.push(target.buffer);
      renewed.push({
        buffer: target.buffer,
        inPlace,
        done: (fresh) => {
          target.buffer = fresh;
          if (entry.kind === 'shadow') this.#spare.push(entry.shadow);
        },
      });
    }
    try {
      if (windows.length > 0) handle.detach(windows);
      const fresh = native.length > 0 ? handle.renew(native) : [];
      let next = 0;
      for (const entry of renewed) {
        entry.done(entry.inPlace ? transferInPlace(entry.buffer) : (fresh[next++] as ArrayBuffer));
      }
    } catch (error) {
      this.#opened.push(...opened);
      throw error;
    }
    for (const closing of this.#scopes.splice(at)) closing.closed = true;
    this.#index = record.index;
    this.#cursor = record.cursor;
    this.#before = record.before;
    this.#misalignment = (this.#blocks[record.index] as Block).misalignment;
    this.#pending = record.pending;
    this.#use(record.buffer, record.bias, record.limit);
  }

  /**
   * Makes the whole arena free again, keeping what `mode` says (see {@link ResetMode}; an arena
   * of one block keeps the same memory and addresses under `'retain'`). Every view handed out
   * before, from every block, is detached, and every open scope closes. Reused memory is not
   * zeroed: it holds what its last user wrote, as `Buffer.allocUnsafe` does.
   * @throws TypeError `ERR_INVALID_ARG_VALUE` for another `mode`, and nothing changes;
   *   RangeError `ERR_OUT_OF_RANGE` for a `retainLimit` that is not a safe integer >= 0;
   *   Error `ERR_BUSY` while a hold is pending; Error `ERR_DISPOSED` after dispose.
   */
  reset(mode: ResetMode = 'retain'): void {
    const handle = this.#live();
    const limit = resetLimit(mode);
    this.#holds.check('reset the arena');
    const first = this.#scopes[0];
    if (first !== undefined) this.#close(first);
    const blocks = this.#blocks;
    if (mode === 'retain' && blocks.length === 1) {
      // The common case, without the list: the one block renewed in place, by `transfer()`
      // where it keeps the memory (a fifth of the binding's cost, ts/transfer.ts).
      const block = blocks[0] as Block;
      block.buffer = renewsInPlace(block.buffer, kind(block))
        ? transferInPlace(block.buffer)
        : handle.renewFirst(block.buffer);
    } else {
      // Spare windows go first: the blocks under them may be freed or replaced.
      const windows = blocks.flatMap((block) => (block.spare === null ? [] : [block.spare]));
      if (windows.length > 0) {
        handle.detach(windows);
        for (const block of blocks) block.spare = null;
      }
      const kind = limit === undefined ? (mode as 'retain' | 'release') : 'retainLimit';
      const spare = kind === 'release' ? this.#spare : [];
      const kept = handle.reset(
        kind,
        limit,
        blocks.map((block) => block.buffer),
        spare.sort((a, b) => a.index - b.index).map((shadow) => shadow.buffer),
      );
      blocks.length = 0;
      for (const parts of kept) blocks.push(toBlock(parts));
      this.#capacity = blocks.reduce((sum, block) => sum + block.size, 0);
      if (kind === 'release') {
        this.#spare = [];
        this.#shadows = 0;
      }
    }
    this.#index = 0;
    this.#before = 0;
    this.#cursor = 0;
    const block = blocks[0] as Block;
    this.#misalignment = block.misalignment;
    this.#use(block.buffer, block.start, block.size);
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
    const buffer = view.buffer;
    const blocks = this.#blocks;
    let before = 0;
    for (const block of blocks) {
      if (block.buffer === buffer) return before + view.byteOffset - block.start;
      before += block.size;
    }
    for (const entry of this.#opened) {
      if (entry.kind === 'block') continue;
      const mine = entry.kind === 'window' ? entry.buffer : entry.shadow.buffer;
      if (mine !== buffer) continue;
      let start = 0;
      for (let index = 0; index < entry.block; index++) start += (blocks[index] as Block).size;
      return start + view.byteOffset - entry.bias;
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
    const buffers: ArrayBuffer[] = [];
    const owners: number[] = [];
    const blocks = this.#blocks.length;
    this.#blocks.forEach((block, index) => {
      buffers.push(block.buffer);
      owners.push(index);
      if (block.spare !== null) {
        buffers.push(block.spare);
        owners.push(index);
      }
    });
    for (const entry of this.#opened) {
      if (entry.kind === 'window') {
        buffers.push(entry.buffer);
        owners.push(entry.block);
      } else if (entry.kind === 'shadow') {
        buffers.push(entry.shadow.buffer);
        owners.push(blocks + entry.shadow.index);
      }
    }
    for (const shadow of this.#spare) {
      buffers.push(shadow.buffer);
      owners.push(blocks + shadow.index);
    }
    handle.dispose(buffers, owners);
    this.#handle = null;
    for (const record of this.#scopes.splice(0)) record.closed = true;
    this.#opened.length = 0;
    this.#spare = [];
    this.#limit = -1;
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
