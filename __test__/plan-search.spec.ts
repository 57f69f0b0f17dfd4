// The planner's budgets (effort, timeLimit), its proof of optimality, and planning in the
// background (recordAsync, fromLifetimesAsync) with cancellation by an AbortSignal. The test that
// watches the event loop runs serially (a plan of another test would blur it); the one that
// watches the CPU after an abort runs in a child process of its own.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

import test from 'ava';
import fc from 'fast-check';

import { type Lifetime, MemoryPlan, type MemoryPlanJSON, type PassMemory } from '../ts/index';
import type { AbortedPlanSeen } from './fixtures/aborted-plan';
import { throwsCode } from './helpers';

/** A set of the benchmark's fixture, as lifetimes. */
function fixtureSet(name: string): Lifetime[] {
  const file = path.join(__dirname, '..', 'benchmark', 'networks', 'lifetimes.json');
  const fixture = JSON.parse(readFileSync(file, 'utf8')) as {
    alignment: number;
    sets: { name: string; sizes: number[]; starts: number[]; ends: number[] }[];
  };
  const set = fixture.sets.find((s) => s.name === name);
  if (set === undefined) throw new Error(`no set ${name} in the fixture`);
  return set.sizes.map((size, i) => ({
    size,
    alignment: fixture.alignment,
    start: set.starts[i] as number,
    end: set.ends[i] as number,
  }));
}

/** Whether no two tensors whose steps meet share a byte, and every offset is aligned. */
function valid(plan: MemoryPlan): boolean {
  const { tensors, offsets } = plan;
  for (let i = 0; i < tensors.length; i++) {
    const a = tensors[i] as Lifetime;
    const oa = offsets[i] as number;
    if (oa % (a.alignment ?? 1) !== 0) return false;
    for (let j = i + 1; j < tensors.length; j++) {
      const b = tensors[j] as Lifetime;
      const ob = offsets[j] as number;
      const live = a.start <= b.end && b.start <= a.end;
      if (live && a.size > 0 && b.size > 0 && oa < ob + b.size && ob < oa + a.size) return false;
    }
  }
  return true;
}

test('effort and timeLimit are checked, with codes', (t) => {
  const lifetimes: Lifetime[] = [{ size: 8, start: 0, end: 1 }];
  const from = (options: object) => () => MemoryPlan.fromLifetimes(lifetimes, options);
  throwsCode(t, from({ effort: '2' }), TypeError, 'ERR_INVALID_ARG_TYPE');
  throwsCode(t, from({ effort: 1.5 }), RangeError, 'ERR_OUT_OF_RANGE');
  throwsCode(t, from({ timeLimit: '10' }), TypeError, 'ERR_INVALID_ARG_TYPE');
  throwsCode(t, from({ timeLimit: -1 }), RangeError, 'ERR_OUT_OF_RANGE');
  throwsCode(t, from({ timeLimit: Number.NaN }), RangeError, 'ERR_OUT_OF_RANGE');
  throwsCode(t, from({ timeLimit: Number.POSITIVE_INFINITY }), RangeError, 'ERR_OUT_OF_RANGE');
  throwsCode(
    t,
    () => MemoryPlan.record(() => {}, { timeLimit: null } as never),
    TypeError,
    'ERR_INVALID_ARG_TYPE',
  );
  t.is(from({ effort: 0, timeLimit: 0 })().bytes, 8);
});

test('a plan at its lower bound is optimal; greedy by size says so too', (t) => {
  const chain: Lifetime[] = [
    { size: 1024, start: 0, end: 1 },
    { size: 512, start: 1, end: 2 },
    { size: 1024, start: 2, end: 3 },
  ];
  const plan = MemoryPlan.fromLifetimes(chain);
  t.is(plan.bytes, plan.lowerBound);
  t.true(plan.optimal);
  t.true(MemoryPlan.greedyBySize(chain).optimal);
});

test('the exact search proves optima above the lower bound on small random sets', (t) => {
  const lifetime = fc
    .record({
      units: fc.integer({ min: 1, max: 12 }),
      alignment: fc.constantFrom(1, 4, 16, 64),
      start: fc.nat(5),
      length: fc.nat(3),
    })
    .map(({ units, alignment, start, length }) => ({
      size: units * 8,
      alignment,
      start,
      end: start + length,
    }));
  let aboveBound = 0;
  fc.assert(
    fc.property(fc.array(lifetime, { minLength: 1, maxLength: 8 }), (lifetimes) => {
      const plan = MemoryPlan.fromLifetimes(lifetimes, { effort: 100_000 });
      if (plan.bytes > plan.lowerBound) aboveBound++;
      const greedy = MemoryPlan.greedyBySize(lifetimes);
      return plan.optimal && valid(plan) && plan.bytes <= greedy.bytes;
    }),
    { numRuns: 150, seed: 18 },
  );
  t.true(aboveBound >= 5, `only ${aboveBound} optima above their lower bound`);
});

