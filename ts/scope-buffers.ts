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
import { append, bufferByteLength, list, max, min } from './intrinsics';
import { type Adoptions, remember, renew, renewsHere, SPARE } from './renewal';

import type native = require('./native');

/** Where a scope opened: what the arena restores when it closes. */
export interface ScopeRecord {
  /** 1 for the outermost scope. */
  readonly depth: number;
  /** The current block, the cursor in it, and the bytes of the blocks before it. */
  readonly index: number;
  readonly cursor: number;
  readonly before: number;
  /** The hot path's buffer, its bias and limit when the scope opened. */
  readonly buffer: ArrayBuffer;
  readonly bias: number;
  readonly limit: number;
  /** Whether the scope that was innermost then had yet to get a buffer of its own. */
  readonly pending: boolean;
  /** How many buffers had been opened for scopes when this one opened. */
  readonly opened: number;
  /** The async task it was opened for, where the runtime can tell (`Arena.scoped`). */
  readonly task: unknown;
  closed: boolean;
}

/** A buffer opened for a scope: where views cut from it sit in the arena. */
export interface Opened {
  readonly buffer: ArrayBuffer;
  /** The block it maps. */
  readonly block: number;
  /** Where the block's offset 0 is in `buffer`. */
  readonly bias: number;
  /** Whether it is a window (closed here, when it can be) rather than a shadow. */
  readonly window: boolean;
}

/** A scope's first claim in a block: the buffer to cut from, and its room. */
export interface Cut extends Opened {
  readonly limit: number;
}

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

/** @internal The open scopes of one arena and the buffers opened for them. */
export class ScopeBuffers {
  /** Open scopes, outermost first (`depth` is the index plus one). */
  readonly #records: ScopeRecord[] = list();
  /** Buffers opened for the open scopes, in order; each scope owns those from its `opened` on. */
  readonly #opened: Opened[] = list();
  /** Each native block's spare window, if it has one, by block index. */
  readonly #spares: (ArrayBuffer | undefined)[] = list();
  /** Whether the innermost open scope has yet to get a buffer of its own in the current block. */
  #pending = false;
  /** The deepest open scope with something only the binding can end (a shadow, an entered block). */
  #touched = 0;
  readonly #adoptions: Adoptions;

  constructor(adoptions: Adoptions) {
    this.#adoptions = adoptions;
  }

  /** How many scopes are open. */
  get depth(): number {
    return this.#records.length;
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
    const records = this.#records;
    if (records.length === 0) return;
    const task = (records[records.length - 1] as ScopeRecord).task;
    if (task === undefined || task === caller) return;
    throw codedError(
      'ERR_INVALID_STATE',
      'a scope of this arena is open in another async task (arena.scoped): scopes nest per arena, so closing it would end this one too; give each concurrent task its own arena',
    );
  }

