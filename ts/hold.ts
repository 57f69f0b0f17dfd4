/**
 * Holds: native work in flight over our memory.
 *
 * Detaching views stops JavaScript from touching memory that a reset or free handed to someone
 * else, but not native code that already has the pointer: an async `fs.read` or
 * `crypto.randomFill` into a view, an inference engine running on its own threads. A hold says
 * "this memory is in use until `work` settles": until then, whatever would detach or free it
 * throws `ERR_BUSY` and changes nothing. The hold's promise keeps its owner reachable, so the
 * garbage collector cannot free held memory either.
 * @module
 */

import { codedError, describe, type ErrorCode } from './errors';

/** A pending hold: what it keeps alive, and where it was taken (how many scopes were open). */
interface Pending {
  readonly owner: object;
  readonly depth: number;
}

/** @internal The holds of one arena, pool or aligned buffer. */
export class Holds {
  readonly #pending: Pending[] = [];

  /** How many holds are pending. */
  get count(): number {
    return this.#pending.length;
  }

  /**
   * Holds until `work` settles, and settles as `work` does. `owner` is kept reachable until
   * then (through `work`'s reactions, whoever holds `work`: the native operation does), so the
   * garbage collector cannot free its memory; `depth` is the number of scopes open in the arena
   * when the hold is taken (0 elsewhere).
   * @throws TypeError `ERR_INVALID_ARG_TYPE` if `work` is not a promise or thenable.
   */
  take<R>(work: PromiseLike<R>, owner: object, depth = 0): Promise<R> {
    if (
      (typeof work !== 'object' && typeof work !== 'function') ||
      work === null ||
      typeof (work as { then?: unknown }).then !== 'function'
    ) {
      throw codedError(
        'ERR_INVALID_ARG_TYPE',
        `work must be a promise (of the native work that uses the memory); received ${describe(work)}`,
      );
    }
    const pending: Pending = { owner, depth };
    this.#pending.push(pending);
    const release = () => {
      this.#pending.splice(this.#pending.indexOf(pending), 1);
    };
    return Promise.resolve(work).then(
      (value) => {
        release();
        return value;
      },
      (error: unknown) => {
        release();
        throw error;
      },
    );
  }

  /** Throws `ERR_BUSY` if any hold is pending: `doing` says what was refused. */
  check(doing: string): void {
    if (this.#pending.length > 0) throw busy(doing, this.#pending.length);
  }

  /** Throws `ERR_BUSY` if a hold taken while more than `depth` scopes were open is pending. */
  checkDepth(doing: string, depth: number): void {
    const inside = this.#pending.filter((pending) => pending.depth > depth).length;
    if (inside > 0) throw busy(doing, inside);
  }
}

function busy(doing: string, count: number): Error & { code: ErrorCode } {
  const holds = count === 1 ? '1 hold is' : `${count} holds are`;
  return codedError(
    'ERR_BUSY',
    `cannot ${doing}: ${holds} pending on its memory (await the work you passed to hold() first)`,
  );
}
