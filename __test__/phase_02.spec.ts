// The required tests of the phase-02 spec (docs/design.md, "The upstream spec"), on the npm
// package: `npx ava --match '*phase_02*'`.
import test from 'ava';

import { Arena, addressOf, alignedAlloc, alignedFree, Pool } from '../ts/index';

test('test_phase_02_arena_basic', (t) => {
  using arena = new Arena(8192);
  const kib1 = arena.allocate(1024);
  const kib2 = arena.allocate(2048);
  const kib4 = arena.allocate(4096);
  t.deepEqual(
    [kib1, kib2, kib4].map((view) => arena.offsetOf(view)),
    [0, 1024, 3072],
  );
  t.deepEqual([kib1.length, kib2.length, kib4.length], [1024, 2048, 4096]);
  t.is(arena.used, 7168);
});

test('test_phase_02_arena_reset', (t) => {
  using arena = new Arena(8192);
  const before = [arena.allocate(1024), arena.allocate(2048)].map((view) => addressOf(view));
  arena.reset();
  t.is(arena.used, 0);
  const after = [arena.allocate(1024), arena.allocate(2048)].map((view) => addressOf(view));
  t.deepEqual(after, before);
});

test('test_phase_02_pool_alloc_dealloc', (t) => {
  using pool = new Pool(Float32Array, 16, { initialCapacity: 128 });
  const slots = Array.from({ length: 100 }, () => pool.allocate());
  t.is(pool.size, 100);
  const freed = slots.slice(0, 50);
  const freedAddresses = new Set(freed.map((view) => addressOf(view)));
  for (const view of freed) pool.deallocate(view);
  t.is(pool.size, 50);
  const again = Array.from({ length: 50 }, () => pool.allocate());
  t.is(pool.size, 100);
  t.is(pool.capacity, 128);
  t.true(
    again.every((view) => freedAddresses.has(addressOf(view))),
    'the 50 reuse the freed slots',
  );
});

test('test_phase_02_aligned_64', (t) => {
  const view = alignedAlloc(1024, 64);
  t.is(view.length, 1024);
  t.is(addressOf(view) % 64n, 0n);
  alignedFree(view);
});

test('test_phase_02_aligned_avx', (t) => {
  const view = alignedAlloc(256, 32);
  t.is(view.length, 256);
  t.is(addressOf(view) % 32n, 0n);
  alignedFree(view);
});
