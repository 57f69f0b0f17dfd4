// Replaying a plan: the views are cut once, every run gets the same ones, and a pass that departs
// from its plan is stopped before it can be handed memory that a live tensor occupies.
import test from 'ava';

import { addressOf, MemoryPlan, memoryStats, type PassMemory } from '../ts/index';
import { throwsCode } from './helpers';

function pass(mem: PassMemory, width = 256): Float32Array {
  const x = mem.alloc(Float32Array, 64);
  const h = mem.alloc(Float32Array, width, 64);
  mem.free(x);
  const y = mem.alloc(Float32Array, 64);
  mem.free(h);
  const bytes = mem.allocate(32);
  mem.free(bytes);
  return y;
}

test('run hands out the pre-cut views, the same ones every run, at the planned offsets', (t) => {
  const plan = MemoryPlan.record((mem) => pass(mem));
  using replay = plan.instantiate();
  t.is(replay.bytes, plan.bytes);
  const base = addressOf(replay.views[0] as Float32Array) - BigInt(plan.offsets[0] as number);
  const first = replay.run((mem) => {
    const views: ArrayBufferView[] = [];
    const x = mem.alloc(Float32Array, 64);
    views.push(x);
    const h = mem.alloc(Float32Array, 256, 64);
    views.push(h);
    mem.free(x);
    views.push(mem.alloc(Float32Array, 64));
    mem.free(h);
    const bytes = mem.allocate(32);
    views.push(bytes);
    mem.free(bytes);
    return views;
  });
  t.deepEqual(first, replay.views);
  for (const [i, view] of first.entries()) {
    t.is(addressOf(view), base + BigInt(plan.offsets[i] as number), `tensor ${i} at its offset`);
    t.is(addressOf(view) % BigInt(plan.tensors[i]?.alignment ?? 1), 0n);
  }
  for (let run = 0; run < 3; run++)
    t.is<ArrayBufferView | undefined, ArrayBufferView | undefined>(
      replay.run((mem) => pass(mem)),
      first[2],
    );
});

test('a pass that departs from its plan gets ERR_PLAN_MISMATCH, and the next run starts clean', (t) => {
  const plan = MemoryPlan.record((mem) => pass(mem));
  using replay = plan.instantiate();
  const cases: [string, (mem: PassMemory) => void, RegExp][] = [
    [
      'another shape',
      (mem) => mem.alloc(Float32Array, 65),
      /step 0: the plan has alloc of tensor 0, Float32Array\(64\) aligned to 16, the pass asked for alloc of Float32Array\(65\)/,
    ],
    ['another type', (mem) => mem.alloc(Int32Array, 64), /alloc of Int32Array\(64\)/],
    ['another alignment', (mem) => mem.alloc(Float32Array, 64, 64), /aligned to 64/],
    [
      'another order',
      (mem) => {
        mem.alloc(Float32Array, 64);
        mem.alloc(Float32Array, 64);
      },
      /step 1/,
    ],
    [
      'a tensor freed later than planned',
      (mem) => {
        mem.alloc(Float32Array, 64);
        mem.alloc(Float32Array, 256, 64);
        mem.alloc(Float32Array, 64); // x is still live: y would take its bytes
      },
      /step 2: the plan has free of tensor 0/,
    ],
    [
      'a tensor freed earlier than planned',
      (mem) => {
        const x = mem.alloc(Float32Array, 64);
        mem.free(x);
      },
      /step 1: the plan has alloc of tensor 1/,
    ],
    [
      'the wrong view freed',
      (mem) => {
        mem.alloc(Float32Array, 64);
        const h = mem.alloc(Float32Array, 256, 64);
        mem.free(h);
      },
      /the plan has free of tensor 0, the pass asked for free of tensor 1/,
    ],
    [
      'more than was planned',
      (mem) => {
        pass(mem);
        mem.alloc(Float32Array, 1);
      },
      /the plan has the end of the pass/,
    ],
    [
      'stopping early (2 of 7 steps)',
      (mem) => {
        mem.alloc(Float32Array, 64);
        mem.alloc(Float32Array, 256, 64);
      },
      /step 2: the plan has free of tensor 0, the pass asked for the end of the pass/,
    ],
    [
      'its last free skipped',
      (mem) => {
        const x = mem.alloc(Float32Array, 64);
        const h = mem.alloc(Float32Array, 256, 64);
        mem.free(x);
        mem.alloc(Float32Array, 64);
        mem.free(h);
        mem.allocate(32);
      },
      /step 6: the plan has free of tensor 3, the pass asked for the end of the pass/,
    ],
  ];
  for (const [name, departure, message] of cases) {
    const error = throwsCode(t, () => replay.run(departure), Error, 'ERR_PLAN_MISMATCH');
    t.regex(error.message, message, name);
    t.is<ArrayBufferView | undefined, ArrayBufferView | undefined>(
      replay.run((mem) => pass(mem)),
      replay.views[2],
      `${name}: the next run starts clean`,
    );
  }
});

