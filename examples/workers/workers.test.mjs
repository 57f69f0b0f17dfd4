// The workers example's checks, on the backing LIGHTWATCH_MEMORY_BACKING names (`npm test` runs
// this file once per backing): the piscina GEMM and the Atomics team give the bits of a single
// thread, over shared views that the workers write in place; leases keep a reset or a replay from
// reusing memory a worker is still writing; nothing is left behind once everything is disposed.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { Arena, alignedDelete, alignedNew, MemoryPlan, memoryStats } from '@lightwatch/memory';

import { GemmTeam } from './atomics-team.mjs';
import { fillSeeded, gemmRows, sameBits } from './gemm.mjs';
import { createGemmPool, gemmOnPool } from './piscina-gemm.mjs';

const THREADS = 2;
/** Shapes with a remainder, fewer rows than threads, a single column. */
const SHAPES = [
  [64, 64, 64],
  [37, 19, 23],
  [1, 8, 5],
  [130, 3, 1],
];

/** The backing shared memory has here: the core's where the runtime makes external SABs. */
function expectedBacking() {
  if (process.env.LIGHTWATCH_MEMORY_BACKING === 'v8') return 'shared-v8';
  if (process.versions.bun !== undefined) return 'shared-native';
  const [major, minor] = process.versions.node.split('.').map(Number);
  const external =
    major >= 27 ||
    (major === 26 && minor >= 1) ||
    (major === 24 && minor >= 16) ||
    (major === 22 && minor >= 23);
  return external ? 'shared-native' : 'shared-v8';
}

