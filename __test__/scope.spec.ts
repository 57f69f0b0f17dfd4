// Scopes: closing one rewinds the arena to where it opened and detaches exactly the views cut
// since, on both backings (windows over native blocks, shadows for V8-owned ones).
import test from 'ava';

import { Arena, addressOf, memoryBacking, memoryStats } from '../ts/index';
import { throwsCode } from './helpers';

test('closing a scope rewinds used and detaches only the views cut since it opened', (t) => {
  using arena = new Arena(4096);
  const before = arena.alloc(Float32Array, 16);
  before.fill(1);
  const used = arena.used;
  const scope = arena.scope();
  t.false(scope.closed);
  const inside = [arena.alloc(Float32Array, 64), arena.allocate(100, 64)];
  t.true(arena.used > used);
  scope.close();
  t.true(scope.closed);
  t.is(arena.used, used);
  for (const view of inside) t.is(view.byteLength, 0, 'a view of the scope is detached');
  t.is(before.length, 16, 'a view from before is still attached');
  t.true(before.every((x) => x === 1));
  // The arena goes on from the mark.
  const next = arena.alloc(Float32Array, 4);
  t.is(arena.offsetOf(next), used);
});

test('scope views are aligned, distinct from older views, and found by offsetOf', (t) => {
  // Room for the 64 KiB of padding an alignment of 65536 may need, wherever the block is.
  using arena = new Arena(1 << 18);
  const older = arena.allocate(40, 1);
  using _scope = arena.scope();
  for (let alignment = 1; alignment <= 65536; alignment *= 4) {
    const view = arena.allocate(24, alignment);
    t.is(addressOf(view) % BigInt(alignment), 0n, `alignment ${alignment}`);
    t.true(view.buffer !== older.buffer, 'a scope cuts from a buffer of its own');
    t.is(arena.offsetOf(view) + 24, arena.used, 'offsetOf is the logical offset');
  }
});

test('scopes nest: closing one closes those opened after it; a second close does nothing', (t) => {
  using arena = new Arena(4096);
  const outer = arena.scope();
  const a = arena.allocate(10);
  const middle = arena.scope();
  const b = arena.allocate(10);
  const inner = arena.scope();
  const c = arena.allocate(10);
  inner.close();
  t.is(c.byteLength, 0);
  t.is(b.byteLength, 10);
  const d = arena.allocate(10);
  outer.close();
  t.true(middle.closed, 'closing the outer scope closed the middle one');
  for (const view of [a, b, d]) t.is(view.byteLength, 0);
  t.is(arena.used, 0);
  t.notThrows(() => middle.close());
  t.notThrows(() => outer.close());
  t.is(arena.used, 0);
});

test('using closes the scope at the end of the block', (t) => {
  using arena = new Arena(1024);
  let view: Uint8Array;
  {
    using _scope = arena.scope();
    view = arena.allocate(32);
    t.is(view.byteLength, 32);
  }
  t.is(view.byteLength, 0);
  t.is(arena.used, 0);
});

test('scoped closes the scope when the function returns or throws, and passes its result', (t) => {
  using arena = new Arena(1024);
  let kept: Uint8Array | undefined;
  const result = arena.scoped((a) => {
    kept = a.allocate(16);
    return 42;
  });
  t.is(result, 42);
  t.is(kept?.byteLength, 0);
  const error = t.throws(() =>
    arena.scoped((a) => {
      kept = a.allocate(16);
      throw new Error('layer failed');
    }),
  );
  t.is(error?.message, 'layer failed');
  t.is(kept?.byteLength, 0);
  t.is(arena.used, 0);
});

test('scoped keeps an async scope open across await, and closes it when the promise settles', async (t) => {
  using arena = new Arena(1024);
  let view: Uint8Array | undefined;
  const pending = arena.scoped(async (a) => {
    view = a.allocate(64);
    await new Promise((resolve) => setTimeout(resolve, 5));
    t.is(view.byteLength, 64, 'still open after an await');
    return 'done';
  });
  t.is(view?.byteLength, 64, 'open while the promise is pending');
  t.is(await pending, 'done');
  t.is(view?.byteLength, 0);
  await t.throwsAsync(
    arena.scoped(async (a) => {
      view = a.allocate(64);
      await Promise.resolve();
      throw new Error('async layer failed');
    }),
    { message: 'async layer failed' },
  );
  t.is(view?.byteLength, 0);
  t.is(arena.used, 0);
});

