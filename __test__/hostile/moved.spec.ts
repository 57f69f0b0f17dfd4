// Attack class: memory moved away. A block's buffer can leave its owner: `transfer()` (Node 21+,
// Bun, Deno: native memory too), or a structured-clone transfer of V8-owned memory. From then
// on every call that would hand that memory out again throws a coded error and changes nothing
// (check first, then act); `dispose()` still finishes and frees nothing the receiver holds.
// Before the fix: `alloc` threw a code-less TypeError yet `used` grew, `reset()` threw after
// closing the scopes and rewinding, an outer `close()` threw after detaching the inner scope's
// views, and `pool.allocate()` threw a code-less TypeError.
import test, { type ExecutionContext } from 'ava';

import { Arena, memoryBacking, memoryStats, Pool } from '../../ts/index';
import { collect, throwsCode } from '../helpers';
import { byteLengthOf } from './tamper';

/** Moves `buffer`'s memory to a new buffer, if this runtime and backing can; else `undefined`. */
function moveAway(buffer: ArrayBufferLike): ArrayBuffer | undefined {
  const transfer = (ArrayBuffer.prototype as { transfer?: (this: ArrayBufferLike) => ArrayBuffer })
    .transfer;
  if (transfer !== undefined) return Reflect.apply(transfer, buffer, []) as ArrayBuffer;
  if (memoryBacking() === 'v8') {
    return structuredClone(buffer as ArrayBuffer, { transfer: [buffer as ArrayBuffer] });
  }
  // Node 20, native memory: nothing can move it (structuredClone copies an external buffer).
  return undefined;
}

function movable(t: ExecutionContext, buffer: ArrayBufferLike): ArrayBuffer | undefined {
  const moved = moveAway(buffer);
  if (moved === undefined) {
    t.log('this runtime cannot move native memory: nothing to test here');
    t.pass();
  }
  return moved;
}

test('alloc from a block whose buffer moved away: a coded error, used unchanged', (t) => {
  const arena = new Arena(4096);
  const view = arena.alloc(Float32Array, 4);
  if (movable(t, view.buffer) === undefined) return arena.dispose();
  const used = arena.used;
  throwsCode(t, () => arena.alloc(Float32Array, 4), Error, 'ERR_INVALID_STATE');
  throwsCode(t, () => arena.allocate(16), Error, 'ERR_INVALID_STATE');
  t.is(arena.used, used);
  t.notThrows(() => arena.dispose());
});

test('reset after a move: a coded error, the scopes still open, the position kept', (t) => {
  const arena = new Arena(4096);
  const view = arena.alloc(Float32Array, 4);
  const scope = arena.scope();
  const inner = arena.alloc(Float32Array, 4);
  if (movable(t, view.buffer) === undefined) return arena.dispose();
  const used = arena.used;
  throwsCode(t, () => arena.reset(), Error, 'ERR_INVALID_STATE');
  t.false(scope.closed, 'the scope was not closed');
  t.is(arena.used, used, 'nothing rewound');
  t.true(byteLengthOf(inner) > 0 || memoryBacking() === 'v8', "the scope's view was not detached");
  t.notThrows(() => arena.dispose());
  t.is(byteLengthOf(inner), 0);
});

test("an outer close after the inner scope's buffer moved: a coded error, nothing detached", (t) => {
  const arena = new Arena(1 << 16);
  arena.alloc(Uint8Array, 16);
  const outer = arena.scope();
  const first = arena.alloc(Uint8Array, 256);
  const inner = arena.scope();
  const second = arena.alloc(Uint8Array, 256);
  if (movable(t, second.buffer) === undefined) return arena.dispose();
  throwsCode(t, () => outer.close(), Error, 'ERR_INVALID_STATE');
  t.false(outer.closed);
  t.false(inner.closed);
  t.true(byteLengthOf(first) > 0, "the outer scope's views were not detached");
  t.notThrows(() => arena.dispose());
  t.is(byteLengthOf(first), 0);
});

test('pool.allocate from a chunk that moved away: a coded error', (t) => {
  const pool = new Pool(Float32Array, 4, { initialCapacity: 4 });
  const first = pool.allocate();
  if (movable(t, first.buffer) === undefined) return pool.dispose();
  const size = pool.size;
  throwsCode(t, () => pool.allocate(), Error, 'ERR_INVALID_STATE');
  t.is(pool.size, size);
  throwsCode(t, () => pool.clear(), Error, 'ERR_INVALID_STATE');
  t.notThrows(() => pool.dispose());
});

test('a zeroing pool whose chunk moved away refuses a reused slot before it leaves the free list', (t) => {
  const pool = new Pool(Float32Array, 4, { initialCapacity: 4, zero: true });
  const first = pool.allocate();
  pool.deallocate(first);
  if (movable(t, first.buffer) === undefined) return pool.dispose();
  throwsCode(t, () => pool.allocate(), Error, 'ERR_INVALID_STATE');
  t.is(pool.size, 0);
  t.is(pool.available, 4);
  t.notThrows(() => pool.dispose());
});

test.serial(
  'a buffer renewed in JavaScript, then moved away: never reused, never freed under the receiver',
  async (t) => {
    const arena = new Arena(4096);
    arena.alloc(Uint8Array, 16);
    // Renewed here where transfer() keeps the memory (Node 21+): the binding adopts it later.
    arena.reset();
    arena.reset();
    const view = arena.alloc(Uint8Array, 64);
    view.fill(7);
    const moved = movable(t, view.buffer);
    if (moved === undefined) return arena.dispose();
    // The buffers the facade renewed and dropped go; the binding can only find out it lost one.
    await collect();
    throwsCode(t, () => arena.reset(), Error, 'ERR_INVALID_STATE');
    if (memoryBacking() === 'native') {
      // A scope's window would be over the same memory (under the V8-owned backing a scope's
      // claims go to a shadow of the arena's own: other memory, nothing to refuse).
      const scope = arena.scope();
      throwsCode(t, () => arena.alloc(Uint8Array, 16), Error, 'ERR_INVALID_STATE');
      scope.close();
    }
    const before = memoryStats().liveBlocks;
    t.notThrows(() => arena.dispose());
    // Native memory stays counted (and allocated) while the receiver holds it.
    if (memoryBacking() === 'native') t.is(memoryStats().liveBlocks, before);
    const others = Array.from({ length: 8 }, () => new Arena(4096).alloc(Uint8Array, 4096).fill(1));
    t.true(
      new Uint8Array(moved, 0, moved.byteLength).some((byte) => byte === 7),
      "the receiver still reads the arena's bytes: nothing else was given its memory",
    );
    t.is(others.length, 8);
  },
);
