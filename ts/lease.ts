/**
 * Leases: memory in use by another thread, released from any thread.
 *
 * A hold (`ts/hold.ts`) ends when a promise settles, in the thread that took it. A pool of
 * workers that synchronises with `Atomics` has no promise: the owner posts a task, a worker
 * reads and writes shared views, and says it is done through shared memory. A lease is that
 * hold: `arena.lease()` (or a pool's, or a planned pass's) returns a token that
 * `structuredClone` and `postMessage` carry to any thread, and until `releaseLease(token)` is
 * called, in any thread, whatever would hand the memory to someone else (reset, scope close,
 * clear, dispose, free) throws `ERR_BUSY`, as for a hold.
 *
 * The count lives in shared memory: each owner has tables of slots (a `SharedArrayBuffer`: a
 * count, then one 64-bit id and one depth per slot). A lease takes a free slot with a new id;
 * release swaps the id back to 0 only if the slot still holds the token's id
 * (`Atomics.compareExchange`), so releasing twice, or with a stale token after the slot was
 * taken again, releases nothing. Ids are never reused by an owner.
 *
 * What leases are not: a memory-safety mechanism. A token is plain data that any code holding it
 * (or the table) can forge or release. Memory safety does not rest on them: shared memory is
 * freed only when no thread can reach it (`crates/node/src/shared.rs`), and non-shared memory is
 * detached before it is reused. A lease keeps honest code from reusing memory too early.
 * @module
 */

import { codedError, describe, type ErrorCode } from './errors';
import {
  anyBufferLength,
  append,
  isSafeIntegerValue,
  isSharedBuffer,
  list,
  SafeSharedArrayBuffer,
} from './intrinsics';

/**
 * A lease on an owner's memory (see {@link Arena.lease}): plain data, cloned by `postMessage`.
 * Release it with {@link releaseLease}, once, from any thread.
 */
export interface Lease {
  /** The owner's lease table. */
  readonly table: SharedArrayBuffer;
  /** The slot the lease holds in it. */
  readonly slot: number;
  /** The lease's id: the slot is this lease's while it holds this id. */
  readonly id: bigint;
}

/** Slots per table; an owner adds a table when every slot is taken. */
const SLOTS = 64;
/** Bytes of a table: the count (8, for the ids' alignment), the ids, the depths. */
const TABLE_BYTES = 8 + SLOTS * 8 + SLOTS * 4;

const BigInt64 = BigInt64Array;
const Int32 = Int32Array;
const { add, compareExchange, load, notify, store, sub } = Atomics;

/** One table's views. */
interface Table {
  readonly buffer: SharedArrayBuffer;
  readonly count: Int32Array;
  readonly ids: BigInt64Array;
  readonly depths: Int32Array;
}

function tableOf(buffer: SharedArrayBuffer): Table {
  return {
    buffer,
    count: new Int32(buffer, 0, 1),
    ids: new BigInt64(buffer, 8, SLOTS),
    depths: new Int32(buffer, 8 + SLOTS * 8, SLOTS),
  };
}

/** @internal The leases of one owner (an arena, a pool, a planned pass). */
export class Leases {
  readonly #tables: Table[] = list();
  /** The next id: never reused, so a stale token never matches a slot taken again. */
  #next = 1n;

  /**
   * A new lease, taken while `depth` scopes are open in the owner (0 elsewhere).
   * @throws Error `ERR_INVALID_STATE` where the runtime has no `SharedArrayBuffer` (a page that
   *   is not cross-origin isolated).
   */
  take(depth: number): Lease {
    const tables = this.#tables;
    for (let at = 0; at < tables.length; at++) {
      const lease = this.#takeIn(tables[at] as Table, depth);
      if (lease !== null) return lease;
    }
    if (SafeSharedArrayBuffer === undefined) {
      throw codedError(
        'ERR_INVALID_STATE',
        'leases live in shared memory, and this runtime has no SharedArrayBuffer (a page must be cross-origin isolated)',
      );
    }
    const table = tableOf(new SafeSharedArrayBuffer(TABLE_BYTES));
    append(tables, table);
    return this.#takeIn(table, depth) as Lease;
  }

  #takeIn(table: Table, depth: number): Lease | null {
    for (let slot = 0; slot < SLOTS; slot++) {
      if (load(table.ids, slot) !== 0n) continue;
      const id = this.#next;
      store(table.depths, slot, depth);
      // Only this thread takes slots; another may free one meanwhile, never take it.
      if (compareExchange(table.ids, slot, 0n, id) !== 0n) continue;
      this.#next = id + 1n;
      add(table.count, 0, 1);
      return { table: table.buffer, slot, id };
    }
    return null;
  }

  /** Unreleased leases. */
  get count(): number {
    let count = 0;
    const tables = this.#tables;
    for (let at = 0; at < tables.length; at++) count += load((tables[at] as Table).count, 0);
    return count;
  }

  /** Unreleased leases taken while more than `depth` scopes were open. */
  countAbove(depth: number): number {
    let count = 0;
    const tables = this.#tables;
    for (let at = 0; at < tables.length; at++) {
      const table = tables[at] as Table;
      if (load(table.count, 0) === 0) continue;
      for (let slot = 0; slot < SLOTS; slot++) {
        if (load(table.ids, slot) !== 0n && load(table.depths, slot) > depth) count++;
      }
    }
    return count;
  }
}

/**
 * Releases `lease` (from {@link Arena.lease}, `Pool.lease` or `PlannedPass.lease`), in any
 * thread: the owner may reset, clear, close or dispose again once no lease or hold is left.
 * Returns whether it released it: `false` for a lease released already, whose slot may now
 * hold another lease (which it leaves alone).
 * @throws TypeError `ERR_INVALID_ARG_TYPE` if `lease` is not a lease.
 */
export function releaseLease(lease: Lease): boolean {
  if (typeof lease !== 'object' || lease === null) throw notLease(lease);
  const { table, slot, id } = lease as { table: unknown; slot: unknown; id: unknown };
  if (
    !isSharedBuffer(table) ||
    anyBufferLength(table) !== TABLE_BYTES ||
    !isSafeIntegerValue(slot) ||
    slot < 0 ||
    slot >= SLOTS ||
    typeof id !== 'bigint' ||
    id <= 0n
  ) {
    throw notLease(lease);
  }
  const views = tableOf(table);
  if (compareExchange(views.ids, slot, id, 0n) !== id) return false;
  sub(views.count, 0, 1);
  // Anyone waiting on the count (`Atomics.wait`) learns of it.
  notify(views.count, 0);
  return true;
}

function notLease(value: unknown): Error & { code: ErrorCode } {
  return codedError(
    'ERR_INVALID_ARG_TYPE',
    `lease must be a lease from arena.lease(), pool.lease() or pass.lease(); received ${describe(value)}`,
  );
}
