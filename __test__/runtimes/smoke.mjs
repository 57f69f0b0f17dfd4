// The public API on any JavaScript runtime that loads Node-API addons: Node, Bun, Deno. Plain
// node:assert and no test framework, so it runs the same everywhere (ava needs Node). It imports
// '@lightwatch/memory' (its ES module entry, over the compiled dist/) as an application does:
// scripts/runtimes/smoke-app.mjs lays out such an application around these files.
//
//   node --expose-gc smoke.mjs            (in an application that has the package installed)
//   bun smoke.mjs
//   deno run --allow-read --allow-env --allow-ffi --v8-flags=--expose-gc smoke.mjs
//
// `scripts/runtimes.mjs smoke` runs it on each runtime under both backings. Where the runtimes
// differ (transfers, external-memory reports), the expected behaviour is pinned per runtime in
// `edges.mjs` beside this file. The last line is "smoke: N passed, N failed".

import assert from 'node:assert/strict';

import {
  Arena,
  addressOf,
  alignedAlloc,
  alignedDelete,
  alignedNew,
  memoryBacking,
  memoryStats,
  Pool,
  releaseLease,
} from '@lightwatch/memory';
import { expectedEdges, runtime } from './edges.mjs';

/** Every counter of memoryStats() at zero (its own keys: the list is the package's). */
const ZERO = Object.fromEntries(Object.keys(memoryStats()).map((key) => [key, 0]));
const FORCED_V8 = process.env.LIGHTWATCH_MEMORY_BACKING === 'v8';
const results = [];

/** Runs the garbage collector as this runtime allows, and lets finalizers run. */
/**
 * Overwrites the stack below the caller's frame. Bun's collector (JavaScriptCore) scans the
 * stack conservatively: a stale pointer left there by a finished call can keep an object alive
 * for a few more collections.
 */
function scrubStack(depth = 2000) {
  const slots = [depth, depth + 1, depth + 2, depth + 3, depth + 4, depth + 5, depth + 6];
  return depth > 0 ? scrubStack(depth - 1) + slots.length : 0;
}

/**
 * Collects until `done()` holds, for at most `rounds` collections. Bun, after other objects had
 * come and gone in the same process, kept one block of 50 undisposed ones for 4 collections more
 * than Node (in about one run in eight): its collector is conservative and runs finalizers in its
 * own time, so "freed by the GC" means "within a few collections".
 */
async function collectUntil(done, rounds = 30) {
  for (let i = 0; i < rounds && !done(); i++) await collect(1);
}

async function collect(rounds = 6) {
  for (let i = 0; i < rounds; i++) {
    await new Promise((resolve) => setTimeout(resolve, 0));
    scrubStack();
    if (globalThis.Bun) globalThis.Bun.gc(true);
    else if (typeof globalThis.gc === 'function') globalThis.gc();
    else throw new Error('no way to force a collection: run Node and Deno with --expose-gc');
  }
  await new Promise((resolve) => setTimeout(resolve, 0));
}

function throwsCode(fn, type, code) {
  assert.throws(fn, (error) => {
    assert.ok(error instanceof type, `expected a ${type.name}, got ${error}`);
    assert.equal(error.code, code, error.message);
    return true;
  });
}

async function check(name, fn) {
  try {
    await fn();
    results.push(true);
    console.log(`ok    ${name}`);
  } catch (error) {
    results.push(false);
    console.log(
      `FAIL  ${name}\n      ${String(error?.stack ?? error).replaceAll('\n', '\n      ')}`,
    );
  }
}

const edges = expectedEdges(runtime(), FORCED_V8 ? 'v8' : 'native');
console.log(`# ${runtime().name} ${runtime().version}, ${FORCED_V8 ? 'v8' : 'native'} backing`);

await check('the addon loads, on the backing the environment asks for', () => {
  const arena = new Arena(64);
  assert.equal(arena.capacity, 64);
  assert.equal(memoryBacking(), FORCED_V8 ? 'v8' : 'native');
  arena.dispose();
});

