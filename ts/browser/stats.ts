/**
 * The browser backend's counters (`memoryStats()`): the memory its blocks hold, and its arenas,
 * pools and aligned buffers, from when they get memory until they are disposed, freed or
 * collected (`FinalizationRegistry`), as the binding counts (`crates/node/src/stats.rs`).
 * @internal
 * @module
 */

import { reflectApply } from '../intrinsics';

/** What a block belongs to. */
export type Kind = 'arena' | 'pool' | 'aligned';

const counters = {
  liveBytes: 0,
  liveBlocks: 0,
  arenas: 0,
  pools: 0,
  alignedBuffers: 0,
  sharedBytes: 0,
  sharedBlocks: 0,
};

export function memoryTaken(kind: Kind, bytes: number): void {
  counters.liveBytes += bytes;
  counters.liveBlocks++;
  if (kind === 'aligned') counters.alignedBuffers++;
}

export function memoryGone(kind: Kind, bytes: number): void {
  counters.liveBytes -= bytes;
  counters.liveBlocks--;
  if (kind === 'aligned') counters.alignedBuffers--;
}

/**
 * An arena, a pool or (shared) an aligned buffer until it is disposed or collected, with the
 * shared blocks it holds.
 */
export interface Owner {
  readonly kind: 'arenas' | 'pools' | 'alignedBuffers';
  open: boolean;
  sharedBytes: number;
  sharedBlocks: number;
}

function closeOwner(owner: Owner): void {
  if (!owner.open) return;
  owner.open = false;
  counters[owner.kind]--;
  counters.sharedBytes -= owner.sharedBytes;
  counters.sharedBlocks -= owner.sharedBlocks;
}

/** `owner` holds `bytes` more bytes of shared memory in `blocks` more blocks (less if negative). */
export function sharedHeld(owner: Owner, bytes: number, blocks: number): void {
  if (!owner.open) return;
  owner.sharedBytes += bytes;
  owner.sharedBlocks += blocks;
  counters.sharedBytes += bytes;
  counters.sharedBlocks += blocks;
}

const SafeFinalizationRegistry = FinalizationRegistry;
const registryRegister = FinalizationRegistry.prototype.register;
const registryUnregister = FinalizationRegistry.prototype.unregister;
const owners = new SafeFinalizationRegistry<Owner>(closeOwner);

/** Counts `handle` (an arena's or a pool's) until {@link ownerClosed} or its collection. */
export function ownerOpened(handle: object, kind: 'arenas' | 'pools' | 'alignedBuffers'): Owner {
  const owner: Owner = { kind, open: true, sharedBytes: 0, sharedBlocks: 0 };
  counters[kind]++;
  reflectApply(registryRegister, owners, [handle, owner, owner]);
  return owner;
}

export function ownerClosed(owner: Owner): void {
  reflectApply(registryUnregister, owners, [owner]);
  closeOwner(owner);
}

/** The counters now. */
export function memoryStats(): {
  liveBytes: number;
  liveBlocks: number;
  arenas: number;
  pools: number;
  alignedBuffers: number;
  sharedBytes: number;
  sharedBlocks: number;
} {
  return {
    liveBytes: counters.liveBytes,
    liveBlocks: counters.liveBlocks,
    arenas: counters.arenas,
    pools: counters.pools,
    alignedBuffers: counters.alignedBuffers,
    sharedBytes: counters.sharedBytes,
    sharedBlocks: counters.sharedBlocks,
  };
}
