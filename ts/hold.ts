/**
 * Holds: native work in flight over our memory.
 *
 * Detaching views stops JavaScript from touching memory that a reset or free handed to someone
 * else, but not native code that already has the pointer: an async `fs.read` or
 * `crypto.randomFill` into a view, an inference engine running on its own threads. A hold says
 * "this memory is in use until `work` settles": until then, whatever would detach or free it
 * throws `ERR_BUSY` and changes nothing. The hold's promise keeps its owner reachable, so the
 * garbage collector cannot free held memory either.
 *
 * Each hold is a token, released once, by its own identity, when `work` settles. `work` is
 * awaited, never asked to call us back: `await` reads no `then` of a promise (a real promise
 * settles once, whatever own `then` it was given) and gives a thenable one-shot resolving
 * functions, so a thenable that calls back twice, a `then` that throws or returns anything, a
 * patched `Promise.prototype.then` or `constructor`: none can release a hold twice, or another
 * one. A failed argument check takes no hold.
 * @module
 */

import { codedError, describe, type ErrorCode } from './errors';
import { append, filled } from './intrinsics';
import { type Lease, Leases } from './lease';

/** One pending hold: released once, by identity. */
interface Token {
  /** How many scopes were open in the arena when it was taken (0 elsewhere). */
  readonly depth: number;
  released: boolean;
}

/**
 * @internal The holds of one arena, pool, planned pass or aligned buffer, and its leases
 * (`ts/lease.ts`: holds released from any thread), which block the same calls.
 */
export class Holds {
  /** Pending holds by the depth they were taken at (own elements, grown with `append`). */
  readonly #byDepth: number[] = filled(1, 0);
  #count = 0;
  /** The owner's leases, once it has taken one. */
  #leases: Leases | null = null;

  /** How many holds are pending and leases unreleased. */
  get count(): number {
    return this.#leases === null ? this.#count : this.#count + this.#leases.count;
  }

  /** A lease (see `Arena.lease`), taken while `depth` scopes are open (0 elsewhere). */
  lease(depth = 0): Lease {
    if (this.#leases === null) this.#leases = new Leases();
    return this.#leases.take(depth);
  }

  /**
   * Holds until `work` settles, and settles as `work` does. `owner` is kept reachable until
   * then (by the pending `await` on `work`, whoever holds `work`: the native operation does), so
   * the garbage collector cannot free its memory; `depth` is the number of scopes open in the
   * arena when the hold is taken (0 elsewhere).
   * @throws TypeError `ERR_INVALID_ARG_TYPE` if `work` is not a promise or thenable; nothing
   *   is held then.
   */
  take<R>(work: PromiseLike<R>, owner: object, depth = 0): Promise<R> {
    if ((typeof work !== 'object' && typeof work !== 'function') || work === null) {
      throw notWork(work);
    }
    // Read once, before anything is counted: a getter that throws leaves nothing behind.
    if (typeof (work as { then?: unknown }).then !== 'function') throw notWork(work);
    const token: Token = { depth, released: false };
    while (this.#byDepth.length <= depth) append(this.#byDepth, 0);
    this.#byDepth[depth] = (this.#byDepth[depth] as number) + 1;
    this.#count++;
    return this.#settle(work, token, owner);
  }

  async #settle<R>(work: PromiseLike<R>, token: Token, owner: object): Promise<R> {
    try {
      return await work;
    } finally {
      this.#release(token, owner);
    }
  }

  /** Releases `token`'s hold, once. `owner` is only here to be reachable until now. */
  #release(token: Token, owner: object): void {
    void owner;
    if (token.released) return;
    token.released = true;
    this.#byDepth[token.depth] = (this.#byDepth[token.depth] as number) - 1;
    this.#count--;
  }

  /** Throws `ERR_BUSY` if any hold is pending or lease unreleased: `doing` says what was refused. */
  check(doing: string): void {
    const leases = this.#leases === null ? 0 : this.#leases.count;
    if (this.#count > 0 || leases > 0) throw busy(doing, this.#count, leases);
  }

  /**
   * Throws `ERR_BUSY` if a hold or a lease taken while more than `depth` scopes were open is
   * pending.
   */
  checkDepth(doing: string, depth: number): void {
    let inside = 0;
    for (let at = depth + 1; at < this.#byDepth.length; at++) inside += this.#byDepth[at] as number;
    const leases = this.#leases === null ? 0 : this.#leases.countAbove(depth);
    if (inside > 0 || leases > 0) throw busy(doing, inside, leases);
  }
}

function notWork(work: unknown): Error {
  return codedError(
    'ERR_INVALID_ARG_TYPE',
    `work must be a promise (of the native work that uses the memory); received ${describe(work)}`,
  );
}

function busy(doing: string, holds: number, leases: number): Error & { code: ErrorCode } {
  const held =
    holds === 0
      ? ''
      : `${holds === 1 ? '1 hold is' : `${holds} holds are`} pending on its memory (await the work you passed to hold() first)`;
  const leased =
    leases === 0
      ? ''
      : `${leases === 1 ? '1 lease is' : `${leases} leases are`} unreleased (releaseLease(lease) in the thread that is done with it)`;
  const both = held !== '' && leased !== '' ? ', and ' : '';
  return codedError('ERR_BUSY', `cannot ${doing}: ${held}${both}${leased}`);
}
