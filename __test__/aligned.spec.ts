import test from 'ava';
import { MAX_VIEW_LENGTH } from '../ts/errors';
import {
  AVX2_ALIGNMENT,
  AVX512_ALIGNMENT,
  addressOf,
  alignedAlloc,
  alignedDelete,
  alignedFree,
  alignedNew,
  memoryStats,
} from '../ts/index';
import { collect, TYPES, throwsCode } from './helpers';

test('alignedAlloc returns zero-filled bytes at every alignment from 1 to 4096', (t) => {
  for (let alignment = 1; alignment <= 4096; alignment *= 2) {
    const view = alignedAlloc(100, alignment);
    t.is(view.length, 100);
    t.is(addressOf(view) % BigInt(alignment), 0n, `alignment ${alignment}`);
    t.true(view.every((byte) => byte === 0));
    alignedFree(view);
  }
});

test('alignedAlloc of size 0 gives an empty aligned view', (t) => {
  const view = alignedAlloc(0, 64);
  t.is(view.length, 0);
  t.is(addressOf(view) % 64n, 0n);
  alignedFree(view);
});

test('alignedNew works for each typed array type, aligned to its element size by default', (t) => {
  for (const type of TYPES) {
    const view = alignedNew(type, 33);
    t.true(view instanceof type, type.name);
    t.is(view.length, 33);
    t.is(addressOf(view) % BigInt(type.BYTES_PER_ELEMENT), 0n);
    alignedDelete(view);
  }
});

test('alignedNew honours AVX2 and AVX-512 alignments', (t) => {
  const avx2 = alignedNew(Float32Array, 4096, AVX2_ALIGNMENT);
  const avx512 = alignedNew(Float32Array, 4096, AVX512_ALIGNMENT);
  t.is(addressOf(avx2) % 32n, 0n);
  t.is(addressOf(avx512) % 64n, 0n);
  alignedDelete(avx2);
  alignedDelete(avx512);
});

test('alignedNew raises a smaller alignment to the element size', (t) => {
  const view = alignedNew(Float64Array, 3, 2);
  t.is(addressOf(view) % 8n, 0n);
  alignedDelete(view);
});

test('free detaches the buffer and returns the memory now', (t) => {
  const before = memoryStats();
  const view = alignedNew(Float32Array, 1024, 64);
  const held = memoryStats();
  t.is(held.alignedBuffers, before.alignedBuffers + 1);
  t.true(held.liveBytes >= before.liveBytes + 4096);
  alignedDelete(view);
  t.is(view.byteLength, 0);
  t.deepEqual(memoryStats(), before);
});

test('a double free throws ERR_DOUBLE_FREE', (t) => {
  const bytes = alignedAlloc(64, 16);
  alignedFree(bytes);
  throwsCode(t, () => alignedFree(bytes), Error, 'ERR_DOUBLE_FREE');
  const floats = alignedNew(Float32Array, 8);
  alignedDelete(floats);
  throwsCode(t, () => alignedDelete(floats), Error, 'ERR_DOUBLE_FREE');
});

test('foreign views throw ERR_FOREIGN_VIEW and free nothing', (t) => {
  const mine = alignedNew(Float32Array, 16, 64);
  const before = memoryStats();
  throwsCode(t, () => alignedDelete(new Float32Array(16)), Error, 'ERR_FOREIGN_VIEW');
  throwsCode(t, () => alignedDelete(mine.subarray(4)), Error, 'ERR_FOREIGN_VIEW');
  throwsCode(
    t,
    () => alignedDelete(new Float32Array(new SharedArrayBuffer(64))),
    Error,
    'ERR_FOREIGN_VIEW',
  );
  throwsCode(
    t,
    () => alignedFree(new DataView(mine.buffer) as unknown as Uint8Array),
    TypeError,
    'ERR_INVALID_ARG_TYPE',
  );
  throwsCode(
    t,
    () => alignedFree(mine.buffer as unknown as Uint8Array),
    TypeError,
    'ERR_INVALID_ARG_TYPE',
  );
  t.deepEqual(memoryStats(), before);
  t.is(mine.length, 16);
  alignedDelete(mine);
});

test('argument errors carry their codes and allocate nothing', (t) => {
  const before = memoryStats();
  const cases: [() => unknown, ErrorConstructor, string][] = [
    [() => alignedAlloc('1' as never, 16), TypeError, 'ERR_INVALID_ARG_TYPE'],
    [() => alignedAlloc(-1, 16), RangeError, 'ERR_OUT_OF_RANGE'],
    [() => alignedAlloc(1, undefined as never), TypeError, 'ERR_INVALID_ARG_TYPE'],
    [() => alignedAlloc(1, 3), RangeError, 'ERR_INVALID_ALIGNMENT'],
    [() => alignedAlloc(1, 131072), RangeError, 'ERR_INVALID_ALIGNMENT'],
    [() => alignedNew(Object as never, 1), TypeError, 'ERR_INVALID_ARG_TYPE'],
    [() => alignedNew(Float32Array, Number.NaN), RangeError, 'ERR_OUT_OF_RANGE'],
    [() => alignedNew(Float32Array, 1, 48), RangeError, 'ERR_INVALID_ALIGNMENT'],
    // A petabyte: more than one typed array may hold in Node 20, more than any system grants later.
    [
      () => alignedAlloc(2 ** 50, 64),
      RangeError,
      2 ** 50 > MAX_VIEW_LENGTH ? 'ERR_OUT_OF_RANGE' : 'ERR_OUT_OF_MEMORY',
    ],
  ];
  for (const [fn, type, code] of cases) throwsCode(t, fn, type, code);
  t.deepEqual(memoryStats(), before);
});

test.serial(
  'buffers over 4 GiB fall back safely where the runtime refuses them as external',
  async (t) => {
    // Node 20 builds external buffers as Buffers, which stop at 4 GiB: it throws and runs the
    // finalizer at once. The block must then move to V8-owned memory without being freed twice.
    const before = memoryStats();
    for (let i = 0; i < 4; i++) {
      try {
        const view = alignedNew(Float32Array, 2 ** 30 + 16, 64);
        t.is(addressOf(view) % 64n, 0n);
        view[view.length - 1] = 1;
        alignedDelete(view);
      } catch (error) {
        t.is(
          (error as { code?: string }).code,
          'ERR_OUT_OF_MEMORY',
          'or the machine refuses 4 GiB',
        );
      }
    }
    await collect();
    t.deepEqual(memoryStats(), before);
  },
);
