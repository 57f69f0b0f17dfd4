/**
 * The replay of a memory plan: one aligned block, every tensor's view cut once, and a pass that
 * gets the i-th view at its i-th allocation. Nothing is allocated and nothing is cut.
 *
 * What replay checks, in O(1) per call: each allocation and each free is the one the plan has at
 * that step (the same type, length and alignment; the view it handed out). A pass that departs
 * from it, by another shape, another order, or a tensor freed later or earlier, could be handed
 * memory that a tensor it still uses occupies: it gets `ERR_PLAN_MISMATCH`, and the next run starts
 * clean. What replay cannot check: a view used after its `free` (its memory now serves another
 * tensor: `poison` makes that visible), or a view kept after the run.
 * @module
 */

import { alignedAlloc, alignedFree, holdAligned } from './aligned';
import { checkAlignment, codedError, describe, disposedError, type ErrorCode } from './errors';
import type { PassMemory, PlannedTensor } from './pass';
import { type TypedArray, type TypedArrayConstructor, typeNamed } from './typed-array';

import native = require('./native');

const DEFAULT_ALIGN: number = native.DEFAULT_ALIGNMENT;
/** A free in the op list is the tensor's index, complemented; an allocation is its index. */
const FREE = -1;

/**
 * A plan made real: made by `MemoryPlan.instantiate()`. Run the pass with {@link PlannedPass.run}.
 */
export class PlannedPass implements Disposable, PassMemory {
  readonly #tensors: readonly PlannedTensor[];
  /** The block; `null` once disposed. */
  #block: Uint8Array | null;
  /** Every tensor's view and what the hot path compares, in tensor order. */
  readonly #slots: readonly Slot[];
  // The plan's steps, each the slot it allocates or frees (`undefined` for the other kind, and
  // past the end): the hot path reads one record, not one array per field.
  readonly #allocs: readonly (Slot | undefined)[];
  readonly #frees: readonly (Slot | undefined)[];
  readonly #offsets: readonly number[];
  /** The plan's steps: a tensor index to allocate, or `FREE ^ index` to free (messages only). */
  readonly #ops: Int32Array;
  readonly #poison: boolean;
  /** The next op of the current run; -1 between runs. */
  #step = -1;
  /** Holds pending on the block. */
  #held = 0;
  /** The views cut so far, by offset, type and length (see `#cut`). */
  readonly #shared = new Map<string, TypedArray>();

