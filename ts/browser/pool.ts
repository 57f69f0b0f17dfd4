/**
 * The pool's side of the browser backend: chunks of slots, added on growth, renewed on clear,
 * released on dispose; the same calls as the binding's `NativePool` (`crates/node/src/pool.rs`).
 * The stride and the chunk size are the core's (`slot_stride`, `chunk_size`, in WebAssembly).
 * @internal
 * @module
 */

import { codedError } from '../errors';
import { append, list } from '../intrinsics';
import { Block, parts } from './block';
import { call } from './core';
import { type Owner, ownerClosed, ownerOpened } from './stats';

/** A pool's chunks. */
export class BrowserPool {
  readonly #chunks: Block[] = list();
  readonly #stride: number;
  readonly #alignment: number;
  #disposed = false;
  readonly #owner: Owner;

  /** A pool of slots of `slotBytes` bytes, each aligned to `alignment`; no chunk yet. */
  constructor(slotBytes: number, alignment: number) {
    this.#stride = call((c) => c.slot_stride(slotBytes, alignment));
    this.#alignment = alignment;
    this.#owner = ownerOpened(this, 'pools');
  }

  /** Bytes from one slot's start to the next. */
  get stride(): number {
    return this.#stride;
  }

  /** Adds a chunk of `slots` zeroed slots: its parts, slot `i` at `start + i * stride`. */
  addChunk(slots: number): ReturnType<typeof parts<null>> {
    this.#live();
    const bytes = call((c) => c.chunk_size(slots, this.#stride));
    call((c) => c.layout(bytes, this.#alignment));
    const block = Block.allocate(bytes, this.#alignment, 'pool');
    append(this.#chunks, block);
    return parts(null, block, block.base());
  }

  /** Renews every chunk's buffer (checked first): every view handed out before is detached. */
  clear(): ArrayBuffer[] {
    this.#live();
    for (let at = 0; at < this.#chunks.length; at++) (this.#chunks[at] as Block).checkUsable();
    const fresh = list<ArrayBuffer>();
    for (let at = 0; at < this.#chunks.length; at++) {
      append(fresh, (this.#chunks[at] as Block).renew());
    }
    return fresh;
  }

  /** Detaches every chunk's buffer and gives the memory up; a second call does nothing. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    ownerClosed(this.#owner);
    let failure: unknown;
    for (let at = 0; at < this.#chunks.length; at++) {
      try {
        (this.#chunks[at] as Block).release();
      } catch (error) {
        failure ??= error;
      }
    }
    this.#chunks.length = 0;
    if (failure !== undefined) throw failure;
  }

  #live(): void {
    if (this.#disposed) throw codedError('ERR_DISPOSED', 'this pool has been disposed');
  }
}
