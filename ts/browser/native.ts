/**
 * The browser backend: the module the facade reaches the runtime through (`ts/native.ts` in
 * Node), for runtimes without the native addon. The browser entry (`entry.mts`, bundled by
 * `scripts/build-browser.mjs`) puts it in place of `ts/native.ts`; the facade's modules are the
 * same, compiled once.
 *
 * Every rule is the Rust core's, compiled to WebAssembly (`crates/wasm`, through `core.ts`):
 * growth, reset modes, slot stride, chunk size, alignment and size checks, the planner and its
 * replay check. Memory is JavaScript `ArrayBuffer`s (`block.ts`), which this backend makes,
 * renews with `transfer()` and detaches itself, as the binding does under its V8-owned backing;
 * the facade never hands a buffer back to be ended.
 *
 * What differs from Node: no address is observable, so alignment holds relative to a block's
 * start (offset 0 of its buffer) and `addressOf` is a byte offset in the buffer (for a
 * `WebAssembly.Memory`, the pointer a kernel in that module takes); `memoryBacking()` is `'js'`.
 * @internal
 * @module
 */

import { codedError } from '../errors';
import {
  anyBufferLength,
  bufferOf,
  byteLengthOf,
  byteOffsetOf,
  isBufferView,
  list,
  publicArray,
} from '../intrinsics';
import { createAligned } from './aligned';
import { createArena } from './arena';
import { constant, errorCodeList } from './core';
import {
  PlanCancel,
  planGreedyBySize,
  planLifetimes,
  planLifetimesAsync,
  planVerify,
} from './plan';
import { BrowserPool } from './pool';
import {
  BrowserShared,
  checkArenaOptions,
  chunkSize,
  createSharedBlock,
  nextBlockSize,
  resetRetained,
  slotStride,
} from './shared';
import { memoryStats } from './stats';

import type binding = require('../../binding.js');

const SafeBigInt = BigInt;

/**
 * The offset of `target`'s first byte in its buffer, as a `bigint`: here a buffer's memory has
 * no observable address, so a buffer's own address space starts at 0 (for a `WebAssembly.Memory`
 * this is the pointer its module uses).
 */
function addressOf(target: ArrayBufferLike | ArrayBufferView): bigint {
  let length: number | undefined;
  let offset = 0;
  if (isBufferView(target)) {
    length = anyBufferLength(bufferOf(target));
    offset = byteOffsetOf(target);
    if (length !== 0 && byteLengthOf(target) === 0 && offset >= (length ?? 0)) length = 0;
  } else {
    length = anyBufferLength(target);
  }
  if (length === undefined) {
    throw codedError('ERR_INVALID_ARG_TYPE', 'target must be an ArrayBuffer or a view');
  }
  if (length === 0) {
    throw codedError(
      'ERR_INVALID_STATE',
      'a detached buffer, or one of zero bytes, has no address',
    );
  }
  return SafeBigInt(offset);
}

/** Every error code, with its class: the one list (`crates/codes`). */
function errorCodes(): { code: string; class: 'Error' | 'TypeError' | 'RangeError' }[] {
  const codes = errorCodeList();
  const out = list<{ code: string; class: 'Error' | 'TypeError' | 'RangeError' }>();
  for (let at = 0; at < codes.length; at++) {
    const entry = codes[at] as { code: string; class: 'Error' | 'TypeError' | 'RangeError' };
    out[at] = { code: entry.code, class: entry.class };
  }
  return publicArray(out);
}

// The list is read now, before any user code runs.
errorCodeList();

/** What the facade uses of the binding (the test build's extra exports are not in its types). */
type Backend = Omit<typeof binding, '__napiBindingTarget' | 'memoryBacking'> & {
  readonly MAX_VIEW_LENGTH: number;
  memoryBacking(): 'native' | 'v8' | 'js';
};

const native: Backend = {
  DEFAULT_ALIGNMENT: constant(0),
  MAX_ALIGNMENT: constant(1),
  DEFAULT_CAPACITY: constant(2),
  AVX2_ALIGNMENT: constant(3),
  AVX512_ALIGNMENT: constant(4),
  // The longest typed array every engine allows (V8 allows more on 64-bit, not everywhere); a
  // block here holds at most 2 GiB - 1 anyway (the core's rules on wasm32).
  MAX_VIEW_LENGTH: 2 ** 32,
  NativeArena: undefined as unknown as typeof binding.NativeArena,
  NativeAligned: undefined as unknown as typeof binding.NativeAligned,
  NativePool: BrowserPool,
  NativeShared: BrowserShared as unknown as typeof binding.NativeShared,
  createSharedBlock,
  checkArenaOptions,
  nextBlockSize,
  resetRetained,
  slotStride,
  chunkSize,
  PlanCancel: PlanCancel as unknown as typeof binding.PlanCancel,
  createArena,
  createAligned,
  planLifetimes,
  planGreedyBySize,
  planVerify,
  planLifetimesAsync: planLifetimesAsync as unknown as typeof binding.planLifetimesAsync,
  memoryStats,
  memoryBacking: () => 'js',
  addressOf,
  errorCodes,
};

export = native;
