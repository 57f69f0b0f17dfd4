// The ES module entry: the same objects as the CommonJS entry (no dual-package hazard).

export type {
  ArenaOptions,
  ErrorCode,
  MemoryError,
  MemoryStats,
  PoolOptions,
  ResetMode,
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
  ERROR_CODES,
  holdAligned,
  MAX_ALIGNMENT,
  memoryBacking,
  memoryStats,
  Pool,
  Scope,
} from './index.js';
