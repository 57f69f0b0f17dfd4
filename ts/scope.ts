/**
 * Scopes: a nested lifetime inside an arena. What the arena hands out while a scope is open
 * belongs to it; closing the scope rewinds the arena to where it opened and detaches exactly
 * those views, while the views from before stay usable.
 *
 * The rewinding is the arena's (`ts/arena.ts`, the core's `Chain::rewind`), the buffers a scope
 * cuts from are `ts/scope-buffers.ts`'s; this module is the scope's handle. Unlike `tf.tidy`,
 * whose scope stack is global and so synchronous only, a scope is an object: it can stay open
 * across `await`. Scopes still nest by the order they were opened in, per arena: two concurrent
 * tasks that share an arena close each other's scopes. Give each task its own arena.
 * @module
 */

import type { ScopeRecord } from './scope-buffers';

/**
 * A scope of an {@link Arena}, made by `arena.scope()`. Close it with {@link Scope.close} or
 * `using scope = arena.scope()`.
 *
 * ```ts
 * const output = arena.alloc(Float32Array, 10);
 * {
 *   using scope = arena.scope();
 *   const hidden = arena.alloc(Float32Array, 4096); // belongs to the scope
 *   layer(input, hidden, output);
 * } // `hidden` is detached, `output` is not, and the arena is back where it was
 * ```
 */
export class Scope implements Disposable {
  readonly #record: ScopeRecord;
  readonly #close: (record: ScopeRecord) => void;

  /** @internal Made by `Arena.scope()`. */
  constructor(record: ScopeRecord, close: (record: ScopeRecord) => void) {
    this.#record = record;
    this.#close = close;
  }

  /** Whether the scope has been closed (by itself, an enclosing scope, reset or dispose). */
  get closed(): boolean {
    return this.#record.closed;
  }

  /**
   * Rewinds the arena to where the scope opened: `used` is back to its value then, every view
   * cut since is detached, and every scope opened since that is still open closes too. Blocks
   * the arena grew by meanwhile stay, for the next claims. A second `close` does nothing.
   * @throws Error `ERR_BUSY` while a hold taken when this scope was open is pending (see
   *   `Arena.hold`), and nothing changes.
   */
  close(): void {
    this.#close(this.#record);
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
