/**
 * Region memory: an arena or a planned pass laid in memory the caller owns (a
 * `WebAssembly.Memory`, an `ArrayBuffer` or a `SharedArrayBuffer`) at an offset, instead of memory
 * of the package's. In a `WebAssembly.Memory` a view's `byteOffset` is then the pointer a kernel of
 * that module takes: tensors the kernel reads and writes in place, with no copy in or out.
 *
 * Memory that cannot be detached. Views over a `WebAssembly.Memory`'s buffer cannot be detached
 * one by one (detaching the buffer kills every view of the module), a `SharedArrayBuffer` cannot
 * be detached at all, and a caller's `ArrayBuffer` is the caller's. So a region keeps the rules
 * of memory that cannot be detached (the threads issue's, the same for shared memory):
 * - holds (`hold(work)`) block reset, scope close and dispose with `ERR_BUSY`, as elsewhere; every
 *   give-back passes through one place ({@link RegionArena}'s `#giveBack`, {@link Region.fill}),
 *   where a lease count is checked too once leases exist;
 * - `{ poison: true }` fills memory given back, so stale use shows: `0xDE` bytes for an arena
 *   (its memory has no type), NaN for the float tensors of a planned pass and `0xDE` for the rest;
 * - views cut before a reset, a scope's close or a dispose stay attached, and are dead: using one
 *   reads and writes memory that belongs to whatever the region hands out next.
 *
 * A region never grows: its capacity is what it was given. After `memory.grow` (which detaches a
 * non-shared memory's buffer, and every view over it), the arena or pass hands out views over the
 * new buffer, at the same offsets (the same pointers), and says so: `region.grows` counts the
 * buffers it moved to, `region.buffer` is the one it cuts from. Views cut before the grow are
 * dead (detached by the engine).
 * @module
 */

import { booleanOption, codedError, describe } from './errors';
import {
  anyBufferLength,
  fillView,
  isSafeIntegerValue,
  reflectApply,
  SafeUint8Array,
} from './intrinsics';
import { ScopeStarts } from './scope-starts';

/** Memory a region can be carved from: a `WebAssembly.Memory`, or a buffer. */
export type RegionMemory =
  | ArrayBuffer
  | SharedArrayBuffer
  | { readonly buffer: ArrayBuffer | SharedArrayBuffer; grow(delta: number): number };

/** Options that lay an arena or a planned pass in memory the caller owns. */
export interface RegionOptions {
  /**
   * The memory to carve from instead of allocating: a `WebAssembly.Memory` (a view's
   * `byteOffset` is then a pointer of that module), an `ArrayBuffer` or a `SharedArrayBuffer`.
   */
  readonly memory?: RegionMemory;
  /** Where in `memory` the region starts, in bytes; 0 by default. */
  readonly offset?: number;
}

/** What a region arena or pass says of its memory. */
export interface RegionInfo {
  /** The memory it was carved from. */
  readonly memory: RegionMemory;
  /** Where the region starts in it. */
  readonly offset: number;
  /** The region's bytes. */
  readonly bytes: number;
  /** The buffer views are cut from now (a `WebAssembly.Memory`'s changes with each grow). */
  readonly buffer: ArrayBufferLike;
  /** How many times the memory grew under it (its buffer replaced): views cut before are dead. */
  readonly grows: number;
}

const freeze = Object.freeze;

/** The getter of `object[name]`, or `undefined` if the runtime has none. */
function getterOf(
  object: object | undefined,
  name: string,
): ((this: unknown) => unknown) | undefined {
  if (object === undefined) return undefined;
  return Reflect.getOwnPropertyDescriptor(object, name)?.get;
}

const wasmMemory = (globalThis as { WebAssembly?: { Memory?: { prototype: object } } }).WebAssembly
  ?.Memory;
const memoryBuffer = getterOf(wasmMemory?.prototype, 'buffer');
const sharedLength = getterOf(
  (globalThis as { SharedArrayBuffer?: { prototype: object } }).SharedArrayBuffer?.prototype,
  'byteLength',
);

/** `get.call(value)`, or `undefined` if `value` is not what `get` is for (a brand check). */
function brand(get: ((this: unknown) => unknown) | undefined, value: unknown): unknown {
  if (get === undefined) return undefined;
  try {
    return reflectApply(get, value, []);
  } catch {
    return undefined;
  }
}

/** The length of `buffer`, an `ArrayBuffer` or a `SharedArrayBuffer`, read from its slots. */
function lengthOf(buffer: ArrayBufferLike): number {
  return anyBufferLength(buffer) ?? 0;
}

/** A range of memory the caller owns, and the buffer views of it are cut from now. */
export class Region {
  readonly memory: RegionMemory;
  readonly offset: number;
  readonly bytes: number;
  /** Whether `memory` is a `WebAssembly.Memory` (whose buffer a grow replaces). */
  readonly #module: boolean;
  #buffer: ArrayBufferLike;
  #grows = 0;