await check('arena: aligned views, zeroed fresh memory, exhaustion is a coded error', () => {
  // Plain `const` and dispose(), not `using`: Node 20 and 22 cannot parse `using`.
  const arena = new Arena(4096);
  for (const alignment of [1, 16, 64, 256]) {
    const view = arena.allocate(10, alignment);
    assert.equal(addressOf(view) % BigInt(alignment), 0n, `alignment ${alignment}`);
    assert.ok(view.every((x) => x === 0));
  }
  const floats = arena.alloc(Float64Array, 8);
  assert.equal(addressOf(floats) % 16n, 0n);
  const used = arena.used;
  throwsCode(() => arena.allocate(1 << 20), RangeError, 'ERR_ARENA_EXHAUSTED');
  assert.equal(arena.used, used, 'a thrown error changes nothing');
  arena.dispose();
});

await check('arena: reset detaches old views and hands out the same addresses', () => {
  const arena = new Arena(1024);
  const first = arena.alloc(Float32Array, 16);
  first.fill(7);
  const address = addressOf(first);
  arena.reset();
  assert.equal(first.byteLength, 0, 'the old view is detached');
  assert.equal(arena.used, 0);
  const again = arena.alloc(Float32Array, 16);
  assert.equal(addressOf(again), address);
  assert.equal(again[0], 7, 'reused memory keeps what was written');
  arena.dispose();
});

await check('pool: slots recycle; double frees and foreign views are coded errors', () => {
  const pool = new Pool(Float32Array, 16, { initialCapacity: 2 });
  const a = pool.allocate();
  const b = pool.allocate();
  const c = pool.allocate(); // grows by a chunk
  assert.equal(pool.size, 3);
  assert.ok(pool.capacity >= 4);
  pool.deallocate(b);
  throwsCode(() => pool.deallocate(b), Error, 'ERR_DOUBLE_FREE');
  throwsCode(() => pool.deallocate(new Float32Array(16)), Error, 'ERR_FOREIGN_VIEW');
  assert.equal(pool.size, 2, 'the refused frees changed nothing');
  assert.equal(addressOf(pool.allocate()), addressOf(b.subarray(0)), 'the freed slot is reused');
  pool.clear();
  assert.equal(a.byteLength + c.byteLength, 0, 'clear detaches every slot handed out');
  pool.dispose();
});

await check(
  'aligned: every power of two up to 4096, zeroed; free detaches, twice is an error',
  () => {
    for (const alignment of [16, 32, 64, 4096]) {
      const bytes = alignedAlloc(1000, alignment);
      assert.equal(addressOf(bytes) % BigInt(alignment), 0n, `alignment ${alignment}`);
      assert.ok(bytes.every((x) => x === 0));
      alignedDelete(bytes);
      assert.equal(bytes.byteLength, 0);
    }
    const floats = alignedNew(Float32Array, 64, 64);
    alignedDelete(floats);
    throwsCode(() => alignedDelete(floats), Error, 'ERR_DOUBLE_FREE');
  },
);

await check('dispose frees at once and detaches; later use is ERR_DISPOSED', () => {
  const before = memoryStats();
  const arena = new Arena(4096);
  const view = arena.alloc(Uint8Array, 8);
  const pool = new Pool(Float64Array, 4);
  pool.allocate();
  assert.equal(memoryStats().liveBlocks, before.liveBlocks + 2);
  arena.dispose();
  arena.dispose(); // a second call does nothing
  pool[Symbol.dispose]();
  assert.equal(view.byteLength, 0);
  throwsCode(() => arena.alloc(Uint8Array, 1), Error, 'ERR_DISPOSED');
  throwsCode(() => pool.allocate(), Error, 'ERR_DISPOSED');
  assert.deepEqual(memoryStats(), before);
});

await check('what is not disposed goes with the garbage collector', async () => {
  await collect();
  assert.deepEqual(memoryStats(), ZERO, 'everything before was disposed');
  // In a turn of its own, so that no frame of it is left on the stack (see `scrubStack`).
  await new Promise((resolve) =>
    setTimeout(() => {
      for (let i = 0; i < 50; i++) {
        new Arena(4096).alloc(Float32Array, 4)[0] = i;
        new Pool(Float64Array, 4, { initialCapacity: 4 }).allocate()[0] = i;
        alignedNew(Float32Array, 32, 64)[0] = i;
      }
      resolve();
    }, 0),
  );
  assert.ok(memoryStats().liveBlocks > 0);
  await collectUntil(() => memoryStats().liveBlocks === 0);
  assert.deepEqual(memoryStats(), ZERO);
});

