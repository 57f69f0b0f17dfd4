// The browser suite: the package's browser entry (dist/browser/index.mjs: the facade over the
// WebAssembly core and JavaScript ArrayBuffers) checked the same way in headless Chromium and in
// Node. Runtime-neutral: no node: builtin, no test framework, no DOM; the host hands in the
// package, a log and a way to force a collection (scripts/browser-test.mjs runs it in both).
//
// What it covers: the smoke suite's checks (__test__/runtimes/smoke.mjs) as they hold under the
// 'js' backing; scopes, growth and reset modes; holds; plans (recorded, replayed, saved, planned
// in the background) and the same plans as the native addon on the benchmark's fixture; arenas and
// passes in region memory (a WebAssembly.Memory, grown under them; an ArrayBuffer; a
// SharedArrayBuffer where the page has one); the runtime-neutral hostile-realm checks of
// __test__/hostile/; and, when the host hands them in, the wasm-kernels example's checks.

/** A minimal assert: no node:assert in a browser. */
class Failure extends Error {}

function ok(condition, message = 'expected true') {
  if (!condition) throw new Failure(message);
}

function equal(actual, expected, message = '') {
  if (!Object.is(actual, expected)) {
    throw new Failure(
      `${message ? `${message}: ` : ''}expected ${String(expected)}, got ${String(actual)}`,
    );
  }
}

function same(actual, expected, message = '') {
  const a = JSON.stringify(actual);
  const b = JSON.stringify(expected);
  if (a !== b) throw new Failure(`${message ? `${message}: ` : ''}expected ${b}, got ${a}`);
}

function throwsCode(fn, type, code, message = '') {
  let thrown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  ok(thrown !== undefined, `${message} expected ${code}, nothing was thrown`);
  ok(thrown instanceof type, `${message} expected a ${type.name}, got ${thrown}`);
  equal(thrown.code, code, `${message} ${thrown.message}`);
}

async function rejectsCode(promise, code) {
  try {
    await promise;
  } catch (error) {
    equal(error.code, code, error.message);
    return;
  }
  throw new Failure(`expected a rejection with ${code}`);
}

/** Runs `fn` with `object[name]` replaced by `descriptor`, then puts it back. */
function patched(object, name, descriptor, fn) {
  const original = Object.getOwnPropertyDescriptor(object, name);
  Object.defineProperty(object, name, { configurable: true, writable: true, ...descriptor });
  try {
    return fn();
  } finally {
    if (original) Object.defineProperty(object, name, original);
    else delete object[name];
  }
}

const byteLength = Reflect.getOwnPropertyDescriptor(
  Object.getPrototypeOf(Uint8Array.prototype),
  'byteLength',
).get;
/** A view's length in bytes, with the builtin getter (the tests patch prototypes). */
const lengthOf = (view) => Reflect.apply(byteLength, view, []);

/** Moves `buffer`'s memory to a new buffer, as user code can: `transfer()`, or a transfer list. */
function moveAway(buffer) {
  return typeof buffer.transfer === 'function'
    ? buffer.transfer()
    : structuredClone(buffer, { transfer: [buffer] });
}

/**
 * Runs every check against `m` (the browser entry's exports). `host`: `log(line)`, `gc()` (a
 * collection, or undefined), `fixture` and `expected` (the fixture's lifetimes and the native
 * addon's plans of them, or undefined), `extra` (more named checks, e.g. the example's).
 * Resolves to `{ passed, failed }`; the last line logged is "browser: N passed, N failed".
 */
