/**
 * `@lightwatch/memory`: arena, pool and aligned allocation for Node.js and Electron, handing out
 * zero-copy typed array views over native, aligned memory.
 * @module
 */

import { codedError, describe } from './errors';

import native = require('./native');

export {
  type AlignedOptions,
  AVX2_ALIGNMENT,
  AVX512_ALIGNMENT,
  alignedAlloc,
  alignedDelete,
  alignedFree,
  alignedNew,
  holdAligned,
} from './aligned';
export {
  Arena,
  type ArenaOptions,
  type Backing,
  DEFAULT_ALIGNMENT,
  type ResetMode,
} from './arena';
export {
  ERROR_CODES,
  type ErrorCode,
  isMemoryError,
  MAX_ALIGNMENT,
  type MemoryError,
} from './errors';
export { type Lease, releaseLease } from './lease';
export type { Pass, PassMemory, PlannedTensor } from './pass';
export {
  type AsyncPlanOptions,
  type InstantiateOptions,
  type Lifetime,
  MemoryPlan,
  type MemoryPlanJSON,
  type PlanAbortSignal,
  type PlanOptions,
} from './plan';
export { DEFAULT_CAPACITY, Pool, type PoolOptions } from './pool';
export type { RegionInfo, RegionMemory, RegionOptions } from './region';
export { PlannedPass } from './replay';
export { Scope } from './scope';
export type { TypedArray, TypedArrayConstructor, TypedArrayName } from './typed-array';

/** The native memory this library holds right now, across all objects and threads. */
export interface MemoryStats {
  /**
   * Bytes of native memory held by live blocks (arenas, pool chunks, aligned buffers, shared
   * blocks of the core's), padding included.
   */
  liveBytes: number;
  /** Blocks of memory held. */
  liveBlocks: number;
  /** Arenas whose memory is held. */
  arenas: number;
  /** Pools not yet disposed or collected. */
  pools: number;
  /** Aligned buffers not yet freed or collected. */
  alignedBuffers: number;
  /**
   * Bytes of shared memory (`shared: true`): of the core's until no thread holds a view of it
   * (then freed, and no longer counted), of V8's while their owner holds them (V8 frees them
   * when no thread does, and tells no one).
   */
  sharedBytes: number;
  /** Shared blocks, counted as `sharedBytes` is. */
  sharedBlocks: number;
}

/**
 * The native memory this library holds right now (the counterpart of `tf.memory()`): what leak
 * tests and dashboards read. Memory goes at `dispose`/free, or when the GC collects its owner.
 */
export function memoryStats(): MemoryStats {
  return native.memoryStats();
}

/**
 * The native address of the first byte of `target`, e.g. to check alignment or to hand the
 * memory to other native code.
 * @throws TypeError `ERR_INVALID_ARG_TYPE` if `target` is not an ArrayBuffer or a view;
 *   Error `ERR_INVALID_STATE` if it is detached.
 */
export function addressOf(target: ArrayBufferLike | ArrayBufferView): bigint {
  if (typeof target !== 'object' || target === null) {
    throw codedError(
      'ERR_INVALID_ARG_TYPE',
      `target must be an ArrayBuffer or a view; received ${describe(target)}`,
    );
  }
  // The binding tells buffers and views apart by their internal slots, and refuses the rest.
  return native.addressOf(target);
}

/**
 * Where new blocks get their memory: `'native'` (external buffers over Rust-allocated memory),
 * `'v8'` (V8-owned buffers: Electron's memory cage forbids external ones, or
 * `LIGHTWATCH_MEMORY_BACKING=v8` forced it), or `'js'` (the browser entry: JavaScript
 * `ArrayBuffer`s, the rules in WebAssembly). Alignment guarantees are the same either way; under
 * `'js'` they hold relative to a block's start, since no address is observable.
 */
export type MemoryBacking = 'native' | 'v8' | 'js';

/** The backing new blocks get: see {@link MemoryBacking}. */
export function memoryBacking(): MemoryBacking {
  return native.memoryBacking();
}
