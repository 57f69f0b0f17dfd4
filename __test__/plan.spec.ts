// Memory plans: recording a pass, planning explicit lifetimes, the plan's figures and its JSON.
// The invariant that matters most: tensors whose lifetimes meet never share a byte.
import { spawnSync } from 'node:child_process';
import path from 'node:path';

import test from 'ava';
import fc from 'fast-check';

import { addressOf, type Lifetime, MemoryPlan, memoryStats, type PassMemory } from '../ts/index';
import type { AsyncPassesSeen } from './fixtures/async-passes';
import { throwsCode } from './helpers';

/** A small network's pass: each layer's output feeds the next; temporaries die at once. */
function forward(mem: PassMemory): Float32Array {
  let x = mem.alloc(Float32Array, 784);
  for (const width of [512, 256, 128, 10]) {
    const scratch = mem.alloc(Float32Array, width * 4, 64);
    const y = mem.alloc(Float32Array, width);
    mem.free(scratch);
    mem.free(x);
    x = y;
  }
  return x;
}

/** Whether two tensors' steps meet, and whether their bytes meet, in a plan. */
function conflicts(plan: MemoryPlan): string[] {
  const found: string[] = [];
  const { tensors, offsets } = plan;
  for (let i = 0; i < tensors.length; i++) {
    for (let j = i + 1; j < tensors.length; j++) {
      const [a, b] = [tensors[i], tensors[j]] as [Lifetime, Lifetime];
      const live = a.start <= b.end && b.start <= a.end;
      const [oa, ob] = [offsets[i] as number, offsets[j] as number];
      const bytes = a.size > 0 && b.size > 0 && oa < ob + b.size && ob < oa + a.size;
      if (live && bytes) found.push(`${i} and ${j}`);
    }
  }
  return found;
}

test('record: every alloc and free is a step; a tensor lives to its free or to the end', (t) => {
  const plan = MemoryPlan.record(forward);
  t.is(plan.tensors.length, 9);
  const [x0, s1, y1] = plan.tensors;
  t.like(x0, { size: 784 * 4, start: 0, end: 4, freed: true, type: 'Float32Array', length: 784 });
  t.like(s1, { size: 512 * 16, alignment: 64, start: 1, end: 3, freed: true });
  t.like(y1, { start: 2, freed: true });
  const last = plan.tensors.at(-1);
  t.like(last, { length: 10, freed: false, end: 16 }, 'never freed: live to the last step');
  t.deepEqual(conflicts(plan), []);
  for (const [i, tensor] of plan.tensors.entries()) {
    t.is((plan.offsets[i] as number) % tensor.alignment, 0, `tensor ${i} aligned`);
  }
});

test('a plan needs no more than the naive layout and no less than the lower bound', (t) => {
  const plan = MemoryPlan.record(forward);
  t.true(plan.lowerBound <= plan.bytes && plan.bytes <= plan.naiveBytes);
  // The peak: x (784) + scratch (2048) + y (512) floats, then smaller.
  t.is(plan.lowerBound, (784 + 2048 + 512) * 4);
  t.is(plan.bytes, plan.lowerBound, 'a chain: the plan reaches the bound');
  t.true(plan.bytes < plan.naiveBytes, `${plan.bytes} of ${plan.naiveBytes} naive bytes`);
});

test('while recording, each tensor has memory of its own and free detaches it', (t) => {
  const before = memoryStats();
  let freed: Float32Array | undefined;
  MemoryPlan.record((mem) => {
    const a = mem.alloc(Float32Array, 16, 64);
    const b = mem.alloc(Float32Array, 16);
    t.is(addressOf(a) % 64n, 0n);
    t.not(a.buffer, b.buffer);
    a[0] = 1;
    mem.free(a);
    freed = a;
    t.is(a.byteLength, 0, 'a use after free in the recorded pass fails loudly');
    t.throws(() => a.fill(1), { instanceOf: TypeError });
    throwsCode(t, () => mem.free(a), Error, 'ERR_PLAN_MISMATCH');
    throwsCode(t, () => mem.free(new Float32Array(4)), Error, 'ERR_PLAN_MISMATCH');
  });
  t.is(freed?.byteLength, 0);
  t.deepEqual(memoryStats(), before, 'the recording freed everything');
});

