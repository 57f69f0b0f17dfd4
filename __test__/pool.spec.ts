import test from 'ava';

import { addressOf, memoryStats, Pool, type TypedArray } from '../ts/index';
import { TYPES, throwsCode } from './helpers';

function counters(pool: Pool<TypedArray>): [number, number] {
  return [pool.size, pool.capacity];
}

test('a new pool has 1024 free slots by default', (t) => {
  using pool = new Pool(Float32Array, 16);
  t.deepEqual(counters(pool), [0, 1024]);
});

test('allocate returns a view of the slot length and type, zero when never used', (t) => {
  using pool = new Pool(Float32Array, 16, { initialCapacity: 8 });
  const view = pool.allocate();
  t.true(view instanceof Float32Array);
  t.is(view.length, 16);
  t.true(view.every((x) => x === 0));
  t.deepEqual(counters(pool), [1, 8]);
});

test('each typed array type gets slots aligned to its element size', (t) => {
  for (const type of TYPES) {
    using pool = new Pool(type, 3, { initialCapacity: 4 });
    const views = [pool.allocate(), pool.allocate()];
    for (const view of views) {
      t.true(view instanceof type, type.name);
      t.is(view.length, 3);
      t.is(addressOf(view) % BigInt(type.BYTES_PER_ELEMENT), 0n);
    }
  }
});

test('slots honour every alignment from 1 to 4096', (t) => {
  for (let alignment = 1; alignment <= 4096; alignment *= 2) {
    using pool = new Pool(Uint8Array, 3, { initialCapacity: 3, alignment });
    for (let i = 0; i < 5; i++) {
      t.is(addressOf(pool.allocate()) % BigInt(alignment), 0n, `alignment ${alignment}`);
    }
  }
});

test('slots never overlap and are handed out in ascending address order', (t) => {
  using pool = new Pool(Float64Array, 5, { initialCapacity: 16 });
  const addresses = Array.from({ length: 16 }, () => addressOf(pool.allocate()));
  for (let i = 1; i < addresses.length; i++) {
    t.true((addresses[i] as bigint) - (addresses[i - 1] as bigint) >= 40n);
  }
});

test('deallocate frees the slot and the next allocate reuses it', (t) => {
  using pool = new Pool(Float32Array, 4, { initialCapacity: 4 });
  const a = pool.allocate();
  pool.allocate();
  pool.deallocate(a);
  t.deepEqual(counters(pool), [1, 4]);
  t.is(pool.allocate(), a);
});

test('a reused slot keeps what its last user wrote unless zero is set', (t) => {
  using dirty = new Pool(Float32Array, 4, { initialCapacity: 2 });
  const a = dirty.allocate();
  a.fill(7);
  dirty.deallocate(a);
  t.deepEqual([...dirty.allocate()], [7, 7, 7, 7]);

  using clean = new Pool(Float32Array, 4, { initialCapacity: 2, zero: true });
  const b = clean.allocate();
  b.fill(7);
  clean.deallocate(b);
  t.deepEqual([...clean.allocate()], [0, 0, 0, 0]);
});

test('a full pool grows by one chunk without moving live slots', (t) => {
  using pool = new Pool(Int32Array, 4, { initialCapacity: 3 });
  const live = Array.from({ length: 3 }, (_, i) => {
    const view = pool.allocate();
    view[0] = i + 1;
    return view;
  });
  const addresses = live.map((view) => addressOf(view));
  const fourth = pool.allocate();
  t.deepEqual(counters(pool), [4, 6]);
  t.deepEqual(
    live.map((view) => addressOf(view)),
    addresses,
  );
  t.deepEqual(
    live.map((view) => view[0]),
    [1, 2, 3],
  );
  t.true(fourth.every((x) => x === 0));
  for (let i = 0; i < 5; i++) pool.allocate();
  t.deepEqual(counters(pool), [9, 9]);
});

test('a double free throws ERR_DOUBLE_FREE and changes nothing', (t) => {
  using pool = new Pool(Float32Array, 4, { initialCapacity: 4 });
  const a = pool.allocate();
  pool.allocate();
  pool.deallocate(a);
  const before = counters(pool);
  throwsCode(t, () => pool.deallocate(a), Error, 'ERR_DOUBLE_FREE');
  t.deepEqual(counters(pool), before);
  const again = pool.allocate();
  t.is(again, a, 'the freed slot is handed out once, not twice');
  pool.deallocate(again);
  t.deepEqual(counters(pool), before);
});

