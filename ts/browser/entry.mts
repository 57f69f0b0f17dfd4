// The browser entry of @lightwatch/memory (the "browser" export condition): the WebAssembly core
// first (`ready.mts`: its top-level await holds back the rest), then the facade, the same
// modules as the Node entry, over the browser backend (`native.ts` here in place of
// `ts/native.ts`). scripts/build-browser.mjs bundles it into dist/browser/index.mjs.

import './ready.mjs';

export type {
  AlignedOptions,
  ArenaOptions,
  AsyncPlanOptions,
  Backing,
  ErrorCode,
  InstantiateOptions,
  Lease,
  Lifetime,
  MemoryBacking,
  MemoryError,
  MemoryPlanJSON,
  MemoryStats,
  Pass,
  PassMemory,
  PlanAbortSignal,
  PlannedTensor,
  PlanOptions,
  PoolOptions,
  RegionInfo,
  RegionMemory,
  RegionOptions,
  ResetMode,
  TypedArray,
  TypedArrayConstructor,
  TypedArrayName,
} from '../index.js';
export {
  Arena,
  AVX2_ALIGNMENT,
  AVX512_ALIGNMENT,
  addressOf,
  alignedAlloc,
  alignedDelete,
  alignedFree,
  alignedNew,
  DEFAULT_ALIGNMENT,
  DEFAULT_CAPACITY,
  ERROR_CODES,
  holdAligned,
  isMemoryError,
  MAX_ALIGNMENT,
  MemoryPlan,
  memoryBacking,
  memoryStats,
  PlannedPass,
  Pool,
  releaseLease,
  Scope,
} from '../index.js';
