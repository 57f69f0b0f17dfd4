// Attack class: re-entrancy and methods that throw midway. The package calls no method user code
// can replace while its state is half changed: zeroing uses the builtin `fill` captured at load,
// with the type's own zero (`0n` for the 64-bit integer types), before the slot leaves the free
// list. Before the fix, a patched `fill` that called `allocate()` during a zeroing made two live
// slots share bytes, and a zeroing BigInt64Array pool lost a slot on every reuse (`fill(0)`
// throws for BigInt arrays after the slot had left the free list).
import test from 'ava';

import { Arena, addressOf, Pool, type Scope } from '../../ts/index';
import { patched, TYPED_ARRAY_PROTOTYPE } from './tamper';

test('a patched fill that allocates during a zeroing cannot make two live slots share bytes', (t) => {
  const pool = new Pool(Float32Array, 4, { initialCapacity: 8, zero: true });
  const live = new Set<Float32Array>();
  for (let i = 0; i < 8; i++) live.add(pool.allocate());
  for (const view of [...live].slice(0, 4)) {
    pool.deallocate(view);
    live.delete(view);
  }
  pool.clear();
  live.clear();
  const reentered: Float32Array[] = [];
  patched(
    TYPED_ARRAY_PROTOTYPE,
    'fill',
    {
      value(this: Float32Array) {
        if (reentered.length < 4) reentered.push(pool.allocate());
        return this;
      },
    },
    () => {
      for (let i = 0; i < 4; i++) live.add(pool.allocate());
    },
  );
  for (const view of reentered) live.add(view);
  const addresses = [...live].map((view) => addressOf(view));
  t.is(new Set(addresses).size, live.size, 'every live slot has bytes of its own');
  t.is(pool.size, live.size);
  pool.dispose();
});

for (const Type of [BigInt64Array, BigUint64Array] as const) {
  test(`a zeroing ${Type.name} pool zeroes reused slots with 0n and loses none`, (t) => {
    const pool = new Pool(Type as typeof BigInt64Array, 2, { initialCapacity: 2, zero: true });
    const first = pool.allocate();
    first[0] = 7n;
    pool.deallocate(first);
    const again = pool.allocate();
    t.is(again[0], 0n);
    t.is(pool.size, 1);
    t.is(pool.available, 1);
    pool.clear();
    const afterClear = pool.allocate();
    t.is(afterClear[0], 0n);
    t.is(pool.size, 1);
    pool.dispose();
  });
}

test('a patched Array.prototype.pop and push cannot hand a pool slot out twice', (t) => {
  const pool = new Pool(Float32Array, 4, { initialCapacity: 4 });
  const a = pool.allocate();
  const b = pool.allocate();
  pool.deallocate(a);
  pool.deallocate(b);
  const taken = patched(Array.prototype, 'pop', { value: () => 0 }, () =>
    patched(Array.prototype, 'push', { value: () => 0 }, () => [pool.allocate(), pool.allocate()]),
  );
  t.not(taken[0], taken[1]);
  t.not(addressOf(taken[0] as Float32Array), addressOf(taken[1] as Float32Array));
  pool.dispose();
});

test('a patched Math.floor cannot make a pool cut two slots at one address', (t) => {
  const pool = new Pool(Float32Array, 4, { initialCapacity: 2 });
  const views = patched(Math, 'floor', { value: () => 0 }, () => [
    pool.allocate(),
    pool.allocate(),
    pool.allocate(),
    pool.allocate(),
  ]);
  t.is(new Set(views.map((view) => addressOf(view))).size, 4);
  pool.dispose();
});

test('index accessors on Array.prototype and Object.prototype see nothing of the package', (t) => {
  const seen: unknown[] = [];
  const arena = new Arena(1 << 16, { growable: true });
  const pool = new Pool(Float32Array, 4, { initialCapacity: 1 });
  const spy = { get: () => undefined, set: (value: unknown) => void seen.push(value) };
  const views = new Set<ArrayBufferView>();
  for (const index of ['0', '1', '2', '3']) {
    patched(Array.prototype, index, spy, () =>
      patched(Object.prototype, index, spy, () => {
        const scope = arena.scope();
        for (let i = 0; i < 4; i++) views.add(arena.alloc(Float32Array, 4096));
        scope.close();
        for (let i = 0; i < 2; i++) views.add(pool.allocate());
        arena.reset();
        pool.clear();
      }),
    );
  }
  t.is(seen.length, 0, 'no setter saw a value of the package');
  t.is(views.size, 24);
  t.true(arena.blocks >= 1);
  arena.dispose();
  pool.dispose();
});

test("a replaced typed array length getter cannot move a scope's mark or stop its levels growing", (t) => {
  // Found by the property test: opening a scope read the length of the facade's own table of
  // levels through the prototype's getter, which could allocate from the arena in between (the
  // scope then opened below that allocation, and its close reused the bytes under a live view),
  // or lie so that the table never grew.
  const arena = new Arena(1 << 16);
  const reentered: Uint8Array[] = [];
  const scopes: Scope[] = [];
  patched(
    TYPED_ARRAY_PROTOTYPE,
    'length',
    {
      get() {
        if (reentered.length < 64) reentered.push(arena.alloc(Uint8Array, 100, 64));
        return 0;
      },
    },
    () => {
      // More scopes than the first table of levels holds: it must still grow.
      for (let i = 0; i < 20; i++) scopes.push(arena.scope());
    },
  );
  t.is(reentered.length, 0, 'opening a scope calls no getter user code can replace');
  const inner = arena.alloc(Uint8Array, 100, 64);
  t.is(arena.used, 100);
  (scopes[19] as Scope).close();
  t.is(arena.used, 0, 'the innermost scope opened where the others did');
  t.is(inner.byteLength, 0, 'its claim is over');
  (scopes[0] as Scope).close();
  t.is(arena.used, 0);
  arena.dispose();
});
