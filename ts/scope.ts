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

import { codedError } from './errors';
import type { PassMemory } from './pass';
import type { TypedArray, TypedArrayConstructor } from './typed-array';

/** What a scope asks of its arena (made once per arena: a scope's handle is all a scope costs). */
export interface ScopeHost {
  /** The arena: what a scope allocates from. */
  readonly arena: PassMemory;
  /** Closes the scope opened as `serial` at `depth`, if it is open (see `Scope.close`). */
  close(depth: number, serial: number): void;
  /** Whether the scope opened as `serial` at `depth` is open. */
  isOpen(depth: number, serial: number): boolean;
}

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
export class Scope implements Disposable, PassMemory {
  readonly #host: ScopeHost;
  readonly #depth: number;
  readonly #serial: number;

  /** @internal Made by `Arena.scope()`. */
  constructor(host: ScopeHost, depth: number, serial: number) {
    this.#host = host;
    this.#depth = depth;
    this.#serial = serial;
  }

  /**
   * `arena.alloc(type, length, alignment)` while the scope is open (the {@link PassMemory}
   * call): what is claimed belongs to the innermost open scope, this one unless one was opened
   * inside it.
   * @throws Error `ERR_INVALID_STATE` once the scope is closed; as `Arena.alloc` otherwise.
   */
  alloc<T extends TypedArray>(
    type: TypedArrayConstructor<T>,
    length: number,
    alignment?: number,
  ): T {
    this.#open();
    return this.#host.arena.alloc(type, length, alignment);
  }

  /** `arena.allocate(size, alignment)` while the scope is open (see {@link Scope.alloc}). */
  allocate(size: number, alignment?: number): Uint8Array {
    this.#open();
    return this.#host.arena.allocate(size, alignment);
  }

  /** `arena.free(view)` while the scope is open (see `Arena.free`). */
  free(view: ArrayBufferView): void {
    this.#open();
    this.#host.arena.free(view);
  }

  #open(): void {
    if (!this.#host.isOpen(this.#depth, this.#serial)) {
      throw codedError('ERR_INVALID_STATE', 'the scope is closed: allocate from an open one');
    }
  }

  /** Whether the scope has been closed (by itself, an enclosing scope, reset or dispose). */
  get closed(): boolean {
    return !this.#host.isOpen(this.#depth, this.#serial);
  }

  /**
   * Rewinds the arena to where the scope opened: `used` is back to its value then, every view
   * cut since is detached, and every scope opened since that is still open closes too. Blocks
   * the arena grew by meanwhile stay, for the next claims. A second `close` does nothing.
   * @throws Error `ERR_BUSY` while a hold taken when this scope was open is pending (see
   *   `Arena.hold`), and nothing changes.
   */
  close(): void {
    this.#host.close(this.#depth, this.#serial);
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