  private constructor(
    memory: RegionMemory,
    module: boolean,
    buffer: ArrayBufferLike,
    offset: number,
    bytes: number,
  ) {
    this.memory = memory;
    this.#module = module;
    this.#buffer = buffer;
    this.offset = offset;
    this.bytes = bytes;
  }

  /**
   * `bytes` bytes of `memory` from `offset`, checked: the memory's kind (by its internal slots),
   * the offset a safe integer >= 0, the range inside the memory as it is now.
   */
  static open(memory: unknown, offset: unknown, bytes: number): Region {
    const fromModule = brand(memoryBuffer, memory) as ArrayBufferLike | undefined;
    let buffer: ArrayBufferLike;
    if (fromModule !== undefined) {
      buffer = fromModule;
    } else if (
      typeof brand(sharedLength, memory) === 'number' ||
      typeof brand(getterOf(ArrayBuffer.prototype, 'byteLength'), memory) === 'number'
    ) {
      buffer = memory as ArrayBufferLike;
    } else {
      throw codedError(
        'ERR_INVALID_ARG_TYPE',
        `memory must be a WebAssembly.Memory, an ArrayBuffer or a SharedArrayBuffer; received ${describe(memory)}`,
      );
    }
    const at = offset === undefined ? 0 : offset;
    if (typeof at !== 'number') {
      throw codedError('ERR_INVALID_ARG_TYPE', `offset must be a number; received ${describe(at)}`);
    }
    if (!isSafeIntegerValue(at) || at < 0) {
      throw codedError(
        'ERR_OUT_OF_RANGE',
        `offset must be a non-negative safe integer; received ${describe(at)}`,
      );
    }
    const length = lengthOf(buffer);
    if (at + bytes > length) {
      throw codedError(
        'ERR_OUT_OF_RANGE',
        `the region [${at}, ${at + bytes}) does not fit the memory's ${length} bytes`,
      );
    }
    return new Region(memory as RegionMemory, fromModule !== undefined, buffer, at, bytes);
  }

  /** The buffer views are cut from now. */
  get buffer(): ArrayBufferLike {
    return this.#buffer;
  }

