// The native binding decides what is detached and freed: JavaScript names blocks by index and
// scopes by depth, never a buffer. These tests call the raw binding directly, as hostile code
// could, in orders the facade never uses, and check that no call sequence leaves a buffer over
// freed memory attached, and that every refusal is a coded error that changes nothing.
import test, { type ExecutionContext } from 'ava';

import {
  Arena,
  addressOf,
  alignedDelete,
  alignedNew,
  memoryBacking,
  memoryStats,
  Pool,
} from '../ts/index';

import native = require('../ts/native');

import { collect, throwsCode } from './helpers';
import { hasTestExports, binding as testBinding } from './test-binding';

test('arena dispose detaches every buffer it made, whatever the caller kept', (t) => {
  const arena = native.createArena(1 << 16);
  const NATIVE = arena.backing === 'native';
  const windows = NATIVE ? [arena.handle.window(0, 1), arena.handle.window(0, 2)] : [];
  const shadow = NATIVE ? undefined : arena.handle.shadow(1024, 1).buffer;
  const kept = [arena.buffer, ...windows, ...(shadow === undefined ? [] : [shadow])];
  arena.handle.dispose();
  for (const buffer of kept) t.is(buffer.byteLength, 0, 'detached before the memory was freed');
  throwsCode(t, () => arena.handle.window(0, 1), Error, 'ERR_DISPOSED');
  throwsCode(t, () => arena.handle.grow(16, 16, 0, 0), Error, 'ERR_DISPOSED');
  t.notThrows(() => arena.handle.dispose(), 'a second dispose does nothing');
});

test('arena handles refuse block indices and depths they do not have, changing nothing', (t) => {
  const arena = native.createArena(1024);
  const before = memoryStats();
  throwsCode(t, () => arena.handle.window(1, 1), Error, 'ERR_INVALID_STATE');
  throwsCode(t, () => arena.handle.window(0, 0), Error, 'ERR_INVALID_STATE');
  throwsCode(t, () => arena.handle.enter(7, 1), Error, 'ERR_INVALID_STATE');
  throwsCode(t, () => arena.handle.close(0), Error, 'ERR_INVALID_STATE');
  throwsCode(
    t,
    () => arena.handle.reset('sideways' as 'retain'),
    TypeError,
    'ERR_INVALID_ARG_VALUE',
  );
  t.true(arena.buffer.byteLength > 0, 'nothing detached');
  t.deepEqual(memoryStats(), before, 'nothing allocated or freed');
  arena.handle.dispose();
});

test('a close ends the buffers of its depth and deeper, never the older ones', (t) => {
  const arena = native.createArena(1 << 16);
  if (arena.backing !== 'native') {
    const outer = arena.handle.shadow(100, 1).buffer;
    const inner = arena.handle.shadow(100, 2).buffer;
    arena.handle.close(2);
    t.is(inner.byteLength, 0, "the inner scope's shadow buffer is ended");
    t.true(outer.byteLength > 0);
    arena.handle.close(1);
    t.is(outer.byteLength, 0);
    t.true(arena.buffer.byteLength > 0, 'the base buffer stays');
    arena.handle.dispose();
    return;
  }
  const outer = arena.handle.window(0, 1);
  const inner = arena.handle.window(0, 2);
  const deeper = arena.handle.window(0, 3);
  t.is(arena.handle.close(2), null, 'no base buffer renewed');
  t.is(inner.byteLength, 0);
  t.is(deeper.byteLength, 0);
  t.true(outer.byteLength > 0 && arena.buffer.byteLength > 0, 'older buffers stay attached');
  // A reset ends everything, and hands back one fresh base buffer.
  const fresh = arena.handle.renewFirst();
  t.is(outer.byteLength, 0);
  t.is(arena.buffer.byteLength, 0);
  t.true(fresh.byteLength > 0);
  t.is(addressOf(fresh), addressOf(new Uint8Array(fresh)), 'the same memory');
  arena.handle.dispose();
  t.is(fresh.byteLength, 0);
});

test('pool clear and dispose end every chunk buffer, whatever the caller kept', (t) => {
  const pool = new native.NativePool(64, 16);
  const a = pool.addChunk(4);
  const b = pool.addChunk(4);
  const renewed = pool.clear();
  t.is(a.buffer.byteLength, 0);
  t.is(b.buffer.byteLength, 0);
  t.is(renewed.length, 2);
  pool.dispose();
  for (const buffer of renewed) t.is(buffer.byteLength, 0);
  throwsCode(t, () => pool.addChunk(4), Error, 'ERR_DISPOSED');
  throwsCode(t, () => pool.clear(), Error, 'ERR_DISPOSED');
});

test('aligned handles free their own buffer once; a second free is a double free', (t) => {
  const block = native.createAligned(64, 64);
  t.false(block.handle.released);
  block.handle.free();
  t.is(block.buffer.byteLength, 0);
  t.true(block.handle.released);
  throwsCode(t, () => block.handle.free(), Error, 'ERR_DOUBLE_FREE');
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
  pool.dispose();
});

