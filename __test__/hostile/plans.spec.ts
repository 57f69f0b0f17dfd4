// Attack class: plans built to overlap. A plan is checked as it will replay (a tensor the pass
// never frees lives to the end of the pass: the core's `replayed_lifetimes`), on every path to a
// planned pass: `fromJSON`, `instantiate`, and the constructors, which refuse to be called by
// anyone else. Before the fix, `fromJSON` accepted two tensors kept to the end at the same
// offset, and replay handed out the same memory to both while both were live.
import test from 'ava';

import {
  alignedNew,
  holdAligned,
  MemoryPlan,
  type MemoryPlanJSON,
  type PassMemory,
  PlannedPass,
} from '../../ts/index';
import { throwsCode } from '../helpers';

function json(overrides: Partial<MemoryPlanJSON>): MemoryPlanJSON {
  return {
    format: 'lightwatch-memory-plan',
    version: 1,
    bytes: 64,
    lowerBound: 64,
    naiveBytes: 128,
    tensors: [
      { size: 64, alignment: 16, start: 0, end: 0, freed: false, type: 'Uint8Array', length: 64 },
      { size: 64, alignment: 16, start: 1, end: 1, freed: false, type: 'Uint8Array', length: 64 },
    ],
    offsets: [0, 0],
    ...overrides,
  };
}

test('fromJSON refuses tensors kept to the end that share bytes, whatever ends they were saved with', (t) => {
  const error = throwsCode(
    t,
    () => MemoryPlan.fromJSON(json({})),
    TypeError,
    'ERR_INVALID_ARG_VALUE',
  );
  t.regex(error.message, /tensors? 0 and 1/);
  // The same offsets are fine once the first is freed before the second starts.
  const freed = json({
    tensors: [
      { size: 64, alignment: 16, start: 0, end: 0, freed: true, type: 'Uint8Array', length: 64 },
      { size: 64, alignment: 16, start: 1, end: 1, freed: false, type: 'Uint8Array', length: 64 },
    ],
  });
  const plan = MemoryPlan.fromJSON(freed);
  using pass = plan.instantiate();
  pass.run((mem) => {
    const a = mem.alloc(Uint8Array, 64);
    mem.free(a);
    const b = mem.alloc(Uint8Array, 64);
    t.is(b.length, 64);
  });
});

test('a tensor kept to the end conflicts with every later one, even past its saved end', (t) => {
  const overlapping = json({
    tensors: [
      { size: 64, alignment: 16, start: 0, end: 1, freed: true, type: 'Uint8Array', length: 64 },
      { size: 64, alignment: 16, start: 0, end: 0, freed: false, type: 'Uint8Array', length: 64 },
      { size: 64, alignment: 16, start: 2, end: 2, freed: true, type: 'Uint8Array', length: 64 },
    ],
    offsets: [0, 64, 64],
    bytes: 128,
  });
  throwsCode(t, () => MemoryPlan.fromJSON(overlapping), TypeError, 'ERR_INVALID_ARG_VALUE');
});

test('a PlannedPass cannot be made but by instantiate, and a MemoryPlan but by its factories', (t) => {
  const tensors = json({}).tensors;
  const Pass = PlannedPass as unknown as new (...args: unknown[]) => PlannedPass;
  throwsCode(t, () => new Pass(tensors, [0, 0], 64, false), Error, 'ERR_INVALID_STATE');
  throwsCode(
    t,
    () => new Pass(Symbol('PlannedPass'), tensors, [0, 0], 64, false),
    Error,
    'ERR_INVALID_STATE',
  );
  const Plan = MemoryPlan as unknown as new (...args: unknown[]) => MemoryPlan;
  throwsCode(
    t,
    () => new Plan(tensors, { offsets: [0, 0], bytes: 64, lowerBound: 64, naiveBytes: 64 }),
    Error,
    'ERR_INVALID_STATE',
  );
});

test('a plan whose getters lie is checked again by instantiate', (t) => {
  const plan = MemoryPlan.fromJSON(
    json({
      tensors: [
        { size: 64, alignment: 16, start: 0, end: 0, freed: true, type: 'Uint8Array', length: 64 },
        { size: 64, alignment: 16, start: 1, end: 1, freed: false, type: 'Uint8Array', length: 64 },
      ],
    }),
  );
  // Whatever `tensors` and `offsets` say to others, instantiate reads the plan's own.
  Object.defineProperty(plan, 'offsets', { get: () => [0, 0] });
  using pass = plan.instantiate();
  t.is(pass.bytes, 64);
});

test('recording: a free of a held view throws ERR_BUSY and records nothing', async (t) => {
  let release: () => void = () => {};
  const work = new Promise<void>((resolve) => {
    release = resolve;
  });
  let held: Promise<void> | undefined;
  const plan = MemoryPlan.record((mem: PassMemory) => {
    const a = mem.alloc(Float32Array, 16);
    held = holdAligned(a, work);
    throwsCode(t, () => mem.free(a), Error, 'ERR_BUSY');
    mem.alloc(Float32Array, 16);
  });
  // The refused free is not in the plan: `a` lives to the end, beside the second tensor.
  t.false(plan.tensors[0]?.freed);
  t.is(plan.tensors[0]?.end, 1);
  t.is(plan.bytes, 128);
  release();
  await held;
});

test('coded errors for null options and a null type in a replay', (t) => {
  const plan = MemoryPlan.record((mem: PassMemory) => {
    mem.alloc(Float32Array, 4);
  });
  throwsCode(
    t,
    () => plan.instantiate(null as unknown as { poison?: boolean }),
    TypeError,
    'ERR_INVALID_ARG_TYPE',
  );
  using pass = plan.instantiate();
  throwsCode(
    t,
    () => pass.run((mem) => mem.alloc(null as unknown as typeof Float32Array, 4)),
    TypeError,
    'ERR_INVALID_ARG_TYPE',
  );
  t.notThrows(() => pass.run((mem) => mem.alloc(Float32Array, 4)));
  const view = alignedNew(Float32Array, 4);
  t.is(view.length, 4);
});
