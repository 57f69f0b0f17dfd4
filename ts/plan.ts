/**
 * Memory plans: record a pass once, plan its memory near the lower bound, replay it with no
 * allocation at all.
 *
 * This module: the plan, the planner's calls and the JSON round trip, which share the plan's
 * checks (what a recorded tensor may be, and what a saved plan must hold); the recording
 * allocator is `ts/recorder.ts`.
 *
 * A bump arena holds every tensor of a pass until `reset`, so it needs the *sum* of their sizes;
 * the pass never has more than its *peak* of live tensors at once. Native engines plan the
 * difference away (TensorFlow Lite's arena planner, ONNX Runtime's memory patterns, TVM's static
 * memory planner); so does this module. The planner is the Rust core's (`crates/memory/src/plan`):
 * real algorithmic work that runs once. The replay (`ts/replay.ts`) cuts nothing: every tensor's
 * view is cut when the plan is instantiated.
 * @module
 */

import { alignmentFor, booleanOption, checkCount, codedError, describe } from './errors';
import {
  append,
  isArrayValue,
  list,
  publicArray,
  SafeFloat64Array,
  SafeUint8Array,
} from './intrinsics';
import type { Pass, PlannedTensor } from './pass';
import { recordPass } from './recorder';
import type { RegionOptions } from './region';
import { createPass, type PlannedPass, regionOf } from './replay';
import { elementSize, typeNamed } from './typed-array';

import native = require('./native');

/** One tensor's lifetime, in steps (inclusive: two tensors conflict when their steps meet). */
export interface Lifetime {
  /** Bytes. */
  readonly size: number;
  /** A power of two up to 65536; 16 by default. */
  readonly alignment?: number;
  /** The first step the tensor is live at. */
  readonly start: number;
  /** The last step the tensor is live at (>= start). */
  readonly end: number;
}

/** A plan as JSON: save it with a model, load it with {@link MemoryPlan.fromJSON}. */
export interface MemoryPlanJSON {
  readonly format: 'lightwatch-memory-plan';
  readonly version: 1;
  readonly bytes: number;
  readonly lowerBound: number;
  readonly naiveBytes: number;
  readonly tensors: readonly PlannedTensor[];
  readonly offsets: readonly number[];
  /** Whether the plan was proven optimal (absent in plans saved before it existed: false). */
  readonly optimal?: boolean;
}

/** Options of the planner. */
export interface PlanOptions {
  /**
   * The budget of each search after the greedy placements (the local search, then the exact
   * search), in greedy passes' worth of work: deterministic, the same plan on every machine.
   * 0: greedy placements only. The default (2) keeps planning 1,000 tensors under 10 ms and
   * 10,000 under 0.5 s.
   */
  readonly effort?: number;
  /**
   * A wall-clock limit on the searches, in milliseconds (an integer >= 0): the plan is the best
   * found by then. Without `effort`, the exact search runs until the limit, or until its plan
   * is proven optimal. With one, the plan depends on the machine's speed.
   */
  readonly timeLimit?: number;
}

/**
 * What the planner uses of an `AbortSignal`, written out so that the package's types need
 * neither the DOM's nor Node's declarations. At run time it must be a real `AbortSignal`.
 */
export interface PlanAbortSignal {
  readonly aborted: boolean;
  readonly reason?: unknown;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/** Options of the planner in the background ({@link MemoryPlan.fromLifetimesAsync}). */
export interface AsyncPlanOptions extends PlanOptions {
  /**
   * An `AbortSignal` that aborts the planning: the search stops, and the promise rejects with
   * `ERR_ABORTED`.
   */
  readonly signal?: PlanAbortSignal;
}

/** The planner's answer, from the binding. */
interface Planned {
  offsets: Float64Array;
  bytes: number;
  lowerBound: number;
  naiveBytes: number;
  optimal: boolean;
}

/** The checked budgets of {@link PlanOptions}. */
interface Budget {
  effort: number | undefined;
  timeLimit: number | undefined;
}

/** Options of {@link MemoryPlan.instantiate}. */
export interface InstantiateOptions extends RegionOptions {
  /**
   * Fill each tensor with NaN (float types) or `0xDE` bytes when it is freed, so a use after free
   * in a replayed pass shows (a debugging aid: it costs a fill); over a region or shared memory,
   * also every tensor when the pass is disposed.
   */
  readonly poison?: boolean;
  /**
   * Shared memory: the views are over a `SharedArrayBuffer` that every worker they are posted to
   * sees as the same memory (see `Arena`'s `shared`); `dispose` then leaves them attached, and the
   * memory is freed when no thread holds a view of it. Take a `pass.lease()` or `pass.hold()`
   * for work other threads do with them.
   */
  readonly shared?: boolean;
}

/**
 * Offsets for every tensor of a pass in one block, near the smallest any plan can have.
 *
 * ```ts
 * const plan = MemoryPlan.record((mem) => forward(mem, input)); // once
 * using pass = plan.instantiate(); // one block of plan.bytes, every view cut
 * for (const batch of batches) pass.run((mem) => forward(mem, batch)); // no allocation
 * ```
 */
export class MemoryPlan {
  readonly #tensors: readonly PlannedTensor[];
  readonly #offsets: readonly number[];
  readonly #bytes: number;
  readonly #lowerBound: number;
  readonly #naiveBytes: number;
  readonly #optimal: boolean;

