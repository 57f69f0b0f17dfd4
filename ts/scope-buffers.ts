/**
 * The buffers an arena's scopes cut from, and what each scope restores when it closes.
 *
 * A scope must detach exactly the views cut while it was open, but they share blocks with older
 * views, and detaching is per `ArrayBuffer`. So the first claim of a scope in a block that already
 * holds views gets a buffer of its own there: a *window* (a second buffer over the same native
 * memory) or, under the V8-owned backing where two buffers cannot share memory, a *shadow* (a
 * block of the arena's own, mapped at the same addresses modulo 64 KiB). A scope that moves on
 * to a block with no live view (the walk forward, or growth) *enters* it and cuts from its base
 * buffer.
 *
 * The binding makes every one of these buffers and ends them (`crates/node/src/arena.rs`): a
 * scope's close goes to it, by depth, whenever the scope entered a block or used a shadow. The
 * common scope (a window in one block) closes here instead: its window is moved with
 * `transfer()` into a *spare*, from which nothing was cut, that the next scope in that block takes
 * without a call to the binding (`ts/renewal.ts`; the binding is told, and checks, before the
 * arena next calls it). This object asks for buffers by block and depth, keeps the spares,
 * remembers where each buffer was cut from (for `offsetOf`), and knows when a close has anything
 * only the binding can end.
 * @internal
 * @module
 */

import { codedError } from './errors';
import { append, bufferByteLength, list, max, min, SafeFloat64Array } from './intrinsics';
import { type Adoptions, renew, renewsHere, SPARE } from './renewal';
import { remember } from './seen';

import type native = require('./native');

/** What the arena knows of a block, as a scope's buffer needs it. */
export interface BlockFacts {
  readonly start: number;
  readonly misalignment: number;
  readonly size: number;
  readonly native: boolean;
}

/** The smallest shadow worth making: small scopes share one (docs/design.md, scopes). */
const MIN_SHADOW = 65536;
/** Shadows map addresses modulo this (the largest alignment). */
const MAX_ALIGN = 65536;

/**
 * Where each open scope opened, by depth, in flat lists with no object per scope (a scope's
 * garbage is what a scope per layer costs in GCs): numbers in a Float64Array, `LEVEL` each (the
 * block, the cursor in it and the bytes of the blocks before it; the hot path's bias and limit;
 * how many buffers had been opened; the scope's serial; whether the scope innermost then had yet
 * to get a buffer of its own), and two references each (the hot path's buffer; the async task it
 * was opened for, where the runtime can tell: `Arena.scoped`).
 */
const INDEX = 0;
const CURSOR = 1;
const BEFORE = 2;
const BIAS_AT = 3;
const LIMIT = 4;
const OPENED = 5;
const SERIAL = 6;
const PENDING = 7;
const LEVEL = 8;
const TASK = 1;

/**
 * The fields of one opened buffer in `#opened`, which is flat: no object per buffer (a scope's
 * garbage is what a scope per layer costs in GCs). The buffer, the block it maps, where the
 * block's offset 0 is in it, and whether it is a window (closed here, when it can be) rather
 * than a shadow.
 */
const BUFFER = 0;
const BLOCK = 1;
const BIAS = 2;
const WINDOW = 3;
const STRIDE = 4;

/**
 * @internal The open scopes of one arena and the buffers opened for them. Its lists are kept at
 * their longest and counted (a list that shrinks to nothing is given a new backing store at its
 * next append: garbage at every scope).
 */