test('effort gives the same plan on every run; timeLimit still a valid one', (t) => {
  const lifetimes = fixtureSet('random-1k');
  const first = MemoryPlan.fromLifetimes(lifetimes, { effort: 8 });
  const again = MemoryPlan.fromLifetimes(lifetimes, { effort: 8 });
  t.deepEqual(again.offsets, first.offsets);
  t.is(again.optimal, first.optimal);
  const timed = MemoryPlan.fromLifetimes(lifetimes, { timeLimit: 20 });
  t.true(valid(timed));
  t.true(timed.bytes <= MemoryPlan.greedyBySize(lifetimes).bytes);
});

test('optimal goes through JSON; version 1 plans without it still load', (t) => {
  const plan = MemoryPlan.fromLifetimes([
    { size: 64, start: 0, end: 2 },
    { size: 64, start: 1, end: 3 },
  ]);
  t.true(plan.optimal);
  const json = JSON.parse(JSON.stringify(plan)) as MemoryPlanJSON;
  t.is(json.version, 1);
  t.is(json.optimal, true);
  t.true(MemoryPlan.fromJSON(json).optimal);
  const { optimal: _, ...older } = json;
  t.deepEqual(MemoryPlan.fromJSON(older).offsets, plan.offsets);
  throwsCode(
    t,
    () => MemoryPlan.fromJSON({ ...json, optimal: 'yes' }),
    TypeError,
    'ERR_INVALID_ARG_VALUE',
  );
});

test('fromLifetimesAsync and recordAsync give the plans of their synchronous twins', async (t) => {
  const lifetimes = fixtureSet('resnet-18-training');
  const sync = MemoryPlan.fromLifetimes(lifetimes, { effort: 4 });
  const background = await MemoryPlan.fromLifetimesAsync(lifetimes, { effort: 4 });
  t.deepEqual(background.offsets, sync.offsets);
  t.is(background.optimal, sync.optimal);
  const pass = (mem: PassMemory) => {
    const a = mem.alloc(Float32Array, 256);
    const b = mem.alloc(Float32Array, 128);
    mem.free(a);
    mem.alloc(Float32Array, 64);
    mem.free(b);
  };
  t.deepEqual((await MemoryPlan.recordAsync(pass)).toJSON(), MemoryPlan.record(pass).toJSON());
  await t.throwsAsync(MemoryPlan.fromLifetimesAsync([{ size: -1, start: 0, end: 0 }]), {
    instanceOf: RangeError,
    code: 'ERR_OUT_OF_RANGE',
  });
  await t.throwsAsync(MemoryPlan.fromLifetimesAsync(lifetimes, { signal: {} as never }), {
    instanceOf: TypeError,
    code: 'ERR_INVALID_ARG_TYPE',
  });
});

test.serial('planning in the background leaves the event loop running', async (t) => {
  const lifetimes = fixtureSet('random-10k');
  let ticks = 0;
  const interval = setInterval(() => {
    ticks++;
  }, 1);
  const started = performance.now();
  try {
    const plan = await MemoryPlan.fromLifetimesAsync(lifetimes, { timeLimit: 400 });
    t.true(plan.bytes <= plan.naiveBytes);
  } finally {
    clearInterval(interval);
  }
  const elapsed = performance.now() - started;
  // About one tick per millisecond when nothing blocks; a blocked loop ticks once at the end.
  t.true(ticks >= 20, `${ticks} ticks in ${elapsed.toFixed(0)} ms`);
  t.log(`${ticks} interval ticks during ${elapsed.toFixed(0)} ms of planning`);
});

test('an aborted plan rejects with ERR_ABORTED, and its search stops', (t) => {
  // In a child process: there, nothing but a search still running could use the CPU.
  const child = spawnSync(
    process.execPath,
    ['--import=tsx', path.join(__dirname, 'fixtures', 'aborted-plan.ts')],
    { encoding: 'utf8', timeout: 120_000 },
  );
  t.is(child.status, 0, child.stderr);
  const seen = JSON.parse(child.stdout) as AbortedPlanSeen;
  t.is(seen.code, 'ERR_ABORTED');
  t.is(seen.name, 'AbortError');
  t.is(seen.cause, 'enough');
  t.true(seen.rejectedAfter < 10_000, 'rejected long before the time limit');
  t.true(seen.cpuAfter < 500, `${seen.cpuAfter.toFixed(0)} ms of CPU in 1 s after abort`);
});

test('an aborted signal refuses a plan at once', async (t) => {
  const controller = new AbortController();
  controller.abort(new Error('before'));
  await t.throwsAsync(
    MemoryPlan.fromLifetimesAsync(fixtureSet('random-1k'), { signal: controller.signal }),
    { code: 'ERR_ABORTED' },
  );
});
