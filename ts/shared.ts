/**
 * Shared memory: arenas, pools, aligned buffers and planned passes made with `shared: true`,
 * whose views are over `SharedArrayBuffer`s that every worker they are posted to sees as the
 * same memory, zero copy.
 *
 * A block comes from the binding where the runtime has external `SharedArrayBuffer`s (memory of
 * the core's, freed by the buffer's finalizer once no thread holds it: `crates/node/src/
 * shared.rs`), else from V8 (`new SharedArrayBuffer`, the aligned bytes at an offset inside, as
 * the V8-owned backing does); `backing` says which. Either way no owner frees shared memory:
 * it lives while any thread can reach it.
 *
 * A `SharedArrayBuffer` cannot be detached, so the other backings' safety net (a reset or a
 * free detaches every view) does not exist here. What stands in for it: memory is never freed
 * under a view (above); reuse waits for holds and leases (`ts/hold.ts`, `ts/lease.ts`), which
 * the owner checks before a reset, a scope's close, a clear, a free or a dispose; and
 * `poison: true` fills memory given back (`0xDE` bytes for arenas, NaN or `0xDE` by type for
 * pools and passes) so that a stale view shows. A stale view still reads and writes whatever
 * the memory holds next: that is the contract of shared memory, as in C.
 *
 * The handles here have the calls of the native handles (`NativeArena`, `NativePool`), so the
 * facade's hot paths are the same; the size rules are the core's, through the binding.
 * @internal
 * @module
 */

import { codedError } from './errors';
import {
  anyBufferLength,
  append,
  fillView,
  isSharedBuffer,
  list,
  max,
  min,
  SafeSharedArrayBuffer,
  SafeUint8Array,
  SafeWeakSet,
  weakSetAdd,
  weakSetHas,
} from './intrinsics';
import { ScopeStarts } from './scope-starts';

import native = require('./native');

/** Where a shared block's memory comes from: the core (an external buffer) or V8. */
export type SharedBacking = 'native' | 'v8';

/** What a shared block is, as the facade cuts views from it. */
export interface SharedParts {
  readonly handle: null;
  readonly buffer: ArrayBuffer;
  readonly start: number;
  readonly misalignment: number;
  readonly size: number;
  /** `'native'` to the facade: scopes cut from the block's own buffer (a window), never a shadow. */
  readonly backing: 'native';
  /** Where its memory comes from. */
  readonly shared: SharedBacking;
}

/** The byte shared arenas poison memory with (their memory has no type). */
const POISON_BYTE = 0xde;
/** Shared blocks' addresses are known modulo this (the largest alignment). */
const MAX_ALIGN = 65536;

/** Every V8-owned shared buffer made here: a replaced constructor may not hand one out twice. */
const made: WeakSet<SharedArrayBuffer> = new SafeWeakSet();

/**
 * A shared block of `size` zeroed bytes aligned to `alignment`, counted for `owner` (an arena's,
 * a pool's or an aligned buffer's `NativeShared`).
 * @throws Error `ERR_INVALID_STATE` where the runtime has no `SharedArrayBuffer`; RangeError
 *   `ERR_OUT_OF_MEMORY` if the memory is refused.
 */