test('a second async task opening a scope in the same arena is refused: give each task its own', async (t) => {
  // Scopes nest by the order they open, per arena: had B's scope opened inside A's, A's close
  // would have ended B's while B still ran (it used to: B's views went to length 0, B read NaN).
  using arena = new Arena(4096);
  let release: () => void = () => {};
  const b = new Promise<void>((resolve) => {
    release = resolve;
  });
  let nested = 0;
  const taskA = arena.scoped(async (x) => {
    x.allocate(16);
    await Promise.resolve();
    // Nested scopes of A's own task are fine, before and after an await.
    x.scoped(async (inner) => {
      inner.allocate(16);
      await Promise.resolve();
      nested = inner.allocate(16).byteLength;
    });
    await b;
  });
  const error = throwsCode(
    t,
    () => arena.scoped(async (x) => x.allocate(16)),
    Error,
    'ERR_INVALID_STATE',
  );
  t.regex(error.message, /another async task/);
  throwsCode(t, () => arena.scope(), Error, 'ERR_INVALID_STATE');
  release();
  await taskA;
  t.is(nested, 16);
  // With its own arena, task B runs beside A as it should.
  using other = new Arena(4096);
  const [x, y] = await Promise.all([
    arena.scoped(async (a) => {
      const view = a.allocate(16);
      await new Promise((resolve) => setTimeout(resolve, 5));
      return view.byteLength;
    }),
    other.scoped(async (a) => {
      const view = a.allocate(16);
      await new Promise((resolve) => setTimeout(resolve, 5));
      return view.byteLength;
    }),
  ]);
  t.deepEqual([x, y], [16, 16]);
});

test('blocks a scope grows by stay; the same work in a new scope needs no growth', (t) => {
  using arena = new Arena(256, { growable: true });
  arena.allocate(100);
  const work = () =>
    arena.scoped((a) => {
      for (let i = 0; i < 20; i++) a.alloc(Float32Array, 64);
    });
  work();
  const [capacity, blocks] = [arena.capacity, arena.blocks];
  t.true(blocks > 1, 'the first run grew');
  t.is(arena.used, 100);
  for (let run = 0; run < 5; run++) work();
  t.deepEqual([arena.capacity, arena.blocks], [capacity, blocks]);
});

test('a scope that claims nothing costs no buffer', (t) => {
  using arena = new Arena(1024);
  const view = arena.allocate(8);
  const scope = arena.scope();
  scope.close();
  t.is(view.byteLength, 8);
  t.is(arena.allocate(8).buffer, view.buffer, 'the same buffer goes on');
});

test('dispose closes every scope; a closed scope of a disposed arena stays quiet', (t) => {
  const arena = new Arena(1024);
  const scope = arena.scope();
  const view = arena.allocate(8);
  arena.dispose();
  t.true(scope.closed);
  t.is(view.byteLength, 0);
  t.notThrows(() => scope.close());
  throwsCode(t, () => arena.scope(), Error, 'ERR_DISPOSED');
});

test.serial('scopes leak nothing, whichever way they end', (t) => {
  const before = memoryStats();
  for (let i = 0; i < 50; i++) {
    const arena = new Arena(512, { growable: true });
    arena.allocate(100);
    const scope = arena.scope();
    arena.allocate(1000);
    if (i % 3 === 0) scope.close();
    if (i % 2 === 0) arena.reset(i % 4 === 0 ? 'release' : 'retain');
    arena.dispose();
  }
  t.deepEqual(memoryStats(), before);
});