await check(
  `transfer: ${edges.transfer} on ${edges.name}; dispose finishes either way`,
  async () => {
    await collect();
    const arena = new Arena(1024);
    const view = arena.alloc(Float32Array, 4);
    view[0] = 9;
    const { byteOffset } = view;
    const address = addressOf(view.buffer);
    let received;
    try {
      received = structuredClone(view.buffer, { transfer: [view.buffer] });
    } catch (error) {
      assert.equal(error.name, 'DataCloneError');
    }
    const outcome = received === undefined ? 'refused' : view.byteLength === 0 ? 'moved' : 'copied';
    assert.equal(outcome, edges.transfer);
    if (outcome === 'moved') {
      assert.equal(addressOf(received), address, 'the memory itself moved');
      throwsCode(() => arena.reset(), Error, 'ERR_INVALID_STATE');
    } else {
      assert.equal(view[0], 9, 'the arena kept its memory');
      arena.reset();
    }
    arena.dispose();
    throwsCode(() => arena.used, Error, 'ERR_DISPOSED');
    if (outcome === 'moved') {
      await collect();
      // Dispose gave the block up: the receiver still reads the memory, which goes with it.
      assert.equal(new Float32Array(received, byteOffset, 1)[0], 9);
      assert.equal(memoryStats().liveBlocks, edges.movedStaysCounted ? 1 : 0);
    }
    received = undefined;
    await collect();
    assert.deepEqual(memoryStats(), ZERO, 'the memory went with the receiver');
  },
);

await check(
  `external memory reports: ${edges.externalOnDispose} on dispose on ${edges.name}`,
  async () => {
    await collect();
    const size = 64 << 20;
    const arena = new Arena(size);
    const before = process.memoryUsage().external;
    arena.dispose();
    const drop = before - process.memoryUsage().external;
    if (edges.externalOnDispose === 'falls') {
      assert.ok(drop >= size * 0.99, `external memory fell by ${drop} bytes, not ${size}`);
    } else {
      assert.ok(Math.abs(drop) < size / 64, `external memory moved by ${drop} bytes`);
    }
    // The package's own counters are exact on every runtime.
    assert.deepEqual(memoryStats(), ZERO);
  },
);

await check(
  `shared memory: ${edges.sharedBacking}, never detached, leases block reset`,
  async () => {
    // In a function of its own: nothing here may stay reachable for the collection below.
    (() => {
      const arena = new Arena(4096, { shared: true, poison: true });
      assert.equal(arena.backing, edges.sharedBacking);
      const view = arena.alloc(Float32Array, 16, 64);
      assert.ok(view.buffer instanceof SharedArrayBuffer);
      assert.equal(Number(addressOf(view) % 64n), 0);
      // A clone of a view over shared memory is the same memory (as a worker receives it).
      const clone = structuredClone(view);
      clone[3] = 7;
      assert.equal(view[3], 7);
      const lease = arena.lease();
      throwsCode(() => arena.reset(), Error, 'ERR_BUSY');
      assert.equal(releaseLease(structuredClone(lease)), true);
      assert.equal(releaseLease(lease), false, 'a lease releases once');
      arena.reset();
      assert.equal(view.byteLength, 64, 'shared views stay attached');
      const bytes = new Uint8Array(view.buffer, view.byteOffset, 4);
      assert.deepEqual([...bytes], [0xde, 0xde, 0xde, 0xde], 'memory given back is poisoned');
      const pool = new Pool(Float64Array, 4, { shared: true });
      assert.ok(pool.allocate().buffer instanceof SharedArrayBuffer);
      const aligned = alignedNew(Uint8Array, 100, 128, { shared: true });
      assert.equal(Number(addressOf(aligned) % 128n), 0);
      assert.ok(memoryStats().sharedBlocks >= 2);
      arena.dispose();
      pool.dispose();
      alignedDelete(aligned);
    })();
    // Shared memory is freed once no thread can reach it: here, by the collector.
    await collectUntil(() => memoryStats().sharedBlocks === 0);
    assert.deepEqual(memoryStats(), ZERO);
  },
);

const passed = results.filter(Boolean).length;
console.log(`\nsmoke: ${passed} passed, ${results.length - passed} failed`);
process.exitCode = passed === results.length ? 0 : 1;
