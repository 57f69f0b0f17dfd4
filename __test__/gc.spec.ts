// Memory not freed explicitly goes when the garbage collector collects its owner. This file runs
// in its own process (ava's workerThreads: false), so the counters start at zero.
import test from 'ava';

import { Arena, alignedAlloc, alignedNew, memoryStats, Pool } from '../ts/index';
import { collect, ZERO_STATS as ZERO } from './helpers';

function churn(): number {
  let checksum = 0;
  for (let i = 0; i < 200; i++) {
    const arena = new Arena(4096);
    arena.alloc(Float32Array, 16)[0] = i;
    arena.reset();
    const pool = new Pool(Float64Array, 4, { initialCapacity: 8 });
    pool.allocate()[0] = i;
    const bytes = alignedAlloc(128, 64);
    const floats = alignedNew(Float32Array, 32, 32);
    checksum += bytes.length + floats.length + arena.capacity + pool.size;
  }
  return checksum;
}

test.serial('dropped arenas, pools and aligned buffers are freed by the GC', async (t) => {
  t.deepEqual(memoryStats(), ZERO);
  t.is(churn(), 200 * (128 + 32 + 4096 + 1), 'every object had the size asked');
  const held = memoryStats();
  t.log('held before GC', held);
  t.true(held.liveBlocks > 0, 'something was held before collection');
  await collect(8);
  t.deepEqual(memoryStats(), ZERO);
});

test.serial('a view keeps its block alive after its arena is dropped', async (t) => {
  let view: Float32Array | undefined = (() => {
    const arena = new Arena(1024);
    const floats = arena.alloc(Float32Array, 8);
    floats.fill(3);
    return floats;
  })();
  await collect();
  t.is(memoryStats().liveBlocks, 1);
  t.deepEqual([...view], [3, 3, 3, 3, 3, 3, 3, 3]);
  view = undefined; // the last reference to the block
  await collect();
  t.deepEqual(memoryStats(), ZERO);
});