test('an async run that stops early is rejected with ERR_PLAN_MISMATCH; the next run starts clean', async (t) => {
  const plan = MemoryPlan.record((mem) => pass(mem));
  using replay = plan.instantiate();
  const early = replay.run(async (mem) => {
    mem.alloc(Float32Array, 64);
    await null;
  });
  const error = await t.throwsAsync(early, { message: /step 1: the plan has alloc of tensor 1/ });
  t.is((error as Error & { code?: string }).code, 'ERR_PLAN_MISMATCH');
  t.is<ArrayBufferView | undefined, ArrayBufferView | undefined>(
    replay.run((mem) => pass(mem)),
    replay.views[2],
  );
});

test('a replayed alloc checks its alignment as the recording did, even below the element size', (t) => {
  // A Float32Array recorded at 4 bytes: an alignment of 3, 0 or 2.5 raised to 4 matched it, and
  // the fast path used to hand the view out; the recording refuses them (alignmentFor, ts/errors.ts).
  const plan = MemoryPlan.record((mem) => {
    mem.alloc(Float32Array, 4, 4);
  });
  using replay = plan.instantiate();
  for (const alignment of [3, 0, -1, 2.5, Number.NaN]) {
    throwsCode(
      t,
      () => replay.run((mem) => mem.alloc(Float32Array, 4, alignment)),
      RangeError,
      'ERR_INVALID_ALIGNMENT',
    );
  }
  // A valid alignment below the element size is raised to it, as when recording.
  for (const alignment of [1, 4]) {
    t.is<ArrayBufferView | undefined, ArrayBufferView | undefined>(
      replay.run((mem) => mem.alloc(Float32Array, 4, alignment)),
      replay.views[0],
    );
  }
});

test('poison makes a use after free visible; without it the memory just serves the next tensor', (t) => {
  const plan = MemoryPlan.record((mem) => pass(mem));
  using plain = plan.instantiate();
  using poisoned = plan.instantiate({ poison: true });
  for (const replay of [plain, poisoned]) {
    let stale: Float32Array | undefined;
    replay.run((mem) => {
      const x = mem.alloc(Float32Array, 64);
      x.fill(1);
      const h = mem.alloc(Float32Array, 256, 64);
      mem.free(x);
      stale = x;
      mem.alloc(Float32Array, 64);
      mem.free(h);
      mem.free(mem.allocate(32));
    });
    if (replay === poisoned) t.true(Number.isNaN(stale?.[0]), 'poisoned: a read after free is NaN');
    else t.false(Number.isNaN(stale?.[0]), 'plain: the view still reads whatever is there');
  }
});

test('planned from lifetimes: each tensor gets its view at its first use, bytes before', (t) => {
  const plan = MemoryPlan.fromLifetimes([
    { size: 256, start: 0, end: 1 },
    { size: 64, start: 1, end: 2 },
  ]);
  using replay = plan.instantiate();
  const [first, second] = replay.views;
  t.true(first instanceof Uint8Array && first.byteLength === 256, 'bytes before the first use');
  t.true(second instanceof Uint8Array && second.byteLength === 64);
  const run = () =>
    replay.run((mem) => {
      const a = mem.alloc(Float32Array, 64);
      const b = mem.alloc(Uint8Array, 64);
      mem.free(a);
      mem.free(b);
      return [a, b];
    });
  const [a, b] = run();
  t.deepEqual(run(), [a, b], 'the same views on the next run');
  t.true(a instanceof Float32Array && b instanceof Uint8Array);
  t.deepEqual(replay.views, [a, b], 'views of the types first used');
  t.is(addressOf(a as Float32Array), addressOf(first as Uint8Array), 'over the same bytes');
  throwsCode(t, () => replay.run((mem) => mem.alloc(Float32Array, 65)), Error, 'ERR_PLAN_MISMATCH');
});

test('a run in progress, a pending hold and dispose are guarded', async (t) => {
  const before = memoryStats();
  const plan = MemoryPlan.record((mem) => pass(mem));
  const replay = plan.instantiate();
  throwsCode(t, () => replay.alloc(Float32Array, 64), Error, 'ERR_INVALID_STATE');
  replay.run((mem) => {
    throwsCode(t, () => replay.run(() => {}), Error, 'ERR_BUSY');
    pass(mem);
  });
  let finish: () => void = () => {};
  const held = replay.hold(
    new Promise<void>((resolve) => {
      finish = resolve;
    }),
  );
  throwsCode(t, () => replay.run((mem) => pass(mem)), Error, 'ERR_BUSY');
  throwsCode(t, () => replay.dispose(), Error, 'ERR_BUSY');
  finish();
  await held;
  const async = replay.run(async (mem) => {
    pass(mem);
    await Promise.resolve();
  });
  throwsCode(t, () => replay.run(() => {}), Error, 'ERR_BUSY');
  await async;
  replay.dispose();
  throwsCode(t, () => replay.views, Error, 'ERR_DISPOSED');
  throwsCode(t, () => replay.run((mem) => pass(mem)), Error, 'ERR_DISPOSED');
  t.notThrows(() => replay.dispose());
  t.deepEqual(memoryStats(), before);
});
