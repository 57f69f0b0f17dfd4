// The exports of the test build only (`npm run build:test`: the addon with the `test-exports`
// feature, which the ava suite loads), as napi-rs declares them there, block for block: the
// published binding.d.ts has none of them. __test__/binding.spec.ts holds this copy to the
// test build's own declarations; scripts/package-test.mjs reads the names from here.

/** The core's `Chain`, over blocks whose misalignments the test supplies. */
export declare class __ArenaRuleForTests {
  /** A chain whose first block has `capacity` bytes at `misalignment` past 64 KiB. */
  constructor(misalignment: number, capacity: number, growable: boolean, maxCapacity?: number | undefined | null)
  /** Claims `size` bytes aligned to `alignment`, or says which block to add first. */
  allocate(size: number, alignment: number): RuleStep
  /** Adds the block the last `allocate` asked for, at `misalignment` past 64 KiB. */
  pushBlock(misalignment: number, len: number): void
  /** Takes a checkpoint (a scope opening) and returns its number. */
  checkpoint(): number
  /** Rewinds to checkpoint `id` (a scope closing). */
  rewind(id: number): void
  /**
   * What a reset in `mode` (`'retain'`, `'release'` or a retain limit) keeps: `'first'`, or
   * the size of the new block.
   */
  retained(mode: 'retain' | 'release' | number): 'first' | number
  /** Starts over in one block: the first (`misalignment` null) or a new one. */
  restart(misalignment: number | undefined | null, len: number): void
  /** Bytes claimed. */
  get used(): number
  /** Bytes that can be claimed without growing. */
  get available(): number
  /** Bytes of all blocks. */
  get capacity(): number
  /** The number of blocks. */
  get blocks(): number
}
export type ArenaRule = __ArenaRuleForTests

/** The core's `Pool`, of values that take no room: only its slot bookkeeping matters here. */
export declare class __PoolRuleForTests {
  /** A pool whose chunks have `chunk_slots` slots. */
  constructor(chunkSlots: number)
  /** Allocates a slot: `[handle, slot index]`. */
  allocate(): Array<number>
  /** Frees the slot of handle `handle` (any handle ever handed out, live or stale). */
  deallocate(handle: number): void
  /** Frees, in this pool, a slot of another pool. */
  deallocateForeign(): void
  /** Frees every slot. */
  clear(): void
  /** Live slots. */
  get size(): number
  /** All slots. */
  get capacity(): number
  /** Free slots. */
  get available(): number
  /** Chunks. */
  get chunks(): number
}
export type PoolRule = __PoolRuleForTests

/**
 * The memory every live native block holds now, across all threads, in address order, as
 * `[start, end, start, end, ...]` (addresses fit a double exactly: 48 bits): what the tamper
 * tests check that no attached view reaches past.
 */
export declare function __liveRegionsForTests(): Float64Array

/**
 * Panics on purpose, so the test suite can prove that a panic in the binding becomes a
 * JavaScript exception (`catch_unwind`) instead of aborting the process.
 *
 * # Panics
 * Always, with `message`.
 */
export declare function __panicForTests(message: string): void

/**
 * How many external buffers the simulated cage refused in this process (0 when the simulation
 * is off): one means the switch happened at the first block and nothing asked for an external
 * buffer after it.
 */
export declare function __simulatedCageRefusals(): number

/** One step of the arena rule: `{ block, offset, logical }` or `{ grow }`. */
export interface RuleStep {
  /** The block the claim landed in. */
  block?: number
  /** The claim's offset in its block. */
  offset?: number
  /** The claim's logical offset (the blocks laid end to end). */
  logical?: number
  /** The size of the block to add before asking again. */
  grow?: number
}
