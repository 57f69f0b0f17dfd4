// Attack class: tampering with the realm. Own properties on the package's buffers, patched
// prototypes and replaced globals, after the package loaded and (in a child process) before it:
// none may make the package keep an attached view over memory it freed or handed to another
// owner. Each test is a repro from the hostile-input review (issue 16); before the fix, the first
// one wrote into another arena's memory (with an 8 MiB arena: SIGSEGV).
import test from 'ava';

import { Arena, memoryBacking, memoryStats, Pool } from '../../ts/index';

import native = require('../../ts/native');

import { throwsCode } from '../helpers';
import { byteLengthOf, inChild, patched } from './tamper';

const fakeTransfer = (target: () => ArrayBufferLike) => ({
  value(this: ArrayBuffer) {
    return target();
  },
});

test("a scope's window with a lying own transfer(): close detaches it, dispose frees nothing under it", (t) => {
  const arena = new Arena(1 << 16);
  const pre = arena.alloc(Uint8Array, 16);
  const scope = arena.scope();
  const v = arena.alloc(Uint8Array, 1 << 15);
  // An own property (Node 22+ has `transfer` on the prototype; this shadows it everywhere).
  Object.defineProperty(
    v.buffer,
    'transfer',
    fakeTransfer(() => pre.buffer),
  );
  Object.defineProperty(v.buffer, 'detached', { get: () => false });
  scope.close();
  t.is(byteLengthOf(v), 0, "the scope's view is detached");
  t.is(byteLengthOf(pre), 16, 'the older view is not');
  arena.dispose();
  t.is(byteLengthOf(pre), 0);
  const victim = new Arena(1 << 16).allocate(1 << 16);
  t.throws(() => v.fill(0x41), { instanceOf: TypeError }, 'a detached view cannot be written');
  t.true(
    victim.every((byte) => byte === 0),
    'the next owner of the memory saw nothing',
  );
});

test('a patched ArrayBuffer.prototype.transfer and detached getter change nothing', (t) => {
  const arena = new Arena(1 << 16);
  const pre = arena.alloc(Uint8Array, 16);
  const scope = arena.scope();
  const v = arena.alloc(Uint8Array, 4096);
  patched(
    ArrayBuffer.prototype,
    'transfer',
    fakeTransfer(() => pre.buffer),
    () =>
      patched(ArrayBuffer.prototype, 'detached', { get: () => false }, () => {
        scope.close();
        t.is(byteLengthOf(v), 0);
        t.is(byteLengthOf(pre), 16);
        // A reset under the same patches: every view detached.
        const old = arena.alloc(Uint8Array, 64);
        arena.reset();
        t.is(byteLengthOf(old), 0);
        t.is(byteLengthOf(pre), 0);
        const fresh = arena.alloc(Uint8Array, 64);
        t.is(fresh.length, 64);
      }),
  );
  arena.dispose();
});

test("the base buffer with a lying transfer(): reset detaches every old view, the next scope's views do not overlap them", (t) => {
  const arena = new Arena(1 << 16);
  const old = arena.alloc(Uint8Array, 256);
  Object.defineProperty(
    old.buffer,
    'transfer',
    fakeTransfer(() => new ArrayBuffer(1 << 16)),
  );
  arena.reset();
  t.is(byteLengthOf(old), 0);
  const scope = arena.scope();
  const inner = arena.alloc(Uint8Array, 256);
  Object.defineProperty(
    inner.buffer,
    'transfer',
    fakeTransfer(() => old.buffer),
  );
  scope.close();
  t.is(byteLengthOf(inner), 0);
  const next = arena.scope();
  const again = arena.alloc(Uint8Array, 256);
  again.fill(7);
  t.is(byteLengthOf(inner), 0, 'the closed scope view stays detached');
  next.close();
  arena.dispose();
});

test('a pool clear under a replaced structuredClone and transfer detaches every old view', (t) => {
  const pool = new Pool(Float32Array, 4, { initialCapacity: 4 });
  const views = [pool.allocate(), pool.allocate()];
  const other = new Pool(Float32Array, 4, { initialCapacity: 4 });
  const stolen = other.allocate();
  patched(globalThis, 'structuredClone', { value: () => stolen.buffer }, () =>
    patched(
      ArrayBuffer.prototype,
      'transfer',
      fakeTransfer(() => stolen.buffer),
      () => {
        pool.clear();
      },
    ),
  );
  for (const view of views) t.is(byteLengthOf(view), 0);
  t.is(byteLengthOf(stolen), 16, "the other pool's view is untouched");
  const next = pool.allocate();
  next.fill(1);
  t.true(
    stolen.every((value) => value === 0),
    'no slot is shared with the other pool',
  );
  pool.dispose();
  other.dispose();
});