  /** @internal Made by `MemoryPlan.instantiate()`. */
  constructor(
    tensors: readonly PlannedTensor[],
    offsets: readonly number[],
    bytes: number,
    poison: boolean,
  ) {
    this.#tensors = tensors;
    this.#offsets = offsets;
    this.#poison = poison;
    const alignment = tensors.reduce((max, tensor) => Math.max(max, tensor.alignment), 1);
    const block = alignedAlloc(bytes, alignment);
    this.#block = block;
    this.#slots = tensors.map((tensor, index) => {
      const type = tensor.type === undefined ? undefined : typeNamed(tensor.type);
      const view = type === undefined ? undefined : this.#cut(type, index);
      return new Slot(type, view, tensor.alignment);
    });
    this.#ops = opsOf(tensors);
    this.#allocs = Array.from(this.#ops, (op) => (op >= 0 ? this.#slots[op] : undefined));
    this.#frees = Array.from(this.#ops, (op) => (op < 0 ? this.#slots[FREE ^ op] : undefined));
  }

  /**
   * The view of tensor `index` as `type`: one view object for every tensor at the same offset
   * with the same type and length (tensors that share bytes are never live together, so a view
   * still names one live tensor at a time). A pass then touches a handful of views, as code with
   * buffers preallocated by hand does, not one per tensor (measured: 1.2x slower per pass without).
   */
  #cut<T extends TypedArray>(type: TypedArrayConstructor<T>, index: number): T {
    const block = this.#block as Uint8Array;
    const tensor = this.#tensors[index] as PlannedTensor;
    const offset = this.#offsets[index] as number;
    const length = tensor.size / type.BYTES_PER_ELEMENT;
    const key = `${offset} ${(type as unknown as { name: string }).name} ${length}`;
    const shared = this.#shared.get(key);
    if (shared !== undefined) return shared as T;
    const view = new type(block.buffer as ArrayBuffer, block.byteOffset + offset, length);
    this.#shared.set(key, view);
    return view;
  }

  /**
   * Runs `fn(mem)` as one pass of the plan: the i-th `alloc` returns the i-th tensor's view
   * (checked), `free` checks its view. Returns what `fn` returns; if that is a promise, the run
   * ends when it settles.
   * @throws Error `ERR_PLAN_MISMATCH` from `mem` if the pass departs from the plan (then the
   *   next run starts clean); `ERR_BUSY` while a run or a hold is in progress; `ERR_DISPOSED`.
   */
  run<R>(fn: (mem: PassMemory) => R): R {
    this.#live();
    if (typeof fn !== 'function') {
      throw codedError('ERR_INVALID_ARG_TYPE', `fn must be a function; received ${describe(fn)}`);
    }
    if (this.#step !== -1) throw this.#busy('run the pass again while a run is in progress');
    if (this.#held > 0) throw this.#busy('run the pass while a hold on its memory is pending');
    this.#step = 0;
    let result: R;
    try {
      result = fn(this);
    } catch (error) {
      this.#step = -1;
      throw error;
    }
    if (result instanceof Promise) {
      return result.finally(() => {
        this.#step = -1;
      }) as R;
    }
    this.#step = -1;
    return result;
  }

  alloc<T extends TypedArray>(
    type: TypedArrayConstructor<T>,
    length: number,
    alignment?: number,
  ): T {
    const step = this.#step;
    const slot = this.#allocs[step];
    // The common case in a few compares: the planned tensor, of this type and length, at the
    // planned alignment (the default one, or the one asked, raised to the element size). A step
    // past the ops, or a free's, has no slot and takes the slow path.
    if (
      slot !== undefined &&
      slot.type === type &&
      slot.length === length &&
      (alignment === undefined
        ? slot.defaulted
        : slot.alignment === Math.max(alignment, type.BYTES_PER_ELEMENT))
    ) {
      this.#step = step + 1;
      return slot.view as T;
    }
    return this.#allocSlow(type, length, alignment);
  }

  allocate(size: number, alignment?: number): Uint8Array {
    return this.alloc(Uint8Array, size, alignment);
  }

  #allocSlow<T extends TypedArray>(
    type: TypedArrayConstructor<T>,
    length: number,
    alignment: number | undefined,
  ): T {
    const step = this.#step;
    if (step === -1) {
      throw codedError('ERR_INVALID_STATE', 'alloc outside a run: use pass.run((mem) => ...)');
    }
    const align = Math.max(
      alignment === undefined ? DEFAULT_ALIGN : checkAlignment(alignment),
      type.BYTES_PER_ELEMENT,
    );
    const asked = `${type.name}(${length}) aligned to ${align}`;
    const index = this.#ops[step];
    if (index === undefined || index < 0) {
      throw this.#mismatch(
        step,
        index === undefined ? 'the end of the pass' : `free of tensor ${FREE ^ index}`,
        `alloc of ${asked}`,
      );
    }
    const tensor = this.#tensors[index] as PlannedTensor;
    const recorded = `${tensor.type ?? 'a view'}${tensor.length === undefined ? ` of ${tensor.size} bytes` : `(${tensor.length})`} aligned to ${tensor.alignment}`;
    if (length * type.BYTES_PER_ELEMENT !== tensor.size || align !== tensor.alignment) {
      throw this.#mismatch(step, `alloc of tensor ${index}, ${recorded}`, `alloc of ${asked}`);
    }
    const slot = this.#slots[index] as Slot;
    if (tensor.type !== undefined && slot.type !== type) {
      throw this.#mismatch(step, `alloc of tensor ${index}, ${recorded}`, `alloc of ${asked}`);
    }
    // A tensor planned from lifetimes alone gets its view at its first use, of the type asked;
    // the next runs that ask the same take the hot path.
    if (slot.type !== type) slot.assign(type, this.#cut(type, index));
    slot.defaulted = align === Math.max(DEFAULT_ALIGN, type.BYTES_PER_ELEMENT);
    this.#step = step + 1;
    return slot.view as T;
  }

  free(view: ArrayBufferView): void {
    const step = this.#step;
    const slot = this.#frees[step];
    if (slot !== undefined && slot.view === view) {
      this.#step = step + 1;
      if (this.#poison) poison(view);
      return;
    }
    if (step === -1) throw codedError('ERR_INVALID_STATE', 'free outside a run');
    const op = this.#ops[step];
    const index = this.#slots.findIndex((candidate) => candidate.view === view);
    const asked =
      index === -1 ? 'free of a view this pass does not have' : `free of tensor ${index}`;
    const recorded =
      op === undefined
        ? 'the end of the pass'
        : op < 0
          ? `free of tensor ${FREE ^ op}`
          : `alloc of tensor ${op}`;
    throw this.#mismatch(step, recorded, asked);
  }

  #mismatch(step: number, recorded: string, asked: string): Error & { code: ErrorCode } {
    // The run is abandoned: the next one starts from the first step.
    this.#step = -1;
    return codedError(
      'ERR_PLAN_MISMATCH',
      `the pass departs from its plan at step ${step}: the plan has ${recorded}, the pass asked for ${asked}`,
    );
  }

  /**
   * Holds the pass's memory until `work` settles (see `Arena.hold`): until then `run` and
   * `dispose` throw `ERR_BUSY`, since both would hand its memory to someone else.
   */
  hold<R>(work: PromiseLike<R>): Promise<R> {
    const block = this.#live();
    this.#held++;
    return holdAligned(block, work).finally(() => {
      this.#held--;
    });
  }

  #busy(doing: string): Error & { code: ErrorCode } {
    return codedError('ERR_BUSY', `cannot ${doing}`);
  }

  /** Every tensor's view, in allocation order (a tensor planned from lifetimes alone: its first use's). */
  get views(): readonly (TypedArray | undefined)[] {
    this.#live();
    return this.#slots.map((slot) => slot.view);
  }

  /** The block's size in bytes: the plan's `bytes`. */
  get bytes(): number {
    return this.#live().byteLength;
  }

  /** Frees the block now and detaches every view; later use throws `ERR_DISPOSED`. */
  dispose(): void {
    const block = this.#block;
    if (block === null) return;
    alignedFree(block);
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
    this.length = view?.length;
    this.alignment = alignment;
    this.defaulted =
      type !== undefined && alignment === Math.max(DEFAULT_ALIGN, type.BYTES_PER_ELEMENT);
  }

  assign(type: TypedArrayConstructor<TypedArray>, view: TypedArray): void {
    this.type = type;
    this.view = view;
    this.length = view.length;
  }
}

/** The plan's steps in order: at each step, its allocations (in tensor order), then its frees. */
function opsOf(tensors: readonly PlannedTensor[]): Int32Array {
  const events: [number, number, number][] = [];
  tensors.forEach((tensor, index) => {
    events.push([tensor.start, 0, index]);
    if (tensor.freed) events.push([tensor.end, 1, FREE ^ index]);
  });
  events.sort(
    (a, b) =>
      a[0] - b[0] || a[1] - b[1] || (a[1] === 0 ? a[2] - b[2] : (FREE ^ a[2]) - (FREE ^ b[2])),
  );
  return Int32Array.from(events, (event) => event[2]);
}

/** Fills a freed view with NaN (float types) or 0xDE, so a use after free shows. */
function poison(view: ArrayBufferView): void {
  if (view instanceof Float32Array || view instanceof Float64Array) view.fill(Number.NaN);
  else new Uint8Array(view.buffer, view.byteOffset, view.byteLength).fill(0xde);
}
