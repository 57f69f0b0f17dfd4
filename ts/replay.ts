/**
 * The replay of a memory plan: one aligned block, every tensor's view cut once, and a pass that
 * gets the i-th view at its i-th allocation. Nothing is allocated and nothing is cut.
 *
 * What replay checks, in O(1) per call: each allocation and each free is the one the plan has at
 * that step (the same type, length and alignment; the view it handed out), and a run performs
 * every step of the plan. A pass that departs from it, by another shape, another order, a tensor
 * freed later or earlier, or stopping early, could be handed memory that a tensor it still uses
 * occupies: it gets `ERR_PLAN_MISMATCH`, and the next run starts clean. What replay cannot check:
 * a view used after its `free` (its memory now serves another tensor: `poison` makes that
 * visible), or a view kept after the run.
 *
 * Every pass is made from offsets the native side has checked against the lifetimes the replay
 * gives (a tensor never freed lives to the end: `replayed_lifetimes` in the core), whatever built
 * the plan: no plan, loaded or forged, can hand out two overlapping live tensors.
 * @module
 */

import { alignedAlloc, alignedFree } from './aligned';
import {
  alignmentFor,
  checkType,
  codedError,
  describe,
  disposedError,
  type ErrorCode,
} from './errors';
import { Holds } from './hold';
import {
  append,
  bufferOf,
  byteLengthOf,
  byteOffsetOf,
  lengthOf,
  list,
  mapLookup,
  mapStore,
  max,
  publicArray,
  SafeFloat64Array,
  SafeInt32Array,
  SafeMap,
  SafeUint8Array,
  sortList,
} from './intrinsics';
import type { Lease } from './lease';
import type { PassMemory, PlannedTensor } from './pass';
import { PassRegion, type RegionInfo } from './region';
import {
  elementSize,
  poisonView,
  type TypedArray,
  type TypedArrayConstructor,
  typeName,
  typeNamed,
} from './typed-array';

import native = require('./native');

/** A free in the op list is the tensor's index, complemented; an allocation is its index. */
const FREE = -1;

/** Made by {@link createPass} only: the one way in, past the native check. */
const CREATE: unique symbol = Symbol('PlannedPass');

/**
 * @internal A planned pass over `tensors` at `offsets` in a block of `bytes`, once the native
 * side has checked the offsets against the replay's lifetimes (`ERR_INVALID_ARG_VALUE` if two
 * tensors live together would overlap, or an offset is misaligned).
 */
export function createPass(
  tensors: readonly PlannedTensor[],
  offsets: readonly number[],
  bytes: number,
  poison: boolean,
  region: { memory: unknown; offset: unknown } | null = null,
  sharedMemory = false,
): PlannedPass {
  const n = tensors.length;
  const sizes = new SafeFloat64Array(n);
  const alignments = new SafeFloat64Array(n);
  const starts = new SafeFloat64Array(n);
  const ends = new SafeFloat64Array(n);
  const freed = new SafeUint8Array(n);
  const at = new SafeFloat64Array(n);
  for (let i = 0; i < n; i++) {
    const tensor = tensors[i] as PlannedTensor;
    sizes[i] = tensor.size;
    alignments[i] = tensor.alignment;
    starts[i] = tensor.start;
    ends[i] = tensor.end;
    freed[i] = tensor.freed ? 1 : 0;
    at[i] = offsets[i] as number;
  }
  const checked = native.planVerify(sizes, alignments, starts, ends, freed, at);
  return new PlannedPass(
    CREATE,
    tensors,
    offsets,
    max(bytes, checked.bytes),
    poison,
    region,
    sharedMemory,
  );
}

/** @internal The region `instantiate`'s options ask for (`memory`, `offset`), or `null`. */
export function regionOf(options: object): { memory: unknown; offset: unknown } | null {
  const { memory, offset } = options as { memory?: unknown; offset?: unknown };
  return memory === undefined ? null : { memory, offset };
}

/**
 * A plan made real: made by `MemoryPlan.instantiate()`. Run the pass with {@link PlannedPass.run}.
 */
