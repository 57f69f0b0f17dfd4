// Shared memory: arenas, pools, aligned buffers and planned passes made with `shared: true` hand
// out views over SharedArrayBuffers that workers see as the same memory; leases and holds keep the
// owner from reusing memory a worker still uses; no thread can be left with a view of freed memory.
import path from 'node:path';
import { Worker } from 'node:worker_threads';

import test, { type ExecutionContext } from 'ava';

import {
  Arena,
  addressOf,
  alignedDelete,
  alignedNew,
  holdAligned,
  type Lease,
  MemoryPlan,
  memoryStats,
  Pool,
  releaseLease,
} from '../ts/index';
import type { Ask } from './fixtures/shared-worker';
import { collect, expectedBacking, throwsCode } from './helpers';

const WORKER = path.join(__dirname, 'fixtures', 'shared-worker.cjs');

/**
 * Whether this runtime makes shared memory of the core's: it exports
 * `node_api_create_external_sharedarraybuffer` (Node 22.23+ on the 22 line, 24.16+, 26.1+, Bun)
 * and no memory cage (real, simulated or forced) keeps external memory out.
 */
function expectsNative(): boolean {
  if (expectedBacking() !== 'native') return false;
  if (process.versions.bun !== undefined) return true;
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  return (
    major >= 27 ||
    (major === 26 && minor >= 1) ||
    (major === 24 && minor >= 16) ||
    (major === 22 && minor >= 23)
  );
}

const BACKING = expectsNative() ? 'shared-native' : 'shared-v8';

/** A worker of fixtures/shared-worker.ts, and a way to ask it one thing at a time. */
function worker(): {
  ask: (ask: Ask) => Promise<Record<string, unknown>>;
  stop: () => Promise<void>;
} {
  // Workers refuse V8 flags such as --expose-gc: start them with none.
  const thread = new Worker(WORKER, { execArgv: [] });
  return {
    ask: (ask) =>
      new Promise((resolve, reject) => {
        thread.once('message', resolve);
        thread.once('error', reject);
        thread.postMessage(ask);
      }),
    stop: async () => {
      await thread.terminate();
    },
  };
}

/** Counters of this process, to compare before and after. */
async function settled(): Promise<ReturnType<typeof memoryStats>> {
  await collect();
  return memoryStats();
}

test.serial(
  'a worker writes through a posted view; the owner sees it at the same address',
  async (t) => {
    const thread = worker();
    using arena = new Arena(4096, { shared: true });
    t.is(arena.backing, BACKING);
    using pool = new Pool(Float32Array, 8, { shared: true, initialCapacity: 4 });
    t.is(pool.backing, BACKING);
    const weights = alignedNew(Float32Array, 64, 64, { shared: true });
    const plan = MemoryPlan.record((mem) => mem.alloc(Float32Array, 16));
    using pass = plan.instantiate({ shared: true });
    const views = [
      arena.alloc(Float32Array, 16, 64),
      pool.allocate(),
      weights,
      pass.views[0] as Float32Array,
    ];
    for (const [index, view] of views.entries()) {
      t.true(view.buffer instanceof SharedArrayBuffer, `view ${index} is over shared memory`);
      const answer = await thread.ask({ op: 'write', view, index: 1, value: 40 + index });
      t.true(answer.shared, `view ${index} arrives shared`);
      t.is(answer.address, addressOf(view), `view ${index}: the same memory`);
      t.is(view[1], 40 + index, `view ${index}: the write is seen here`);
    }
    t.is(addressOf(views[0] as Float32Array) % 64n, 0n);
    t.is(addressOf(weights) % 64n, 0n);
    alignedDelete(weights);
    await thread.stop();
  },
);

