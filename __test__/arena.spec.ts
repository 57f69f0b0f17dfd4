import test from 'ava';

import { Arena, addressOf, memoryStats } from '../ts/index';
import { TYPES, throwsCode } from './helpers';

/** The arena's observable counters, to check that an error changed nothing. */
function counters(arena: Arena): [number, number, number] {
  return [arena.used, arena.capacity, arena.available];
}

test('a new arena has its capacity available and nothing used', (t) => {
  using arena = new Arena(4096);
  t.deepEqual(counters(arena), [0, 4096, 4096]);
});

test('fresh memory is zero', (t) => {
  using arena = new Arena(1 << 16);
  const bytes = arena.allocate(1 << 16);
  t.true(bytes.every((byte) => byte === 0));
});

test('allocate returns a Uint8Array of the size asked, aligned to 16 by default', (t) => {
  using arena = new Arena(4096);
  arena.allocate(3);
  const view = arena.allocate(100);
  t.true(view instanceof Uint8Array);
  t.is(view.length, 100);
  t.is(addressOf(view) % 16n, 0n);
  t.is(arena.offsetOf(view), 16);
  t.is(arena.used, 116);
  t.is(arena.available, 4096 - 116);
});

test('allocate of size 0 is allowed and claims nothing but padding', (t) => {
  using arena = new Arena(64);
  const empty = arena.allocate(0);
  t.is(empty.length, 0);
  t.is(arena.used, 0);
});

test('every power-of-two alignment from 1 to 4096 holds on the native address', (t) => {
  using arena = new Arena(1 << 20);
  for (let alignment = 1; alignment <= 4096; alignment *= 2) {
    arena.allocate(1); // knock the cursor off any alignment
    const view = arena.allocate(24, alignment);
    t.is(addressOf(view) % BigInt(alignment), 0n, `alignment ${alignment}`);
  }
  const huge = arena.allocate(8, 65536);
  t.is(addressOf(huge) % 65536n, 0n);
});

test('alloc works for each of the eleven typed array types', (t) => {
  using arena = new Arena(1 << 16);
  for (const type of TYPES) {
    const view = arena.alloc(type, 10);
    t.true(view instanceof type, type.name);
    t.is(view.length, 10);
    t.is(view.byteLength, 10 * type.BYTES_PER_ELEMENT);
    t.is(addressOf(view) % 16n, 0n, `${type.name} defaults to 16-byte alignment`);
  }
});

test('alloc raises a smaller alignment to the element size', (t) => {
  using arena = new Arena(4096);
  arena.allocate(1);
  const view = arena.alloc(Float64Array, 2, 1);
  t.is(addressOf(view) % 8n, 0n);
  t.is(arena.offsetOf(view), 8);
});

test('alloc honours a larger alignment', (t) => {
  using arena = new Arena(4096);
  arena.allocate(1);
  const view = arena.alloc(Float32Array, 8, 64);
  t.is(addressOf(view) % 64n, 0n);
});

test('views alias the arena memory: writes through one are seen through the bytes', (t) => {
  using arena = new Arena(4096);
  const floats = arena.alloc(Float32Array, 4);
  floats[1] = 1.5;
  const offset = arena.offsetOf(floats);
  const bytes = new Uint8Array(floats.buffer, floats.byteOffset, floats.byteLength);
  t.deepEqual([...bytes.subarray(4, 8)], [...new Uint8Array(new Float32Array([1.5]).buffer)]);
  t.is(offset, 0);
});

test('allocations never overlap', (t) => {
  using arena = new Arena(1 << 16);
  const spans: [bigint, bigint][] = [];
  for (let i = 1; i < 50; i++) {
    const view = arena.allocate(i * 7, 1 << (i % 8));
    const start = addressOf(view);
    spans.push([start, start + BigInt(view.length)]);
  }
  spans.sort((a, b) => (a[0] < b[0] ? -1 : 1));
  for (let i = 1; i < spans.length; i++) {
    t.true((spans[i - 1] as [bigint, bigint])[1] <= (spans[i] as [bigint, bigint])[0]);
  }
});

test('exhaustion throws ERR_ARENA_EXHAUSTED with requested and available, changing nothing', (t) => {
  using arena = new Arena(1024);
  arena.allocate(1000);
  const before = counters(arena);
  const error = throwsCode(t, () => arena.allocate(100), RangeError, 'ERR_ARENA_EXHAUSTED');
  t.regex(error.message, /requested 100 bytes/);
  t.regex(error.message, /24 of 1024 bytes available/);
  t.deepEqual(counters(arena), before);
  t.is(arena.allocate(24, 1).length, 24, 'still usable: the rest fits');
});

test('exhaustion counts alignment padding', (t) => {
  using arena = new Arena(64);
  arena.allocate(1);
  throwsCode(t, () => arena.allocate(60, 16), RangeError, 'ERR_ARENA_EXHAUSTED');
  t.is(arena.allocate(60, 1).length, 60);
});

test('reset frees everything, reuses the same addresses and detaches old views', (t) => {
  using arena = new Arena(4096);
  const first = arena.alloc(Float32Array, 64);
  const address = addressOf(first);
  first[0] = 42;
  arena.reset();
  t.is(first.byteLength, 0, 'the old view is detached');
  t.is(first.length, 0);
  t.deepEqual(counters(arena), [0, 4096, 4096]);
  const second = arena.alloc(Float32Array, 64);
  t.is(addressOf(second), address);
  t.is(second[0], 42, 'reused memory is not zeroed');
});