export class PlannedPass implements Disposable, PassMemory {
  readonly #tensors: readonly PlannedTensor[];
  /** The block; `null` once disposed. */
  #block: Uint8Array | null;
  /** Every tensor's view and what the hot path compares, in tensor order. */
  readonly #slots: Slot[];
  // The plan's steps, each the slot it allocates or frees (`undefined` for the other kind), with
  // one more element than there are steps: a step past the end reads an own `undefined`, never
  // the prototype. The hot path reads one record, not one array per field.
  readonly #allocs: (Slot | undefined)[];
  readonly #frees: (Slot | undefined)[];
  readonly #offsets: readonly number[];
  /** The plan's steps: a tensor index to allocate, or `FREE ^ index` to free (messages only). */
  readonly #ops: Int32Array;
  readonly #steps: number;
  readonly #poison: boolean;
  /** The next op of the current run; `#idle` between runs. */
  #step: number;
  /** The step no run reaches: what `#step` is between runs (an own `undefined` in the lists). */
  readonly #idle: number;
  readonly #holds = new Holds();
  /** Whether the views can never be detached (a region, shared memory): dispose poisons them. */
  readonly #keeps: boolean;
  /** The caller's memory the block is laid in, or `null` (an aligned block of the package's). */
  readonly #region: PassRegion | null;

