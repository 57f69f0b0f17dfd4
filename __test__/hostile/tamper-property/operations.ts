// The tampering property test's operations: what a user may do with the package (make, allocate,
// scope, reset, hold, free, dispose, run a planned pass, move a buffer away), at random. Each is
// prepared in a clean realm (what to call, on what), then acts with the realm tampered (one call
// into the package, nothing else of the test), then records what happened in the model, through
// the world's own helpers, which use only captured builtins.
import {
  Arena,
  alignedDelete,
  alignedNew,
  holdAligned,
  MemoryPlan,
  memoryBacking,
  type PassMemory,
  type PlannedPass,
  Pool,
  type Scope,
} from '../../../ts/index';
import { bufferLengthOf } from '../tamper';
import { address } from './invariants';
import { getBuffer, TamperError } from './realm';
import type { Step } from './step';
import { DEBUG, trace } from './trace';
import { type AlignedOwner, type AnyOwner, type PassOwner, push, type World } from './world';

// Captured before any tampering: moving a buffer away is the user's doing, not the realm's lie.
const { apply } = Reflect;
const realTransfer = (ArrayBuffer.prototype as { transfer?: () => ArrayBuffer }).transfer;
const realStructuredClone = structuredClone;

const TYPES = [Float32Array, Uint8Array, Float64Array, Int16Array, BigInt64Array] as const;

/** A thenable that calls back twice, or a `then` that throws after settling. */
function misbehaving(world: World): PromiseLike<unknown> {
  world.transient++;
  const thenable =
    world.int(2) === 0
      ? {
          then(ok: (v: unknown) => void) {
            ok(1);
            ok(2);
            return 'not a promise';
          },
        }
      : {
          then(ok: (v: unknown) => void) {
            ok(1);
            throw new TamperError('then threw');
          },
        };
  return thenable as unknown as PromiseLike<unknown>;
}

/** A hold the test settles later. */
function controlled(world: World, owner: AnyOwner): PromiseLike<unknown> {
  let release: () => void = () => {};
  const work = new Promise<void>((resolve) => {
    release = resolve;
  });
  const list = world.pending.get(owner.id) ?? [];
  push(list, () => release());
  world.pending.set(owner.id, list);
  return work;
}

const nothing: Step | undefined = undefined;

