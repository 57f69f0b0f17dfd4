/**
 * The lifetimes cases of `npm run bench`: growable arenas, scopes, and the arena's allocation in
 * a loop that uses what it allocates (each view written and its length read, as real code does,
 * so the figure holds for it), each beside the case it must match.
 * @module
 */

import { Arena } from '../dist/index';
import { type GroupDef, PER_RESET } from './groups';

/** The scope cases open and close this many scopes per call. */
export const SCOPES_PER_CALL = 100;

// Results go here so that no view or length is dead code. Kept below 2 ** 16: a sum that grows
// past V8's small integers (2 ** 30) becomes a heap number, whose every update costs a few ns in
// every case alike (measured: replay/floor 0.36 became 0.53 after a few million views).
export const MASK = 0xffff;
let sum = 0;

/** Reads the sum once the groups have run, so that the JIT cannot prove it unused. */
export function observeSum(): void {
  if (sum === -1) console.log('unreachable');
}

/** 1000 views of 16 floats from `arena`, each written and its length read, then `reset`. */
function useArena(arena: Arena): void {
  for (let i = 0; i < PER_RESET; i++) {
    const view = arena.alloc(Float32Array, 16);
    view[0] = i;
    sum = (sum + view.length) & MASK;
  }
  arena.reset();
}

/** The same loop over views cut from a buffer by hand: the floor of any view. */
function useFloor(buffer: ArrayBuffer): void {
  let offset = 0;
  for (let i = 0; i < PER_RESET; i++) {
    const view = new Float32Array(buffer, offset, 16);
    offset += 64;
    view[0] = i;
    sum = (sum + view.length) & MASK;
  }
}

/** `arena.alloc` at n = 16 against the bare view floor, in a loop that uses each view. */
function useGroup(): GroupDef {
  const arena = new Arena(PER_RESET * 64 + 64);
  const floor = new ArrayBuffer(PER_RESET * 64);
  return {
    id: 'arena-use-16',
    title: `Arena alloc(Float32Array, 16), each view written and its length read; reset every ${PER_RESET}`,
    opsPerCall: PER_RESET,
    cases: [
      { name: 'arena.alloc(Float32Array, 16)', role: 'subject', fn: () => useArena(arena) },
      {
        name: 'new Float32Array(16)',
        role: 'alternative',
        fn: () => {
          for (let i = 0; i < PER_RESET; i++) {
            const view = new Float32Array(16);
            view[0] = i;
            sum = (sum + view.length) & MASK;
          }
        },
      },
      {
        name: 'floor: new Float32Array(buffer, offset, 16)',
        role: 'floor',
        fn: () => useFloor(floor),
      },
    ],
    done: () => arena.dispose(),
  };
}

/** A growable arena after its first 'retain' reset against a fixed arena of the same size. */
function growableGroup(): GroupDef {
  const growable = new Arena(1024, { growable: true });
  useArena(growable); // grows from 1 KiB to several blocks, then 'retain' merges them into one
  const fixed = new Arena(growable.capacity);
  return {
    id: 'growable-16',
    title: `Growable arena after its first 'retain' reset vs a fixed arena of the same size (${growable.capacity} bytes)`,
    opsPerCall: PER_RESET,
    cases: [
      { name: 'growable arena, grown from 1 KiB', role: 'subject', fn: () => useArena(growable) },
      { name: 'fixed arena of the same size', role: 'alternative', fn: () => useArena(fixed) },
    ],
    done: () => {
      growable.dispose();
      fixed.dispose();
    },
  };
}

/** `alloc` inside a scope against `alloc` outside one: 1000 claims, then the close or the reset. */
function scopeGroup(): GroupDef {
  const inside = new Arena(PER_RESET * 64 + 256);
  inside.allocate(100); // a view from before the scope, as a pass's inputs would be
  const outside = new Arena(PER_RESET * 64 + 256);
  return {
    id: 'scope-16',
    title: `Arena alloc(Float32Array, 16) inside a scope vs outside; ${PER_RESET} per scope or reset`,
    opsPerCall: PER_RESET,
    cases: [
      {
        name: 'inside a scope (opened, 1000 allocs, closed)',
        role: 'subject',
        fn: () => {
          const scope = inside.scope();
          for (let i = 0; i < PER_RESET; i++) {
            const view = inside.alloc(Float32Array, 16);
            view[0] = i;
            sum = (sum + view.length) & MASK;
          }
          scope.close();
        },
      },
      { name: 'outside (1000 allocs, reset)', role: 'alternative', fn: () => useArena(outside) },
    ],
    done: () => {
      inside.dispose();
      outside.dispose();
    },
  };
}

/** What a scope costs: open, one claim, close; and an empty one. */
function openCloseGroup(): GroupDef {
  const arena = new Arena(1 << 16);
  arena.allocate(100);
  return {
    id: 'scope-open-close',
    title: 'Scope open + one alloc(Float32Array, 16) + close (ns per scope)',
    opsPerCall: SCOPES_PER_CALL,
    cases: [
      {
        name: 'scope open, one alloc, close',
        role: 'subject',
        fn: () => {
          for (let i = 0; i < SCOPES_PER_CALL; i++) {
            const scope = arena.scope();
            sum = (sum + arena.alloc(Float32Array, 16).length) & MASK;
            scope.close();
          }
        },
      },
      {
        name: 'a scope that claims nothing',
        role: 'diagnostic',
        fn: () => {
          for (let i = 0; i < SCOPES_PER_CALL; i++) arena.scope().close();
        },
      },
    ],
    done: () => arena.dispose(),
  };
}

/** The lifetimes groups, in the order they run. `subset`: the ones the V8-owned run repeats. */
export function lifetimeGroups(subset = false): GroupDef[] {
  return subset
    ? [useGroup(), openCloseGroup()]
    : [useGroup(), growableGroup(), scopeGroup(), openCloseGroup()];
}
