// Float16Array wherever a typed array type is taken, on runtimes that have it (Node 24+, current
// browsers); elsewhere a coded error that names the types this runtime accepts.
import test from 'ava';

import {
  Arena,
  addressOf,
  alignedDelete,
  alignedNew,
  MemoryPlan,
  Pool,
  type TypedArray,
  type TypedArrayConstructor,
} from '../ts/index';
import { throwsCode } from './helpers';

// The project's TypeScript library predates Float16Array: reach it by name.
const F16 = (globalThis as { Float16Array?: TypedArrayConstructor<TypedArray> }).Float16Array;
const withFloat16 = F16 === undefined ? test.skip : test;
const withoutFloat16 = F16 === undefined ? test : test.skip;

withFloat16('arenas and scopes hand out Float16Array views, aligned to 16 by default', (t) => {
  const type = F16 as TypedArrayConstructor<TypedArray>;
  using arena = new Arena(1024);
  const view = arena.alloc(type, 9);
  t.true(view instanceof type);
  t.is(view.byteLength, 18);
  t.is(addressOf(view) % 16n, 0n);
  view[0] = 1.5;
  t.is(view[0], 1.5, 'half precision holds 1.5 exactly');
  {
    using scope = arena.scope();
    const inner = scope.alloc(type, 4, 64);
    t.is(addressOf(inner) % 64n, 0n);
  }
  t.is(arena.alloc(type, 3, 1).byteOffset % 2, 0, 'an alignment below 2 is raised to it');
});

withFloat16('pools and aligned buffers take Float16Array', (t) => {
  const type = F16 as TypedArrayConstructor<TypedArray>;
  using pool = new Pool(type, 8, { initialCapacity: 2, zero: true });
  const slot = pool.allocate();
  t.true(slot instanceof type);
  t.is(slot.length, 8);
  pool.deallocate(slot);
  const aligned = alignedNew(type, 5, 64);
  t.true(aligned instanceof type);
  t.is(addressOf(aligned) % 64n, 0n);
  alignedDelete(aligned);
});

withFloat16(
  'plans record, replay and save Float16Array tensors; poison fills them with NaN',
  (t) => {
    const type = F16 as TypedArrayConstructor<TypedArray>;
    const plan = MemoryPlan.record((mem) => {
      const a = mem.alloc(type, 10);
      const b = mem.alloc(Float32Array, 4);
      mem.free(a);
      return b;
    });
    t.is(plan.tensors[0]?.type, 'Float16Array');
    const loaded = MemoryPlan.fromJSON(JSON.parse(JSON.stringify(plan)));
    t.is(loaded.tensors[0]?.type, 'Float16Array');
    using pass = loaded.instantiate({ poison: true });
    let half: TypedArray | undefined;
    pass.run((mem) => {
      half = mem.alloc(type, 10);
      mem.alloc(Float32Array, 4);
      mem.free(half);
    });
    t.true(half instanceof type);
    t.true(Number.isNaN(half?.[0]), 'a freed Float16Array reads NaN');
    t.is(pass.views[0], half);
  },
);

withoutFloat16(
  'without Float16Array, a stand-in of that name gets an error naming the accepted types',
  (t) => {
    // A polyfill's constructor, as a user might load one.
    const Float16Array = function Float16Array() {};
    Float16Array.BYTES_PER_ELEMENT = 2;
    using arena = new Arena(64);
    const error = throwsCode(
      t,
      () => arena.alloc(Float16Array as never, 4),
      TypeError,
      'ERR_INVALID_ARG_TYPE',
    );
    t.regex(error.message, /\(Int8Array, Uint8Array, .*BigUint64Array\)/);
    t.regex(error.message, /this runtime has no Float16Array of its own: Node 24\+/);
    t.is(arena.used, 0);
  },
);
