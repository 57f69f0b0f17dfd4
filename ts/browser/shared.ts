/**
 * Shared memory in the browser backend: every shared block is a `SharedArrayBuffer` of the
 * engine's (pages must be cross-origin isolated), so `createSharedBlock` has none to give and
 * the facade makes one (`ts/shared.ts`); the size rules are the WebAssembly core's, the same
 * functions the binding exports (`crates/node/src/sizes.rs`).
 * @internal
 * @module
 */

import { min } from '../intrinsics';
import { call } from './core';
import { type Owner, ownerClosed, ownerOpened, sharedHeld } from './stats';

/** No external shared memory here: the facade makes a `SharedArrayBuffer` of the engine's. */
export function createSharedBlock(size: number, alignment: number, kind: string): null {
  void size;
  void alignment;
  void kind;
  return null;
}

/** An owner of shared blocks (as the binding's `NativeShared`), counted until disposed or collected. */
export class BrowserShared {
  readonly #owner: Owner;

  constructor(kind: 'arena' | 'pool' | 'aligned') {
    const counted = kind === 'arena' ? 'arenas' : kind === 'pool' ? 'pools' : 'alignedBuffers';
    this.#owner = ownerOpened(this, counted);
  }

  hold(bytes: number): void {
    sharedHeld(this.#owner, bytes, 1);
  }

  dropBlock(bytes: number): void {
    if (this.#owner.sharedBlocks === 0) return;
    sharedHeld(this.#owner, -min(bytes, this.#owner.sharedBytes), -1);
  }

  dispose(): void {
    ownerClosed(this.#owner);
  }
}

export function checkArenaOptions(
  capacity: number,
  growable: boolean,
  maxCapacity?: number | null,
): void {
  call((c) => c.arena_options(capacity, growable ? 1 : 0, maxCapacity ?? -1));
}

export function nextBlockSize(
  growable: boolean,
  maxCapacity: number | undefined | null,
  last: number,
  capacity: number,
  available: number,
  size: number,
  alignment: number,
): number {
  return call((c) =>
    c.next_block_size(
      growable ? 1 : 0,
      maxCapacity ?? -1,
      last,
      capacity,
      available,
      size,
      alignment,
    ),
  );
}

export function resetRetained(
  mode: 'retain' | 'release' | 'retainLimit',
  limit: number | null,
  first: number,
  capacity: number,
  initial: number,
): number {
  const kind = mode === 'retain' ? 0 : mode === 'release' ? 1 : 2;
  return call((c) => c.reset_retained(kind, limit ?? 0, first, capacity, initial));
}

export function slotStride(slotBytes: number, alignment: number): number {
  return call((c) => c.slot_stride(slotBytes, alignment));
}

export function chunkSize(slots: number, stride: number): number {
  return call((c) => c.chunk_size(slots, stride));
}