test('a replaced global ArrayBuffer cannot hand a new arena another arena’s buffer', (t) => {
  const first = new Arena(4096);
  const view = first.alloc(Uint8Array, 16);
  patched(
    globalThis,
    'ArrayBuffer',
    {
      value: function FakeArrayBuffer() {
        return view.buffer;
      },
    },
    () => {
      const second = new Arena(4096);
      const mine = second.alloc(Uint8Array, 16);
      t.not(mine.buffer, view.buffer);
      mine.fill(9);
      t.true(view.every((byte) => byte === 0));
      second.dispose();
    },
  );
  first.dispose();
});

test('raw loader: a window kept by the caller is detached by dispose and by a reset', (t) => {
  const arena = native.createArena(1 << 16);
  if (arena.backing !== 'native') {
    // Windows exist over native memory only; shadows are covered by the next test.
    arena.handle.dispose();
    t.pass();
    return;
  }
  const window = arena.handle.window(0, 1);
  const spare = arena.handle.window(0, 2);
  arena.handle.close(2); // `spare`'s memory becomes the block's spare window, natively
  t.is(spare.byteLength, 0);
  const reset = native.createArena(1 << 16);
  const kept = reset.handle.window(0, 1);
  reset.handle.renewFirst();
  t.is(kept.byteLength, 0, 'a reset ends every window');
  arena.handle.dispose();
  t.is(window.byteLength, 0, 'dispose ends the window it made, though no one named it');
  t.is(arena.buffer.byteLength, 0);
  reset.handle.dispose();
});

test('raw loader: a shadow kept by the caller is detached by the close of its scope', (t) => {
  const arena = native.createArena(1 << 16);
  const shadow = arena.handle.shadow(1024, 1).buffer;
  arena.handle.close(1);
  t.is(shadow.byteLength, 0);
  const again = arena.handle.shadow(1024, 1).buffer;
  t.true(again.byteLength > 0, 'a spare shadow is handed out again, renewed');
  arena.handle.dispose();
  t.is(again.byteLength, 0);
});

test('builtins replaced before the package loads: still no attached view over reused memory', (t) => {
  const printed = inChild(`
    const Real = ArrayBuffer;
    let stolen;
    // A constructor that hands out a buffer it kept, and a transfer() that returns it too.
    globalThis.ArrayBuffer = new Proxy(Real, {
      construct(target, args) { return stolen && stolen.byteLength === args[0] ? stolen : new Real(...args); },
    });
    Real.prototype.transfer = function () { return stolen ?? new Real(8); };
    globalThis.structuredClone = () => stolen;
    const { Arena, Pool } = require(PACKAGE);
    const results = [];
    const a = new Arena(4096);
    const kept = a.alloc(Uint8Array, 16);
    stolen = kept.buffer;
    try {
      const b = new Arena(4096);
      const mine = b.alloc(Uint8Array, 16);
      results.push(mine.buffer === kept.buffer ? 'shared' : 'separate');
    } catch (error) {
      results.push(error.code);
    }
    const scope = a.scope();
    const inner = a.alloc(Uint8Array, 64);
    try { scope.close(); } catch (error) { results.push(error.code); }
    results.push(inner.byteLength === 0 ? 'closed' : 'attached');
    try { a.reset(); } catch (error) { results.push(error.code); }
    results.push(kept.byteLength === 0 ? 'reset' : 'attached');
    const pool = new Pool(Float32Array, 4);
    const slot = pool.allocate();
    try { pool.clear(); } catch (error) { results.push(error.code); }
    results.push(slot.byteLength === 0 ? 'cleared' : 'attached');
    console.log(JSON.stringify(results));
  `);
  const results = JSON.parse(printed.split('\n').pop() as string) as string[];
  t.false(results.includes('shared'), `${printed}`);
  t.false(results.includes('attached'), `${printed}`);
  for (const entry of results) {
    t.true(
      ['separate', 'closed', 'reset', 'cleared', 'ERR_INVALID_STATE'].includes(entry),
      `unexpected: ${entry}`,
    );
  }
});

test('after all this, the counters are exact', (t) => {
  const before = memoryStats();
  const arena = new Arena(1024);
  arena.alloc(Float32Array, 4);
  arena.dispose();
  t.deepEqual(memoryStats(), before);
  t.true(['native', 'v8'].includes(memoryBacking()));
  throwsCode(t, () => arena.reset(), Error, 'ERR_DISPOSED');
});