export class ScopeBuffers {
  /** What each open scope restores, outermost first (depth 1 at 0), `#depth` of them. */
  #levels: Float64Array = new SafeFloat64Array(8 * LEVEL);
  /**
   * `#levels`'s length, kept here: a typed array's `length` is a getter on its prototype that
   * user code can replace (to call back in, or to lie so that the levels never grow).
   */
  #room = 8 * LEVEL;
  readonly #levelRefs: unknown[] = list();
  #depth = 0;
  /** The serial of the last scope opened: a scope is open while its depth holds its serial. */
  #serial = 0;
  /** Buffers opened for the open scopes, in order, `STRIDE` entries each, `#opened` of them. */
  readonly #openedList: unknown[] = list();
  #opened = 0;
  /** Each native block's spare window, if it has one, by block index. */
  readonly #spares: (ArrayBuffer | undefined)[] = list();
  /** Whether the innermost open scope has yet to get a buffer of its own in the current block. */
  #pending = false;
  /** The deepest open scope with something only the binding can end (a shadow, an entered block). */
  #touched = 0;
  readonly #adoptions: Adoptions;
  /** Whether windows may be renewed here (not over a caller's memory: see `keepBuffers`). */
  #renews = true;
  /** The last buffer {@link ScopeBuffers.bufferFor} cut: what `commit(true)` records. */
  #cutBuffer: ArrayBuffer | undefined = undefined;
  #cutBlock = 0;
  #cutWindow = false;
  /** Where the block's offset 0 is in the last buffer cut, and the end of its room. */
  cutBias = 0;
  cutLimit = 0;

  constructor(adoptions: Adoptions) {
    this.#adoptions = adoptions;
  }

  /**
   * Never renews a buffer here: the arena's memory is the caller's (`ts/region.ts`), whose
   * buffer is not the package's to detach; its handle gives memory back instead.
   */
  keepBuffers(): void {
    this.#renews = false;
  }

  /** How many scopes are open. */
  get depth(): number {
    return this.#depth;
  }

  /** Whether the innermost open scope has yet to get a buffer of its own in the current block. */
  get pending(): boolean {
    return this.#pending;
  }

  /** Whether a scope left something only the binding knows (then a reset goes to the binding). */
  get touched(): boolean {
    return this.#touched > 0;
  }