export function sharedBlock(
  owner: native.NativeShared,
  size: number,
  alignment: number,
  kind: 'arena' | 'pool' | 'aligned',
): SharedParts {
  const external = native.createSharedBlock(size, alignment, kind);
  if (external !== null) {
    return {
      handle: null,
      buffer: external.buffer as unknown as ArrayBuffer,
      start: external.start,
      misalignment: external.misalignment,
      size,
      backing: 'native',
      shared: 'native',
    };
  }
  if (SafeSharedArrayBuffer === undefined) {
    throw codedError(
      'ERR_INVALID_STATE',
      'shared memory needs SharedArrayBuffer, which this runtime does not have (a page must be cross-origin isolated)',
    );
  }
  // Over-allocated so that the aligned bytes fit wherever V8 puts the buffer.
  const length = max(size, 1) + alignment - 1;
  let buffer: SharedArrayBuffer;
  try {
    buffer = new SafeSharedArrayBuffer(length);
  } catch {
    throw codedError(
      'ERR_OUT_OF_MEMORY',
      `out of memory: the system refused ${size} bytes aligned to ${alignment}`,
    );
  }
  // The constructor was captured at load, and code that ran before may have replaced it: what
  // it returned must be a new shared buffer of that length.
  if (!isSharedBuffer(buffer) || anyBufferLength(buffer) !== length || weakSetHas(made, buffer)) {
    throw codedError('ERR_INVALID_STATE', 'new SharedArrayBuffer() returned no buffer of its own');
  }
  weakSetAdd(made, buffer);
  const low = Number(native.addressOf(new SafeUint8Array(buffer, 0, 1)) % BigInt(MAX_ALIGN));
  const start = -low & (alignment - 1); // `padding`
  owner.hold(length);
  return {
    handle: null,
    buffer: buffer as unknown as ArrayBuffer,
    start,
    misalignment: (low + start) % MAX_ALIGN,
    size,
    backing: 'native',
    shared: 'v8',
  };
}

/** Lets go of `block` for `owner`: V8-owned memory stops counting (the core's counts itself). */
function dropBlock(owner: native.NativeShared, block: SharedParts): void {
  if (block.shared === 'v8') owner.dropBlock(anyBufferLength(block.buffer) ?? 0);
}

/** Fills bytes `[from, to)` of `block` with `byte`. */
function fillBlock(block: SharedParts, from: number, to: number, byte: number): void {
  if (to <= from) return;
  fillView(new SafeUint8Array(block.buffer, block.start + from, to - from), byte);
}

/** The blocks an arena's handle may make: its options, as `createArena` takes them. */
interface ArenaRules {
  readonly growable: boolean;
  readonly maxCapacity: number | undefined;
  readonly initial: number;
  readonly poison: boolean;
}

/**
 * A shared arena's handle: its blocks, which it makes with the core's growth rule and keeps
 * with its reset rule. A scope's "window" is its block's own buffer; a close, a reset or a
 * dispose detaches nothing: it gives the memory back (poisoned if asked), or up.
 */
export class SharedArena {
  readonly #owner: native.NativeShared;
  readonly #blocks: SharedParts[] = list();
  readonly #rules: ArenaRules;
  /** The arena's bytes claimed (read when memory is given back). */
  readonly #used: () => number;
  /** Where each open scope's claims start, by depth (index depth - 1), once it claimed. */
  readonly #starts = new ScopeStarts();
  #disposed = false;

  private constructor(owner: native.NativeShared, rules: ArenaRules, used: () => number) {
    this.#owner = owner;
    this.#rules = rules;
    this.#used = used;
  }