  /**
   * Moves to the memory's buffer if a grow replaced the one views were cut from: the new buffer,
   * or `null` if there is none (the buffer is the memory's own, or it was moved away: a caller's
   * `ArrayBuffer` transferred elsewhere is not ours to follow).
   */
  rebind(): ArrayBufferLike | null {
    if (!this.#module) return null;
    const fresh = brand(memoryBuffer, this.memory) as ArrayBufferLike | undefined;
    if (fresh === undefined || fresh === this.#buffer) return null;
    // A memory only grows, so the region still fits; checked all the same.
    if (lengthOf(fresh) < this.offset + this.bytes) return null;
    this.#buffer = fresh;
    this.#grows++;
    return fresh;
  }

  /** Fills bytes `[from, to)` of the region with `byte` (poison), over its buffer now. */
  fill(from: number, to: number, byte: number): void {
    if (to <= from) return;
    this.rebind();
    if (lengthOf(this.#buffer) < this.offset + to) return;
    fillView(new SafeUint8Array(this.#buffer, this.offset + from, to - from), byte);
  }

  /** What the region says of itself. */
  info(): RegionInfo {
    return freeze({
      memory: this.memory,
      offset: this.offset,
      bytes: this.bytes,
      buffer: this.#buffer,
      grows: this.#grows,
    });
  }
}

/** The byte a region's poison fills memory with where it has no float type. */
export const POISON_BYTE = 0xde;

/** Whether `options` asks for a region: it has a `memory`. */
export function wantsRegion(options: object): options is RegionOptions & { memory: unknown } {
  return (options as RegionOptions).memory !== undefined;
}

/** The block's parts, as the binding returns them: a region is one block that never grows. */
interface RegionParts {
  handle: RegionArena;
  buffer: ArrayBuffer;
  start: number;
  misalignment: number;
  size: number;
  backing: 'native' | 'v8';
}

/**
 * An arena's handle over a region: the calls of the native arena handle (`crates/node/src/
 * arena.rs`), so the `Arena`'s hot path is the same. One block, which never grows; a scope's
 * "window" is the region's own buffer (two buffers can share a `WebAssembly.Memory`'s memory, but
 * none can be detached alone), and a close, a reset or a dispose detaches nothing: it gives the
 * memory back, poisoned if asked.
 */
export class RegionArena {
  readonly #region: Region;
  readonly #poison: boolean;
  /** The arena's bytes claimed (read when memory is given back). */
  readonly #used: () => number;
  /** Where each open scope's claims start, by depth (index depth - 1), once it claimed. */
  readonly #starts = new ScopeStarts();
  #disposed = false;

  private constructor(region: Region, poison: boolean, used: () => number) {
    this.#region = region;
    this.#poison = poison;
    this.#used = used;
  }

  /**
   * An arena of `capacity` bytes of `options.memory` from `options.offset`; `used` reads the
   * arena's bytes claimed. `growable` and `maxCapacity` are refused: a region never grows.
   */
  static create(capacity: number, options: object, used: () => number): RegionParts {
    const { memory, offset, growable, maxCapacity } = options as {
      memory?: unknown;
      offset?: unknown;
      growable?: unknown;
      maxCapacity?: unknown;
    };
    if (growable === true || maxCapacity !== undefined) {
      throw codedError(
        'ERR_INVALID_ARG_VALUE',
        'an arena over a memory region never grows: growable and maxCapacity are not for it',
      );
    }
    const poison = booleanOption(options, 'poison');
    const region = Region.open(memory, offset, capacity);
    const handle = new RegionArena(region, poison, used);
    return {
      handle,
      buffer: region.buffer as ArrayBuffer,
      start: region.offset,
      misalignment: region.offset % 65536,
      size: capacity,
      backing: 'native',
    };
  }

  /** What the arena says of its memory. */
  get region(): Region {
    return this.#region;
  }

  /** Gives `[from, to)` of the region back: poisoned if asked. The one place memory returns. */
  #giveBack(from: number, to: number): void {
    if (this.#poison) this.#region.fill(from, to, POISON_BYTE);
  }

  #live(): void {
    if (this.#disposed) throw codedError('ERR_DISPOSED', 'this arena has been disposed');
  }

  grow(size: number, alignment: number, available: number, depth: number): never {
    void depth;
    throw codedError(
      'ERR_ARENA_EXHAUSTED',
      `arena exhausted: requested ${size} bytes aligned to ${alignment}, ${available} of ${this.#region.bytes} bytes available`,
    );
  }

  /** The buffer the scope at `depth` cuts from: the region's own; its claims start here. */
  window(index: number, depth: number): ArrayBuffer {
    this.#live();
    void index;
    this.#starts.claim(depth, this.#used());
    this.#region.rebind();
    return this.#region.buffer as ArrayBuffer;
  }

  enter(index: number, depth: number): ArrayBuffer {
    void depth;
    throw codedError('ERR_INVALID_STATE', `the arena has no block ${index}`);
  }

  shadow(bytes: number, depth: number): never {
    void bytes;
    void depth;
    throw codedError('ERR_INVALID_STATE', 'an arena over a memory region has no shadows');
  }

  /** Closes the scopes at `depth` and deeper: gives back what they claimed. */
  close(depth: number): null {
    this.#live();
    const from = this.#starts.close(depth);
    if (from >= 0) this.#giveBack(from, this.#used());
    return null;
  }

  /** A region's buffer is never renewed (the arena asks none to be taken in): `false`. */
  adopt(index: number, role: number, buffer: ArrayBuffer): boolean {
    void index;
    void role;
    void buffer;
    return false;
  }

  /** A reset of the one block: gives everything back; the same buffer. */
  renewFirst(): ArrayBuffer {
    this.#live();
    this.#starts.clear();
    this.#giveBack(0, this.#used());
    this.#region.rebind();
    return this.#region.buffer as ArrayBuffer;
  }

  /** A reset in any mode: a region keeps what it is, one block. */
  reset(mode: string, limit?: number | null): (Omit<RegionParts, 'handle'> & { handle: null })[] {
    void mode;
    void limit;
    const buffer = this.renewFirst();
    const region = this.#region;
    return [
      {
        handle: null,
        buffer,
        start: region.offset,
        misalignment: region.offset % 65536,
        size: region.bytes,
        backing: 'native',
      },
    ];
  }

  /** Gives the whole region back; nothing is detached. A second call does nothing. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#giveBack(0, this.#region.bytes);
  }
}

/**
 * A planned pass's block in a region: `bytes` bytes of the caller's memory at an offset that is a
 * multiple of the plan's largest alignment (offsets in a `WebAssembly.Memory` are its pointers,
 * so the plan's alignments hold for the kernel that reads them).
 */
export class PassRegion {
  readonly #region: Region;

  private constructor(region: Region) {
    this.#region = region;
  }

  static open(
    where: { memory: unknown; offset: unknown },
    bytes: number,
    alignment: number,
  ): PassRegion {
    const region = Region.open(where.memory, where.offset, bytes);
    if (region.offset % alignment !== 0) {
      throw codedError(
        'ERR_INVALID_ALIGNMENT',
        `offset ${region.offset} is not a multiple of ${alignment}, the plan's largest alignment`,
      );
    }
    return new PassRegion(region);
  }

  /** The pass's block, over the memory's buffer now. */
  block(): Uint8Array {
    const region = this.#region;
    return new SafeUint8Array(region.buffer as ArrayBuffer, region.offset, region.bytes);
  }

  /** The block over the memory's new buffer after a grow, or `null` if it did not grow. */
  rebind(): Uint8Array | null {
    return this.#region.rebind() === null ? null : this.block();
  }

  info(): RegionInfo {
    return this.#region.info();
  }
}