test('record frees what the pass allocated when it throws, and refuses async passes', (t) => {
  const before = memoryStats();
  t.throws(
    () =>
      MemoryPlan.record((mem) => {
        mem.alloc(Float64Array, 100);
        throw new Error('layer failed');
      }),
    { message: 'layer failed' },
  );
  t.deepEqual(memoryStats(), before);
  throwsCode(
    t,
    () => MemoryPlan.record((async () => {}) as never),
    TypeError,
    'ERR_INVALID_ARG_VALUE',
  );
  throwsCode(t, () => MemoryPlan.record(42 as never), TypeError, 'ERR_INVALID_ARG_TYPE');
  let kept: PassMemory | undefined;
  MemoryPlan.record((mem) => {
    kept = mem;
  });
  throwsCode(t, () => kept?.alloc(Float32Array, 4), Error, 'ERR_INVALID_STATE');
});

test('no pass that returns a promise leaves an unhandled rejection (a child process would exit non-zero)', (t) => {
  const child = spawnSync(
    process.execPath,
    ['--import=tsx', path.join(__dirname, 'fixtures', 'async-passes.ts')],
    { encoding: 'utf8', timeout: 60_000 },
  );
  t.is(child.status, 0, child.stderr);
  const seen = JSON.parse(child.stdout) as AsyncPassesSeen;
  t.deepEqual(seen.codes, [
    'ERR_INVALID_ARG_VALUE', // record(async fn): refused before it runs
    'ERR_INVALID_ARG_VALUE', // record(fn returning a promise): refused after
    'ERR_INVALID_ARG_VALUE', // record(fn returning a misbehaving thenable)
    'ERR_INVALID_ARG_VALUE', // recordAsync(async fn): its promise rejects
    'ERR_PLAN_MISMATCH', // an async replayed run that departs from its plan
    'LAYER', // arena.scoped(async fn) passes the pass's own error on
  ]);
  t.is(seen.ran, 2, 'the async functions never ran');
  t.true(seen.clean, 'every counter back where it was');
});

test('fromLifetimes plans explicit lifetimes; conflicting tensors never overlap', (t) => {
  const lifetimes: Lifetime[] = [
    { size: 1024, start: 0, end: 1 },
    { size: 512, start: 1, end: 2 },
    { size: 1024, start: 2, end: 3 },
    { size: 100, alignment: 256, start: 0, end: 3 },
  ];
  const plan = MemoryPlan.fromLifetimes(lifetimes);
  t.deepEqual(conflicts(plan), []);
  t.is(plan.offsets[0], plan.offsets[2], 'tensors 0 and 2 never live together: they share bytes');
  t.is((plan.offsets[3] as number) % 256, 0);
  t.is(plan.lowerBound, 1024 + 512 + 100);
  t.true(plan.bytes >= plan.lowerBound && plan.bytes <= plan.naiveBytes);
});