export async function runSuite(m, host) {
  const { log } = host;
  /** Every counter of memoryStats() at zero (its own keys: the list is the package's). */
  const ZERO = Object.fromEntries(Object.keys(m.memoryStats()).map((key) => [key, 0]));
  const results = [];

  async function collect(rounds = 6) {
    for (let i = 0; i < rounds; i++) {
      await new Promise((resolve) => setTimeout(resolve, 0));
      host.gc();
    }
    await new Promise((resolve) => setTimeout(resolve, 0));
  }

  async function check(name, fn) {
    try {
      await fn();
      results.push(true);
      log(`ok    ${name}`);
    } catch (error) {
      results.push(false);
      log(`FAIL  ${name}\n      ${String(error?.stack ?? error).replaceAll('\n', '\n      ')}`);
    }
  }

  // --- the smoke suite's checks, as they hold under the 'js' backing -----------------------

  await check("the browser entry loads its WebAssembly core; memoryBacking() is 'js'", () => {
    equal(m.memoryBacking(), 'js');
    equal(m.DEFAULT_ALIGNMENT, 16);
    equal(m.MAX_ALIGNMENT, 65536);
    equal(m.AVX512_ALIGNMENT, 64);
    same(m.memoryStats(), ZERO);
  });

  await check(
    'arena: aligned views (relative to the block), zeroed fresh memory, exhaustion',
    () => {
      const arena = new m.Arena(4096);
      for (const alignment of [1, 16, 64, 256]) {
        const view = arena.allocate(10, alignment);
        equal(m.addressOf(view) % BigInt(alignment), 0n, `alignment ${alignment}`);
        equal(BigInt(view.byteOffset), m.addressOf(view), 'addressOf is the byte offset');
        ok(view.every((x) => x === 0));
      }
      const used = arena.used;
      throwsCode(() => arena.allocate(1 << 20), RangeError, 'ERR_ARENA_EXHAUSTED');
      equal(arena.used, used, 'a thrown error changes nothing');
      arena.dispose();
    },
  );

  await check('arena: reset detaches old views and hands out the same offsets', () => {
    const arena = new m.Arena(1024);
    const first = arena.alloc(Float32Array, 16);
    first.fill(7);
    const address = m.addressOf(first);
    arena.reset();
    equal(first.byteLength, 0, 'the old view is detached');
    equal(arena.used, 0);
    const again = arena.alloc(Float32Array, 16);
    equal(m.addressOf(again), address);
    equal(again[0], 7, 'reused memory keeps what was written');
    arena.dispose();
  });

  await check('pool: slots recycle; double frees and foreign views are coded errors', () => {
    const pool = new m.Pool(Float32Array, 16, { initialCapacity: 2 });
    const a = pool.allocate();
    const b = pool.allocate();
    const c = pool.allocate();
    equal(pool.size, 3);
    equal(pool.chunks, 2);
    pool.deallocate(b);
    throwsCode(() => pool.deallocate(b), Error, 'ERR_DOUBLE_FREE');
    throwsCode(() => pool.deallocate(new Float32Array(16)), Error, 'ERR_FOREIGN_VIEW');
    equal(pool.size, 2);
    equal(pool.allocate(), b, 'the freed slot is reused');
    pool.clear();
    equal(a.byteLength + c.byteLength, 0, 'clear detaches every slot handed out');
    pool.dispose();
  });

  await check('aligned: zeroed, free detaches, twice is an error, holds block it', async () => {
    for (const alignment of [16, 64, 4096]) {
      const bytes = m.alignedAlloc(1000, alignment);
      equal(m.addressOf(bytes) % BigInt(alignment), 0n);
      ok(bytes.every((x) => x === 0));
      m.alignedFree(bytes);
      equal(bytes.byteLength, 0);
    }
    const floats = m.alignedNew(Float32Array, 64, 64);
    let settle;
    const held = m.holdAligned(floats, new Promise((resolve) => (settle = resolve)));
    throwsCode(() => m.alignedDelete(floats), Error, 'ERR_BUSY');
    settle();
    await held;
    m.alignedDelete(floats);
    throwsCode(() => m.alignedDelete(floats), Error, 'ERR_DOUBLE_FREE');
  });

  await check('dispose frees at once and detaches; later use is ERR_DISPOSED', () => {
    const before = m.memoryStats();
    const arena = new m.Arena(4096);
    const view = arena.alloc(Uint8Array, 8);
    const pool = new m.Pool(Float64Array, 4);
    pool.allocate();
    equal(m.memoryStats().liveBlocks, before.liveBlocks + 2);
    arena.dispose();
    arena.dispose();
    pool[Symbol.dispose]();
    equal(view.byteLength, 0);
    throwsCode(() => arena.alloc(Uint8Array, 1), Error, 'ERR_DISPOSED');
    throwsCode(() => pool.allocate(), Error, 'ERR_DISPOSED');
    same(m.memoryStats(), before);
  });

  if (host.gc !== undefined) {
    await check('what is not disposed goes with the garbage collector', async () => {
      await collect();
      same(m.memoryStats(), ZERO, 'everything before was disposed');
      await new Promise((resolve) =>
        setTimeout(() => {
          for (let i = 0; i < 50; i++) {
            new m.Arena(4096).alloc(Float32Array, 4)[0] = i;
            new m.Pool(Float64Array, 4, { initialCapacity: 4 }).allocate()[0] = i;
            m.alignedNew(Float32Array, 32, 64)[0] = i;
          }
          resolve();
        }, 0),
      );
      ok(m.memoryStats().liveBlocks > 0);
      // Blocks and their owners leave the counters from two registries, in the collector's time.
      const settled = () => JSON.stringify(m.memoryStats()) === JSON.stringify(ZERO);
      for (let i = 0; i < 30 && !settled(); i++) await collect(1);
      same(m.memoryStats(), ZERO);
    });
  }

  await check(
    'transfer: a structured-clone transfer moves the memory; the arena refuses it',
    () => {
      const arena = new m.Arena(1024);
      const view = arena.alloc(Float32Array, 4);
      view[0] = 9;
      const received = structuredClone(view.buffer, { transfer: [view.buffer] });
      equal(view.byteLength, 0, 'moved');
      equal(new Float32Array(received)[0], 9);
      throwsCode(() => arena.reset(), Error, 'ERR_INVALID_STATE');
      throwsCode(() => arena.alloc(Float32Array, 1), Error, 'ERR_INVALID_STATE');
      arena.dispose();
      same(m.memoryStats(), ZERO, 'given up: the memory is the receiver’s');
    },
  );

  // --- scopes, growth, reset modes, errors ----------------------------------------------------

  await check(
    'scopes: a close detaches exactly the views cut since (shadows), nests, rewinds',
    () => {
      const arena = new m.Arena(1 << 16);
      const outer = arena.alloc(Float32Array, 8);
      const used = arena.used;
      const scope = arena.scope();
      const inner = arena.alloc(Float32Array, 8, 64);
      equal(m.addressOf(inner) % 64n, 0n, 'a shadow keeps the alignment');
      const nested = arena.scope();
      const deeper = arena.alloc(Uint8Array, 100);
      scope.close();
      ok(nested.closed, 'closing a scope closes the ones opened after it');
      equal(inner.byteLength + deeper.byteLength, 0);
      equal(outer.byteLength, 32);
      equal(arena.used, used);
      equal(
        arena.scoped(() => arena.alloc(Uint8Array, 4).length),
        4,
      );
      arena.dispose();
    },
  );

  await check('growth and reset modes follow the core (retain, release, retainLimit)', () => {
    const arena = new m.Arena(1024, { growable: true, maxCapacity: 1 << 20 });
    arena.alloc(Uint8Array, 1000);
    arena.alloc(Uint8Array, 1000);
    equal(arena.blocks, 2);
    equal(arena.capacity, 1024 + 2048, 'max(2 x the last block, the padded request)');
    const old = arena.alloc(Uint8Array, 10);
    arena.reset();
    equal(old.byteLength, 0);
    same([arena.blocks, arena.capacity], [1, 3072], "'retain': one block of the capacity");
    arena.alloc(Uint8Array, 3000);
    arena.alloc(Uint8Array, 3000);
    arena.reset({ retainLimit: 4000 });
    same([arena.blocks, arena.capacity], [1, 4000]);
    arena.reset('release');
    same([arena.blocks, arena.capacity], [1, 1024]);
    throwsCode(() => arena.alloc(Uint8Array, 1 << 21), RangeError, 'ERR_ARENA_EXHAUSTED');
    throwsCode(() => arena.reset('sometimes'), TypeError, 'ERR_INVALID_ARG_VALUE');
    arena.dispose();
  });

  await check('bad input: coded errors of the right class, nothing changed', () => {
    throwsCode(() => new m.Arena(0), RangeError, 'ERR_OUT_OF_RANGE');
    throwsCode(() => new m.Arena('1'), TypeError, 'ERR_INVALID_ARG_TYPE');
    throwsCode(() => new m.Arena(64, { maxCapacity: 128 }), TypeError, 'ERR_INVALID_ARG_VALUE');
    throwsCode(() => new m.Arena(2 ** 40), RangeError, 'ERR_OUT_OF_RANGE');
    throwsCode(() => m.alignedAlloc(16, 3), RangeError, 'ERR_INVALID_ALIGNMENT');
    throwsCode(() => new m.Pool(Float32Array, 0), RangeError, 'ERR_OUT_OF_RANGE');
    // Two tensors of 2 GiB - 1 bytes (odd sizes: no granule): past what 32 bits count.
    const huge = { size: 2 ** 31 - 1, alignment: 1, start: 0, end: 0 };
    throwsCode(() => m.MemoryPlan.fromLifetimes([huge, huge]), RangeError, 'ERR_OUT_OF_RANGE');
    throwsCode(() => m.addressOf(42), TypeError, 'ERR_INVALID_ARG_TYPE');
    throwsCode(() => m.addressOf(new ArrayBuffer(0)), Error, 'ERR_INVALID_STATE');
    equal(m.ERROR_CODES.ERR_BUSY, 'Error');
    same(m.memoryStats(), ZERO);
  });

  await check('holds: reset, scope close and dispose wait for the work', async () => {
    const arena = new m.Arena(1024);
    const scope = arena.scope();
    arena.alloc(Uint8Array, 8);
    let settle;
    const held = arena.hold(new Promise((resolve) => (settle = resolve)));
    throwsCode(() => arena.reset(), Error, 'ERR_BUSY');
    throwsCode(() => scope.close(), Error, 'ERR_BUSY');
    throwsCode(() => arena.dispose(), Error, 'ERR_BUSY');
    settle(5);
    equal(await held, 5);
    scope.close();
    arena.dispose();
  });

  // --- plans ---------------------------------------------------------------------------------

  function forward(mem, input) {
    const hidden = mem.alloc(Float32Array, 256, 64);
    for (let i = 0; i < 256; i++) hidden[i] = input * i;
    const logits = mem.alloc(Float32Array, 10);
    for (let i = 0; i < 10; i++) logits[i] = hidden[i * 25];
    mem.free(hidden);
    const extra = mem.allocate(512);
    mem.free(extra);
    return logits;
  }

  await check('plans: recorded, planned by the core in wasm, replayed with no allocation', () => {
    const plan = m.MemoryPlan.record((mem) => forward(mem, 1));
    equal(plan.tensors.length, 3);
    ok(plan.bytes >= plan.lowerBound && plan.bytes <= plan.naiveBytes);
    const pass = plan.instantiate();
    const first = pass.run((mem) => forward(mem, 2));
    const second = pass.run((mem) => forward(mem, 3));
    equal(first, second, 'the same view every run');
    equal(second[1], 75);
    throwsCode(() => pass.run((mem) => mem.alloc(Float64Array, 256)), Error, 'ERR_PLAN_MISMATCH');
    const loaded = m.MemoryPlan.fromJSON(JSON.stringify(plan));
    same(loaded.offsets, plan.offsets);
    const overlapping = { ...plan.toJSON(), offsets: plan.offsets.map(() => 0) };
    overlapping.tensors = plan.tensors.map((t) => ({ ...t, start: 0, end: 5, freed: true }));
    throwsCode(() => m.MemoryPlan.fromJSON(overlapping), TypeError, 'ERR_INVALID_ARG_VALUE');
    pass.dispose();
    same(m.memoryStats(), ZERO);
  });

  await check(
    'plans in the background: resolved after a turn, aborted before it starts',
    async () => {
      const lifetimes = [
        { size: 1024, start: 0, end: 1 },
        { size: 512, start: 1, end: 2 },
        { size: 1024, start: 2, end: 3 },
      ];
      const plan = await m.MemoryPlan.fromLifetimesAsync(lifetimes, { timeLimit: 5 });
      same(plan.offsets, m.MemoryPlan.fromLifetimes(lifetimes).offsets);
      const controller = new AbortController();
      const aborted = m.MemoryPlan.fromLifetimesAsync(lifetimes, { signal: controller.signal });
      controller.abort();
      await rejectsCode(aborted, 'ERR_ABORTED');
      await rejectsCode(
        m.MemoryPlan.fromLifetimesAsync([{ size: 1, start: 2, end: 1 }]),
        'ERR_INVALID_ARG_VALUE',
      );
    },
  );

  if (host.fixture !== undefined) {
    await check(
      'the whole fixture planned in wasm: the native addon’s plans, offset for offset',
      () => {
        for (const set of host.fixture) {
          const expected = host.expected[set.name];
          const lifetimes = set.sizes.map((size, i) => ({
            size,
            alignment: set.alignment,
            start: set.starts[i],
            end: set.ends[i],
          }));
          const plan = m.MemoryPlan.fromLifetimes(lifetimes);
          same(plan.offsets, expected.offsets, set.name);
          same([plan.bytes, plan.lowerBound, plan.naiveBytes], expected.figures, set.name);
          same(m.MemoryPlan.greedyBySize(lifetimes).bytes, expected.greedy, `${set.name} greedy`);
        }
      },
    );
  }

  // --- region memory ---------------------------------------------------------------------------

  await check(
    'an arena in a WebAssembly.Memory: views at its pointers, memory.grow followed',
    () => {
      const memory = new WebAssembly.Memory({ initial: 1, maximum: 4 });
      const arena = new m.Arena(8192, { memory, offset: 1024 });
      const a = arena.alloc(Float32Array, 4, 64);
      equal(a.buffer, memory.buffer, 'a view of the module memory');
      equal(a.byteOffset, 1024, 'its byteOffset is the pointer');
      equal(m.addressOf(a), 1024n);
      a[0] = 1.5;
      same(arena.region.grows, 0);
      memory.grow(1);
      equal(a.byteLength, 0, 'views cut before the grow are dead (the engine detached them)');
      const b = arena.alloc(Float32Array, 4);
      equal(b.buffer, memory.buffer, 'the arena cuts from the new buffer');
      equal(b.byteOffset, 1040);
      equal(arena.region.grows, 1, 'and says so');
      equal(new Float32Array(memory.buffer, 1024, 1)[0], 1.5, 'the memory is the same');
      same(m.memoryStats(), ZERO, 'the memory is the caller’s, not counted');
      throwsCode(() => arena.alloc(Uint8Array, 8192), RangeError, 'ERR_ARENA_EXHAUSTED');
      arena.dispose();
    },
  );

  await check('region arenas: nothing detached, poison on reset, scope close and dispose', () => {
    const memory = new WebAssembly.Memory({ initial: 1 });
    const arena = new m.Arena(4096, { memory, offset: 4096, poison: true });
    const kept = arena.alloc(Uint8Array, 16);
    kept.fill(1);
    const scope = arena.scope();
    const inner = arena.alloc(Uint8Array, 16);
    inner.fill(2);
    scope.close();
    equal(inner.byteLength, 16, 'a dead view stays attached');
    equal(inner[0], 0xde, 'and reads poison');
    equal(kept[0], 1, 'older views are untouched');
    let settle;
    const held = arena.hold(new Promise((resolve) => (settle = resolve)));
    throwsCode(() => arena.reset(), Error, 'ERR_BUSY');
    settle();
    return held.then(() => {
      arena.reset();
      equal(kept[0], 0xde);
      arena.alloc(Uint8Array, 8).fill(3);
      arena.dispose();
      equal(new Uint8Array(memory.buffer, 4096, 1)[0], 0xde);
      throwsCode(
        () => new m.Arena(64, { memory, growable: true }),
        TypeError,
        'ERR_INVALID_ARG_VALUE',
      );
      throwsCode(() => new m.Arena(1 << 20, { memory }), RangeError, 'ERR_OUT_OF_RANGE');
      throwsCode(() => new m.Arena(64, { memory: {} }), TypeError, 'ERR_INVALID_ARG_TYPE');
    });
  });

  await check('shared memory: views over SharedArrayBuffers, never detached, leases', () => {
    if (typeof SharedArrayBuffer !== 'function') {
      // A page that is not cross-origin isolated has none: a coded refusal.
      throwsCode(() => new m.Arena(64, { shared: true }), Error, 'ERR_INVALID_STATE');
      return;
    }
    const arena = new m.Arena(4096, { shared: true, poison: true });
    equal(arena.backing, 'shared-v8');
    const view = arena.alloc(Float32Array, 16, 64);
    ok(view.buffer instanceof SharedArrayBuffer, 'a SharedArrayBuffer');
    equal(m.addressOf(view) % 64n, 0n, 'aligned within its block');
    const clone = structuredClone(view);
    clone[3] = 7;
    equal(view[3], 7, 'a clone is the same memory');
    const lease = arena.lease();
    throwsCode(() => arena.reset(), Error, 'ERR_BUSY');
    equal(m.releaseLease(structuredClone(lease)), true);
    equal(m.releaseLease(lease), false, 'a lease releases once');
    arena.reset();
    equal(view.byteLength, 64, 'shared views stay attached');
    same([...new Uint8Array(view.buffer, view.byteOffset, 4)], [0xde, 0xde, 0xde, 0xde]);
    const pool = new m.Pool(Float64Array, 4, { shared: true });
    ok(pool.allocate().buffer instanceof SharedArrayBuffer, 'a shared pool slot');
    arena.dispose();
    pool.dispose();
  });

  await check('region arenas over an ArrayBuffer and a SharedArrayBuffer', () => {
    const buffer = new ArrayBuffer(1024);
    const arena = new m.Arena(512, { memory: buffer, offset: 512 });
    const view = arena.alloc(Uint8Array, 4);
    equal(view.buffer, buffer);
    equal(view.byteOffset, 512);
    arena.dispose();
    equal(view.byteLength, 4, "the caller's buffer is not detached");
    if (typeof SharedArrayBuffer === 'function') {
      const shared = new SharedArrayBuffer(1024);
      const sharedArena = new m.Arena(256, { memory: shared, offset: 256 });
      equal(sharedArena.alloc(Int32Array, 4).buffer, shared);
      sharedArena.dispose();
    }
  });

  await check(
    'a planned pass in a WebAssembly.Memory: one block at the offset, rebound after grow',
    () => {
      const memory = new WebAssembly.Memory({ initial: 1, maximum: 4 });
      const plan = m.MemoryPlan.record((mem) => forward(mem, 1));
      throwsCode(
        () => plan.instantiate({ memory, offset: 8 }),
        RangeError,
        'ERR_INVALID_ALIGNMENT',
      );
      const pass = plan.instantiate({ memory, offset: 8192, poison: true });
      const logits = pass.run((mem) => forward(mem, 2));
      const pointer = logits.byteOffset;
      equal(logits.buffer, memory.buffer);
      ok(pointer >= 8192 && pointer < 8192 + plan.bytes);
      memory.grow(1);
      equal(logits.byteLength, 0);
      const again = pass.run((mem) => forward(mem, 2));
      equal(again.buffer, memory.buffer, 'the views are cut again over the new buffer');
      equal(again.byteOffset, pointer, 'at the same pointers');
      equal(pass.region.grows, 1);
      equal(again[1], 50);
      pass.dispose();
      ok(Number.isNaN(again[1]), 'disposed with poison: float tensors read NaN');
    },
  );

  // --- the hostile realm (__test__/hostile/, runtime-neutral) ---------------------------------

  await check('hostile: a lying own transfer() on a scope buffer; close still detaches', () => {
    const arena = new m.Arena(1 << 16);
    const pre = arena.alloc(Uint8Array, 16);
    const scope = arena.scope();
    const v = arena.alloc(Uint8Array, 1 << 15);
    Object.defineProperty(v.buffer, 'transfer', { value: () => pre.buffer });
    Object.defineProperty(v.buffer, 'detached', { get: () => false });
    scope.close();
    equal(lengthOf(v), 0);
    equal(lengthOf(pre), 16);
    arena.dispose();
    equal(lengthOf(pre), 0);
  });

  await check(
    'hostile: a patched ArrayBuffer.prototype.transfer and structuredClone change nothing',
    () => {
      const arena = new m.Arena(1 << 16);
      const pool = new m.Pool(Float32Array, 4, { initialCapacity: 4 });
      const slot = pool.allocate();
      const other = new m.Pool(Float32Array, 4, { initialCapacity: 4 });
      const stolen = other.allocate();
      const old = arena.alloc(Uint8Array, 64);
      patched(ArrayBuffer.prototype, 'transfer', { value: () => stolen.buffer }, () =>
        patched(globalThis, 'structuredClone', { value: () => stolen.buffer }, () => {
          arena.reset();
          pool.clear();
        }),
      );
      equal(lengthOf(old), 0);
      equal(lengthOf(slot), 0);
      equal(lengthOf(stolen), 16, "the other pool's view is untouched");
      pool.allocate().fill(1);
      ok(
        stolen.every((x) => x === 0),
        'no slot shared with the other pool',
      );
      arena.dispose();
      pool.dispose();
      other.dispose();
    },
  );

  await check('hostile: a replaced ArrayBuffer cannot hand a new arena another’s buffer', () => {
    const first = new m.Arena(4096);
    const view = first.alloc(Uint8Array, 16);
    const second = patched(
      globalThis,
      'ArrayBuffer',
      { value: () => view.buffer },
      () => new m.Arena(4096),
    );
    second.alloc(Uint8Array, 16).fill(9);
    equal(view[0], 0);
    first.dispose();
    second.dispose();
  });

  await check('hostile: patched Array.prototype methods and index setters see nothing', () => {
    const seen = [];
    const pool = patched(Array.prototype, 'pop', { value: () => 0 }, () =>
      patched(Array.prototype, 'push', { value: () => 0 }, () => {
        const p = new m.Pool(Float32Array, 4, { initialCapacity: 2 });
        const a = p.allocate();
        const b = p.allocate();
        p.deallocate(a);
        p.deallocate(b);
        const first = p.allocate();
        const second = p.allocate();
        ok(first !== second, 'two allocations, two slots');
        return p;
      }),
    );
    for (const index of ['0', '1', '2', '3']) {
      Object.defineProperty(Array.prototype, index, {
        configurable: true,
        set(value) {
          seen.push(value);
        },
      });
    }
    try {
      const arena = new m.Arena(1024, { growable: true });
      arena.scoped(() => arena.alloc(Uint8Array, 2000));
      m.MemoryPlan.fromLifetimes([{ size: 8, start: 0, end: 0 }])
        .instantiate()
        .dispose();
      arena.dispose();
    } finally {
      for (const index of ['0', '1', '2', '3']) delete Array.prototype[index];
    }
    equal(seen.length, 0);
    pool.dispose();
  });

  await check('hostile: memory moved away is refused with a code, nothing changes', () => {
    const first = new m.Arena(4096);
    moveAway(first.alloc(Float32Array, 4).buffer);
    const before = first.used;
    throwsCode(() => first.alloc(Float32Array, 4), Error, 'ERR_INVALID_STATE');
    equal(first.used, before);
    first.dispose();
    const arena = new m.Arena(4096);
    const view = arena.alloc(Float32Array, 4);
    const scope = arena.scope();
    const inner = arena.alloc(Float32Array, 4);
    moveAway(view.buffer);
    const used = arena.used;
    throwsCode(() => arena.reset(), Error, 'ERR_INVALID_STATE');
    equal(arena.used, used);
    ok(!scope.closed);
    arena.dispose();
    equal(lengthOf(inner), 0);
    const pool = new m.Pool(Float32Array, 4, { initialCapacity: 2 });
    moveAway(pool.allocate().buffer);
    throwsCode(() => pool.allocate(), Error, 'ERR_INVALID_STATE');
    pool.dispose();
    same(m.memoryStats(), ZERO);
  });

  for (const [name, fn] of host.extra ?? []) await check(name, fn);

  const passed = results.filter(Boolean).length;
  const failed = results.length - passed;
  log(`\nbrowser: ${passed} passed, ${failed} failed`);
  return { passed, failed };
}
