/**
 * The buffers an arena's scopes cut from, and what each scope restores when it closes.
 *
 * A scope must detach exactly the views cut while it was open, but they share blocks with older
 * views, and detaching is per `ArrayBuffer`. So the first claim of a scope in a block that already
 * holds views gets a buffer of its own there: a *window* (a second buffer over the same native
 * memory) or, under the V8-owned backing where two buffers cannot share memory, a *shadow* (a
 * block of the arena's own, mapped at the same addresses modulo 64 KiB). A scope that moves on
 * to a block with no live view (the walk forward, or growth) *enters* it and cuts from its base
 * buffer. The native side makes every one of these buffers, keeps them, and ends them when the
 * scope closes (`crates/node/src/arena.rs`): this object only asks for them by block and depth,
 * remembers where each was cut from (for `offsetOf`), and knows when a close has anything native
 * to end (a scope that claimed nothing costs nothing native).
 * @internal
 * @module
 */

import { append, list, max, min } from './intrinsics';

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
  closed: boolean;
}

/** A buffer opened for a scope: where views cut from it sit in the arena. */
export interface Opened {
  readonly buffer: ArrayBuffer;
  /** The block it maps. */
  readonly block: number;
  /** Where the block's offset 0 is in `buffer`. */
  readonly bias: number;
}

/** A scope's first claim in a block: the buffer to cut from, and its room. */
export interface Cut {
  readonly buffer: ArrayBuffer;
  readonly bias: number;
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
  /** Whether the innermost open scope has yet to get a buffer of its own in the current block. */
  #pending = false;
  /** The deepest open scope that asked the native side for a buffer (0: none). */
  #touched = 0;

  /** How many scopes are open. */
  get depth(): number {
    return this.#records.length;
  }

  /** Whether the innermost open scope has yet to get a buffer of its own in the current block. */
  get pending(): boolean {
    return this.#pending;
  }

  /** Opens a scope at the arena's position (`at`, without `depth`, `opened` and `closed`). */
  open(at: {
    index: number;
    cursor: number;
    before: number;
    buffer: ArrayBuffer;
    bias: number;
    limit: number;
  }): ScopeRecord {
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
      closed: false,
    };
    append(this.#records, record);
    // The scope gets a buffer of its own at its first claim (none if it claims nothing).
    this.#pending = true;
    return record;
  }

  /** Whether `record` is one of the open scopes. */
  isOpen(record: ScopeRecord): boolean {
    return !record.closed && this.#records[record.depth - 1] === record;
  }

  /**
   * The innermost scope's buffer in block `index` (`block`), from logical offset `offset` for
   * at least `size` bytes: a window over the block (native memory) or a shadow (V8-owned). The
   * arena commits it with {@link ScopeBuffers.commit} once a view is cut from it.
   */
  bufferFor(
    handle: native.NativeArena,
    index: number,
    block: BlockFacts,
    offset: number,
    size: number,
  ): Cut & Opened {
    const depth = this.touch();
    if (block.native) {
      const buffer = handle.window(index, depth);
      return { buffer, block: index, bias: block.start, limit: block.size };
    }
    // A shadow maps logical offset `offset` to an address equal to the block's modulo 65536,
    // so the bump's padding, and so every figure and alignment, is the block's own.
    const room = block.size - offset;
    const want = min(room, max(size, MIN_SHADOW));
    const target = (block.misalignment + offset) % MAX_ALIGN;
    const shadow = handle.shadow(want, depth);
    const shift = (target - shadow.misalignment + MAX_ALIGN) % MAX_ALIGN;
    const bias = shift - offset;
    return {
      buffer: shadow.buffer,
      block: index,
      bias,
      limit: offset + min(room, shadow.size - shift),
    };
  }

  /**
   * The innermost scope entering block `index` (the walk forward, or growth): its base buffer,
   * which the native side renews when the scope closes.
   */
  enter(handle: native.NativeArena, index: number): ArrayBuffer {
    return handle.enter(index, this.touch());
  }

  /**
   * The innermost scope's depth (0 if none is open), marked as having asked the native side for
   * something, before it asks: its close must then go to the native side, whatever fails next.
   */
  touch(): number {
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
   * Closes `record`'s scope and every scope opened after it: the native side ends every buffer
   * they cut from (it checks first, so if it throws nothing has changed). Returns the base
   * buffers it renewed, `[block, buffer, ...]`, or `null`.
   */
  close(handle: native.NativeArena, record: ScopeRecord): (number | ArrayBuffer)[] | null {
    const renewed = this.#touched >= record.depth ? handle.close(record.depth) : null;
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

  /** Marks every scope closed (the native side closed them in a reset, or freed everything). */
  closeAll(): void {
    const records = this.#records;
    for (let at = 0; at < records.length; at++) (records[at] as ScopeRecord).closed = true;
    records.length = 0;
    this.#opened.length = 0;
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
