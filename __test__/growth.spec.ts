// Growable arenas: bumpalo's growth rule, the maxCapacity limit, and figures that always add up.
import test from 'ava';

import { Arena, addressOf, memoryStats } from '../ts/index';
import { throwsCode } from './helpers';

/** The figures of an arena, which must always add up. */
function figures(arena: Arena): {
  used: number;
  available: number;
  capacity: number;
  blocks: number;
} {
  const { used, available, capacity, blocks } = arena;
  return { used, available, capacity, blocks };
}

test('a fixed arena has one block and refuses what does not fit, as before', (t) => {
  using arena = new Arena(256);
  arena.allocate(200);
  const error = throwsCode(t, () => arena.allocate(100), RangeError, 'ERR_ARENA_EXHAUSTED');
  t.is(
    error.message,
    'arena exhausted: requested 100 bytes aligned to 16, 56 of 256 bytes available',
  );
  t.deepEqual(figures(arena), { used: 200, available: 56, capacity: 256, blocks: 1 });
});

test('a full growable arena adds a block of twice the last one', (t) => {
  using arena = new Arena(256, { growable: true });
  arena.allocate(200);
  const view = arena.allocate(100);
  t.is(view.length, 100);
  // The first block's tail (56 bytes) is given up: used, until the next reset.
  t.deepEqual(figures(arena), { used: 356, available: 412, capacity: 768, blocks: 2 });
  t.is(arena.offsetOf(view), 256);
  arena.allocate(412, 1); // fills the second block exactly
  arena.allocate(1);
  t.deepEqual(figures(arena), { used: 769, available: 1023, capacity: 1792, blocks: 3 });
});

test('a request larger than twice the last block gets a block of its own size', (t) => {
  using arena = new Arena(64, { growable: true });
  arena.allocate(10);
  arena.allocate(1000);
  t.is(arena.capacity, 64 + 1000);
  // An alignment above the blocks' 64 bytes is padded in: the block holds the request wherever
  // it lands.
  const aligned = arena.allocate(5000, 4096);
  t.is(addressOf(aligned) % 4096n, 0n);
  t.is(arena.capacity, 64 + 1000 + 5000 + 4096 - 64);
});

test('live views never move when the arena grows, and keep their data', (t) => {
  using arena = new Arena(128, { growable: true });
  const views = Array.from({ length: 40 }, (_, i) => {
    const view = arena.alloc(Float64Array, 3);
    view.fill(i);
    return [view, addressOf(view)] as const;
  });
  t.true(arena.blocks > 3);
  for (const [i, [view, address]] of views.entries()) {
    t.is(addressOf(view), address);
    t.true(view.every((x) => x === i));
  }
});

test('used is capacity minus available at every step', (t) => {
  using arena = new Arena(100, { growable: true, maxCapacity: 10_000 });
  for (const size of [1, 50, 49, 3, 200, 7, 900, 0, 64, 2000]) {
    arena.allocate(size, 1 << (size % 7));
    t.is(arena.used, arena.capacity - arena.available);
  }
});

test('growth stops at maxCapacity with the figures in the error, and changes nothing', (t) => {
  using arena = new Arena(1000, { growable: true, maxCapacity: 2500 });
  arena.allocate(1000);
  arena.allocate(1000); // a block of min(2 x 1000, the 1500 bytes the limit leaves)
  const before = figures(arena);
  t.deepEqual(before, { used: 2000, available: 500, capacity: 2500, blocks: 2 });
  const error = throwsCode(t, () => arena.allocate(1000), RangeError, 'ERR_ARENA_EXHAUSTED');
  t.is(
    error.message,
    'arena exhausted: requested 1000 bytes aligned to 16, 500 of 2500 bytes available, and growing would pass maxCapacity (2500 bytes)',
  );
  t.deepEqual(figures(arena), before);
  t.is(arena.allocate(500, 1).length, 500, 'what is left still serves');
});

test('the last block is cut to what maxCapacity leaves', (t) => {
  using arena = new Arena(1000, { growable: true, maxCapacity: 1600 });
  arena.allocate(1000, 1);
  arena.allocate(100, 1);
  t.deepEqual(figures(arena), { used: 1100, available: 500, capacity: 1600, blocks: 2 });
  throwsCode(t, () => arena.allocate(501, 1), RangeError, 'ERR_ARENA_EXHAUSTED');
  t.is(arena.allocate(500, 1).length, 500);
});

test('maxCapacity needs growable, and at least the capacity', (t) => {
  const without = throwsCode(
    t,
    () => new Arena(64, { maxCapacity: 128 }),
    TypeError,
    'ERR_INVALID_ARG_VALUE',
  );
  t.is(
    without.message,
    'maxCapacity is only for a growable arena; received maxCapacity 128 without growable: true',
  );
  const below = throwsCode(
    t,
    () => new Arena(64, { growable: true, maxCapacity: 63 }),
    RangeError,
    'ERR_OUT_OF_RANGE',
  );
  t.is(below.message, 'maxCapacity must be at least the capacity (64 bytes); received 63');
  using exact = new Arena(64, { growable: true, maxCapacity: 64 });
  exact.allocate(64);
  throwsCode(t, () => exact.allocate(1), RangeError, 'ERR_ARENA_EXHAUSTED');
});

test.serial('an arena counts once in memoryStats however many blocks it has', (t) => {
  const before = memoryStats();
  const arena = new Arena(1000, { growable: true });
  arena.allocate(1000);
  arena.allocate(1000);
  const held = memoryStats();
  t.is(held.arenas, before.arenas + 1);
  t.is(held.liveBlocks, before.liveBlocks + 2);
  t.true(held.liveBytes >= before.liveBytes + 3000);
  arena.dispose();
  t.deepEqual(memoryStats(), before);
});

test('dispose frees every block and detaches every view', (t) => {
  const arena = new Arena(64, { growable: true });
  const views = [arena.allocate(60), arena.allocate(100), arena.allocate(300)];
  arena.dispose();
  for (const view of views) t.is(view.byteLength, 0);
  throwsCode(t, () => arena.blocks, Error, 'ERR_DISPOSED');
});

test('peak is the most ever claimed: a fixed arena of that capacity runs the same work', (t) => {
  const work = (arena: Arena) => {
    const a = arena.alloc(Float32Array, 100);
    {
      using scope = arena.scope();
      scope.alloc(Float64Array, 300, 64);
      scope.allocate(1000);
    }
    arena.free(arena.alloc(Uint8Array, 50));
    arena.alloc(Float32Array, 10);
    return a;
  };
  using growable = new Arena(64, { growable: true });
  t.is(growable.peak, 0);
  work(growable);
  const peak = growable.peak;
  t.true(peak > growable.used, 'the scope claimed more than is claimed now');
  growable.reset();
  t.is(growable.peak, peak, 'a reset keeps the mark');
  growable.resetPeak();
  t.is(growable.peak, 0, 'resetPeak starts it over from what is claimed now');
  work(growable);
  t.true(growable.peak <= peak, 'the retained block needs no tails: no more than before');

  using fixed = new Arena(peak);
  t.notThrows(() => work(fixed));
  t.true(fixed.peak <= peak, 'one block has no given-up tails: at most the growable figure');
  // A fixed arena's peak is exact: one byte less does not do.
  using exact = new Arena(fixed.peak);
  t.notThrows(() => work(exact));
  using smaller = new Arena(fixed.peak - 1);
  throwsCode(t, () => work(smaller), RangeError, 'ERR_ARENA_EXHAUSTED');
});
