/**
 * The arena's side of the browser backend: its chain of blocks, the shadows its scopes cut from,
 * growth, scope closes, resets and dispose; the same calls as the binding's `NativeArena`
 * (`crates/node/src/arena.rs`), which the facade (`ts/arena.ts`) makes by block index and scope
 * depth, never handing a buffer back.
 *
 * Every rule is the core's, in WebAssembly (`core.ts`): the size of the next block, what a reset
 * keeps, which options are valid. Two buffers cannot share memory here, so a scope that claims
 * in a block holding older views cuts from a *shadow* (a block of its own, over-allocated by
 * 64 KiB so the facade can map it at the block's offsets modulo 64 KiB), as under the binding's
 * V8-owned backing; closing the scope renews the shadow (its views detach) and keeps it for the
 * next scope.
 * @internal
 * @module
 */

import { codedError } from '../errors';
import { append, list } from '../intrinsics';
import { Block, parts } from './block';
import { call, constant } from './core';
import { type Owner, ownerClosed, ownerOpened } from './stats';

type Parts = ReturnType<typeof parts<null>>;

const BLOCK_ALIGNMENT = constant(5);

/** A shadow and the depth of the scope using it (0: spare). */
interface Shadow {
  readonly block: Block;
  depth: number;
}

/** What the facade needs of a scope depth: 1 for the outermost. */
function checkDepth(depth: number): number {
  if (typeof depth !== 'number' || depth < 1 || (depth | 0) !== depth) {
    throw codedError('ERR_INVALID_STATE', 'scope depths start at 1');
  }
  return depth;
}

/** An arena's blocks and its scopes' shadows. Made by {@link createArena}. */
export class BrowserArena {
  readonly #blocks: Block[];
  readonly #shadows: Shadow[] = list();
  /** Blocks a scope entered, `[block, depth]`: their buffers renew when it closes. */
  #entered: [number, number][] = list();
  readonly #growable: number;
  readonly #max: number;
  readonly #initial: number;
  #disposed = false;
  readonly #owner: Owner;

  constructor(first: Block, growable: boolean, max: number, initial: number) {
    this.#blocks = list();
    append(this.#blocks, first);
    this.#growable = growable ? 1 : 0;
    this.#max = max;
    this.#initial = initial;
    this.#owner = ownerOpened(this, 'arenas');
  }

  #live(): void {
    if (this.#disposed) throw codedError('ERR_DISPOSED', 'this arena has been disposed');
  }

  #capacity(): number {
    let sum = 0;
    for (let at = 0; at < this.#blocks.length; at++) sum += (this.#blocks[at] as Block).size;
    return sum;
  }

  #block(index: number): Block {
    const block = this.#blocks[index];
    if (typeof index !== 'number' || block === undefined) {
      throw codedError('ERR_INVALID_STATE', `the arena has no block ${index}`);
    }
    return block;
  }

  /** Checks everything the scopes at `depth` and deeper used, before anything changes. */
  #checkClosing(depth: number): void {
    for (let at = 0; at < this.#blocks.length; at++) (this.#blocks[at] as Block).checkUsable();
    for (let at = 0; at < this.#shadows.length; at++) {
      const shadow = this.#shadows[at] as Shadow;
      if (shadow.depth >= depth) shadow.block.checkUsable();
    }
  }

