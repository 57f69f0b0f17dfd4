/**
 * Recording a pass: `MemoryPlan.record` runs the pass against a `Recorder`, a `PassMemory` that
 * gives each tensor memory of its own (aligned, detached on free) and writes down the order of
 * its allocations and frees, the lifetimes the planner then lays out (`ts/plan.ts`). A pass that
 * returns a promise is refused: the order would depend on timing.
 * @internal
 * @module
 */

import { alignedDelete, alignedNew } from './aligned';
import { alignmentFor, checkCount, checkType, codedError, describe } from './errors';
import { append, list, mapLookup, mapStore, SafeMap, SafeUint8Array } from './intrinsics';
import type { Pass, PassMemory, PlannedTensor } from './pass';
import { type TypedArray, type TypedArrayConstructor, typeName } from './typed-array';

/** A tensor as the recorder sees it grow: its end moves when it is freed, or at the close. */
interface Recorded {
  size: number;
  alignment: number;
  start: number;
  end: number;
  freed: boolean;
  type: string;
  length: number;
}

/** The recording allocator: memory of its own for each tensor, detached on free. */
class Recorder implements PassMemory {
  readonly #views: TypedArray[] = list();
  readonly #records: Recorded[] = list();
  readonly #index: Map<ArrayBufferView, number> = new SafeMap();
  #step = 0;
  #closed = false;

  alloc<T extends TypedArray>(
    type: TypedArrayConstructor<T>,
    length: number,
    alignment?: number,
  ): T {
    this.#open();
    const elementSize = checkType(type);
    const count = checkCount(length, 'length');
    const align = alignmentFor(alignment, elementSize);
    const view = alignedNew(type, count, align);
    mapStore(this.#index, view as ArrayBufferView, this.#views.length);
    append(this.#views, view as TypedArray);
    const step = this.#step++;
    append(this.#records, {
      size: count * elementSize,
      alignment: align,
      start: step,
      end: step,
      freed: false,
      type: typeName(type),
      length: count,
    });
    return view;
  }

  allocate(size: number, alignment?: number): Uint8Array {
    return this.alloc(SafeUint8Array, size, alignment);
  }

  free(view: ArrayBufferView): void {
    this.#open();
    const index = mapLookup(this.#index, view);
    const record = index === undefined ? undefined : this.#records[index];
    if (index === undefined || record === undefined || record.freed) {
      throw codedError(
        'ERR_PLAN_MISMATCH',
        `step ${this.#step}: free of ${record?.freed ? `tensor ${index}, already freed` : 'a view this pass did not allocate'}`,
      );
    }
    // The memory first: if it is held (`holdAligned`), the free throws and nothing is recorded.
    alignedDelete(this.#views[index] as TypedArray);
    record.freed = true;
    record.end = this.#step++;
  }

  #open(): void {
    if (this.#closed) {
      throw codedError(
        'ERR_INVALID_STATE',
        'the recording is over: use the plan to replay the pass',
      );
    }
  }

  /** Ends the recording: tensors never freed live to the last step; all memory is freed. */
  close(): void {
    this.#closed = true;
    const last = this.#step > 0 ? this.#step - 1 : 0;
    for (let index = 0; index < this.#records.length; index++) {
      const record = this.#records[index] as Recorded;
      if (record.freed) continue;
      record.end = last;
      try {
        alignedDelete(this.#views[index] as TypedArray);
      } catch {
        // Held by the pass's own `holdAligned`: the garbage collector frees it once the work
        // settles and the view is dropped.
      }
    }
  }

  tensors(): PlannedTensor[] {
    const out = list<PlannedTensor>();
    for (let at = 0; at < this.#records.length; at++) {
      append(out, { ...(this.#records[at] as PlannedTensor) });
    }
    return out;
  }
}

/** The planner's inputs, as four columns. */

function asyncPass(): Error {
  return codedError(
    'ERR_INVALID_ARG_VALUE',
    'pass must be synchronous: a plan records the order of allocations, which awaits would make depend on timing',
  );
}

const getPrototypeOf = Reflect.getPrototypeOf;
const AsyncFunctionPrototype: object | null = getPrototypeOf(async () => {});

/** Whether `value` has a `then` method (a promise, or a thenable). */
function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/** Waits for `work` and drops its outcome (awaiting marks a rejection handled). */
async function settleQuietly(work: PromiseLike<unknown>): Promise<void> {
  try {
    await work;
  } catch {
    // The pass was refused already; what it does later is its own.
  }
}

/** Runs `pass` against a recorder and returns what it allocated. */
export function recordPass<R>(pass: Pass<R>): PlannedTensor[] {
  if (typeof pass !== 'function') {
    throw codedError('ERR_INVALID_ARG_TYPE', `pass must be a function; received ${describe(pass)}`);
  }
  // An async function is refused before it runs (one compiled to generators only after: its
  // promise is then awaited quietly, below).
  if (getPrototypeOf(pass) === AsyncFunctionPrototype) throw asyncPass();
  const recorder = new Recorder();
  try {
    const result: unknown = pass(recorder);
    if (isThenable(result)) {
      // The abandoned promise must not reject unhandled (that ends the process): awaiting it
      // handles it. Its later calls on `mem` find the recording over, and throw there.
      void settleQuietly(result);
      throw asyncPass();
    }
  } finally {
    recorder.close();
  }
  return recorder.tensors();
}
