// The ES module entry: the same objects as the CommonJS entry (no dual-package hazard).

export type {
  ErrorCode,
  MemoryError,
  MemoryStats,
  PoolOptions,
  TypedArray,
  TypedArrayConstructor,
} from './index.js';
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
  MAX_ALIGNMENT,
  memoryBacking,
  memoryStats,
  Pool,
} from './index.js';