  /**
   * An arena of `capacity` bytes of shared memory, with `createArena`'s options and checks;
   * `used` reads the arena's bytes claimed.
   */
  static create(
    capacity: number,
    growable: boolean,
    maxCapacity: number | undefined,
    poison: boolean,
    used: () => number,
  ): Omit<SharedParts, 'handle'> & { handle: SharedArena } {
    native.checkArenaOptions(capacity, growable, maxCapacity);
    const owner = new native.NativeShared('arena');
    try {
      const handle = new SharedArena(
        owner,
        { growable, maxCapacity, initial: capacity, poison },
        used,
      );
      const first = sharedBlock(owner, capacity, BLOCK_ALIGNMENT, 'arena');
      append(handle.#blocks, first);
      return { ...first, handle };
    } catch (error) {
      owner.dispose();
      throw error;
    }
  }

  /** Where the first block's memory comes from. */
  get shared(): SharedBacking {
    return (this.#blocks[0] as SharedParts).shared;
  }

  #live(): void {
    if (this.#disposed) throw codedError('ERR_DISPOSED', 'this arena has been disposed');
  }

  #capacity(): number {
    let sum = 0;
    for (let at = 0; at < this.#blocks.length; at++) sum += (this.#blocks[at] as SharedParts).size;
    return sum;
  }

  /** Gives `[from, to)` of the arena's bytes, its blocks laid end to end, back: poisoned if asked. */
  #giveBack(from: number, to: number): void {
    if (!this.#rules.poison) return;
    let before = 0;
    for (let at = 0; at < this.#blocks.length && before < to; at++) {
      const block = this.#blocks[at] as SharedParts;
      fillBlock(block, max(from - before, 0), min(to - before, block.size), POISON_BYTE);
      before += block.size;
    }
  }

  /** Records that the scope at `depth` claims from logical offset `at` on (the lowest counts). */
  #claimFrom(depth: number, at: number): void {
    this.#starts.claim(depth, at);
  }

  /** Adds a block for a request no block has room for; its size is the core's growth rule. */
  grow(size: number, alignment: number, available: number, depth: number): SharedParts {
    this.#live();
    const rules = this.#rules;
    const last = (this.#blocks[this.#blocks.length - 1] as SharedParts).size;
    const capacity = this.#capacity();
    const bytes = native.nextBlockSize(
      rules.growable,
      rules.maxCapacity,
      last,
      capacity,
      available,
      size,
      alignment,
    );
    const block = sharedBlock(this.#owner, bytes, BLOCK_ALIGNMENT, 'arena');
    append(this.#blocks, block);
    if (depth > 0) this.#claimFrom(depth, capacity);
    return block;
  }

  /** The buffer the scope at `depth` cuts from in block `index`: the block's own. */
  window(index: number, depth: number): ArrayBuffer {
    this.#live();
    this.#claimFrom(depth, this.#used());
    return (this.#blocks[index] as SharedParts).buffer;
  }

  /** The buffer of block `index`, which the scope at `depth` moves on to. */
  enter(index: number, depth: number): ArrayBuffer {
    this.#live();
    let before = 0;
    for (let at = 0; at < index; at++) before += (this.#blocks[at] as SharedParts).size;
    this.#claimFrom(depth, before);
    return (this.#blocks[index] as SharedParts).buffer;
  }

  shadow(bytes: number, depth: number): never {
    void bytes;
    void depth;
    throw codedError('ERR_INVALID_STATE', 'a shared arena has no shadows');
  }

  /** Closes the scopes at `depth` and deeper: gives back what they claimed. */
  close(depth: number): null {
    this.#live();
    const from = this.#starts.close(depth);
    if (from >= 0) this.#giveBack(from, this.#used());
    return null;
  }

  /** A reset of the one block: gives everything back; the same buffer. */
  renewFirst(): ArrayBuffer {
    this.#live();
    this.#starts.clear();
    this.#giveBack(0, this.#used());
    return (this.#blocks[0] as SharedParts).buffer;
  }

  /** Resets in `mode`: gives everything back and keeps the blocks the core's rule says. */
  reset(mode: 'retain' | 'release' | 'retainLimit', limit?: number | null): SharedParts[] {
    this.#live();
    const retained = native.resetRetained(
      mode,
      mode === 'retainLimit' ? (limit as number) : null,
      (this.#blocks[0] as SharedParts).size,
      this.#capacity(),
      this.#rules.initial,
    );
    this.#starts.clear();
    this.#giveBack(0, this.#used());
    // If the memory for the new block is refused, the arena keeps the blocks it has: a reset
    // never fails for want of memory.
    let fresh: SharedParts | undefined;
    if (retained > 0) {
      try {
        fresh = sharedBlock(this.#owner, retained, BLOCK_ALIGNMENT, 'arena');
      } catch {
        fresh = undefined;
      }
    }
    const keep = fresh !== undefined ? 0 : retained === 0 ? 1 : this.#blocks.length;
    for (let at = keep; at < this.#blocks.length; at++) {
      dropBlock(this.#owner, this.#blocks[at] as SharedParts);
    }
    this.#blocks.length = keep;
    if (fresh !== undefined) append(this.#blocks, fresh);
    const out = list<SharedParts>();
    for (let at = 0; at < this.#blocks.length; at++) append(out, this.#blocks[at] as SharedParts);
    return out;
  }

  /** A shared block's buffer is never renewed (the arena asks none to be taken in): `false`. */
  adopt(index: number, role: number, buffer: ArrayBuffer): boolean {
    void index;
    void role;
    void buffer;
    return false;
  }

  /**
   * Gives the memory up: poisoned if asked, then no longer this arena's. It is freed when no
   * thread holds a view of it. A second call does nothing.
   */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#giveBack(0, this.#capacity());
    this.#blocks.length = 0;
    this.#owner.dispose();
  }
}

/** The alignment of a shared arena's blocks: a cache line, as the native blocks'. */
const BLOCK_ALIGNMENT = 64;

/**
 * A shared pool's handle: chunks of slots, with the core's stride and chunk size. `clear`
 * detaches nothing: it gives the chunks back (poisoned if asked) and keeps them.
 */
export class SharedPool {
  /** Bytes from one slot's start to the next (the core's `slot_stride`). */
  readonly stride: number;
  readonly #owner: native.NativeShared;
  readonly #alignment: number;
  readonly #chunks: SharedParts[] = list();
  readonly #poison: boolean;
  #disposed = false;

  constructor(slotBytes: number, alignment: number, poison: boolean) {
    this.stride = native.slotStride(slotBytes, alignment);
    this.#alignment = alignment;
    this.#poison = poison;
    this.#owner = new native.NativeShared('pool');
  }

  /** Where the first chunk's memory comes from (`'native'` before any). */
  get shared(): SharedBacking {
    const first = this.#chunks[0];
    return first === undefined ? 'native' : first.shared;
  }

  /** Adds a chunk of `slots` zeroed slots: its parts, slot `i` at `start + i * stride`. */
  addChunk(slots: number): SharedParts {
    if (this.#disposed) throw codedError('ERR_DISPOSED', 'this pool has been disposed');
    const bytes = native.chunkSize(slots, this.stride);
    const chunk = sharedBlock(this.#owner, bytes, this.#alignment, 'pool');
    append(this.#chunks, chunk);
    return chunk;
  }

  /** Gives every slot back (poisoned if asked): the same buffers, whose views stay attached. */
  clear(): ArrayBuffer[] {
    if (this.#disposed) throw codedError('ERR_DISPOSED', 'this pool has been disposed');
    const buffers = list<ArrayBuffer>();
    for (let at = 0; at < this.#chunks.length; at++) {
      const chunk = this.#chunks[at] as SharedParts;
      if (this.#poison) fillBlock(chunk, 0, chunk.size, POISON_BYTE);
      append(buffers, chunk.buffer);
    }
    return buffers;
  }

  /** Gives the memory up (poisoned if asked). A second call does nothing. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    if (this.#poison) {
      for (let at = 0; at < this.#chunks.length; at++) {
        const chunk = this.#chunks[at] as SharedParts;
        fillBlock(chunk, 0, chunk.size, POISON_BYTE);
      }
    }
    this.#chunks.length = 0;
    this.#owner.dispose();
  }
}

/**
 * A shared aligned buffer's handle: the owner's claim on the block, given up by `free` (the
 * memory goes when no thread holds a view of it).
 */
export class SharedAligned {
  readonly #owner: native.NativeShared;
  #released = false;

  private constructor(owner: native.NativeShared) {
    this.#owner = owner;
  }

  /** A shared aligned buffer of `size` zeroed bytes aligned to `alignment`, and its handle. */
  static create(
    size: number,
    alignment: number,
  ): Omit<SharedParts, 'handle'> & { handle: SharedAligned } {
    const owner = new native.NativeShared('aligned');
    try {
      const parts = sharedBlock(owner, size, alignment, 'aligned');
      return { ...parts, handle: new SharedAligned(owner) };
    } catch (error) {
      owner.dispose();
      throw error;
    }
  }

  /** Whether the owner's claim was given up. */
  get released(): boolean {
    return this.#released;
  }

  /** Gives the claim up; the views stay attached (a shared buffer cannot be detached). */
  free(): void {
    if (this.#released) {
      throw codedError(
        'ERR_DOUBLE_FREE',
        'double free: this aligned buffer has already been freed',
      );
    }
    this.#released = true;
    this.#owner.dispose();
  }
}