  private constructor(token: typeof CREATE, tensors: readonly PlannedTensor[], planned: Planned) {
    if (token !== CREATE) {
      throw codedError(
        'ERR_INVALID_STATE',
        'a MemoryPlan is made by MemoryPlan.record, fromLifetimes, greedyBySize or fromJSON',
      );
    }
    const frozen = list<PlannedTensor>();
    for (let at = 0; at < tensors.length; at++) {
      append(frozen, freeze({ ...(tensors[at] as PlannedTensor) }));
    }
    const offsets = list<number>();
    // A typed array's `length` is a getter user code can replace: the tensor count is the array's.
    for (let at = 0; at < tensors.length; at++) {
      append(offsets, planned.offsets[at] as number);
    }
    this.#tensors = freeze(publicArray(frozen));
    this.#offsets = freeze(publicArray(offsets));
    this.#bytes = planned.bytes;
    this.#lowerBound = planned.lowerBound;
    this.#naiveBytes = planned.naiveBytes;
    this.#optimal = planned.optimal || planned.bytes === planned.lowerBound;
  }

  /**
   * Runs `pass` once against a recording allocator and plans what it allocated. Every `alloc`,
   * `allocate` and `free` is one step; a tensor lives from its allocation to its `free`, or to
   * the end of the pass. While recording, each tensor gets memory of its own and `free` detaches
   * it, so a use after free fails loudly (typed array methods throw; element reads give
   * `undefined`).
   * @throws what `pass` throws (everything it allocated is freed first), and the argument errors
   *   of `Arena.alloc`; Error `ERR_PLAN_MISMATCH` if `pass` frees a view twice or one it did not
   *   get from `mem`.
   */
  static record<R>(pass: Pass<R>, options: PlanOptions = {}): MemoryPlan {
    const budget = checkOptions(options);
    const tensors = recordPass(pass);
    return new MemoryPlan(CREATE, tensors, plan(native.planLifetimes, tensors, budget));
  }

  /**
   * As {@link MemoryPlan.record}, but the planning runs on a worker thread: the event loop goes
   * on meanwhile (the pass itself is recorded at once). For a large `timeLimit`.
   * @returns a promise of the plan; it rejects with what `record` throws, and with Error
   *   `ERR_ABORTED` (`name` `'AbortError'`) once `options.signal` aborts: the search stops.
   */
  static async recordAsync<R>(pass: Pass<R>, options: AsyncPlanOptions = {}): Promise<MemoryPlan> {
    const budget = checkOptions(options);
    const signal = checkSignal(options);
    const tensors = recordPass(pass);
    return new MemoryPlan(CREATE, tensors, await planInBackground(tensors, budget, signal));
  }

  /**
   * As {@link MemoryPlan.fromLifetimes}, but the planning runs on a worker thread: the event
   * loop goes on meanwhile. For a large `timeLimit`.
   * @returns a promise of the plan; it rejects with what `fromLifetimes` throws, and with Error
   *   `ERR_ABORTED` (`name` `'AbortError'`) once `options.signal` aborts: the search stops.
   */
  static async fromLifetimesAsync(
    lifetimes: readonly Lifetime[],
    options: AsyncPlanOptions = {},
  ): Promise<MemoryPlan> {
    const budget = checkOptions(options);
    const signal = checkSignal(options);
    const tensors = checkLifetimes(lifetimes);
    return new MemoryPlan(CREATE, tensors, await planInBackground(tensors, budget, signal));
  }

