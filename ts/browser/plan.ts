/**
 * The planner of the browser backend: the core's, compiled to WebAssembly, with the binding's
 * calls (`crates/node/src/plan.rs`). Columns of numbers are copied into the module's memory, the
 * offsets and figures copied out: the same lifetimes give the same plan as the native addon.
 *
 * Background planning: there is no worker here, so `planLifetimesAsync` checks its input at once
 * (malformed input throws, as natively), then plans on the main thread after a turn of the event
 * loop. A cancel before then stops it from starting; a plan that has started runs to its budget
 * (a `timeLimit` blocks the thread that long).
 * @internal
 * @module
 */

import { codedError } from '../errors';
import { SafeFloat64Array } from '../intrinsics';
import { type CoreExports, call, cells, columnLength, columns } from './core';

/** A plan, as the facade takes it. */
export interface PlannedLifetimes {
  offsets: Float64Array;
  bytes: number;
  lowerBound: number;
  naiveBytes: number;
  optimal: boolean;
}

/** Copies the columns into the module's memory: the tensor count, and where they are. */
function load(
  sizes: Float64Array,
  alignments: Float64Array,
  starts: Float64Array,
  ends: Float64Array,
  freed?: Uint8Array,
  offsets?: Float64Array,
): { n: number; at: number } {
  const n = columnLength(sizes);
  const a = columnLength(alignments);
  const s = columnLength(starts);
  const e = columnLength(ends);
  if (a !== n || s !== n || e !== n) {
    throw codedError(
      'ERR_INVALID_ARG_VALUE',
      `one size, alignment, start and end per tensor: received ${n}, ${a}, ${s} and ${e}`,
    );
  }
  if (freed !== undefined && columnLength(freed) !== n) {
    throw codedError(
      'ERR_INVALID_ARG_VALUE',
      `one freed flag per tensor: received ${columnLength(freed)} for ${n} tensors`,
    );
  }
  const at = columns(n);
  const cell = cells(at, n);
  for (let i = 0; i < n; i++) {
    cell[i] = sizes[i] as number;
    cell[n + i] = alignments[i] as number;
    cell[2 * n + i] = starts[i] as number;
    cell[3 * n + i] = ends[i] as number;
    cell[4 * n + i] = freed === undefined ? 1 : (freed[i] as number);
    cell[5 * n + i] = offsets === undefined ? 0 : (offsets[i] as number);
  }
  return { n, at };
}

/** Runs `planner` on the tensors loaded, and reads its plan. */
function planned(
  { n, at }: { n: number; at: number },
  planner: (core: CoreExports) => number,
): PlannedLifetimes {
  call(planner);
  // The module's memory may have grown during the call: the cells are read over it anew.
  const cell = cells(at, n);
  const offsets = new SafeFloat64Array(n);
  for (let i = 0; i < n; i++) offsets[i] = cell[5 * n + i] as number;
  return {
    offsets,
    bytes: cell[6 * n] as number,
    lowerBound: cell[6 * n + 1] as number,
    naiveBytes: cell[6 * n + 2] as number,
    optimal: cell[6 * n + 3] === 1,
  };
}

/** A budget from the facade: a number, or not given (-1 for the core). */
function budget(value: number | null | undefined): number {
  return value === undefined || value === null ? -1 : value;
}

/** Plans with the core's planner: its default options, or the budgets given. */
export function planLifetimes(
  sizes: Float64Array,
  alignments: Float64Array,
  starts: Float64Array,
  ends: Float64Array,
  effort?: number | null,
  timeLimit?: number | null,
): PlannedLifetimes {
  const loaded = load(sizes, alignments, starts, ends);
  return planned(loaded, (c) => c.plan_lifetimes(loaded.n, budget(effort), budget(timeLimit)));
}

/** Greedy by size with best-fit gaps alone; the budgets are ignored. */
export function planGreedyBySize(
  sizes: Float64Array,
  alignments: Float64Array,
  starts: Float64Array,
  ends: Float64Array,
  _effort?: number | null,
  _timeLimit?: number | null,
): PlannedLifetimes {
  const loaded = load(sizes, alignments, starts, ends);
  return planned(loaded, (c) => c.plan_greedy_by_size(loaded.n));
}

/** Checks saved offsets against the lifetimes the replay gives the tensors (see the binding). */
export function planVerify(
  sizes: Float64Array,
  alignments: Float64Array,
  starts: Float64Array,
  ends: Float64Array,
  freed: Uint8Array,
  offsets: Float64Array,
): PlannedLifetimes {
  if (columnLength(offsets) !== columnLength(sizes)) {
    throw codedError(
      'ERR_INVALID_ARG_VALUE',
      `one offset per tensor: received ${columnLength(offsets)} for ${columnLength(sizes)} tensors`,
    );
  }
  const loaded = load(sizes, alignments, starts, ends, freed, offsets);
  return planned(loaded, (c) => c.plan_verify(loaded.n));
}

/** A token that stops a background plan that has not started yet. */
export class PlanCancel {
  #cancelled = false;

  get cancelled(): boolean {
    return this.#cancelled;
  }

  cancel(): void {
    this.#cancelled = true;
  }
}

/**
 * As {@link planLifetimes}, after a turn of the event loop: input checked at once, the plan
 * resolved later; a plan cancelled before it starts rejects with `ERR_ABORTED`.
 */
export function planLifetimesAsync(
  sizes: Float64Array,
  alignments: Float64Array,
  starts: Float64Array,
  ends: Float64Array,
  effort: number | null | undefined,
  timeLimit: number | null | undefined,
  cancel: PlanCancel,
): Promise<PlannedLifetimes> {
  const { n } = load(sizes, alignments, starts, ends);
  call((c) => c.plan_check(n));
  // Copies: the caller may reuse its columns before the plan starts.
  const copy = (column: Float64Array): Float64Array => {
    const out = new SafeFloat64Array(n);
    for (let i = 0; i < n; i++) out[i] = column[i] as number;
    return out;
  };
  const inputs = [copy(sizes), copy(alignments), copy(starts), copy(ends)] as const;
  return new Promise((resolve, reject) => {
    setTimeout(() => {
      if (cancel.cancelled) {
        reject(codedError('ERR_ABORTED', 'the plan was aborted'));
        return;
      }
      try {
        resolve(planLifetimes(inputs[0], inputs[1], inputs[2], inputs[3], effort, timeLimit));
      } catch (error) {
        reject(error);
      }
    }, 0);
  });
}