const PREPARE: Record<string, (world: World) => Step | undefined> = {
  newArena(world) {
    if (world.live('arena').length >= 4) return nothing;
    const capacity = 64 + world.int(8192);
    const shared = world.int(4) === 0;
    const options = { growable: world.int(2) === 0, shared, poison: shared && world.int(2) === 0 };
    return {
      act: () => new Arena(capacity, options),
      done(arena) {
        push(world.owners, {
          kind: 'arena',
          id: world.nextId++,
          arena: arena as Arena,
          scopes: [],
          disposed: false,
          tainted: false,
          shared,
          v8Shared: (arena as Arena).backing === 'shared-v8',
        });
      },
    };
  },
  alloc(world) {
    const owner = world.pick(world.live('arena'));
    if (owner === undefined) return nothing;
    const type = world.pick(TYPES) as unknown as typeof Float32Array;
    const length = world.int(600);
    const alignment = world.int(3) === 0 ? 2 ** world.int(13) : undefined;
    return {
      act: () => owner.arena.alloc(type, length, alignment),
      done(view) {
        trace(
          owner,
          `alloc ${type.name} ${length} ${alignment} at ${DEBUG ? address(view as ArrayBufferView) : 0}, used ${owner.arena.used}`,
        );
        world.hand(view as ArrayBufferView, owner);
      },
    };
  },
  open(world) {
    const owner = world.pick(world.live('arena'));
    if (owner === undefined || owner.scopes.length >= 5) return nothing;
    return {
      act: () => owner.arena.scope(),
      done(scope) {
        trace(owner, `open ${world.nextId}, used ${owner.arena.used}`);
        push(owner.scopes, { id: world.nextId++, scope: scope as Scope });
      },
    };
  },
  close(world) {
    const owner = world.pick(world.live('arena'));
    if (owner === undefined || owner.scopes.length === 0) return nothing;
    const at = world.int(owner.scopes.length);
    const { scope } = owner.scopes[at] as { id: number; scope: Scope };
    return {
      act: () => scope.close(),
      done() {
        const closed: number[] = [];
        for (let i = at; i < owner.scopes.length; i++) {
          push(closed, (owner.scopes[i] as { id: number }).id);
        }
        trace(owner, `close ${closed.join(' ')}, used ${owner.arena.used}`);
        owner.scopes.length = at;
        world.end((h) => h.owner === owner && world.meets(h.scopes, closed));
      },
    };
  },
  reset(world) {
    const owner = world.pick(world.live('arena'));
    if (owner === undefined) return nothing;
    const mode = world.pick(['retain', 'release', { retainLimit: world.int(4096) }] as const);
    return {
      act: () => owner.arena.reset(mode),
      done() {
        trace(owner, `reset, used ${owner.arena.used}`);
        owner.scopes.length = 0;
        world.end((h) => h.owner === owner);
      },
    };
  },
  holdArena(world) {
    const owner = world.pick(world.live('arena'));
    if (owner === undefined || owner.scopes.length > 0) return nothing;
    const work = world.int(2) === 0 ? misbehaving(world) : controlled(world, owner);
    return {
      act: () => owner.arena.hold(work),
      done: (held) => world.held(owner, held),
    };
  },
  newPool(world) {
    if (world.live('pool').length >= 3) return nothing;
    const length = 1 + world.int(32);
    const options = { initialCapacity: 1 + world.int(8), zero: world.int(2) === 0 };
    return {
      act: () => new Pool(Float32Array, length, options),
      done(pool) {
        push(world.owners, {
          kind: 'pool',
          id: world.nextId++,
          pool: pool as Pool<Float32Array>,
          live: [],
          cut: [],
          disposed: false,
          tainted: false,
        });
      },
    };
  },
  allocate(world) {
    const owner = world.pick(world.live('pool'));
    if (owner === undefined) return nothing;
    return {
      act: () => owner.pool.allocate(),
      done(result) {
        const view = result as Float32Array;
        if (!world.contains(owner.cut, view)) {
          push(owner.cut, view);
          world.hand(view, owner);
        }
        push(owner.live, view);
      },
    };
  },
  deallocate(world) {
    const owner = world.pick(world.live('pool'));
    if (owner === undefined) return nothing;
    const view = world.pick(owner.cut);
    if (view === undefined) return nothing;
    return {
      act: () => owner.pool.deallocate(view),
      done: () => world.remove(owner.live, view),
    };
  },
  clear(world) {
    const owner = world.pick(world.live('pool'));
    if (owner === undefined) return nothing;
    return {
      act: () => owner.pool.clear(),
      done() {
        owner.live = [];
        owner.cut = [];
        world.end((h) => h.owner === owner);
      },
    };
  },
  holdPool(world) {
    const owner = world.pick(world.live('pool'));
    if (owner === undefined) return nothing;
    const work = world.int(2) === 0 ? misbehaving(world) : controlled(world, owner);
    return {
      act: () => owner.pool.hold(work),
      done: (held) => world.held(owner, held),
    };
  },
  aligned(world) {
    if (world.live('aligned').length >= 6) return nothing;
    const length = world.int(300);
    const alignment = 2 ** world.int(8);
    return {
      act: () => alignedNew(Float64Array, length, alignment),
      done(result) {
        const owner: AlignedOwner = {
          kind: 'aligned',
          id: world.nextId++,
          view: result as Float64Array,
          disposed: false,
          tainted: false,
        };
        push(world.owners, owner);
        world.hand(owner.view, owner);
      },
    };
  },
  alignedFree(world) {
    const owner = world.pick(world.live('aligned'));
    if (owner === undefined) return nothing;
    return {
      act: () => alignedDelete(owner.view),
      done() {
        owner.disposed = true;
        world.end((h) => h.owner === owner);
      },
    };
  },
  holdAligned(world) {
    const owner = world.pick(world.live('aligned'));
    if (owner === undefined) return nothing;
    const work = world.int(2) === 0 ? misbehaving(world) : controlled(world, owner);
    return {
      act: () => holdAligned(owner.view, work),
      done: (held) => world.held(owner, held),
    };
  },
  pass(world) {
    if (world.live('pass').length >= 2) return nothing;
    const sizes = [1 + world.int(64), 1 + world.int(64), 1 + world.int(64)] as const;
    const forward = (mem: PassMemory) => {
      const a = mem.alloc(Float32Array, sizes[0]);
      const b = mem.alloc(Float32Array, sizes[1]);
      mem.free(a);
      mem.alloc(Float32Array, sizes[2]);
      mem.free(b);
    };
    const plan = MemoryPlan.record(forward);
    const poison = world.int(2) === 0;
    return {
      act: () => plan.instantiate({ poison }),
      done(result) {
        const pass = result as PlannedPass;
        const owner: PassOwner = {
          kind: 'pass',
          id: world.nextId++,
          pass,
          forward,
          disposed: false,
          tainted: false,
        };
        push(world.owners, owner);
        const views = pass.views;
        for (let i = 0; i < views.length; i++) {
          const view = views[i];
          if (view !== undefined) world.hand(view, owner, pass);
        }
      },
    };
  },
  run(world) {
    const owner = world.pick(world.live('pass'));
    if (owner === undefined) return nothing;
    return { act: () => owner.pass.run(owner.forward), done: () => {} };
  },
  dispose(world) {
    const owner = world.pick(world.owners.filter((o) => !o.disposed && o.kind !== 'aligned'));
    if (owner === undefined) return nothing;
    return {
      act() {
        if (owner.kind === 'arena') owner.arena.dispose();
        else if (owner.kind === 'pool') owner.pool.dispose();
        else if (owner.kind === 'pass') owner.pass.dispose();
      },
      done() {
        owner.disposed = true;
        world.end((h) => h.owner === owner);
      },
    };
  },
  move(world) {
    if (realTransfer === undefined && memoryBacking() !== 'v8') return nothing;
    // A SharedArrayBuffer cannot be moved away.
    const handed = world.pick(world.handed.filter((h) => !h.owner.disposed && !h.owner.shared));
    if (handed === undefined) return nothing;
    const buffer = apply(getBuffer, handed.view, []) as ArrayBuffer;
    if (bufferLengthOf(buffer) === 0) return nothing;
    // The builtins captured by the test: this is the user moving memory, not the realm lying.
    const moved =
      realTransfer !== undefined
        ? (apply(realTransfer, buffer, []) as ArrayBuffer)
        : realStructuredClone(buffer, { transfer: [buffer] });
    push(world.moved, { buffer: moved, owner: handed.owner });
    handed.owner.tainted = true;
    return nothing;
  },
};

export const OPERATION_NAMES = Object.keys(PREPARE);

/** Prepares operation `index`: `undefined` when there is nothing to do it on. */
export function prepare(world: World, index: number): Step | undefined {
  const name = OPERATION_NAMES[index] as string;
  push(world.log, name);
  return (PREPARE[name] as (world: World) => Step | undefined)(world);
}