test('never worse than greedy by size, on random lifetimes', (t) => {
  const lifetime = fc
    .record({
      size: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 4096 })),
      alignment: fc.constantFrom(1, 4, 16, 64, 256),
      start: fc.nat(40),
      length: fc.nat(12),
    })
    .map(({ size, alignment, start, length }) => ({ size, alignment, start, end: start + length }));
  let runs = 0;
  let shared = 0;
  let better = 0;
  fc.assert(
    fc.property(fc.array(lifetime, { maxLength: 60 }), (lifetimes) => {
      const plan = MemoryPlan.fromLifetimes(lifetimes);
      const greedy = MemoryPlan.greedyBySize(lifetimes);
      runs++;
      if (plan.bytes < plan.naiveBytes) shared++;
      if (plan.bytes < greedy.bytes) better++;
      return (
        conflicts(plan).length === 0 &&
        conflicts(greedy).length === 0 &&
        plan.bytes <= greedy.bytes &&
        plan.lowerBound <= plan.bytes &&
        plan.bytes <= plan.naiveBytes &&
        plan.offsets.every((offset, i) => offset % (plan.tensors[i]?.alignment ?? 1) === 0)
      );
    }),
    { numRuns: 200, seed: 20261201 },
  );
  // fc.assert throws on a failing run: what is left to check is that the property ran, and on
  // inputs where overlap was possible (tensors that share bytes), not only on trivial ones.
  t.is(runs, 200, 'every run ran');
  t.true(shared >= runs / 4, `memory shared in only ${shared} of ${runs} plans`);
  t.log(
    `${runs} random sets of lifetimes: memory shared in ${shared}, better than greedy in ${better}`,
  );
});

test('malformed lifetimes are refused with codes', (t) => {
  throwsCode(t, () => MemoryPlan.fromLifetimes(null as never), TypeError, 'ERR_INVALID_ARG_TYPE');
  throwsCode(t, () => MemoryPlan.fromLifetimes([42] as never), TypeError, 'ERR_INVALID_ARG_TYPE');
  throwsCode(
    t,
    () => MemoryPlan.fromLifetimes([{ size: '8', start: 0, end: 1 }] as never),
    TypeError,
    'ERR_INVALID_ARG_TYPE',
  );
  throwsCode(
    t,
    () => MemoryPlan.fromLifetimes([{ size: -8, start: 0, end: 1 }]),
    RangeError,
    'ERR_OUT_OF_RANGE',
  );
  throwsCode(
    t,
    () => MemoryPlan.fromLifetimes([{ size: 8, alignment: 3, start: 0, end: 1 }]),
    RangeError,
    'ERR_INVALID_ALIGNMENT',
  );
  const error = throwsCode(
    t,
    () =>
      MemoryPlan.fromLifetimes([
        { size: 8, start: 0, end: 1 },
        { size: 8, start: 5, end: 2 },
      ]),
    TypeError,
    'ERR_INVALID_ARG_VALUE',
  );
  t.is(error.message, 'tensor 1: its lifetime starts at step 5, after it ends at step 2');
  throwsCode(t, () => MemoryPlan.fromLifetimes([], { effort: -1 }), RangeError, 'ERR_OUT_OF_RANGE');
});

test('toJSON and fromJSON round-trip a plan, and fromJSON checks what it is given', (t) => {
  const plan = MemoryPlan.record(forward);
  const json = JSON.stringify(plan);
  const loaded = MemoryPlan.fromJSON(json);
  t.deepEqual(loaded.toJSON(), plan.toJSON());
  t.deepEqual(MemoryPlan.fromJSON(JSON.parse(json)).offsets, plan.offsets);
  const saved = plan.toJSON();
  // Two live tensors moved onto each other.
  const overlapping = { ...saved, offsets: saved.offsets.map(() => 0) };
  const error = throwsCode(
    t,
    () => MemoryPlan.fromJSON(overlapping),
    TypeError,
    'ERR_INVALID_ARG_VALUE',
  );
  t.regex(error.message, /both live at step/);
  throwsCode(
    t,
    () => MemoryPlan.fromJSON({ ...saved, offsets: saved.offsets.map((o) => o + 4) }),
    TypeError,
    'ERR_INVALID_ARG_VALUE',
  );
  throwsCode(t, () => MemoryPlan.fromJSON({ format: 'other' }), TypeError, 'ERR_INVALID_ARG_VALUE');
  throwsCode(
    t,
    () =>
      MemoryPlan.fromJSON({
        ...saved,
        tensors: saved.tensors.map((tensor) => ({ ...tensor, length: 3 })),
      }),
    TypeError,
    'ERR_INVALID_ARG_VALUE',
  );
  t.throws(() => MemoryPlan.fromJSON('{not json'), { instanceOf: SyntaxError });
});