  /** Opens a scope at the arena's position (`at`), for task `task`. */
  open(
    at: {
      index: number;
      cursor: number;
      before: number;
      buffer: ArrayBuffer;
      bias: number;
      limit: number;
    },
    task: unknown,
  ): ScopeRecord {
    const record: ScopeRecord = {
      depth: this.#records.length + 1,
      index: at.index,
      cursor: at.cursor,
      before: at.before,
      buffer: at.buffer,
      bias: at.bias,
      limit: at.limit,
      pending: this.#pending,
      opened: this.#opened.length,
      task,
      closed: false,
    };
    append(this.#records, record);
    // The scope gets a buffer of its own at its first claim (none if it claims nothing).
    this.#pending = true;
    return record;
  }

  /**
   * The lowest cursor in block `index` that the innermost open scope claimed from (0 if it opened
   * in an earlier block; 0 with no scope open): a free below it would give back bytes the scope
   * does not own.
   */
  floorIn(index: number): number {
    const records = this.#records;
    if (records.length === 0) return 0;
    const innermost = records[records.length - 1] as ScopeRecord;
    return innermost.index === index ? innermost.cursor : 0;
  }

  /** Whether `record` is one of the open scopes. */
  isOpen(record: ScopeRecord): boolean {
    return !record.closed && this.#records[record.depth - 1] === record;
  }

  /**
   * The innermost scope's buffer in block `index` (`block`), from logical offset `offset` for
   * at least `size` bytes: a window over the block (native memory; the block's spare if it has
   * one) or a shadow (V8-owned). `handle` is the arena's, flushed (see `Adoptions`). The arena
   * commits it with {@link ScopeBuffers.commit} once the claim is made.
   */
  bufferFor(
    handle: () => native.NativeArena,
    index: number,
    block: BlockFacts,
    offset: number,
    size: number,
  ): Cut {
    const depth = this.#records.length;
    if (block.native) {
      const spare = this.#spares[index];
      let buffer: ArrayBuffer;
      // A spare its user moved away (detached) is left to the binding, which finds out.
      if (spare !== undefined && bufferByteLength(spare) > 0) {
        this.#spares[index] = undefined;
        // The binding learns, before it next acts, that the spare is this scope's window.
        this.#adoptions.add(index, depth, spare);
        buffer = spare;
      } else {
        buffer = remember(handle().window(index, depth));
      }
      return { buffer, block: index, bias: block.start, limit: block.size, window: true };
    }
    // A shadow maps logical offset `offset` to an address equal to the block's modulo 65536,
    // so the bump's padding, and so every figure and alignment, is the block's own.
    const room = block.size - offset;
    const want = min(room, max(size, MIN_SHADOW));
    const target = (block.misalignment + offset) % MAX_ALIGN;
    this.#touch();
    const shadow = handle().shadow(want, depth);
    remember(shadow.buffer);
    const shift = (target - shadow.misalignment + MAX_ALIGN) % MAX_ALIGN;
    const bias = shift - offset;
    return {
      buffer: shadow.buffer,
      block: index,
      bias,
      limit: offset + min(room, shadow.size - shift),
      window: false,
    };
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
    const depth = this.#records.length;
    if (depth > this.#touched) this.#touched = depth;
    return depth;
  }

  /** Records what a claim of the innermost scope was cut from: `opened`, or a block it entered. */
  commit(opened: Opened | null): void {
    this.#pending = false;
    if (opened !== null) append(this.#opened, opened);
  }

  /**
   * Closes `record`'s scope and every scope opened after it: every buffer they cut from ends.
   * Windows alone are moved into spares here; anything else goes to the binding (flushed
   * first), which checks first, so if it throws nothing has changed. Returns the base buffers
   * the binding renewed, `[block, buffer, ...]`, or `null`.
   */
  close(handle: () => native.NativeArena, record: ScopeRecord): (number | ArrayBuffer)[] | null {
    let renewed: (number | ArrayBuffer)[] | null = null;
    if (this.#touched >= record.depth || !this.#closeHere(record)) {
      renewed = handle().close(record.depth);
      // The binding ended the windows (keeping one as its own spare, in a block where the
      // facade holds none); the facade's spares are untouched: none was a window.
      if (renewed !== null) {
        for (let at = 1; at < renewed.length; at += 2) remember(renewed[at] as ArrayBuffer);
      }
    }
    const records = this.#records;
    for (let at = record.depth - 1; at < records.length; at++) {
      (records[at] as ScopeRecord).closed = true;
    }
    records.length = record.depth - 1;
    this.#opened.length = record.opened;
    this.#pending = record.pending;
    this.#touched = min(this.#touched, record.depth - 1);
    return renewed;
  }

  /**
   * Moves the closing scopes' windows into spares, if they are all windows, in blocks with no
   * spare yet, one each: `true` if it did. Once one move is done there is no going back: a
   * failure after it leaves the rest to the binding (the moves done are handed over first).
   */
  #closeHere(record: ScopeRecord): boolean {
    if (!renewsHere('native')) return false;
    const opened = this.#opened;
    for (let at = record.opened; at < opened.length; at++) {
      const entry = opened[at] as Opened;
      if (!entry.window || this.#spares[entry.block] !== undefined) return false;
      for (let other = record.opened; other < at; other++) {
        if ((opened[other] as Opened).block === entry.block) return false;
      }
    }
    for (let at = record.opened; at < opened.length; at++) {
      const entry = opened[at] as Opened;
      const fresh = renew(entry.buffer);
      if (fresh === null) return false;
      while (this.#spares.length <= entry.block) append(this.#spares, undefined);
      this.#spares[entry.block] = fresh;
      this.#adoptions.add(entry.block, SPARE, fresh);
    }
    return true;
  }

  /**
   * Marks every scope closed (the binding closed them in a reset, or freed everything); with
   * `spares`, the spares go too (the binding ended them).
   */
  closeAll(spares: boolean): void {
    const records = this.#records;
    for (let at = 0; at < records.length; at++) (records[at] as ScopeRecord).closed = true;
    records.length = 0;
    this.#opened.length = 0;
    if (spares) this.#spares.length = 0;
    this.#pending = false;
    this.#touched = 0;
  }

  /** The opened buffer `buffer` is, if any. */
  find(buffer: ArrayBufferLike): Opened | undefined {
    const opened = this.#opened;
    for (let at = 0; at < opened.length; at++) {
      const entry = opened[at] as Opened;
      if (entry.buffer === buffer) return entry;
    }
    return undefined;
  }
}
