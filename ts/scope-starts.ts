/**
 * @internal Where each open scope of an arena that never detaches (shared memory, a caller's
 * region) first claimed, by depth: the close of a scope gives back from the lowest offset that
 * it and the scopes inside it claimed from. The one record of it for `SharedArena` and
 * `RegionArena`.
 * @module
 */

import { append, list } from './intrinsics';

export class ScopeStarts {
  /** By depth - 1: the lowest offset that scope claimed from, or -1 if it claimed nothing. */
  readonly #starts: number[] = list();

  /** Records that the scope at `depth` claims from offset `at`. */
  claim(depth: number, at: number): void {
    const starts = this.#starts;
    while (starts.length < depth) append(starts, -1);
    const start = starts[depth - 1] as number;
    if (start < 0 || at < start) starts[depth - 1] = at;
  }

  /** Forgets the scopes at `depth` and deeper; the lowest offset they claimed from, or -1. */
  close(depth: number): number {
    const starts = this.#starts;
    let from = -1;
    for (let at = depth - 1; at < starts.length; at++) {
      const start = starts[at] as number;
      if (start >= 0 && (from < 0 || start < from)) from = start;
    }
    starts.length = depth - 1;
    return from;
  }

  /** Forgets every scope (a reset, a dispose). */
  clear(): void {
    this.#starts.length = 0;
  }
}
