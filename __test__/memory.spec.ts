import test from 'ava';

import {
  Arena,
  addressOf,
  alignedDelete,
  alignedNew,
  memoryBacking,
  memoryStats,
  Pool,
} from '../ts/index';
import { expectedBacking, throwsCode } from './helpers';

test('memoryBacking reports the backing in use, as the environment and the runtime decide', (t) => {
  // Under a memory cage the first block decides: make one.
  using arena = new Arena(64);
  t.is(arena.capacity, 64);
  t.is(memoryBacking(), expectedBacking());
});

test('addressOf gives the address of buffers and views, byteOffset included', (t) => {
  using arena = new Arena(256);
  arena.allocate(16);
  const view = arena.alloc(Float32Array, 4);
  const base = addressOf(view.buffer);
  t.is(addressOf(view), base + BigInt(view.byteOffset));
  t.is(addressOf(new DataView(view.buffer, 8)), base + 8n);
});

test('addressOf gives views of a SharedArrayBuffer the address of its memory plus byteOffset', (t) => {
  // The SharedArrayBuffer itself is refused (ERR_INVALID_ARG_TYPE, next test): a view at offset 0
  // gives its address.
  const shared = new SharedArrayBuffer(64);
  const base = addressOf(new Uint8Array(shared));
  t.not(base, 0n);
  t.is(addressOf(new Float32Array(shared, 4)), base + 4n);
  t.is(addressOf(new Float64Array(shared, 16, 2)), base + 16n);
  t.is(addressOf(new DataView(shared, 8)), base + 8n);
  t.is(addressOf(new Uint8Array(shared).subarray(40)), base + 40n);
  t.not(addressOf(new Uint8Array(new SharedArrayBuffer(64))), base, 'another buffer, elsewhere');
});

test('addressOf rejects non-buffers and detached buffers with codes', (t) => {
  throwsCode(t, () => addressOf(null as never), TypeError, 'ERR_INVALID_ARG_TYPE');
  throwsCode(t, () => addressOf(42 as never), TypeError, 'ERR_INVALID_ARG_TYPE');
  throwsCode(t, () => addressOf({} as never), TypeError, 'ERR_INVALID_ARG_TYPE');
  throwsCode(
    t,
    () => addressOf(new SharedArrayBuffer(8) as never),
    TypeError,
    'ERR_INVALID_ARG_TYPE',
  );
  const arena = new Arena(64);
  const view = arena.allocate(8);
  arena.dispose();
  throwsCode(t, () => addressOf(view), Error, 'ERR_INVALID_STATE');
});

test.serial('memoryStats counts arenas, pools and aligned buffers and their bytes', (t) => {
  const before = memoryStats();
  const arena = new Arena(4096);
  const pool = new Pool(Float32Array, 16, { initialCapacity: 4 });
  pool.allocate();
  for (let i = 0; i < 4; i++) pool.allocate(); // grows: a second chunk
  const weights = alignedNew(Float32Array, 256, 64);
  const held = memoryStats();
  t.is(held.arenas, before.arenas + 1);
  t.is(held.pools, before.pools + 1);
  t.is(held.alignedBuffers, before.alignedBuffers + 1);
  t.is(held.liveBlocks, before.liveBlocks + 4);
  t.true(held.liveBytes >= before.liveBytes + 4096 + 2 * 4 * 64 + 1024);
  arena.dispose();
  pool.dispose();
  alignedDelete(weights);
  t.deepEqual(memoryStats(), before);
});