test('foreign views throw ERR_FOREIGN_VIEW and change nothing', (t) => {
  using pool = new Pool(Float32Array, 4, { initialCapacity: 4 });
  using other = new Pool(Float32Array, 4, { initialCapacity: 4 });
  const mine = pool.allocate();
  const before = counters(pool);
  const foreign: Float32Array[] = [
    other.allocate(),
    new Float32Array(4),
    new Float32Array(mine.buffer, mine.byteOffset, 4),
    mine.subarray(1),
  ];
  for (const view of foreign) {
    throwsCode(t, () => pool.deallocate(view), Error, 'ERR_FOREIGN_VIEW');
    t.deepEqual(counters(pool), before);
  }
  throwsCode(t, () => pool.deallocate(null as never), TypeError, 'ERR_INVALID_ARG_TYPE');
  throwsCode(t, () => pool.deallocate({} as never), TypeError, 'ERR_INVALID_ARG_TYPE');
  pool.deallocate(mine);
  t.deepEqual(counters(pool), [0, 4]);
});

test('clear frees every slot, keeps the capacity and detaches old views', (t) => {
  using pool = new Pool(Float32Array, 4, { initialCapacity: 2 });
  const views = Array.from({ length: 5 }, () => pool.allocate());
  const addresses = views.map((view) => addressOf(view));
  pool.clear();
  t.deepEqual(counters(pool), [0, 6]);
  t.true(views.every((view) => view.byteLength === 0));
  throwsCode(t, () => pool.deallocate(views[0] as Float32Array), Error, 'ERR_FOREIGN_VIEW');
  const again = Array.from({ length: 5 }, () => pool.allocate());
  t.deepEqual(
    again.map((view) => addressOf(view)),
    addresses,
  );
});

test('constructor argument errors carry their codes', (t) => {
  throwsCode(t, () => new Pool(Array as never, 4), TypeError, 'ERR_INVALID_ARG_TYPE');
  throwsCode(t, () => new Pool(Float32Array, 0), RangeError, 'ERR_OUT_OF_RANGE');
  throwsCode(t, () => new Pool(Float32Array, 1.5), RangeError, 'ERR_OUT_OF_RANGE');
  throwsCode(t, () => new Pool(Float32Array, '4' as never), TypeError, 'ERR_INVALID_ARG_TYPE');
  throwsCode(t, () => new Pool(Float32Array, 4, null as never), TypeError, 'ERR_INVALID_ARG_TYPE');
  throwsCode(
    t,
    () => new Pool(Float32Array, 4, { initialCapacity: 0 }),
    RangeError,
    'ERR_OUT_OF_RANGE',
  );
  throwsCode(
    t,
    () => new Pool(Float32Array, 4, { alignment: 3 }),
    RangeError,
    'ERR_INVALID_ALIGNMENT',
  );
  throwsCode(
    t,
    () => new Pool(Float32Array, 4, { zero: 1 as never }),
    TypeError,
    'ERR_INVALID_ARG_TYPE',
  );
  throwsCode(
    t,
    () => new Pool(Float32Array, 2 ** 30, { initialCapacity: 2 ** 22 }),
    RangeError,
    'ERR_OUT_OF_MEMORY',
  );
});

test('dispose detaches every view; later calls throw ERR_DISPOSED; a second dispose is a no-op', (t) => {
  const pool = new Pool(Float32Array, 4, { initialCapacity: 2 });
  const views = [pool.allocate(), pool.allocate(), pool.allocate()];
  pool.dispose();
  const disposed = memoryStats();
  t.true(views.every((view) => view.byteLength === 0));
  const calls: (() => unknown)[] = [
    () => pool.allocate(),
    () => pool.deallocate(views[0] as Float32Array),
    () => pool.clear(),
    () => pool.size,
    () => pool.capacity,
  ];
  for (const call of calls) throwsCode(t, call, Error, 'ERR_DISPOSED');
  t.notThrows(() => pool.dispose());
  t.notThrows(() => pool[Symbol.dispose]());
  t.deepEqual(memoryStats(), disposed, 'a second dispose frees nothing more');
});