  /** @internal Made by `MemoryPlan.instantiate()`, through `createPass`. */
  constructor(
    token: typeof CREATE,
    tensors: readonly PlannedTensor[],
    offsets: readonly number[],
    bytes: number,
    poison: boolean,
    region: { memory: unknown; offset: unknown } | null = null,
    sharedMemory = false,
  ) {
    if (token !== CREATE) {
      throw codedError(
        'ERR_INVALID_STATE',
        'a PlannedPass is made by MemoryPlan.instantiate(), which checks the plan first',
      );
    }
    this.#tensors = tensors;
    this.#offsets = offsets;
    this.#poison = poison;
    let alignment = 1;
    for (let i = 0; i < tensors.length; i++) {
      alignment = max(alignment, (tensors[i] as PlannedTensor).alignment);
    }
    this.#region = region === null ? null : PassRegion.open(region, bytes, alignment);
    this.#block =
      this.#region === null
        ? alignedAlloc(bytes, alignment, { shared: sharedMemory })
        : this.#region.block();
    this.#keeps = this.#region !== null || sharedMemory;
    const shared: Map<string, TypedArray> = new SafeMap();
    this.#slots = list();
    for (let index = 0; index < tensors.length; index++) {
      const tensor = tensors[index] as PlannedTensor;
      const type = tensor.type === undefined ? undefined : typeNamed(tensor.type);
      const view = type === undefined ? undefined : this.#cut(shared, type, index);
      append(this.#slots, new Slot(type, view, tensor.alignment));
    }
    this.#ops = opsOf(tensors);
    // Not `#ops.length`: a typed array's `length` is a getter user code can replace.
    this.#steps = lengthOf(this.#ops);
    this.#idle = this.#steps + 1;
    this.#step = this.#idle;
    this.#allocs = list();
    this.#frees = list();
    for (let step = 0; step <= this.#idle; step++) {
      const op = step < this.#steps ? (this.#ops[step] as number) : undefined;
      append(this.#allocs, op !== undefined && op >= 0 ? this.#slots[op] : undefined);
      append(this.#frees, op !== undefined && op < 0 ? this.#slots[FREE ^ op] : undefined);
    }
    this.#shared = shared;
  }

  /** The views cut so far, by offset, type and length (see `#cut`). */
  #shared: Map<string, TypedArray>;

  /**
   * The view of tensor `index` as `type`: one view object for every tensor at the same offset
   * with the same type and length (tensors that share bytes are never live together, so a view
   * still names one live tensor at a time). A pass then touches a handful of views, as code with
   * buffers preallocated by hand does, not one per tensor (measured: 1.2x slower per pass without).
   */
  #cut<T extends TypedArray>(
    shared: Map<string, TypedArray>,
    type: TypedArrayConstructor<T>,
    index: number,
  ): T {
    const block = this.#block as Uint8Array;
    const tensor = this.#tensors[index] as PlannedTensor;
    const offset = this.#offsets[index] as number;
    const length = tensor.size / (elementSize(type) as number);
    const key = `${offset} ${typeName(type)} ${length}`;
    const found = mapLookup(shared, key);
    if (found !== undefined) return found as T;
    const view = new type(bufferOf(block) as ArrayBuffer, byteOffsetOf(block) + offset, length);
    mapStore(shared, key, view);
    return view;
  }

  /**
   * Runs `fn(mem)` as one pass of the plan: the i-th `alloc` returns the i-th tensor's view
   * (checked), `free` checks its view. Returns what `fn` returns; if that is a promise, the run
   * ends when it settles. A run that ends before the plan's last step is a mismatch.
   * @throws Error `ERR_PLAN_MISMATCH` from `mem` if the pass departs from the plan, and from
   *   `run` if it stops early (then the next run starts clean); `ERR_BUSY` while a run or a hold
   *   is in progress; `ERR_DISPOSED`.
   */
  run<R>(fn: (mem: PassMemory) => R): R {
    this.#live();
    if (typeof fn !== 'function') {
      throw codedError('ERR_INVALID_ARG_TYPE', `fn must be a function; received ${describe(fn)}`);
    }
    if (this.#step !== this.#idle) {
      throw this.#busy('run the pass again while a run is in progress');
    }
    if (this.#holds.count > 0) {
      throw this.#busy('run the pass while a hold on its memory is pending or a lease unreleased');
    }
    this.#rebind();
    this.#step = 0;
    let result: R;
    try {
      result = fn(this);
    } catch (error) {
      this.#step = this.#idle;
      throw error;
    }
    if (isThenable(result)) return this.#finishAfter(result) as R;
    this.#finish();
    return result;
  }

  async #finishAfter(work: PromiseLike<unknown>): Promise<unknown> {
    let value: unknown;
    try {
      value = await work;
    } catch (error) {
      this.#step = this.#idle;
      throw error;
    }
    this.#finish();
    return value;
  }

  /** Ends a run that returned: it must have performed every step of the plan. */
  #finish(): void {
    const step = this.#step;
    this.#step = this.#idle;
    // A mismatch inside the run already ended it; a run that stopped early ends here.
    if (step === this.#idle || step === this.#steps) return;
    throw this.#mismatch(step, this.#describeStep(step), 'the end of the pass');
  }

  alloc<T extends TypedArray>(
    type: TypedArrayConstructor<T>,
    length: number,
    alignment?: number,
  ): T {
    const step = this.#step;
    const slot = this.#allocs[step];
    // The common case in a few compares: the planned tensor, of this type and length, at the
    // planned alignment (the default one, or exactly the one planned: a planned alignment is
    // valid and at least the element size, so `alignmentFor` would return it unchanged). Any
    // other alignment, a step past the ops, between runs, or a free's takes the slow path,
    // which applies the rule in full.
    if (
      slot !== undefined &&
      slot.type === type &&
      slot.length === length &&
      (alignment === undefined ? slot.defaulted : alignment === slot.alignment)
    ) {
      this.#step = step + 1;
      return slot.view as T;
    }
    return this.#allocSlow(type, length, alignment);
  }

  allocate(size: number, alignment?: number): Uint8Array {
    return this.alloc(SafeUint8Array, size, alignment);
  }

  #allocSlow<T extends TypedArray>(
    type: TypedArrayConstructor<T>,
    length: number,
    alignment: number | undefined,
  ): T {
    const step = this.#step;
    if (step === this.#idle) {
      throw codedError('ERR_INVALID_STATE', 'alloc outside a run: use pass.run((mem) => ...)');
    }
    const size = checkType(type);
    if (typeof length !== 'number') {
      throw codedError(
        'ERR_INVALID_ARG_TYPE',
        `length must be a number; received ${describe(length)}`,
      );
    }
    const align = alignmentFor(alignment, size);
    const asked = `${typeName(type)}(${length}) aligned to ${align}`;
    const index = step < this.#steps ? (this.#ops[step] as number) : undefined;
    if (index === undefined || index < 0) {
      throw this.#mismatch(step, this.#describeStep(step), `alloc of ${asked}`);
    }
    const tensor = this.#tensors[index] as PlannedTensor;
    const recorded = `${tensor.type ?? 'a view'}${tensor.length === undefined ? ` of ${tensor.size} bytes` : `(${tensor.length})`} aligned to ${tensor.alignment}`;
    if (length * size !== tensor.size || align !== tensor.alignment) {
      throw this.#mismatch(step, `alloc of tensor ${index}, ${recorded}`, `alloc of ${asked}`);
    }
    const slot = this.#slots[index] as Slot;
    if (tensor.type !== undefined && slot.type !== type) {
      throw this.#mismatch(step, `alloc of tensor ${index}, ${recorded}`, `alloc of ${asked}`);
    }
    // A tensor planned from lifetimes alone gets its view at its first use, of the type asked;
    // the next runs that ask the same take the hot path.
    if (slot.type !== type) slot.assign(type, this.#cut(this.#shared, type, index));
    slot.defaulted = align === alignmentFor(undefined, size);
    this.#step = step + 1;
    return slot.view as T;
  }

  free(view: ArrayBufferView): void {
    const step = this.#step;
    const slot = this.#frees[step];
    if (slot !== undefined && slot.view === view) {
      this.#step = step + 1;
      if (this.#poison) poisonView(view);
      return;
    }
    if (step === this.#idle) throw codedError('ERR_INVALID_STATE', 'free outside a run');
    let index = -1;
    for (let at = 0; at < this.#slots.length; at++) {
      if ((this.#slots[at] as Slot).view === view) {
        index = at;
        break;
      }
    }
    const asked =
      index === -1 ? 'free of a view this pass does not have' : `free of tensor ${index}`;
    throw this.#mismatch(step, this.#describeStep(step), asked);
  }

  /** What the plan has at `step`, in words. */
  #describeStep(step: number): string {
    if (step >= this.#steps) return 'the end of the pass';
    const op = this.#ops[step] as number;
    return op < 0 ? `free of tensor ${FREE ^ op}` : `alloc of tensor ${op}`;
  }

  #mismatch(step: number, recorded: string, asked: string): Error & { code: ErrorCode } {
    // The run is abandoned: the next one starts from the first step.
    this.#step = this.#idle;
    return codedError(
      'ERR_PLAN_MISMATCH',
      `the pass departs from its plan at step ${step}: the plan has ${recorded}, the pass asked for ${asked}`,
    );
  }

  /**
   * A lease on the pass's memory, for work another thread does with its views: until
   * `releaseLease(lease)` is called, in any thread, `run` and `dispose` throw `ERR_BUSY`, as for
   * a {@link PlannedPass.hold} (see `Arena.lease`).
   * @throws Error `ERR_DISPOSED`; `ERR_INVALID_STATE` where there is no `SharedArrayBuffer`.
   */
  lease(): Lease {
    this.#live();
    return this.#holds.lease();
  }

  /**
   * Holds the pass's memory until `work` settles (see `Arena.hold`): until then `run` and
   * `dispose` throw `ERR_BUSY`, since both would hand its memory to someone else.
   * @throws TypeError `ERR_INVALID_ARG_TYPE` if `work` is not a promise (and nothing is held);
   *   Error `ERR_DISPOSED`.
   */
  hold<R>(work: PromiseLike<R>): Promise<R> {
    this.#live();
    return this.#holds.take(work, this);
  }

  #busy(doing: string): Error & { code: ErrorCode } {
    return codedError('ERR_BUSY', `cannot ${doing}`);
  }

  /**
   * Over a region whose memory grew (its buffer replaced): cuts every view again, over the new
   * buffer at the same offsets. The views cut before are dead (the engine detached them).
   */
  #rebind(): void {
    const block = this.#region?.rebind() ?? null;
    if (block === null) return;
    this.#block = block;
    const shared: Map<string, TypedArray> = new SafeMap();
    this.#shared = shared;
    for (let index = 0; index < this.#slots.length; index++) {
      const slot = this.#slots[index] as Slot;
      if (slot.type !== undefined) slot.assign(slot.type, this.#cut(shared, slot.type, index));
    }
  }

  /**
   * The caller's memory the pass is laid in (`plan.instantiate({ memory, offset })`), or `null`:
   * where it starts, its bytes, the buffer the views are over now, and how many times the memory
   * grew under it (the views then are cut again; the ones from before are dead).
   */
  get region(): RegionInfo | null {
    this.#live();
    this.#rebind();
    return this.#region === null ? null : this.#region.info();
  }

  /**
   * Every tensor's view, in tensor order, of its recorded type. A tensor planned from lifetimes
   * alone has the type of its first use; before that, a `Uint8Array` over its bytes.
   */
  get views(): readonly TypedArray[] {
    this.#live();
    this.#rebind();
    const views = list<TypedArray>();
    for (let at = 0; at < this.#slots.length; at++) {
      const view = (this.#slots[at] as Slot).view;
      append(views, view ?? this.#cut(this.#shared, SafeUint8Array, at));
    }
    return publicArray(views);
  }

  /** The block's size in bytes: the plan's `bytes`. */
  get bytes(): number {
    this.#live();
    this.#rebind();
    return byteLengthOf(this.#live());
  }

  /**
   * Frees the block now and detaches every view; later use throws `ERR_DISPOSED`. Over shared
   * memory or a region the views stay attached (poisoned if asked): shared memory is freed when
   * no thread holds a view of it.
   * @throws Error `ERR_BUSY` while a hold is pending or a lease unreleased (nothing changes).
   */
  dispose(): void {
    const block = this.#block;
    if (block === null) return;
    this.#holds.check('dispose the planned pass');
    if (this.#keeps && this.#poison) {
      // Views over a region or shared memory cannot be detached: they are dead, and poisoned
      // if asked.
      this.#rebind();
      for (let at = 0; at < this.#slots.length; at++) {
        const view = (this.#slots[at] as Slot).view;
        if (view !== undefined) poisonView(view);
      }
    }
    // A shared block is given up (freed when no thread holds a view of it); a region is the
    // caller's.
    if (this.#region === null) alignedFree(block);
    this.#block = null;
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  #live(): Uint8Array {
    if (this.#block === null) throw disposedError('planned pass');
    return this.#block;
  }
}

/** One tensor of the pass: its view and what an allocation must ask to get it. */
class Slot {
  type: TypedArrayConstructor<TypedArray> | undefined;
  view: TypedArray | undefined;
  length: number | undefined;
  readonly alignment: number;
  /** Whether `alignment` is the one a call without `alignment` gets. */
  defaulted: boolean;

  constructor(
    type: TypedArrayConstructor<TypedArray> | undefined,
    view: TypedArray | undefined,
    alignment: number,
  ) {
    this.type = type;
    this.view = view;
    this.length = view === undefined ? undefined : lengthOf(view);
    this.alignment = alignment;
    this.defaulted =
      type !== undefined && alignment === alignmentFor(undefined, elementSize(type) as number);
  }

  assign(type: TypedArrayConstructor<TypedArray>, view: TypedArray): void {
    this.type = type;
    this.view = view;
    this.length = lengthOf(view);
  }
}

/** The plan's steps in order: at each step, its allocations (in tensor order), then its frees. */
function opsOf(tensors: readonly PlannedTensor[]): Int32Array {
  const events = list<[number, number, number]>();
  for (let index = 0; index < tensors.length; index++) {
    const tensor = tensors[index] as PlannedTensor;
    append(events, [tensor.start, 0, index]);
    if (tensor.freed) append(events, [tensor.end, 1, FREE ^ index]);
  }
  sortList(
    events,
    (a, b) =>
      a[0] - b[0] || a[1] - b[1] || (a[1] === 0 ? a[2] - b[2] : (FREE ^ a[2]) - (FREE ^ b[2])),
  );
  const ops = new SafeInt32Array(events.length);
  for (let at = 0; at < events.length; at++) ops[at] = (events[at] as [number, number, number])[2];
  return ops;
}

/** Whether `value` has a `then` method (a promise, or a thenable). */
function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
