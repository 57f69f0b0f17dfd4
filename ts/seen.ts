/**
 * The mark of every buffer the package made or handed out: the binding's buffers as the facade
 * receives them, the successors the facade's renewals make (`ts/renewal.ts`), and every buffer of
 * the browser backend (`ts/browser/block.ts`). A builtin replaced before the package loaded
 * could answer a renewal with one of these (another arena's live buffer); a buffer that carries
 * the mark is never taken as a successor or as a new block.
 *
 * The mark is a private field, put on the buffer by `new Seen(buffer)`: no user code can add,
 * remove or see it. Unlike a WeakSet, an ephemeron table the collector walks at every
 * collection, it costs the GC nothing (a WeakSet cost 1.5 ns per allocation of an arena reset
 * every 1,000, and 290 ns per scope that claims: Node 24, benchmark/compare.mjs).
 * @internal
 * @module
 */

import { SafeWeakSet, weakSetAdd, weakSetHas } from './intrinsics';

/** A base class whose constructor returns its argument: a subclass then adds its fields to it. */
class Returns {
  constructor(target: object) {
    // biome-ignore lint/correctness/noConstructorReturn: the point (the fields go to `target`)
    return target;
  }
}

class Seen extends Returns {
  #seen = true;

  static has(buffer: object): boolean {
    return #seen in buffer;
  }
}

/** Buffers that could not take the mark (an engine that refuses private fields on a buffer made
 * non-extensible), should there be any. */
const seenElsewhere: WeakSet<ArrayBuffer> = new SafeWeakSet();

/** Marks `buffer` as the package's: a successor or a new block may never be it. */
export function remember(buffer: ArrayBuffer): ArrayBuffer {
  if (!Seen.has(buffer)) {
    try {
      new Seen(buffer);
    } catch {
      weakSetAdd(seenElsewhere, buffer);
    }
  }
  return buffer;
}

/** Whether `buffer` was made or handed out by the package before. */
export function seen(buffer: ArrayBuffer): boolean {
  return Seen.has(buffer) || weakSetHas(seenElsewhere, buffer);
}