  /**
   * Refuses (`ERR_INVALID_STATE`) a scope opened from task `caller` if the innermost open scope
   * belongs to another task: closing that one would end this one's (scopes nest per arena).
   */
  checkTask(caller: unknown): void {
    if (this.#depth === 0) return;
    const task = this.#levelRefs[(this.#depth - 1) * 2 + TASK];
    if (task === undefined || task === caller) return;
    throw codedError(
      'ERR_INVALID_STATE',
      'a scope of this arena is open in another async task (arena.scoped): scopes nest per arena, so closing it would end this one too; give each concurrent task its own arena',
    );
  }

  /**
   * Opens a scope at the arena's position (block `index`, `cursor` in it, `before` bytes in the
   * blocks before it; the hot path's `buffer`, `bias` and `limit`), for task `task`. Returns its
   * serial: the scope at depth `depth` (the new {@link ScopeBuffers.depth}) is open while
   * `isOpen(depth, serial)`.
   */
  open(
    index: number,
    cursor: number,
    before: number,
    buffer: ArrayBuffer,
    bias: number,
    limit: number,
    task: unknown,
  ): number {
    const at = this.#depth * LEVEL;
    if (at + LEVEL > this.#room) {
      const grown = new SafeFloat64Array(this.#room * 2);
      for (let i = 0; i < at; i++) grown[i] = this.#levels[i] as number;
      this.#levels = grown;
      this.#room *= 2;
    }
    const serial = ++this.#serial;
    const levels = this.#levels;
    levels[at + INDEX] = index;
    levels[at + CURSOR] = cursor;
    levels[at + BEFORE] = before;
    levels[at + BIAS_AT] = bias;
    levels[at + LIMIT] = limit;
    levels[at + OPENED] = this.#opened;
    levels[at + SERIAL] = serial;
    levels[at + PENDING] = this.#pending ? 1 : 0;
    this.#levelRefs[this.#depth * 2] = buffer;
    this.#levelRefs[this.#depth * 2 + TASK] = task;
    this.#depth++;
    // The scope gets a buffer of its own at its first claim (none if it claims nothing).
    this.#pending = true;
    return serial;
  }

  /**
   * The lowest cursor in block `index` that the innermost open scope claimed from (0 if it opened
   * in an earlier block; 0 with no scope open): a free below it would give back bytes the scope
   * does not own.
   */
  floorIn(index: number): number {
    if (this.#depth === 0) return 0;
    const at = (this.#depth - 1) * LEVEL;
    return this.#levels[at + INDEX] === index ? (this.#levels[at + CURSOR] as number) : 0;
  }

  /** Whether the scope opened as `serial` at depth `depth` is open. */
  isOpen(depth: number, serial: number): boolean {
    return depth <= this.#depth && this.#levels[(depth - 1) * LEVEL + SERIAL] === serial;
  }

  /** Where the scope at `depth` opened: its block index, cursor and bytes before (see `open`). */
  indexAt(depth: number): number {
    return this.#levels[(depth - 1) * LEVEL + INDEX] as number;
  }

  cursorAt(depth: number): number {
    return this.#levels[(depth - 1) * LEVEL + CURSOR] as number;
  }

  beforeAt(depth: number): number {
    return this.#levels[(depth - 1) * LEVEL + BEFORE] as number;
  }

  /** The hot path's buffer, bias and limit when the scope at `depth` opened. */
  bufferAt(depth: number): ArrayBuffer {
    return this.#levelRefs[(depth - 1) * 2] as ArrayBuffer;
  }

  biasAt(depth: number): number {
    return this.#levels[(depth - 1) * LEVEL + BIAS_AT] as number;
  }

  limitAt(depth: number): number {
    return this.#levels[(depth - 1) * LEVEL + LIMIT] as number;
  }

  /**
   * The innermost scope's buffer in block `index` (`block`), from logical offset `offset` for
   * at least `size` bytes: a window over the block (native memory; the block's spare if it has
   * one) or a shadow (V8-owned). `handle` is the arena's, flushed (see `Adoptions`). Where the
   * block's offset 0 is in it and the end of its room are left in `cutBias` and `cutLimit`; the
   * arena commits it with {@link ScopeBuffers.commit} once the claim is made.
   */
  bufferFor(
    handle: () => native.NativeArena,
    index: number,
    block: BlockFacts,
    offset: number,
    size: number,
  ): ArrayBuffer {
    const depth = this.#depth;
    let buffer: ArrayBuffer;
    if (block.native) {
      const spare = this.#spares[index];
      // A spare its user moved away (detached) is left to the binding, which finds out.
      if (spare !== undefined && bufferByteLength(spare) > 0) {
        this.#spares[index] = undefined;
        // The binding learns, before it next acts, that the spare is this scope's window.
        this.#adoptions.add(index, depth, spare);
        buffer = spare;
      } else {
        buffer = remember(handle().window(index, depth));
      }
      this.cutBias = block.start;
      this.cutLimit = block.size;
    } else {
      // A shadow maps logical offset `offset` to an address equal to the block's modulo 65536,
      // so the bump's padding, and so every figure and alignment, is the block's own.
      const room = block.size - offset;
      const want = min(room, max(size, MIN_SHADOW));
      const target = (block.misalignment + offset) % MAX_ALIGN;
      this.#touch();
      const shadow = handle().shadow(want, depth);
      buffer = remember(shadow.buffer);
      const shift = (target - shadow.misalignment + MAX_ALIGN) % MAX_ALIGN;
      this.cutBias = shift - offset;
      this.cutLimit = offset + min(room, shadow.size - shift);
    }
    this.#cutBuffer = buffer;
    this.#cutBlock = index;
    this.#cutWindow = block.native;
    return buffer;
  }

  /**
   * The innermost scope entering block `index` (the walk forward, or growth): its base buffer,
   * which the binding renews when the scope closes.
   */
  enter(handle: () => native.NativeArena, index: number): ArrayBuffer {
    const depth = this.#touch();
    return remember(handle().enter(index, depth));
  }

  /**
   * The innermost scope's depth (0 if none is open), marked as having something only the binding
   * can end, before the binding is asked for it: its close must then go to the binding,
   * whatever fails next.
   */
  touch(): number {
    return this.#touch();
  }

  #touch(): number {
    const depth = this.#depth;
    if (depth > this.#touched) this.#touched = depth;
    return depth;
  }

  /**
   * Records what a claim of the innermost scope was cut from: the buffer `bufferFor` last cut
   * (`cut`), or a block it entered.
   */
  commit(cut: boolean): void {
    this.#pending = false;
    if (!cut) return;
    const list = this.#openedList;
    const at = this.#opened * STRIDE;
    list[at + BUFFER] = this.#cutBuffer;
    list[at + BLOCK] = this.#cutBlock;
    list[at + BIAS] = this.cutBias;
    list[at + WINDOW] = this.#cutWindow;
    this.#opened++;
    this.#cutBuffer = undefined;
  }

  /**
   * Closes the scope at `depth` and every scope opened after it: every buffer they cut from
   * ends. Windows alone are moved into spares here; anything else goes to the binding (flushed
   * first), which checks first, so if it throws nothing has changed. Returns the base buffers
   * the binding renewed, `[block, buffer, ...]`, or `null`. Read what the scope restores
   * (`indexAt` ...) first: its references go here.
   */
  close(handle: () => native.NativeArena, depth: number): (number | ArrayBuffer)[] | null {
    const level = (depth - 1) * LEVEL;
    const opened = this.#levels[level + OPENED] as number;
    let renewed: (number | ArrayBuffer)[] | null = null;
    if (this.#touched >= depth || !this.#closeHere(opened)) {
      renewed = handle().close(depth);
      // The binding ended the windows (keeping one as its own spare, in a block where the
      // facade holds none); the facade's spares are untouched: none was a window.
      if (renewed !== null) {
        for (let at = 1; at < renewed.length; at += 2) remember(renewed[at] as ArrayBuffer);
      }
    }
    this.#dropLevels(depth);
    this.#forgetOpened(opened);
    this.#pending = this.#levels[level + PENDING] === 1;
    this.#touched = min(this.#touched, depth - 1);
    return renewed;
  }

  /** Ends the levels from `depth` on: no serial matches them, no task or buffer is kept. */
  #dropLevels(depth: number): void {
    const refs = this.#levelRefs;
    for (let at = depth - 1; at < this.#depth; at++) {
      this.#levels[at * LEVEL + SERIAL] = 0;
      refs[at * 2 + TASK] = undefined;
      refs[at * 2] = undefined;
    }
    this.#depth = depth - 1;
  }

  /** Drops the opened buffers from `from` on (their references too: they may be large). */
  #forgetOpened(from: number): void {
    const list = this.#openedList;
    for (let at = from * STRIDE; at < this.#opened * STRIDE; at += STRIDE) list[at] = undefined;
    this.#opened = from;
  }

  /**
   * Moves the closing scopes' windows into spares, if they are all windows, in blocks with no
   * spare yet, one each: `true` if it did. Once one move is done there is no going back: a
   * failure after it leaves the rest to the binding (the moves done are handed over first).
   */
  #closeHere(opened: number): boolean {
    if (!this.#renews || !renewsHere('native')) return false;
    const list = this.#openedList;
    const from = opened * STRIDE;
    const to = this.#opened * STRIDE;
    for (let at = from; at < to; at += STRIDE) {
      const block = list[at + BLOCK] as number;
      if (list[at + WINDOW] !== true || this.#spares[block] !== undefined) return false;
      for (let other = from; other < at; other += STRIDE) {
        if (list[other + BLOCK] === block) return false;
      }
    }
    for (let at = from; at < to; at += STRIDE) {
      const block = list[at + BLOCK] as number;
      const fresh = renew(list[at + BUFFER] as ArrayBuffer);
      if (fresh === null) return false;
      while (this.#spares.length <= block) append(this.#spares, undefined);
      this.#spares[block] = fresh;
      this.#adoptions.add(block, SPARE, fresh);
    }
    return true;
  }

  /**
   * Marks every scope closed (the binding closed them in a reset, or freed everything); with
   * `spares`, the spares go too (the binding ended them).
   */
  closeAll(spares: boolean): void {
    this.#dropLevels(1);
    this.#forgetOpened(0);
    if (spares) {
      const all = this.#spares;
      for (let at = 0; at < all.length; at++) all[at] = undefined;
    }
    this.#pending = false;
    this.#touched = 0;
  }

  /** The index of the opened buffer `buffer` is, or -1. */
  find(buffer: ArrayBufferLike): number {
    const list = this.#openedList;
    for (let at = 0; at < this.#opened; at++) {
      if (list[at * STRIDE + BUFFER] === buffer) return at;
    }
    return -1;
  }

  /** The block opened buffer `at` maps. */
  openedBlock(at: number): number {
    return this.#openedList[at * STRIDE + BLOCK] as number;
  }

  /** Where the block's offset 0 is in opened buffer `at`. */
  openedBias(at: number): number {
    return this.#openedList[at * STRIDE + BIAS] as number;
  }
}
