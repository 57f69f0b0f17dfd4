/**
 * Aligned buffers of the browser backend: one block each, released on free; the binding's
 * `createAligned` and `NativeAligned` (`crates/node/src/aligned.rs`). The size and alignment are
 * checked by the core (`layout`); the alignment holds relative to the buffer's start, which is
 * the view's start (offset 0): addresses are not observable here.
 * @internal
 * @module
 */

import { codedError } from '../errors';
import { Block, parts } from './block';
import { call } from './core';

/** An aligned buffer's block. */
export class BrowserAligned {
  readonly #block: Block;

  constructor(block: Block) {
    this.#block = block;
  }

  /** Whether the memory has been freed (or given up after its buffer moved away). */
  get released(): boolean {
    return this.#block.isReleased();
  }

  /** Detaches the buffer and gives the memory up now; `ERR_DOUBLE_FREE` if already freed. */
  free(): void {
    if (this.#block.isReleased()) {
      throw codedError(
        'ERR_DOUBLE_FREE',
        'double free: this aligned buffer has already been freed',
      );
    }
    this.#block.release();
  }
}

/** `size` zeroed bytes aligned to `alignment`: `{ handle, buffer, start, ... }`. */
export function createAligned(
  size: number,
  alignment: number,
): ReturnType<typeof parts<BrowserAligned>> {
  call((c) => c.layout(size, alignment));
  const block = Block.allocate(size, alignment, 'aligned');
  return parts(new BrowserAligned(block), block, block.base());
}