test('offsetOf rejects views of other arenas and of a previous epoch', (t) => {
  using arena = new Arena(1024);
  using other = new Arena(1024);
  const mine = arena.allocate(8);
  throwsCode(t, () => arena.offsetOf(other.allocate(8)), Error, 'ERR_FOREIGN_VIEW');
  throwsCode(t, () => arena.offsetOf(new Uint8Array(8)), Error, 'ERR_FOREIGN_VIEW');
  arena.reset();
  throwsCode(t, () => arena.offsetOf(mine), Error, 'ERR_FOREIGN_VIEW');
  throwsCode(t, () => arena.offsetOf({} as ArrayBufferView), TypeError, 'ERR_INVALID_ARG_TYPE');
});

test('offsetOf accepts a DataView over the arena memory', (t) => {
  using arena = new Arena(1024);
  arena.allocate(32);
  const bytes = arena.allocate(16);
  const view = new DataView(bytes.buffer, bytes.byteOffset, 16);
  t.is(arena.offsetOf(view), 32);
});

test('argument errors carry their codes and change nothing', (t) => {
  using arena = new Arena(1024);
  arena.allocate(10);
  const before = counters(arena);
  const cases: [() => unknown, ErrorConstructor, string][] = [
    [() => arena.allocate('8' as unknown as number), TypeError, 'ERR_INVALID_ARG_TYPE'],
    [() => arena.allocate(-1), RangeError, 'ERR_OUT_OF_RANGE'],
    [() => arena.allocate(1.5), RangeError, 'ERR_OUT_OF_RANGE'],
    [() => arena.allocate(Number.NaN), RangeError, 'ERR_OUT_OF_RANGE'],
    [() => arena.allocate(Number.POSITIVE_INFINITY), RangeError, 'ERR_OUT_OF_RANGE'],
    [() => arena.allocate(2 ** 53), RangeError, 'ERR_OUT_OF_RANGE'],
    [() => arena.allocate(8, 3), RangeError, 'ERR_INVALID_ALIGNMENT'],
    [() => arena.allocate(8, 0), RangeError, 'ERR_INVALID_ALIGNMENT'],
    [() => arena.allocate(8, 131072), RangeError, 'ERR_INVALID_ALIGNMENT'],
    [() => arena.allocate(8, '16' as unknown as number), TypeError, 'ERR_INVALID_ARG_TYPE'],
    [() => arena.alloc(Array as never, 4), TypeError, 'ERR_INVALID_ARG_TYPE'],
    [() => arena.alloc(DataView as never, 4), TypeError, 'ERR_INVALID_ARG_TYPE'],
    [() => arena.alloc(Float32Array, -4), RangeError, 'ERR_OUT_OF_RANGE'],
    [() => arena.alloc(Float32Array, 4, 48), RangeError, 'ERR_INVALID_ALIGNMENT'],
    [() => arena.alloc(Float32Array, 1000), RangeError, 'ERR_ARENA_EXHAUSTED'],
  ];
  for (const [fn, type, code] of cases) {
    throwsCode(t, fn, type, code);
    t.deepEqual(counters(arena), before);
  }
  t.is(arena.allocate(8).length, 8, 'still usable');
});

test('the constructor rejects bad capacities with codes', (t) => {
  throwsCode(t, () => new Arena(0), RangeError, 'ERR_OUT_OF_RANGE');
  throwsCode(t, () => new Arena(-1), RangeError, 'ERR_OUT_OF_RANGE');
  throwsCode(t, () => new Arena(0.5), RangeError, 'ERR_OUT_OF_RANGE');
  throwsCode(t, () => new Arena(undefined as unknown as number), TypeError, 'ERR_INVALID_ARG_TYPE');
  throwsCode(t, () => new Arena(10n as unknown as number), TypeError, 'ERR_INVALID_ARG_TYPE');
});

test('an arena the system cannot back throws ERR_OUT_OF_MEMORY', (t) => {
  const error = throwsCode(t, () => new Arena(2 ** 50), RangeError, 'ERR_OUT_OF_MEMORY');
  t.regex(error.message, /1125899906842624 bytes/);
});

test('dispose detaches every view; later calls throw ERR_DISPOSED; a second dispose is a no-op', (t) => {
  const arena = new Arena(1024);
  const view = arena.alloc(Float32Array, 16);
  arena.dispose();
  const disposed = memoryStats();
  t.is(view.byteLength, 0);
  const calls: (() => unknown)[] = [
    () => arena.allocate(1),
    () => arena.alloc(Float32Array, 1),
    () => arena.reset(),
    () => arena.offsetOf(view),
    () => arena.used,
    () => arena.capacity,
    () => arena.available,
  ];
  for (const call of calls) throwsCode(t, call, Error, 'ERR_DISPOSED');
  t.notThrows(() => arena.dispose());
  t.notThrows(() => arena[Symbol.dispose]());
  t.deepEqual(memoryStats(), disposed, 'a second dispose frees nothing more');
});

test('using disposes at the end of the block', (t) => {
  let view: Float32Array;
  {
    using arena = new Arena(256);
    view = arena.alloc(Float32Array, 4);
    t.is(view.length, 4);
  }
  t.is(view.byteLength, 0);
});