  /**
   * Renews the buffers of the blocks the scopes at `depth` and deeper entered, and their
   * shadows (kept as spares): `[block, buffer, ...]` for the blocks. The caller checked.
   */
  #endScopes(depth: number): (number | ArrayBuffer)[] {
    // The common reset: no scope entered a block or took a shadow.
    if (this.#entered.length === 0 && this.#shadows.length === 0) return [];
    const renewed = list<number | ArrayBuffer>();
    const kept = list<[number, number]>();
    const entered = list<number>();
    for (let at = 0; at < this.#entered.length; at++) {
      const pair = this.#entered[at] as [number, number];
      if (pair[1] >= depth) append(entered, pair[0]);
      else append(kept, pair);
    }
    this.#entered = kept;
    let failure: unknown;
    for (let index = 0; index < this.#blocks.length; index++) {
      let hit = false;
      for (let at = 0; at < entered.length; at++) if (entered[at] === index) hit = true;
      if (!hit) continue;
      try {
        const fresh = (this.#blocks[index] as Block).renew();
        append(renewed, index);
        append(renewed, fresh);
      } catch (error) {
        failure ??= error;
      }
    }
    for (let at = 0; at < this.#shadows.length; at++) {
      const shadow = this.#shadows[at] as Shadow;
      if (shadow.depth < depth || shadow.depth === 0) continue;
      shadow.depth = 0;
      try {
        shadow.block.renew();
      } catch (error) {
        failure ??= error;
      }
    }
    if (failure !== undefined) throw failure;
    return renewed;
  }

  /** Adds a block for a request no block has room for; its size is the core's growth rule. */
  grow(size: number, alignment: number, available: number, depth: number): Parts {
    this.#live();
    const last = (this.#blocks[this.#blocks.length - 1] as Block).size;
    const bytes = call((c) =>
      c.next_block_size(
        this.#growable,
        this.#max,
        last,
        this.#capacity(),
        available,
        size,
        alignment,
      ),
    );
    const block = Block.allocate(bytes, BLOCK_ALIGNMENT, 'arena');
    append(this.#blocks, block);
    if (depth > 0) append(this.#entered, [this.#blocks.length - 1, depth]);
    return parts(null, block, block.base());
  }

  /** A second buffer over one block: not here (two buffers cannot share memory). */
  window(index: number, depth: number): ArrayBuffer {
    this.#live();
    void index;
    void depth;
    throw codedError('ERR_INVALID_STATE', 'only a block of native memory can have a second buffer');
  }

  /** Records that the scope at `depth` entered block `index`; returns its buffer. */
  enter(index: number, depth: number): ArrayBuffer {
    this.#live();
    checkDepth(depth);
    const block = this.#block(index);
    block.checkUsable();
    let known = false;
    for (let at = 0; at < this.#entered.length; at++) {
      const pair = this.#entered[at] as [number, number];
      if (pair[0] === index && pair[1] <= depth) known = true;
    }
    if (!known) append(this.#entered, [index, depth]);
    return block.base();
  }

  /** A shadow of at least `bytes` bytes at any shift, for the scope at `depth`. */
  shadow(bytes: number, depth: number): Parts {
    this.#live();
    checkDepth(depth);
    const padded = call((c) => c.shadow_len(bytes));
    let shadow: Shadow | undefined;
    for (let at = 0; at < this.#shadows.length; at++) {
      const candidate = this.#shadows[at] as Shadow;
      if (candidate.depth === 0 && candidate.block.size >= padded) {
        shadow = candidate;
        break;
      }
    }
    if (shadow === undefined) {
      shadow = { block: Block.allocate(padded, 1, 'arena'), depth: 0 };
      append(this.#shadows, shadow);
    } else {
      shadow.block.checkUsable();
    }
    shadow.depth = depth;
    return parts(null, shadow.block, shadow.block.base());
  }

  /** Closes the scopes at `depth` and deeper: `[block, buffer, ...]` renewed, or null. */
  close(depth: number): (number | ArrayBuffer)[] | null {
    this.#live();
    checkDepth(depth);
    this.#checkClosing(depth);
    const renewed = this.#endScopes(depth);
    return renewed.length === 0 ? null : renewed;
  }

  /**
   * The facade's renewals are not taken in here: every buffer is JavaScript's, and this backend
   * renews it itself at the same cost (`renewFirst`, `close`), so the facade's probe
   * (`renewsHere` in ts/renewal.ts) finds `false` and leaves renewing to it.
   */
  adopt(index: number, role: number, buffer: ArrayBuffer): boolean {
    void index;
    void role;
    void buffer;
    return false;
  }

  /** A `'retain'` reset of an arena of one block: a new buffer over the same memory. */
  renewFirst(): ArrayBuffer {
    this.#live();
    if (this.#blocks.length !== 1) {
      throw codedError('ERR_INVALID_STATE', 'the arena has more than one block');
    }
    this.#checkClosing(1);
    this.#endScopes(1);
    return (this.#blocks[0] as Block).renew();
  }

  /** Resets in `mode`: the blocks the arena keeps, as parts; every view is detached. */
  reset(mode: 'retain' | 'release' | 'retainLimit', limit?: number | null): Parts[] {
    this.#live();
    const kind = mode === 'retain' ? 0 : mode === 'release' ? 1 : mode === 'retainLimit' ? 2 : 3;
    if (kind === 3 || (kind === 2) !== (typeof limit === 'number')) {
      throw codedError(
        'ERR_INVALID_ARG_VALUE',
        `mode must be 'retain', 'release' or { retainLimit: bytes }; received ${String(mode)}`,
      );
    }
    this.#checkClosing(1);
    for (let at = 0; at < this.#shadows.length; at++) {
      (this.#shadows[at] as Shadow).block.checkUsable();
    }
    const first = (this.#blocks[0] as Block).size;
    const retained = call((c) =>
      c.reset_retained(
        kind,
        kind === 2 ? (limit as number) : 0,
        first,
        this.#capacity(),
        this.#initial,
      ),
    );
    this.#endScopes(1);
    // If the engine refuses the new block, the arena keeps the blocks it has: a reset never
    // fails for want of memory.
    let fresh: Block | undefined;
    if (retained > 0) {
      try {
        fresh = Block.allocate(retained, BLOCK_ALIGNMENT, 'arena');
      } catch {
        fresh = undefined;
      }
    }
    const keep = fresh !== undefined ? 0 : retained === 0 ? 1 : this.#blocks.length;
    let failure: unknown;
    for (let at = keep; at < this.#blocks.length; at++) {
      try {
        (this.#blocks[at] as Block).release();
      } catch (error) {
        failure ??= error;
      }
    }
    this.#blocks.length = keep;
    const out = list<Parts>();
    for (let at = 0; at < keep; at++) {
      const block = this.#blocks[at] as Block;
      append(out, parts(null, block, block.renew()));
    }
    if (fresh !== undefined) {
      append(out, parts(null, fresh, fresh.base()));
      append(this.#blocks, fresh);
    }
    if (kind === 1) {
      for (let at = 0; at < this.#shadows.length; at++) {
        try {
          (this.#shadows[at] as Shadow).block.release();
        } catch (error) {
          failure ??= error;
        }
      }
      this.#shadows.length = 0;
    }
    if (failure !== undefined) throw failure;
    return out;
  }

  /** Detaches every buffer and gives the memory up now; a second call does nothing. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    ownerClosed(this.#owner);
    this.#entered = list();
    let failure: unknown;
    for (let at = 0; at < this.#blocks.length; at++) {
      try {
        (this.#blocks[at] as Block).release();
      } catch (error) {
        failure ??= error;
      }
    }
    for (let at = 0; at < this.#shadows.length; at++) {
      try {
        (this.#shadows[at] as Shadow).block.release();
      } catch (error) {
        failure ??= error;
      }
    }
    this.#blocks.length = 0;
    this.#shadows.length = 0;
    if (failure !== undefined) throw failure;
  }
}

/** An arena of `capacity` zeroed bytes, growing as the options allow (checked by the core). */
export function createArena(
  capacity: number,
  growable?: boolean | null,
  maxCapacity?: number | null,
): ReturnType<typeof parts<BrowserArena>> {
  const grows = growable === true;
  const max = maxCapacity === undefined || maxCapacity === null ? -1 : maxCapacity;
  call((c) => c.arena_options(capacity, grows ? 1 : 0, max));
  call((c) => c.layout(capacity, BLOCK_ALIGNMENT));
  const block = Block.allocate(capacity, BLOCK_ALIGNMENT, 'arena');
  const handle = new BrowserArena(block, grows, max, capacity);
  return parts(handle, block, block.base());
}
