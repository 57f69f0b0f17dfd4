// The native binding trusts nothing JavaScript hands it: a buffer that is not the block's current
// one is refused before anything is detached or freed. These tests call the raw binding directly,
// as hostile code could, and check that every refusal is a coded error that changes nothing.
import test from 'ava';

import { Arena, alignedNew, memoryBacking, memoryStats, Pool } from '../ts/index';

import native = require('../ts/native');

import { throwsCode } from './helpers';

test('arena handles refuse buffers that are not their current one', (t) => {
  const mine = native.createArena(1024);
  const other = native.createArena(1024);
  const before = memoryStats();
  // Typed as buffers: hostile code is not held back by the types.
  const wrong = [
    ['another arena buffer', other.buffer],
    ['a plain ArrayBuffer', new ArrayBuffer(1024)],
    ['a view instead of a buffer', new Uint8Array(mine.buffer)],
    ['a number', 0x1000],
    ['undefined', undefined],
  ] as [string, ArrayBuffer][];
  for (const [name, value] of wrong) {
    throwsCode(t, () => mine.handle.renewFirst(value), Error, 'ERR_INVALID_STATE');
    throwsCode(
      t,
      () => mine.handle.reset('retain', undefined, [value], []),
      Error,
      'ERR_INVALID_STATE',
    );
    throwsCode(t, () => mine.handle.renew([value]), Error, 'ERR_INVALID_STATE');
    throwsCode(t, () => mine.handle.detach([value]), Error, 'ERR_INVALID_STATE');
    throwsCode(t, () => mine.handle.dispose([value], [0]), Error, 'ERR_INVALID_STATE');
    t.is(mine.buffer.byteLength > 0, true, `${name}: nothing detached`);
    t.deepEqual(memoryStats(), before, `${name}: nothing freed`);
  }
  // A list with one bad buffer changes nothing, even where the others are good.
  throwsCode(
    t,
    () => mine.handle.dispose([mine.buffer, other.buffer], [0, 0]),
    Error,
    'ERR_INVALID_STATE',
  );
  throwsCode(t, () => mine.handle.dispose([mine.buffer], [1]), Error, 'ERR_INVALID_STATE');
  throwsCode(t, () => mine.handle.window(1), Error, 'ERR_INVALID_STATE');
  t.true(mine.buffer.byteLength > 0, 'nothing detached');
  const fresh = mine.handle.renewFirst(mine.buffer);
  throwsCode(t, () => mine.handle.renewFirst(mine.buffer), Error, 'ERR_INVALID_STATE');
  mine.handle.dispose([fresh], [0]);
  other.handle.dispose([other.buffer], [0]);
  throwsCode(t, () => mine.handle.renewFirst(fresh), Error, 'ERR_DISPOSED');
  throwsCode(t, () => mine.handle.grow(16, 16, 0), Error, 'ERR_DISPOSED');
});

test('pool handles validate every chunk buffer before touching any', (t) => {
  const pool = new native.NativePool(64, 16);
  const a = pool.addChunk(4);
  const b = pool.addChunk(4);
  throwsCode(t, () => pool.clear([a.buffer]), Error, 'ERR_INVALID_STATE');
  throwsCode(
    t,
    () => pool.clear([a.buffer, new ArrayBuffer(b.buffer.byteLength)]),
    Error,
    'ERR_INVALID_STATE',
  );
  throwsCode(t, () => pool.clear([b.buffer, a.buffer]), Error, 'ERR_INVALID_STATE');
  t.true(a.buffer.byteLength > 0 && b.buffer.byteLength > 0, 'nothing detached');
  const renewed = pool.clear([a.buffer, b.buffer]);
  t.is(a.buffer.byteLength, 0);
  throwsCode(t, () => pool.dispose([renewed[0] as ArrayBuffer]), Error, 'ERR_INVALID_STATE');
  pool.dispose(renewed);
  throwsCode(t, () => pool.addChunk(4), Error, 'ERR_DISPOSED');
});

test('aligned handles refuse foreign buffers and double frees', (t) => {
  const block = native.createAligned(64, 64);
  throwsCode(t, () => block.handle.free(new ArrayBuffer(64)), Error, 'ERR_INVALID_STATE');
  block.handle.free(block.buffer);
  throwsCode(t, () => block.handle.free(block.buffer), Error, 'ERR_DOUBLE_FREE');
});

test('the binding re-checks sizes and alignments itself', (t) => {
  throwsCode(t, () => native.createArena(-1), RangeError, 'ERR_OUT_OF_RANGE');
  throwsCode(t, () => native.createArena(Number.NaN), RangeError, 'ERR_OUT_OF_RANGE');
  throwsCode(t, () => native.createArena(0), RangeError, 'ERR_OUT_OF_RANGE');
  throwsCode(t, () => native.createAligned(16, 3), RangeError, 'ERR_INVALID_ALIGNMENT');
  throwsCode(t, () => native.createAligned(16, 0), RangeError, 'ERR_INVALID_ALIGNMENT');
  throwsCode(t, () => native.createAligned(2 ** 60, 16), RangeError, 'ERR_OUT_OF_RANGE');
  throwsCode(t, () => new native.NativePool(16, 48), RangeError, 'ERR_INVALID_ALIGNMENT');
  const pool = new native.NativePool(2 ** 40, 16);
  // 2 ** 70 bytes: past the largest possible allocation, refused by the core's `chunk_size`.
  throwsCode(t, () => pool.addChunk(2 ** 30), RangeError, 'ERR_OUT_OF_RANGE');
  pool.dispose([]);
});

test('a panic inside the binding becomes a JavaScript exception, and everything still works', (t) => {
  using arena = new Arena(256);
  const view = arena.alloc(Float32Array, 4);
  const error = t.throws(() => native.__panicForTests('deliberate panic'), { instanceOf: Error });
  t.regex(error?.message ?? '', /deliberate panic/);
  t.is(view.length, 4);
  t.is(arena.alloc(Float32Array, 4).length, 4);
});

test('a buffer transferred away takes its memory with it; dispose still finishes', (t) => {
  const arena = new Arena(1024);
  const view = arena.alloc(Float32Array, 4);
  view[0] = 9;
  const byteOffset = view.byteOffset;
  const moved = structuredClone(view.buffer, { transfer: [view.buffer] });
  if (memoryBacking() === 'native') {
    // An external buffer cannot move: the transfer copies, and the arena keeps its memory.
    t.is(view[0], 9);
    t.is(new Float32Array(moved, byteOffset, 1)[0], 9);
    arena.reset();
  } else {
    // A V8-owned buffer moves: the arena's memory now belongs to `moved`.
    t.is(view.byteLength, 0);
    t.is(new Float32Array(moved, byteOffset, 1)[0], 9);
    throwsCode(t, () => arena.reset(), Error, 'ERR_INVALID_STATE');
  }
  t.notThrows(() => arena.dispose());
  throwsCode(t, () => arena.used, Error, 'ERR_DISPOSED');

  const pool = new Pool(Float32Array, 4, { initialCapacity: 2 });
  const slot = pool.allocate();
  structuredClone(slot.buffer, { transfer: [slot.buffer] });
  t.notThrows(() => pool.dispose());

  const weights = alignedNew(Float32Array, 16, 64);
  structuredClone(weights.buffer, { transfer: [weights.buffer] });
  t.notThrows(() => native.memoryStats());
});