test.serial(
  'a lease blocks reset, scope close, clear, free and dispose until a worker releases it',
  async (t) => {
    const thread = worker();
    const arena = new Arena(4096, { shared: true, growable: true });
    const view = arena.alloc(Float32Array, 16);
    const busy = (fn: () => unknown, what: string) => {
      const error = throwsCode(t, fn, Error, 'ERR_BUSY');
      t.regex(error.message, /1 lease is unreleased/, what);
    };
    const lease = arena.lease();
    const used = arena.used;
    busy(() => arena.reset(), 'reset');
    busy(() => arena.dispose(), 'dispose');
    t.is(arena.used, used, 'nothing changed');
    // A lease taken inside a scope blocks that scope's close, not a reset of what came before.
    const scope = arena.scope();
    arena.alloc(Float32Array, 4);
    const inner = arena.lease();
    busy(() => scope.close(), 'scope close');
    t.false(scope.closed);
    t.deepEqual(await thread.ask({ op: 'release', lease: inner }), { released: true });
    scope.close();

    const pool = new Pool(Float32Array, 4, { shared: true, initialCapacity: 2 });
    pool.allocate();
    const poolLease = pool.lease();
    busy(() => pool.clear(), 'clear');
    busy(() => pool.dispose(), 'pool dispose');
    const plan = MemoryPlan.record((mem) => mem.alloc(Float32Array, 4));
    const pass = plan.instantiate({ shared: true });
    const passLease = pass.lease();
    busy(() => pass.dispose(), 'pass dispose');
    throwsCode(t, () => pass.run((mem) => mem.alloc(Float32Array, 4)), Error, 'ERR_BUSY');

    for (const token of [lease, poolLease, passLease]) {
      t.deepEqual(await thread.ask({ op: 'release', lease: token }), { released: true });
    }
    arena.reset();
    pool.clear();
    t.is(
      pass.run((mem) => mem.alloc(Float32Array, 4)),
      pass.views[0] as Float32Array,
    );
    pass.dispose();
    pool.dispose();
    arena.dispose();
    t.is(view.length, 16, 'shared views stay attached');
    await thread.stop();
  },
);

test('releaseLease releases one lease once; a stale token never releases a newer lease', (t) => {
  using arena = new Arena(1024, { shared: true });
  const first = arena.lease();
  t.true(releaseLease(first));
  t.false(releaseLease(first), 'a second release is a no-op');
  const second = arena.lease();
  t.is(second.slot, first.slot, 'the slot is taken again');
  t.false(releaseLease(first), 'the stale token does not release it');
  throwsCode(t, () => arena.reset(), Error, 'ERR_BUSY');
  // A clone (what postMessage carries) releases it.
  t.true(releaseLease(structuredClone(second)));
  arena.reset();
  for (const bad of [
    null,
    42,
    {},
    { ...second, slot: 999 },
    { ...second, id: 0n },
    { ...second, table: new ArrayBuffer(8) },
  ]) {
    throwsCode(t, () => releaseLease(bad as unknown as Lease), TypeError, 'ERR_INVALID_ARG_TYPE');
  }
  // Many at once: every one is counted, whichever order they are released in.
  const leases = Array.from({ length: 130 }, () => arena.lease());
  for (const lease of leases.reverse()) {
    throwsCode(t, () => arena.reset(), Error, 'ERR_BUSY');
    t.true(releaseLease(lease));
  }
  arena.reset();
});

/**
 * Makes an arena, a pool, an aligned buffer and a planned pass of shared memory, gives the worker
 * a view of each and disposes them all: afterwards this thread holds nothing of them.
 */
async function handOver(
  t: ExecutionContext,
  thread: ReturnType<typeof worker>,
  baseline: ReturnType<typeof memoryStats>,
): Promise<void> {
  const arena = new Arena(1 << 16, { shared: true });
  const pool = new Pool(Float32Array, 16, { shared: true, initialCapacity: 4 });
  const weights = alignedNew(Float32Array, 1024, 64, { shared: true });
  const plan = MemoryPlan.record((mem) => mem.alloc(Float32Array, 256));
  const pass = plan.instantiate({ shared: true });
  const views = [
    arena.alloc(Float32Array, 256),
    pool.allocate(),
    weights,
    pass.views[0] as Float32Array,
  ];
  t.deepEqual(await thread.ask({ op: 'keep', views }), { kept: 4 });
  t.is(memoryStats().sharedBlocks, baseline.sharedBlocks + 4);
  arena.dispose();
  pool.dispose();
  alignedDelete(weights);
  pass.dispose();
}

test.serial(
  "a worker keeps using views after the owner's dispose; the memory goes when it lets go",
  async (t) => {
    const baseline = await settled();
    const thread = worker();
    await handOver(t, thread, baseline);
    const disposed = await settled();
    t.is(disposed.arenas, baseline.arenas);
    t.is(disposed.pools, baseline.pools);
    t.is(disposed.alignedBuffers, baseline.alignedBuffers);
    // The worker writes and reads its views: the memory is still there, whoever disposed.
    t.deepEqual(await thread.ask({ op: 'touch', value: 2 }), {
      sum: 2 * (256 + 16 + 1024 + 256),
    });
    if (BACKING === 'shared-native') {
      t.is(disposed.sharedBlocks, baseline.sharedBlocks + 4, 'held by the worker: still counted');
    }
    await thread.stop();
    // Poll: the worker's heap goes with it, then this thread's collector runs the finalizers.
    let after = await settled();
    for (let round = 0; round < 50 && after.sharedBlocks !== baseline.sharedBlocks; round++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      after = await settled();
    }
    t.deepEqual(after, baseline, 'every counter back to its baseline');
  },
);