test('under the V8-owned backing a scope maps its claims into a shadow; natively into a window', (t) => {
  using arena = new Arena(4096);
  const older = arena.allocate(100);
  const start = addressOf(older) - BigInt(arena.offsetOf(older));
  using _scope = arena.scope();
  const view = arena.allocate(100);
  const address = addressOf(view);
  const inBlock = address >= start && address < start + 4096n;
  if (memoryBacking() === 'native') {
    t.true(inBlock, 'a window: the same memory as the block');
    t.is(address - start, BigInt(arena.offsetOf(view)));
  } else {
    // Two V8-owned buffers cannot share memory: the shadow is other memory, at the same address
    // modulo 64 KiB, so padding and alignment are the block's own.
    t.false(inBlock, 'a shadow: memory of its own');
    t.is((address - start - BigInt(arena.offsetOf(view))) % 65536n, 0n);
  }
});

test('consecutive scopes in one block: each close detaches exactly its own views', (t) => {
  // Where `transfer()` keeps the memory, a closing scope's window becomes the next scope's
  // (ts/transfer.ts); the views of the first must stay detached all the same.
  using arena = new Arena(4096, { growable: true });
  const older = arena.alloc(Float32Array, 4);
  older.fill(1);
  const closed: Float32Array[] = [];
  const at = arena.used;
  for (let round = 0; round < 4; round++) {
    const scope = arena.scope();
    const view = arena.alloc(Float32Array, 8);
    t.is(arena.offsetOf(view), at, 'the same memory each time');
    for (const old of closed) t.is(old.byteLength, 0, 'a closed scope stays closed');
    view.fill(round);
    // A nested scope in the same block gets a buffer of its own.
    arena.scoped((a) => {
      const inner = a.alloc(Float32Array, 8);
      t.not(inner.buffer, view.buffer);
      inner.fill(9);
      closed.push(inner);
    });
    t.deepEqual([...view], new Array(8).fill(round));
    scope.close();
    closed.push(view);
  }
  for (const old of closed) t.is(old.byteLength, 0);
  t.deepEqual([...older], [1, 1, 1, 1]);
  // Scopes that grew the arena, then resets that replace its blocks, then more scopes.
  for (const mode of ['retain', 'release', { retainLimit: 8192 }] as const) {
    arena.scoped((a) => {
      for (let i = 0; i < 8; i++) a.alloc(Float32Array, 256);
    });
    arena.reset(mode);
    const view = arena.scoped((a) => a.alloc(Float32Array, 8));
    t.is(view.byteLength, 0);
    t.is(arena.used, 0);
  }
});

test.serial('consecutive scopes, resets and dispose leave nothing behind', (t) => {
  const before = memoryStats();
  for (let i = 0; i < 20; i++) {
    const arena = new Arena(1024, { growable: true });
    for (let j = 0; j < 3; j++) arena.scoped((a) => a.allocate(2000 * (j % 2) + 8));
    if (i % 2 === 0) arena.reset(i % 4 === 0 ? 'release' : 'retain');
    arena.scoped((a) => a.allocate(8));
    arena.dispose();
  }
  t.deepEqual(memoryStats(), before);
});

// A user can move a block's memory away with `ArrayBuffer.prototype.transfer()` where the
// runtime has it (Node 21+, Bun, Deno); the arena must then refuse with its code, not fail inside.
const canTransfer =
  typeof (ArrayBuffer.prototype as { transfer?: unknown }).transfer === 'function';
(canTransfer ? test : test.skip)(
  'a buffer its user transferred away: the close or reset that needs it throws ERR_INVALID_STATE, and dispose finishes',
  (t) => {
    const moved = (view: ArrayBufferView) =>
      (view.buffer as ArrayBuffer & { transfer(): ArrayBuffer }).transfer();
    const arena = new Arena(4096);
    arena.allocate(8);
    const scope = arena.scope();
    const scoped = arena.allocate(8);
    const away = moved(scoped);
    const used = arena.used;
    throwsCode(t, () => scope.close(), Error, 'ERR_INVALID_STATE');
    t.false(scope.closed, 'nothing changed');
    t.is(arena.used, used);
    const base = new Arena(4096);
    const view = base.allocate(8);
    const gone = moved(view);
    throwsCode(t, () => base.reset(), Error, 'ERR_INVALID_STATE');
    t.is(base.used, 8, 'nothing changed');
    t.notThrows(() => arena.dispose());
    t.notThrows(() => base.dispose());
    t.true(away.byteLength > 0 && gone.byteLength > 0, "the moved memory is its new owner's");
  },
);
