// Attack class: hold settlement. A hold is a token released once, by its own identity, when its
// work settles: a promise or thenable that calls back twice, a `then` that throws or returns
// anything, a patched `Promise.prototype.then`, a failed argument check: none may release another
// hold or leave a count behind. Before the fix, a promise settling twice released the hold of a
// `crypto.randomFill` still writing into the arena, and `dispose()` freed the memory under it
// (SIGSEGV on every backing).
import { randomFill } from 'node:crypto';
import { promisify } from 'node:util';

import test from 'ava';

import {
  Arena,
  alignedDelete,
  alignedFree,
  alignedNew,
  holdAligned,
  MemoryPlan,
  type PassMemory,
  Pool,
} from '../../ts/index';
import { throwsCode } from '../helpers';
import { patched } from './tamper';

const fill = promisify(randomFill);

/** A real promise whose own `then` calls its callback twice. */
function settlesTwice(): Promise<void> {
  const twice = Promise.resolve();
  Object.defineProperty(twice, 'then', {
    value(ok: () => void) {
      ok();
      ok();
      return Promise.resolve();
    },
  });
  return twice;
}

/** Thenables (not promises) that misbehave in every way a `then` can. */
function thenables(): PromiseLike<unknown>[] {
  return [
    {
      then(ok: (v: unknown) => void) {
        ok(1);
        ok(2);
      },
    } as PromiseLike<unknown>,
    {
      then(ok: (v: unknown) => void, fail: (e: unknown) => void) {
        ok(1);
        fail(new Error('then both'));
        return 42;
      },
    } as unknown as PromiseLike<unknown>,
    {
      then(ok: (v: unknown) => void) {
        ok(1);
        throw new Error('then throws after settling');
      },
    } as PromiseLike<unknown>,
  ];
}

test('a promise that settles twice releases its own hold only', async (t) => {
  const arena = new Arena(64 << 20);
  const out = arena.alloc(Uint8Array, 64 << 20);
  const writing = arena.hold(fill(out));
  const twice = arena.hold(settlesTwice());
  await twice;
  await new Promise((resolve) => setImmediate(resolve));
  // randomFill may still be writing: its hold must be the one left.
  throwsCode(t, () => arena.dispose(), Error, 'ERR_BUSY');
  await writing;
  t.notThrows(() => arena.dispose());
});

test('misbehaving thenables each release exactly one hold', async (t) => {
  const arena = new Arena(4096);
  let release: () => void = () => {};
  const pending = arena.hold(
    new Promise<void>((resolve) => {
      release = resolve;
    }),
  );
  const settled = thenables().map((work) => arena.hold(work).catch(() => undefined));
  await Promise.all(settled);
  await new Promise((resolve) => setImmediate(resolve));
  const error = throwsCode(t, () => arena.reset(), Error, 'ERR_BUSY');
  t.regex(error.message, /1 hold is pending/);
  release();
  await pending;
  t.notThrows(() => arena.reset());
  arena.dispose();
});

test('pool.clear and alignedFree cannot be bypassed by a promise that settles twice', async (t) => {
  const pool = new Pool(Uint8Array, 1 << 16, { initialCapacity: 2 });
  const slot = pool.allocate();
  const writing = pool.hold(fill(slot));
  await pool.hold(settlesTwice());
  throwsCode(t, () => pool.clear(), Error, 'ERR_BUSY');
  await writing;
  t.notThrows(() => pool.clear());
  pool.dispose();

  const weights = alignedNew(Uint8Array, 1 << 16, 64);
  const filling = holdAligned(weights, fill(weights));
  await holdAligned(weights, settlesTwice());
  throwsCode(t, () => alignedFree(weights), Error, 'ERR_BUSY');
  await filling;
  t.notThrows(() => alignedFree(weights));
});

test.serial('a patched Promise.prototype.then cannot release a hold early', async (t) => {
  const arena = new Arena(4096);
  let release: () => void = () => {};
  const work = new Promise<void>((resolve) => {
    release = resolve;
  });
  const originalThen = Promise.prototype.then;
  // Patched for a synchronous stretch only: the test runner's own promises must not see it.
  const held = patched(
    Promise.prototype,
    'then',
    {
      value(
        this: Promise<unknown>,
        ok?: (value: unknown) => unknown,
        fail?: (e: unknown) => unknown,
      ) {
        // Calls back at once, as if the work were done, and twice.
        ok?.(undefined);
        ok?.(undefined);
        return Reflect.apply(originalThen, this, [ok, fail]);
      },
    },
    () => {
      const hold = arena.hold(work);
      throwsCode(t, () => arena.reset(), Error, 'ERR_BUSY');
      return hold;
    },
  );
  await new Promise((resolve) => setImmediate(resolve));
  throwsCode(t, () => arena.reset(), Error, 'ERR_BUSY');
  release();
  await held;
  t.notThrows(() => arena.reset());
  arena.dispose();
});

test('a failed argument check takes no hold: pass.hold(42) leaves the pass usable', async (t) => {
  const plan = MemoryPlan.record((mem: PassMemory) => {
    mem.alloc(Float32Array, 4);
  });
  using pass = plan.instantiate();
  throwsCode(
    t,
    () => pass.hold(42 as unknown as PromiseLike<void>),
    TypeError,
    'ERR_INVALID_ARG_TYPE',
  );
  throwsCode(
    t,
    () => pass.hold({ then: 5 } as unknown as PromiseLike<void>),
    TypeError,
    'ERR_INVALID_ARG_TYPE',
  );
  t.notThrows(() => pass.run((mem) => mem.alloc(Float32Array, 4)));
  // A getter that throws while `then` is read: nothing held either.
  const trap = Object.defineProperty({}, 'then', {
    get() {
      throw new Error('no');
    },
  });
  t.throws(() => pass.hold(trap as PromiseLike<void>), { message: 'no' });
  t.notThrows(() => pass.run((mem) => mem.alloc(Float32Array, 4)));
  // A thenable whose `then` returns a non-promise: held until it calls back, then released.
  let callBack: (value: unknown) => void = () => {};
  const odd = {
    then(ok: (value: unknown) => void) {
      callBack = ok;
      return 'not a promise';
    },
  };
  const held = pass.hold(odd as unknown as PromiseLike<unknown>);
  await new Promise((resolve) => setImmediate(resolve));
  throwsCode(t, () => pass.run(() => undefined), Error, 'ERR_BUSY');
  callBack(1);
  t.is(await held, 1);
  t.notThrows(() => pass.run((mem) => mem.alloc(Float32Array, 4)));
  t.notThrows(() => pass.dispose());
});

test('every kind of work is refused with a code, and nothing is held after', (t) => {
  const arena = new Arena(1024);
  const pool = new Pool(Float32Array, 4);
  const view = alignedNew(Float32Array, 4);
  for (const bad of [42, null, undefined, 'then', {}, { then: 'x' }]) {
    const work = bad as unknown as PromiseLike<unknown>;
    throwsCode(t, () => arena.hold(work), TypeError, 'ERR_INVALID_ARG_TYPE');
    throwsCode(t, () => pool.hold(work), TypeError, 'ERR_INVALID_ARG_TYPE');
    throwsCode(t, () => holdAligned(view, work), TypeError, 'ERR_INVALID_ARG_TYPE');
  }
  t.notThrows(() => arena.reset());
  t.notThrows(() => pool.clear());
  t.notThrows(() => alignedDelete(view));
  arena.dispose();
  pool.dispose();
});