test('poison fills shared memory given back; views stay attached', (t) => {
  using arena = new Arena(1024, { shared: true, poison: true });
  const bytes = arena.allocate(8);
  bytes.fill(1);
  {
    using scope = arena.scope();
    const inner = scope.allocate(8);
    inner.fill(2);
    scope.close();
    t.deepEqual([...inner], Array(8).fill(0xde), "a scope's claims, at its close");
  }
  t.deepEqual([...bytes], Array(8).fill(1), 'what came before the scope is untouched');
  arena.reset();
  t.deepEqual([...bytes], Array(8).fill(0xde), 'everything, at a reset');
  using pool = new Pool(Float64Array, 2, { shared: true, poison: true });
  const slot = pool.allocate();
  slot.fill(3);
  pool.deallocate(slot);
  t.true(slot.every(Number.isNaN), 'a float slot given back is NaN');
  using ints = new Pool(Int32Array, 1, { shared: true, poison: true });
  const int = ints.allocate();
  ints.deallocate(int);
  t.is(int[0], 0xdededede | 0);
  const pass = MemoryPlan.record((mem) => mem.alloc(Float32Array, 4)).instantiate({
    shared: true,
    poison: true,
  });
  const tensor = pass.views[0] as Float32Array;
  pass.dispose();
  t.true(tensor.every(Number.isNaN), 'a disposed shared pass poisons its tensors');
});

test('shared arenas grow, scope and reset as the others, with the same figures', (t) => {
  const shared = new Arena(256, { shared: true, growable: true });
  const plain = new Arena(256, { growable: true });
  for (const arena of [shared, plain]) {
    arena.allocate(200);
    arena.alloc(Float32Array, 64, 64);
    {
      using scope = arena.scope();
      scope.allocate(1000);
    }
    arena.allocate(10);
  }
  const figures = (arena: Arena) => ({
    used: arena.used,
    capacity: arena.capacity,
    blocks: arena.blocks,
    peak: arena.peak,
  });
  t.deepEqual(figures(shared), figures(plain));
  shared.reset();
  plain.reset();
  t.deepEqual(figures(shared), figures(plain), 'a retain reset keeps one block of the total');
  shared.reset('release');
  plain.reset('release');
  t.deepEqual(figures(shared), figures(plain));
  shared.dispose();
  plain.dispose();
});

test('bad shared options are refused with codes, and nothing is allocated', (t) => {
  const before = memoryStats();
  throwsCode(t, () => new Arena(64, { shared: 'yes' as never }), TypeError, 'ERR_INVALID_ARG_TYPE');
  throwsCode(
    t,
    () => new Arena(64, { shared: true, memory: new ArrayBuffer(64) }),
    TypeError,
    'ERR_INVALID_ARG_VALUE',
  );
  throwsCode(
    t,
    () => new Arena(64, { shared: true, maxCapacity: 128 }),
    TypeError,
    'ERR_INVALID_ARG_VALUE',
  );
  throwsCode(
    t,
    () => new Pool(Float32Array, 4, { shared: 1 as never }),
    TypeError,
    'ERR_INVALID_ARG_TYPE',
  );
  throwsCode(
    t,
    () => alignedNew(Float32Array, 4, 16, { shared: null as never }),
    TypeError,
    'ERR_INVALID_ARG_TYPE',
  );
  throwsCode(
    t,
    () =>
      MemoryPlan.record((mem) => mem.alloc(Float32Array, 1)).instantiate({
        shared: true,
        memory: new ArrayBuffer(64),
      }),
    TypeError,
    'ERR_INVALID_ARG_VALUE',
  );
  t.deepEqual(memoryStats(), before);
});

test.serial(
  'a double free of a shared aligned buffer is refused; a hold blocks its free',
  async (t) => {
    const weights = alignedNew(Float32Array, 16, 64, { shared: true });
    let finish = () => {};
    const work = new Promise<void>((resolve) => {
      finish = resolve;
    });
    const held = holdAligned(weights, work);
    throwsCode(t, () => alignedDelete(weights), Error, 'ERR_BUSY');
    finish();
    await held;
    alignedDelete(weights);
    throwsCode(t, () => alignedDelete(weights), Error, 'ERR_DOUBLE_FREE');
    t.is(weights.length, 16, 'the view stays attached');
  },
);