(hasTestExports ? test : test.skip)(
  'a panic inside the binding becomes a JavaScript exception, and everything still works',
  (t) => {
    using arena = new Arena(256);
    const view = arena.alloc(Float32Array, 4);
    const error = t.throws(() => testBinding.__panicForTests('deliberate panic'), {
      instanceOf: Error,
    });
    t.regex(error?.message ?? '', /deliberate panic/);
    t.is(view.length, 4);
    t.is(arena.alloc(Float32Array, 4).length, 4);
  },
);

// A transfer (structuredClone/postMessage with a transfer list) of a block's buffer depends on
// the runtime and the backing. An external buffer (native backing) cannot be handed to another
// owner: Node 20 copied it silently, Node 21+ throws DataCloneError (nodejs/node#47604). A
// V8-owned buffer moves. Either way the block must stay consistent and dispose must finish.
const NODE_MAJOR = Number(process.versions.node.split('.')[0]);
const REFUSES_EXTERNAL_TRANSFER = NODE_MAJOR >= 21;

type Transfer = 'copied' | 'refused' | 'moved';

/** Transfers `buffer` through structuredClone and says what the runtime did with it. */
function transferAway(t: ExecutionContext, shared: ArrayBufferLike): Transfer {
  const buffer = shared as ArrayBuffer;
  const length = buffer.byteLength;
  let moved: ArrayBuffer;
  try {
    moved = structuredClone(buffer, { transfer: [buffer] });
  } catch (error) {
    t.is((error as Error).name, 'DataCloneError');
    t.is(buffer.byteLength, length, 'a refused transfer leaves the buffer as it was');
    return 'refused';
  }
  t.is(moved.byteLength, length);
  return buffer.byteLength === 0 ? 'moved' : 'copied';
}

function expectedTransfer(): Transfer {
  if (memoryBacking() === 'v8') return 'moved';
  return REFUSES_EXTERNAL_TRANSFER ? 'refused' : 'copied';
}

test('a transferred block buffer is copied, refused or moved as the runtime does; dispose still finishes', (t) => {
  const arena = new Arena(1024);
  const view = arena.alloc(Float32Array, 4);
  view[0] = 9;
  const outcome = transferAway(t, view.buffer);
  t.is(outcome, expectedTransfer());
  if (outcome === 'moved') {
    // The arena's memory now belongs to the receiver: the arena cannot renew it.
    t.is(view.byteLength, 0);
    throwsCode(t, () => arena.reset(), Error, 'ERR_INVALID_STATE');
  } else {
    // The arena kept its memory: the view is untouched and the arena works on.
    t.is(view[0], 9);
    arena.reset();
    t.is(arena.alloc(Float32Array, 4).length, 4);
  }
  t.notThrows(() => arena.dispose());
  throwsCode(t, () => arena.used, Error, 'ERR_DISPOSED');

  const pool = new Pool(Float32Array, 4, { initialCapacity: 2 });
  t.is(transferAway(t, pool.allocate().buffer), outcome);
  t.notThrows(() => pool.dispose());

  const before = memoryStats().alignedBuffers;
  const weights = alignedNew(Float32Array, 16, 64);
  t.is(transferAway(t, weights.buffer), outcome);
  t.notThrows(() => alignedDelete(weights));
  // Kept (copied or refused), alignedDelete frees it; moved (V8-owned), the memory is V8's and the
  // receiver's now. Either way the library no longer holds it.
  t.is(memoryStats().alignedBuffers, before, `${outcome}: still counted after alignedDelete`);
});

/** Moves `buffer` to a new owner, if this runtime and backing have a way to. */
function move(shared: ArrayBufferLike): ArrayBuffer | undefined {
  const buffer = shared as ArrayBuffer;
  if (memoryBacking() === 'v8') return structuredClone(buffer, { transfer: [buffer] });
  // ArrayBuffer.prototype.transfer (Node 21+) moves even an external buffer's memory.
  const transfer = (buffer as { transfer?: () => ArrayBuffer }).transfer;
  return transfer?.call(buffer);
}

test.serial(
  'a buffer moved away takes its memory with it: dispose finishes, the receiver frees it',
  async (t) => {
    await collect();
    const before = memoryStats();
    const arena = new Arena(4096);
    const view = arena.alloc(Float32Array, 4);
    view[0] = 5;
    const { byteOffset } = view;
    const address = addressOf(view.buffer);
    let moved = move(view.buffer);
    if (moved === undefined) {
      // Node 20 has no ArrayBuffer.prototype.transfer, and structuredClone copies external buffers.
      t.is(NODE_MAJOR, 20);
      t.is(memoryBacking(), 'native');
      arena.dispose();
      t.deepEqual(memoryStats(), before);
      return;
    }
    t.is(view.byteLength, 0);
    t.is(addressOf(moved), address, 'the memory moved, it was not copied');
    t.notThrows(() => arena.dispose());
    // V8-owned memory is the receiver's now; native memory is still the library's, until the
    // receiver lets it go.
    t.is(memoryStats().liveBlocks, before.liveBlocks + (memoryBacking() === 'v8' ? 0 : 1));
    await collect();
    // Dispose gave the block up instead of freeing memory the receiver still uses.
    t.is(new Float32Array(moved, byteOffset, 1)[0], 5);
    t.is(addressOf(moved), address);
    moved = undefined;
    await collect();
    t.deepEqual(memoryStats(), before, 'the memory went with the receiver');
  },
);