async function collect() {
  for (let round = 0; round < 4; round++) {
    globalThis.gc();
    // Node runs N-API finalizers from the event loop: yield to it.
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** memoryStats() once the collector has run, polled until it equals `baseline` (or 2 s pass). */
async function statsBackTo(baseline) {
  let stats;
  for (let round = 0; round < 100; round++) {
    await collect();
    stats = memoryStats();
    if (JSON.stringify(stats) === JSON.stringify(baseline)) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return stats;
}

/** What a single thread computes, in a plain Float32Array. */
function reference(a, b, m, k, n) {
  const c = new Float32Array(m * n);
  gemmRows(a, b, c, k, n, 0, m);
  return c;
}

function busy(error) {
  assert.equal(error.code, 'ERR_BUSY');
  assert.match(error.message, /lease/);
  return true;
}

let baseline;
let pool;

before(async () => {
  await collect();
  baseline = memoryStats();
  pool = createGemmPool(THREADS);
});

after(async () => {
  if (pool !== null) await pool.destroy();
});

test('shared views: SharedArrayBuffers of the backing this runtime has', () => {
  const arena = new Arena(4096, { shared: true });
  const weights = alignedNew(Float32Array, 64, 64, { shared: true });
  const pass = MemoryPlan.record((mem) => mem.alloc(Float32Array, 16, 64)).instantiate({
    shared: true,
  });
  assert.equal(arena.backing, expectedBacking());
  for (const view of [arena.alloc(Float32Array, 16), weights, pass.views[0]]) {
    assert.ok(view.buffer instanceof SharedArrayBuffer);
  }
  pass.dispose();
  alignedDelete(weights);
  arena.dispose();
});

test('piscina: a GEMM split by rows has the bits of one thread, written in place', async () => {
  for (const [m, k, n] of SHAPES) {
    const b = fillSeeded(alignedNew(Float32Array, k * n, 64, { shared: true }), 2);
    const plan = MemoryPlan.record((mem) => {
      mem.alloc(Float32Array, m * k, 64);
      mem.alloc(Float32Array, m * n, 64);
    });
    const pass = plan.instantiate({ shared: true });
    const [a, c] = pass.views;
    fillSeeded(a, 1);
    // NaN, not 0: a row no worker wrote cannot pass for one that was.
    c.fill(Number.NaN);
    const answers = await gemmOnPool(pool, pass, { a, b, c, m, k, n });
    // The tasks return a boolean each: the product reached this thread through the memory.
    assert.deepEqual(answers, Array(Math.min(THREADS, m)).fill(true), 'each worker released');
    assert.ok(sameBits(c, reference(a, b, m, k, n)), `${m}x${k}x${n}: the same bits`);
    pass.dispose();
    alignedDelete(b);
  }
});

test('piscina: the leases refuse a replay or a reset during the work, then allow them', async () => {
  // Large enough that the workers cannot be done before the checks below run (tens of ms
  // against a fraction of one): the release is theirs, so a small job would race the checks.
  const [m, k, n] = [512, 256, 256];
  const b = fillSeeded(alignedNew(Float32Array, k * n, 64, { shared: true }), 3);
  const tensors = (mem) => [mem.alloc(Float32Array, m * k, 64), mem.alloc(Float32Array, m * n, 64)];
  const pass = MemoryPlan.record(tensors).instantiate({ shared: true });
  const [a, c] = pass.views;
  fillSeeded(a, 4);
  const work = gemmOnPool(pool, pass, { a, b, c, m, k, n });
  assert.throws(() => pass.run(tensors), busy, 'a replay while the workers write');
  assert.throws(() => pass.dispose(), busy, 'a dispose while the workers write');
  await work;
  assert.ok(sameBits(c, reference(a, b, m, k, n)));
  assert.deepEqual(pass.run(tensors), [a, c], 'the replay, once the workers are done');

  const arena = new Arena(1 << 20, { shared: true });
  const input = fillSeeded(arena.alloc(Float32Array, m * k, 64), 4);
  const output = arena.alloc(Float32Array, m * n, 64);
  const arenaWork = gemmOnPool(pool, arena, { a: input, b, c: output, m, k, n });
  assert.throws(() => arena.reset(), busy, 'a reset while the workers write');
  await arenaWork;
  assert.ok(sameBits(output, c), 'the same product from arena memory');
  arena.reset();
  arena.dispose();
  pass.dispose();
  alignedDelete(b);
});

test('Atomics team: the bits of one thread; a lease from dispatch to wait', async () => {
  const arena = new Arena(1 << 16, { shared: true });
  const weights = [];
  for (const [k, n] of SHAPES.map(([, k, n]) => [k, n])) {
    weights.push(fillSeeded(alignedNew(Float32Array, k * n, 64, { shared: true }), k + n));
  }
  const team = await GemmTeam.start({
    threads: THREADS,
    buffers: [arena.allocate(0).buffer, ...weights.map((b) => b.buffer)],
  });
  try {
    for (const [index, [m, k, n]] of SHAPES.entries()) {
      // Every job cuts its views again after a reset: the same buffer, bound once.
      arena.reset();
      const a = fillSeeded(arena.alloc(Float32Array, m * k, 64), index + 1);
      const c = arena.alloc(Float32Array, m * n, 64).fill(Number.NaN);
      const b = weights[index];
      team.dispatch({ a, b, c, m, k, n }, arena);
      assert.throws(() => arena.reset(), busy, 'a reset while the workers write');
      team.wait();
      assert.ok(sameBits(c, reference(a, b, m, k, n)), `${m}x${k}x${n}: the same bits`);
      // Synchronously, many times: the generation moves on, the workers keep up.
      for (let round = 0; round < 50; round++) team.gemm({ a, b, c, m, k, n }, arena);
      assert.ok(sameBits(c, reference(a, b, m, k, n)));
    }
    arena.reset();
  } finally {
    await team.close();
  }
  assert.throws(() => team.gemm({}), /closed/);
  arena.dispose();
  for (const b of weights) alignedDelete(b);
});

test('Atomics team: views over a buffer it was not given are refused, and nothing starts', async () => {
  const bound = alignedNew(Float32Array, 16, 64, { shared: true });
  const other = alignedNew(Float32Array, 16, 64, { shared: true });
  const team = await GemmTeam.start({ threads: THREADS, buffers: [bound.buffer] });
  try {
    assert.throws(
      () => team.gemm({ a: bound, b: other, c: bound, m: 4, k: 4, n: 4 }),
      /b is not over a buffer bound to the team/,
    );
    assert.throws(
      () => team.gemm({ a: new Float32Array(16), b: bound, c: bound, m: 4, k: 4, n: 4 }),
      /a must be a Float32Array over a SharedArrayBuffer/,
    );
    assert.throws(() => team.wait(), /no job is in flight/);
  } finally {
    await team.close();
  }
  alignedDelete(bound);
  alignedDelete(other);
});

test('the message baseline gives the same bits', async () => {
  const [m, k, n] = [64, 64, 64];
  const b = fillSeeded(alignedNew(Float32Array, k * n, 64, { shared: true }), 5);
  const arena = new Arena(1 << 16, { shared: true });
  const a = fillSeeded(arena.alloc(Float32Array, m * k, 64), 6);
  const c = arena.alloc(Float32Array, m * n, 64).fill(Number.NaN);
  const team = await GemmTeam.start({
    threads: THREADS,
    buffers: [a.buffer, b.buffer],
    mode: 'message',
  });
  try {
    const work = team.gemmByMessage({ a, b, c, m, k, n }, arena);
    assert.throws(() => arena.reset(), busy);
    await work;
    assert.ok(sameBits(c, reference(a, b, m, k, n)));
  } finally {
    await team.close();
  }
  arena.reset();
  arena.dispose();
  alignedDelete(b);
});

test('nothing leaks: every counter back to its baseline once all is disposed', async () => {
  // A worker's views go with its heap: until its collector runs it may hold the last task's.
  await pool.destroy();
  pool = null;
  const stats = await statsBackTo(baseline);
  assert.deepEqual(stats, baseline);
});
