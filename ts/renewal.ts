/**
 * Renewing a block's buffer in JavaScript: `ArrayBuffer.prototype.transfer()` (Node 21+, Bun,
 * Deno, current browsers) detaches a buffer and hands its memory to a new one in one builtin
 * call, where a round trip through the binding costs several times as much (measured, Node 24,
 * a 64 KiB block: transfer 210 ns, the binding's renewal 675 ns). A reset of one block, and the
 * close of a scope that keeps its window for the next one, renew here.
 *
 * The binding still decides: it keeps the buffer it made until the facade hands it the successor
 * (`NativeArena.adopt`), which it checks (its own buffer detached, the successor over exactly the
 * same memory) before anything of its relies on it: before any other call of the arena goes to
 * the binding (`Adoptions`). Until then the facade cuts from the successor, which it checks here
 * with builtins captured at load: the old buffer detached, the new one as long and never handed
 * out before by the binding or by this module (a replaced `transfer` could return another
 * arena's live buffer; a user's own buffer would only be the user's memory).
 *
 * Where a runtime's `transfer()` does not keep the memory where it is (it copies), or there is
 * none (Node 20), the binding renews: that is probed once per backing, through the binding.
 * @internal
 * @module
 */

import { bufferByteLength, list, uncurry } from './intrinsics';
import { remember, seen } from './seen';

import native = require('./native');

const transferMethod = (ArrayBuffer.prototype as { transfer?: (this: ArrayBuffer) => ArrayBuffer })
  .transfer;
const transfer = transferMethod === undefined ? undefined : uncurry(transferMethod);

const probed: { native?: boolean; v8?: boolean } = {};

/**
 * Whether buffers of this backing are renewed here: the runtime has `transfer()` and it keeps
 * the memory (the binding, given the successor of a block made for the purpose, takes it in).
 */
export function renewsHere(backing: 'native' | 'v8'): boolean {
  let known = probed[backing];
  if (known === undefined) {
    known = probe(backing);
    probed[backing] = known;
  }
  return known;
}

function probe(backing: 'native' | 'v8'): boolean {
  if (typeof transfer !== 'function') return false;
  const parts = native.createArena(65536);
  try {
    if (parts.backing !== backing) return false;
    const fresh = renew(remember(parts.buffer));
    return fresh !== null && parts.handle.adopt(0, BASE, fresh);
  } catch {
    return false;
  } finally {
    parts.handle.dispose();
  }
}

/**
 * Moves `old`'s memory to a new buffer with the captured `transfer()`, and checks what it can
 * here: `old` detached, the new buffer as long and new. `null` if not (then `old` may or may not
 * be detached: the caller goes to the binding, which finds out).
 */
export function renew(old: ArrayBuffer): ArrayBuffer | null {
  if (typeof transfer !== 'function') return null;
  const length = bufferByteLength(old);
  if (length === 0) return null;
  let fresh: unknown;
  try {
    fresh = transfer(old);
  } catch {
    return null;
  }
  if (bufferByteLength(old) !== 0) return null;
  let freshLength: number;
  try {
    freshLength = bufferByteLength(fresh as ArrayBuffer);
  } catch {
    // Not an ArrayBuffer: the captured getter refuses anything else.
    return null;
  }
  if (freshLength !== length || seen(fresh as ArrayBuffer)) return null;
  return remember(fresh as ArrayBuffer);
}

/** The roles of `NativeArena.adopt`: the base buffer; the spare window (a depth: a window). */
export const BASE = -1;
export const SPARE = 0;

/**
 * @internal The successors one arena has yet to hand the binding: `adopt(block, role, buffer)`.
 * Before any call of the arena goes to the binding, `flush` hands them over, so the binding
 * never acts on a stale picture. The entries are flat, three per successor, in a list kept at
 * its longest: no object per renewal (a scope's close renews its window).
 */
export class Adoptions {
  readonly #entries: unknown[] = list();
  #count = 0;

  /** Whether any is waiting. */
  get pending(): boolean {
    return this.#count > 0;
  }

  /**
   * Records that block `block`'s buffer in `role` is now `buffer` (replacing what was recorded
   * for the same block and role: only the latest successor counts).
   */
  add(block: number, role: number, buffer: ArrayBuffer): void {
    const entries = this.#entries;
    const end = this.#count * 3;
    let at = 0;
    while (at < end && (entries[at] !== block || entries[at + 1] !== role)) at += 3;
    // A list with no prototype: storing past its end runs no setter of user code.
    entries[at] = block;
    entries[at + 1] = role;
    entries[at + 2] = buffer;
    if (at === end) this.#count++;
  }

  /** Hands every waiting successor to the binding. One it refuses counts as moved away there. */
  flush(handle: native.NativeArena): void {
    const entries = this.#entries;
    const end = this.#count * 3;
    this.#count = 0;
    for (let at = 0; at < end; at += 3) {
      const buffer = entries[at + 2] as ArrayBuffer;
      entries[at + 2] = undefined;
      handle.adopt(entries[at] as number, entries[at + 1] as number, buffer);
    }
  }
}