  /**
   * The planner on explicit lifetimes, for engines that know their graph. Their replay follows
   * the steps: at each step the tensors that start there are allocated (in the given order), then
   * those that end there are freed.
   * @throws TypeError `ERR_INVALID_ARG_TYPE` / `ERR_INVALID_ARG_VALUE` for a malformed lifetime;
   *   RangeError `ERR_OUT_OF_RANGE`, `ERR_INVALID_ALIGNMENT`.
   */
  static fromLifetimes(lifetimes: readonly Lifetime[], options: PlanOptions = {}): MemoryPlan {
    const budget = checkOptions(options);
    const tensors = checkLifetimes(lifetimes);
    return new MemoryPlan(CREATE, tensors, plan(native.planLifetimes, tensors, budget));
  }

  /**
   * Greedy by size with best-fit gaps alone (TensorFlow Lite's arena planner): the baseline the
   * planner is measured against. Use {@link MemoryPlan.fromLifetimes}, which is never worse.
   * @throws as {@link MemoryPlan.fromLifetimes}.
   */
  static greedyBySize(lifetimes: readonly Lifetime[]): MemoryPlan {
    const tensors = checkLifetimes(lifetimes);
    const none = { effort: undefined, timeLimit: undefined };
    return new MemoryPlan(CREATE, tensors, plan(native.planGreedyBySize, tensors, none));
  }

  /**
   * A plan saved with {@link MemoryPlan.toJSON}, checked again as it will replay: each offset
   * aligned, no two tensors live at a common step sharing a byte, where a tensor the pass never
   * frees (`freed: false`) lives to the pass's last step, whatever `end` it was saved with.
   * @throws TypeError `ERR_INVALID_ARG_VALUE` for JSON that is not such a plan, or whose offsets
   *   overlap or are misaligned.
   */
  static fromJSON(json: unknown): MemoryPlan {
    const value = typeof json === 'string' ? (JSON.parse(json) as unknown) : json;
    const candidate = value as Partial<MemoryPlanJSON> | null;
    if (
      typeof candidate !== 'object' ||
      candidate === null ||
      candidate.format !== 'lightwatch-memory-plan' ||
      candidate.version !== 1 ||
      !isArrayValue(candidate.tensors) ||
      !isArrayValue(candidate.offsets)
    ) {
      throw codedError(
        'ERR_INVALID_ARG_VALUE',
        `json must be a plan from MemoryPlan.toJSON() (format 'lightwatch-memory-plan', version 1); received ${describe(value)}`,
      );
    }
    const lifetimes = checkLifetimes(candidate.tensors);
    const tensors = list<PlannedTensor>();
    for (let index = 0; index < lifetimes.length; index++) {
      const saved = (candidate.tensors as PlannedTensor[])[index] as PlannedTensor;
      append(tensors, checkRecorded(lifetimes[index] as PlannedTensor, saved, index));
    }
    const count = candidate.offsets.length;
    const offsets = new SafeFloat64Array(count);
    for (let index = 0; index < count; index++) {
      offsets[index] = checkCount(candidate.offsets[index], `offsets[${index}]`);
    }
    const optimal = candidate.optimal === undefined ? false : candidate.optimal;
    if (typeof optimal !== 'boolean') {
      throw codedError(
        'ERR_INVALID_ARG_VALUE',
        `json.optimal must be a boolean; received ${describe(optimal)}`,
      );
    }
    const { 0: sizes, 1: alignments, 2: starts, 3: ends } = columnsOf(tensors);
    const planned = native.planVerify(
      sizes,
      alignments,
      starts,
      ends,
      freedColumn(tensors),
      offsets,
    );
    // A saved proof is kept as the plan's claim; no safety decision rests on it.
    return new MemoryPlan(CREATE, tensors, {
      offsets: planned.offsets,
      bytes: planned.bytes,
      lowerBound: planned.lowerBound,
      naiveBytes: planned.naiveBytes,
      optimal: planned.optimal || optimal,
    });
  }

  /** The block the plan needs, in bytes. */
  get bytes(): number {
    return this.#bytes;
  }

  /** The largest sum of sizes live at one step: no plan of this pass needs less. */
  get lowerBound(): number {
    return this.#lowerBound;
  }

