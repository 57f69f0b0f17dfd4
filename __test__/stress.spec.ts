// GC stress: 100,000 arenas, pools and aligned buffers created and dropped without dispose.
// Finalizers only run when the event loop turns (docs/design.md), so the loop yields now and then;
// afterwards every byte must be back and RSS must have stayed bounded.
import test from 'ava';

import { Arena, alignedAlloc, alignedNew, memoryStats, Pool } from '../ts/index';
import { collect } from './helpers';

const ROUNDS = 100_000;
const BATCH = 5000;
const MiB = 1024 * 1024;

/**
 * Creates and drops `count` objects. A function of its own, not the async test's body: an async
 * function keeps its locals alive across `await`, which would hold on to the last objects made.
 */
function churn(first: number, count: number): number {
  let checksum = 0;
  for (let i = first; i < first + count; i++) {
    switch (i % 4) {
      case 0: {
        const arena = new Arena(1024);
        checksum += arena.alloc(Float32Array, 16).length;
        break;
      }
      case 1: {
        const pool = new Pool(Float32Array, 16, { initialCapacity: 16 });
        checksum += pool.allocate().length;
        break;
      }
      case 2:
        checksum += alignedAlloc(256, 64).length;
        break;
      default:
        checksum += alignedNew(Float64Array, 32, 32).length;
    }
  }
  return checksum;
}

test.serial('100,000 objects dropped without dispose: memory returns to baseline', async (t) => {
  await collect();
  const baseline = memoryStats();
  const rssBefore = process.memoryUsage().rss;
  let peakRss = rssBefore;
  let peakLive = 0;
  let checksum = 0;
  for (let first = 0; first < ROUNDS; first += BATCH) {
    checksum += churn(first, BATCH);
    peakLive = Math.max(peakLive, memoryStats().liveBytes);
    await collect(1);
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }
  await collect(10);
  const after = memoryStats();
  const rssGrowth = (peakRss - rssBefore) / MiB;
  const summary = `GC stress: ${ROUNDS} objects, peak liveBytes ${(peakLive / MiB).toFixed(1)} MiB, peak RSS growth ${rssGrowth.toFixed(1)} MiB, liveBytes after GC ${after.liveBytes}`;
  t.log(summary);
  console.log(summary);
  t.is(checksum, (ROUNDS / 4) * (16 + 16 + 256 + 32), 'every object had the size asked');
  t.deepEqual(after, baseline);
  t.true(rssGrowth < 256, `RSS grew by ${rssGrowth.toFixed(1)} MiB`);
});
