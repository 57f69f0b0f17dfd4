/**
 * The cases of `npm run bench`, by group: each group has one subject (ours), the alternatives a
 * user would write instead, and reference floors. A case is a call that does `opsPerCall`
 * operations (for the arena, 1000 allocations and one `reset`).
 * @module
 */

import { Arena, alignedDelete, alignedNew, Pool } from '../dist/index';
import type { Role } from './results';

/** Allocations between two arena resets. */
export const PER_RESET = 1000;
/** The view lengths of the arena groups (`arena-<n>`), from a few cache lines to 256 KiB. */
export const ARENA_LENGTHS = [16, 256, 4096, 65536] as const;

// Results go here so that no allocation is dead code.
let sink: unknown;

/** Reads the sink once the groups have run, so that the JIT cannot prove it unused. */
export function observeSink(): void {
  if (sink === null) console.log('unreachable');
}

export interface CaseDef {
  name: string;
  role: Role;
  fn: () => void;
}

export interface GroupDef {
  id: string;
  title: string;
  opsPerCall: number;
  cases: CaseDef[];
  /** Frees the group's memory once it has run. */
  done?: () => void;
}

// An ES module only, and this file is CommonJS (as the package is): imported dynamically.
const thingMalloc = import('@thi.ng/malloc');
type MemPoolClass = Awaited<typeof thingMalloc>['MemPool'];

function arenaGroup(MemPool: MemPoolClass, n: number): GroupDef {
  const bytes = 4 * n;
  const arena = new Arena(PER_RESET * bytes + 64);
  const floor = new ArrayBuffer(PER_RESET * bytes);
  const malloc = new MemPool({ size: PER_RESET * (bytes + 64) + 4096, align: 16 });
  return {
    id: `arena-${n}`,
    title: `Arena alloc(Float32Array, ${n}), reset every ${PER_RESET} allocations`,
    opsPerCall: PER_RESET,
    cases: [
      {
        name: `arena.alloc(Float32Array, ${n})`,
        role: 'subject',
        fn: () => {
          for (let i = 0; i < PER_RESET; i++) sink = arena.alloc(Float32Array, n);
          arena.reset();
        },
      },
      {
        name: `new Float32Array(${n})`,
        role: 'alternative',
        fn: () => {
          for (let i = 0; i < PER_RESET; i++) sink = new Float32Array(n);
        },
      },
      {
        name: `Buffer.allocUnsafe(${bytes})`,
        role: 'alternative',
        fn: () => {
          for (let i = 0; i < PER_RESET; i++) sink = Buffer.allocUnsafe(bytes);
        },
      },
      {
        name: `@thi.ng/malloc mallocAs('f32', ${n}) + freeAll`,
        role: 'alternative',
        fn: () => {
          for (let i = 0; i < PER_RESET; i++) {
            const view = malloc.mallocAs('f32', n);
            if (view === undefined) throw new Error('MemPool exhausted');
            sink = view;
          }
          malloc.freeAll();
        },
      },
      {
        name: `floor: new Float32Array(buffer, offset, ${n})`,
        role: 'floor',
        fn: () => {
          let offset = 0;
          for (let i = 0; i < PER_RESET; i++) {
            sink = new Float32Array(floor, offset, n);
            offset += bytes;
          }
        },
      },
      {
        // The arena's own floor: its bump and checks removed, its reset kept.
        name: `floor over the arena's buffer + arena.reset()`,
        role: 'diagnostic',
        fn: () => {
          const head = arena.allocate(0);
          const buffer = head.buffer as ArrayBuffer;
          let offset = head.byteOffset;
          for (let i = 0; i < PER_RESET; i++) {
            sink = new Float32Array(buffer, offset, n);
            offset += bytes;
          }
          arena.reset();
        },
      },
    ],
    done: () => arena.dispose(),
  };
}

/** What a user writes instead of a pool: a stack of views, no checks. */
class FreeList {
  readonly #free: Float32Array[] = [];
  allocate(): Float32Array {
    return this.#free.pop() ?? new Float32Array(16);
  }
  deallocate(view: Float32Array): void {
    this.#free.push(view);
  }
}

function poolGroup(MemPool: MemPoolClass): GroupDef {
  // Ten slots live at a time, like the temporaries of one graph node, freed LIFO.
  const live = 10;
  const rounds = PER_RESET / live;
  const views: Float32Array[] = new Array(live);
  const slots: Float32Array[] = new Array(live);
  const pool = new Pool(Float32Array, 16);
  const malloc = new MemPool({ size: 1 << 16, align: 16 });
  const freeList = new FreeList();
  return {
    id: 'pool-16',
    title: `Pool of Float32Array(16) slots: allocate + deallocate, ${live} live at a time`,
    opsPerCall: PER_RESET,
    cases: [
      {
        name: 'pool.allocate() + pool.deallocate(view)',
        role: 'subject',
        fn: () => {
          for (let r = 0; r < rounds; r++) {
            for (let i = 0; i < live; i++) slots[i] = pool.allocate();
            for (let i = live - 1; i >= 0; i--) {
              pool.deallocate(slots[i] as Float32Array);
            }
          }
        },
      },
      {
        name: 'new Float32Array(16), left to the GC',
        role: 'alternative',
        fn: () => {
          for (let r = 0; r < rounds; r++) {
            for (let i = 0; i < live; i++) views[i] = new Float32Array(16);
          }
        },
      },
      {
        name: "@thi.ng/malloc mallocAs('f32', 16) + free",
        role: 'alternative',
        fn: () => {
          for (let r = 0; r < rounds; r++) {
            for (let i = 0; i < live; i++) {
              const view = malloc.mallocAs('f32', 16);
              if (view === undefined) throw new Error('MemPool exhausted');
              views[i] = view;
            }
            for (let i = live - 1; i >= 0; i--) malloc.free(views[i] as Float32Array);
          }
        },
      },
      {
        name: 'hand-written JS free list (no checks)',
        role: 'alternative',
        fn: () => {
          for (let r = 0; r < rounds; r++) {
            for (let i = 0; i < live; i++) views[i] = freeList.allocate();
            for (let i = live - 1; i >= 0; i--) freeList.deallocate(views[i] as Float32Array);
          }
        },
      },
    ],
    done: () => pool.dispose(),
  };
}

function alignedGroup(n: number, label: string, opsPerCall: number): GroupDef {
  return {
    id: `aligned-${n}`,
    title: `alignedNew(Float32Array, ${label}, 64) + alignedDelete`,
    opsPerCall,
    cases: [
      {
        name: `alignedNew(Float32Array, ${label}, 64) + alignedDelete`,
        role: 'subject',
        fn: () => {
          for (let i = 0; i < opsPerCall; i++) {
            const view = alignedNew(Float32Array, n, 64);
            sink = view;
            alignedDelete(view);
          }
        },
      },
      {
        name: `new Float32Array(${label}), left to the GC`,
        role: 'alternative',
        fn: () => {
          for (let i = 0; i < opsPerCall; i++) sink = new Float32Array(n);
        },
      },
    ],
  };
}

/** Every group, in the order they run and are reported. */
export async function createGroups(): Promise<GroupDef[]> {
  const { MemPool } = await thingMalloc;
  return [
    ...ARENA_LENGTHS.map((n) => arenaGroup(MemPool, n)),
    poolGroup(MemPool),
    alignedGroup(4096, '4096', 100),
    alignedGroup(2 ** 20, '1 Mi', 10),
  ];
}