  /** Every tensor, padded, one after the other: what a bump arena needs for the pass. */
  get naiveBytes(): number {
    return this.#naiveBytes;
  }

  /**
   * Whether no plan of this pass needs fewer bytes: the plan reaches the lower bound, or the
   * exact search proved that nothing smaller fits. False when the budget ran out first (the plan
   * may still be optimal).
   */
  get optimal(): boolean {
    return this.#optimal;
  }

  /** The tensors, in allocation order. */
  get tensors(): readonly PlannedTensor[] {
    return this.#tensors;
  }

  /** Each tensor's byte offset in the block, in allocation order, aligned as asked. */
  get offsets(): readonly number[] {
    return this.#offsets;
  }

  /** The plan as JSON (see {@link MemoryPlan.fromJSON}). */
  toJSON(): MemoryPlanJSON {
    return {
      format: 'lightwatch-memory-plan',
      version: 1,
      bytes: this.#bytes,
      lowerBound: this.#lowerBound,
      naiveBytes: this.#naiveBytes,
      tensors: this.#tensors,
      offsets: this.#offsets,
      optimal: this.#optimal,
    };
  }

  /**
   * Allocates one aligned block of {@link MemoryPlan.bytes} and cuts every tensor's view once.
   * With `memory` (see {@link RegionOptions}), the block is `memory`'s bytes from `offset` (a
   * multiple of the plan's largest alignment) instead: a `WebAssembly.Memory`'s, and each view's
   * `byteOffset` is the pointer a kernel of that module takes. With `shared: true`, the block is
   * shared memory that workers see zero copy (see {@link InstantiateOptions}).
   * @throws RangeError `ERR_OUT_OF_MEMORY` if the system refuses the block; `ERR_OUT_OF_RANGE`
   *   or `ERR_INVALID_ALIGNMENT` for a region that does not fit or is misaligned.
   */
  instantiate(options: InstantiateOptions = {}): PlannedPass {
    if (typeof options !== 'object' || options === null) {
      throw codedError(
        'ERR_INVALID_ARG_TYPE',
        `options must be an object; received ${describe(options)}`,
      );
    }
    const poison = booleanOption(options, 'poison');
    const shared = booleanOption(options, 'shared');
    const region = regionOf(options);
    if (shared && region !== null) {
      throw codedError(
        'ERR_INVALID_ARG_VALUE',
        'a planned pass is either shared or in a memory region; received both shared: true and memory',
      );
    }
    // Checked again, natively, as it will replay: whatever built this plan.
    return createPass(this.#tensors, this.#offsets, this.#bytes, poison, region, shared);
  }
}

function columns(
  tensors: readonly PlannedTensor[],
): [Float64Array, Float64Array, Float64Array, Float64Array] {
  const n = tensors.length;
  const sizes = new SafeFloat64Array(n);
  const alignments = new SafeFloat64Array(n);
  const starts = new SafeFloat64Array(n);
  const ends = new SafeFloat64Array(n);
  for (let i = 0; i < n; i++) {
    const tensor = tensors[i] as PlannedTensor;
    sizes[i] = tensor.size;
    alignments[i] = tensor.alignment;
    starts[i] = tensor.start;
    ends[i] = tensor.end;
  }
  return [sizes, alignments, starts, ends];
}

/**
 * The four columns, to be destructured by index as an object: destructuring an array (or
 * spreading it) runs `Array.prototype[Symbol.iterator]`, which user code can replace.
 */
function columnsOf(tensors: readonly PlannedTensor[]): {
  0: Float64Array;
  1: Float64Array;
  2: Float64Array;
  3: Float64Array;
} {
  return columns(tensors);
}

/** 1 for each tensor its pass frees, 0 for one it keeps to the end. */
function freedColumn(tensors: readonly PlannedTensor[]): Uint8Array {
  const freed = new SafeUint8Array(tensors.length);
  for (let i = 0; i < tensors.length; i++) freed[i] = (tensors[i] as PlannedTensor).freed ? 1 : 0;
  return freed;
}

/** Made by this module only: the constructor's guard (see {@link MemoryPlan}). */
const CREATE: unique symbol = Symbol('MemoryPlan');
const freeze = Object.freeze;

function plan(
  planner: typeof native.planLifetimes,
  tensors: readonly PlannedTensor[],
  { effort, timeLimit }: Budget,
): Planned {
  const { 0: sizes, 1: alignments, 2: starts, 3: ends } = columnsOf(tensors);
  return planner(sizes, alignments, starts, ends, effort, timeLimit);
}

/**
 * Plans on a libuv worker thread. An abort cancels the native token (the searches stop at
 * their next check) and rejects at once; the worker's late answer is dropped.
 */
function planInBackground(
  tensors: readonly PlannedTensor[],
  { effort, timeLimit }: Budget,
  signal: PlanAbortSignal | undefined,
): Promise<Planned> {
  if (signal?.aborted) return Promise.reject(abortError(signal));
  const token = new native.PlanCancel();
  const { 0: sizes, 1: alignments, 2: starts, 3: ends } = columnsOf(tensors);
  const planned = native.planLifetimesAsync(
    sizes,
    alignments,
    starts,
    ends,
    effort,
    timeLimit,
    token,
  );
  if (signal === undefined) return planned;
  return new Promise<Planned>((resolve, reject) => {
    const onAbort = (): void => {
      token.cancel();
      reject(abortError(signal));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    planned.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** What an aborted plan rejects with: Node's `AbortError` shape, with this package's code. */
function abortError(signal: PlanAbortSignal): Error {
  const error = codedError('ERR_ABORTED', 'the plan was aborted');
  error.name = 'AbortError';
  Object.defineProperty(error, 'cause', {
    value: signal.reason,
    configurable: true,
    writable: true,
  });
  return error;
}

function checkOptions(options: unknown): Budget {
  if (typeof options !== 'object' || options === null) {
    throw codedError(
      'ERR_INVALID_ARG_TYPE',
      `options must be an object; received ${describe(options)}`,
    );
  }
  const { effort, timeLimit } = options as PlanOptions;
  return {
    effort: effort === undefined ? undefined : checkCount(effort, 'effort'),
    timeLimit: timeLimit === undefined ? undefined : checkCount(timeLimit, 'timeLimit'),
  };
}

function checkSignal(options: AsyncPlanOptions): PlanAbortSignal | undefined {
  const { signal } = options;
  if (signal === undefined || signal instanceof AbortSignal) return signal;
  throw codedError(
    'ERR_INVALID_ARG_TYPE',
    `signal must be an AbortSignal; received ${describe(signal)}`,
  );
}

/** Checks each lifetime's types and ranges; `start <= end` is the core's rule. */
function checkLifetimes(lifetimes: unknown): PlannedTensor[] {
  if (!isArrayValue(lifetimes)) {
    throw codedError(
      'ERR_INVALID_ARG_TYPE',
      `lifetimes must be an array; received ${describe(lifetimes)}`,
    );
  }
  const out = list<PlannedTensor>();
  for (let index = 0; index < lifetimes.length; index++) {
    const lifetime: unknown = lifetimes[index];
    if (typeof lifetime !== 'object' || lifetime === null) {
      throw codedError(
        'ERR_INVALID_ARG_TYPE',
        `lifetimes[${index}] must be an object { size, alignment?, start, end }; received ${describe(lifetime)}`,
      );
    }
    const { size, alignment, start, end } = lifetime as Lifetime;
    append(out, {
      size: checkCount(size, `lifetimes[${index}].size`),
      alignment: alignmentFor(alignment, 1),
      start: checkCount(start, `lifetimes[${index}].start`),
      end: checkCount(end, `lifetimes[${index}].end`),
      freed: true,
    });
  }
  return out;
}

/** A saved tensor's recorded type and length, checked against its size. */
function checkRecorded(
  lifetime: PlannedTensor,
  saved: PlannedTensor,
  index: number,
): PlannedTensor {
  const freed = saved.freed === undefined ? true : saved.freed;
  if (typeof freed !== 'boolean') {
    throw codedError('ERR_INVALID_ARG_VALUE', `tensors[${index}].freed must be a boolean`);
  }
  if (saved.type === undefined) return { ...lifetime, freed };
  const type = typeNamed(saved.type);
  const length = checkCount(saved.length, `tensors[${index}].length`);
  if (type === undefined || length * (elementSize(type) as number) !== lifetime.size) {
    throw codedError(
      'ERR_INVALID_ARG_VALUE',
      `tensors[${index}]: ${describe(saved.type)} of length ${length} is not ${lifetime.size} bytes`,
    );
  }
  return { ...lifetime, freed, type: saved.type, length };
}
