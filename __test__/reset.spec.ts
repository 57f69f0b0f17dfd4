// Reset modes (Zig's ArenaAllocator): what each keeps, and that every view from every block is
// detached whichever it is.
import test from 'ava';

import { Arena, addressOf, memoryStats } from '../ts/index';
import { throwsCode } from './helpers';

/** A growable arena of three blocks (1 KiB, 2 KiB, 4 KiB) with a view in each. */
function grown(): { arena: Arena; views: Uint8Array[] } {
  const arena = new Arena(1024, { growable: true });
  const views = [arena.allocate(1024), arena.allocate(2048), arena.allocate(4096)];
  return { arena, views };
}

test('retain on one block keeps the same memory and addresses, and detaches every view', (t) => {
  using arena = new Arena(8192);
  const before = [arena.allocate(1024), arena.allocate(2048)];
  const addresses = before.map((view) => addressOf(view));
  arena.reset();
  for (const view of before) t.is(view.byteLength, 0);
  t.deepEqual([arena.used, arena.capacity, arena.blocks], [0, 8192, 1]);
  const after = [arena.allocate(1024), arena.allocate(2048)];
  t.deepEqual(
    after.map((view) => addressOf(view)),
    addresses,
  );
});

test('retain after growth keeps the capacity in one block, so the next cycle needs no growth', (t) => {
  const { arena, views } = grown();
  t.deepEqual([arena.capacity, arena.blocks], [7168, 3]);
  arena.reset('retain');
  for (const view of views) t.is(view.byteLength, 0, 'detached, from every block');
  t.deepEqual([arena.used, arena.capacity, arena.blocks], [0, 7168, 1]);
  // The same work again fits in the merged block.
  arena.allocate(1024);
  arena.allocate(2048);
  arena.allocate(4096);
  t.deepEqual([arena.capacity, arena.blocks], [7168, 1]);
  arena.dispose();
});

test.serial('release goes back to one block of the initial capacity and frees the rest', (t) => {
  const baseline = memoryStats();
  const { arena, views } = grown();
  const held = memoryStats().liveBytes;
  arena.reset('release');
  for (const view of views) t.is(view.byteLength, 0);
  t.deepEqual([arena.used, arena.capacity, arena.blocks], [0, 1024, 1]);
  t.true(memoryStats().liveBytes < held - 6000, 'the grown blocks are freed');
  t.is(memoryStats().liveBlocks, baseline.liveBlocks + 1);
  // Released after a retain that merged: back to a fresh block of the initial size.
  arena.allocate(1024);
  arena.allocate(1024);
  arena.reset('retain');
  t.is(arena.capacity, 1024 + 2048);
  arena.reset('release');
  t.deepEqual([arena.capacity, arena.blocks], [1024, 1]);
  arena.dispose();
  t.deepEqual(memoryStats(), baseline);
});

test('retainLimit keeps at most max(limit, initial capacity) bytes', (t) => {
  const cases: [number, number][] = [
    [0, 1024], // below the initial capacity: the initial capacity
    [1024, 1024],
    [3000, 3000], // between: the limit
    [7168, 7168], // the whole capacity: as retain
    [1 << 20, 7168], // above it: no more than there is
  ];
  for (const [limit, kept] of cases) {
    const { arena, views } = grown();
    arena.reset({ retainLimit: limit });
    t.deepEqual([arena.capacity, arena.blocks, arena.used], [kept, 1, 0], `retainLimit ${limit}`);
    for (const view of views) t.is(view.byteLength, 0, `retainLimit ${limit}: detached`);
    t.is(arena.allocate(kept).length, kept, `retainLimit ${limit}: the kept block serves`);
    arena.dispose();
  }
});

test('an unknown mode is a TypeError and changes nothing', (t) => {
  using arena = new Arena(1024, { growable: true });
  const view = arena.allocate(100);
  view[0] = 7;
  for (const mode of ['Retain', 'free_all', '', {}, { limit: 5 }, null, 3, [], () => 'retain']) {
    const error = throwsCode(
      t,
      () => arena.reset(mode as never),
      TypeError,
      'ERR_INVALID_ARG_VALUE',
    );
    t.regex(error.message, /mode must be 'retain', 'release' or \{ retainLimit: bytes \}/);
  }
  throwsCode(t, () => arena.reset({ retainLimit: -1 }), RangeError, 'ERR_OUT_OF_RANGE');
  throwsCode(t, () => arena.reset({ retainLimit: 0.5 }), RangeError, 'ERR_OUT_OF_RANGE');
  t.is(arena.used, 100);
  t.is(view[0], 7, 'the view is still attached');
});

test('reset closes every open scope', (t) => {
  using arena = new Arena(1024);
  const outer = arena.scope();
  arena.allocate(10);
  const inner = arena.scope();
  const view = arena.allocate(10);
  arena.reset('release');
  t.true(outer.closed && inner.closed);
  t.is(view.byteLength, 0);
  t.notThrows(() => outer.close(), 'closing a closed scope does nothing');
  t.is(arena.used, 0);
});
