// The bad-input matrix: every public function and constructor, called with every kind of wrong
// argument. Each row checks the error's class and code, that the objects' counters did not move,
// and that the objects still work afterwards.
// One file because the matrix is one table with one row checker: split by type, each part
// would repeat the checker.
import test from 'ava';
import { MAX_VIEW_LENGTH } from '../ts/errors';
import {
  Arena,
  addressOf,
  alignedAlloc,
  alignedDelete,
  alignedFree,
  alignedNew,
  holdAligned,
  MemoryPlan,
  memoryStats,
  Pool,
} from '../ts/index';

// 'ok-or-oom': a valid request so large (4 GiB and up) that whether the system grants it depends
// on the machine; either way it must not abort or corrupt anything.
type Outcome = 'ok' | 'ok-or-oom' | [ErrorConstructor, string];

const TYPE_ERROR: Outcome = [TypeError, 'ERR_INVALID_ARG_TYPE'];
const RANGE: Outcome = [RangeError, 'ERR_OUT_OF_RANGE'];
const ALIGNMENT: Outcome = [RangeError, 'ERR_INVALID_ALIGNMENT'];
const EXHAUSTED: Outcome = [RangeError, 'ERR_ARENA_EXHAUSTED'];
const OOM: Outcome = [RangeError, 'ERR_OUT_OF_MEMORY'];
const FOREIGN: Outcome = [Error, 'ERR_FOREIGN_VIEW'];
const DOUBLE_FREE: Outcome = [Error, 'ERR_DOUBLE_FREE'];
const INVALID_STATE: Outcome = [Error, 'ERR_INVALID_STATE'];
const INVALID_VALUE: Outcome = [TypeError, 'ERR_INVALID_ARG_VALUE'];

/** The wrong (and borderline) values every numeric argument is tried with. */
const VALUES: [string, unknown][] = [
  ['undefined', undefined],
  ['null', null],
  ['a string', '16'],
  ['a boolean', true],
  ['an object', { valueOf: () => 16 }],
  ['a BigInt', 16n],
  ['-1', -1],
  ['-0', -0],
  ['0', 0],
  ['0.5', 0.5],
  ['NaN', Number.NaN],
  ['Infinity', Number.POSITIVE_INFINITY],
  ['2 ** 53', 2 ** 53],
  ['2 ** 32', 2 ** 32],
  ['2 ** 31', 2 ** 31],
  ['2 ** 50', 2 ** 50],
  ['3', 3],
  ['48', 48],
  ['131072', 131072],
];

/** What a byte/element count argument gives: type, range, or what a valid count gives. */
/** A valid request of `bytes` bytes: granted below 2 GiB, machine-dependent above. */
function sized(bytes: number): Outcome {
  if (bytes >= 2 ** 50) return OOM;
  return bytes >= 2 ** 31 ? 'ok-or-oom' : 'ok';
}

/** A view length: refused above what the runtime allows in one typed array, else `then`. */
function viewLength(then: (n: number) => Outcome): (n: number) => Outcome {
  return (n) => (n > MAX_VIEW_LENGTH ? RANGE : then(n));
}

function count(value: unknown, valid: (n: number) => Outcome, zero: Outcome = 'ok'): Outcome {
  if (typeof value !== 'number') return TYPE_ERROR;
  if (!Number.isSafeInteger(value) || value < 0) return RANGE;
  if (value === 0) return zero;
  return valid(value);
}

/** What an alignment argument gives. */
function alignment(value: unknown, optional: boolean): Outcome {
  if (value === undefined && optional) return 'ok';
  if (typeof value !== 'number') return TYPE_ERROR;
  const ok = value >= 1 && value <= 65536 && Number.isInteger(value) && (value & (value - 1)) === 0;
  return ok ? 'ok' : ALIGNMENT;
}

/** Wrong values for `type` and for view arguments. */
class SubFloat32Array extends Float32Array {}
const NOT_TYPES: [string, unknown][] = [
  ...VALUES,
  ['Array', Array],
  ['DataView', DataView],
  ['ArrayBuffer', ArrayBuffer],
  ['Object', Object],
  ['a subclass of Float32Array', SubFloat32Array],
  ['an arrow function', () => Float32Array],
  ['an instance', new Float32Array(4)],
];

interface Fixture {
  arena: Arena;
  pool: Pool<Float32Array>;
  otherArena: Arena;
  otherPool: Pool<Float32Array>;
  liveAligned: Float32Array;
  freedAligned: Float32Array;
  arenaView: Float32Array;
  poolView: Float32Array;
  staleArenaView: Uint8Array;
  /** Made last, from the objects above: the views no function should take as its own. */
  strange: [string, unknown][];
}

function fixture(): Fixture {
  const arena = new Arena(4096);
  const staleArenaView = arena.allocate(8);
  arena.reset();
  const arenaView = arena.alloc(Float32Array, 4);
  const pool = new Pool(Float32Array, 4, { initialCapacity: 4 });
  const poolView = pool.allocate();
  const freedAligned = alignedNew(Float32Array, 4, 64);
  alignedDelete(freedAligned);
  const f: Omit<Fixture, 'strange'> = {
    arena,
    pool,
    otherArena: new Arena(64),
    otherPool: new Pool(Float32Array, 4, { initialCapacity: 4 }),
    liveAligned: alignedNew(Float32Array, 8, 64),
    freedAligned,
    arenaView,
    poolView,
    staleArenaView,
  };
  return { ...f, strange: strangeViews(f) };
}

function dispose(f: Fixture): void {
  for (const object of [f.arena, f.pool, f.otherArena, f.otherPool]) object.dispose();
  alignedDelete(f.liveAligned);
}

/** The strange views of a throwaway fixture: name, value, and whether it is detached. */
function listStrangeViews(): [string, unknown, boolean][] {
  const f = fixture();
  const list = f.strange.map(([name, value]): [string, unknown, boolean] => [
    name,
    value,
    ArrayBuffer.isView(value) && value.buffer.byteLength === 0,
  ]);
  dispose(f);
  return list;
}

/** Views that no function should accept as its own (unless noted in the rows). */
function strangeViews(f: Omit<Fixture, 'strange'>): [string, unknown][] {
  const detached = new Arena(64);
  const detachedView = detached.allocate(8);
  detached.dispose();
  return [
    ...VALUES.filter(([, v]) => typeof v !== 'number'),
    ['a number', 8],
    ['a plain Float32Array', new Float32Array(4)],
    ['a DataView', new DataView(new ArrayBuffer(8))],
    ['an ArrayBuffer', new ArrayBuffer(8)],
    ['a SharedArrayBuffer view', new Float32Array(new SharedArrayBuffer(16))],
    ['an Array', [1, 2, 3]],
    ['a view of another arena', f.otherArena.allocate(4)],
    ['a view of another pool', f.otherPool.allocate()],
    ['a view into the middle of a slot', f.poolView.subarray(1)],
    ['a stale arena view (before reset)', f.staleArenaView],
    ['a detached view', detachedView],
  ];
}

/** Every counter of every object, to compare before and after a call. */
function snapshot(f: Fixture): unknown {
  return {
    arena: [f.arena.used, f.arena.capacity, f.arena.available, f.arena.blocks],
    pool: [f.pool.size, f.pool.capacity],
    other: [f.otherArena.used, f.otherPool.size],
    aligned: f.liveAligned.length,
    stats: memoryStats(),
  };
}

function run(fn: () => unknown): Outcome | Error {
  try {
    const result = fn();
    // Successful rows free what they allocated, so counters can be compared.
    if (result instanceof Arena || result instanceof Pool) result.dispose();
    else if (ArrayBuffer.isView(result) && !(result instanceof DataView) && result.byteLength > 0) {
      try {
        alignedDelete(result as Float32Array);
      } catch {
        // Not an aligned buffer (an arena view): nothing to free.
      }
    }
    return 'ok';
  } catch (error) {
    return error as Error;
  }
}

test('every public entry point rejects bad input with its code and changes nothing', (t) => {
  const rows: [string, (f: Fixture) => unknown, Outcome][] = [];
  const add = (name: string, fn: (f: Fixture) => unknown, outcome: Outcome) =>
    rows.push([name, fn, outcome]);

  for (const [name, value] of VALUES) {
    const v = value as number;
    add(
      `new Arena(${name})`,
      () => new Arena(v),
      count(value, (n) => sized(n), RANGE),
    );
    add(
      `arena.allocate(${name})`,
      (f) => f.arena.allocate(v),
      count(
        value,
        viewLength((n) => (n > 4080 ? EXHAUSTED : 'ok')),
      ),
    );
    add(`arena.allocate(8, ${name})`, (f) => f.arena.allocate(8, v), alignment(value, true));
    add(
      `arena.alloc(Float32Array, ${name})`,
      (f) => f.arena.alloc(Float32Array, v),
      count(
        value,
        viewLength((n) => (n > 1020 ? EXHAUSTED : 'ok')),
      ),
    );
    add(
      `arena.alloc(Float32Array, 4, ${name})`,
      (f) => f.arena.alloc(Float32Array, 4, v),
      alignment(value, true),
    );
    add(
      `new Pool(Float32Array, ${name})`,
      () => new Pool(Float32Array, v, { initialCapacity: 2 }),
      count(
        value,
        viewLength((n) => sized(n * 8)),
        RANGE,
      ),
    );
    add(
      `new Pool({ initialCapacity: ${name} })`,
      () => new Pool(Float32Array, 4, { initialCapacity: v }),
      value === undefined ? 'ok' : count(value, (n) => sized(n * 16), RANGE),
    );
    add(
      `new Pool({ alignment: ${name} })`,
      () => new Pool(Float32Array, 4, { initialCapacity: 2, alignment: v }),
      alignment(value, true),
    );
    add(
      `new Pool({ zero: ${name} })`,
      () => new Pool(Float32Array, 4, { initialCapacity: 2, zero: value as boolean }),
      value === undefined || typeof value === 'boolean' ? 'ok' : TYPE_ERROR,
    );
    add(
      `alignedAlloc(${name}, 16)`,
      () => alignedAlloc(v, 16),
      count(
        value,
        viewLength((n) => sized(n)),
      ),
    );
    add(`alignedAlloc(16, ${name})`, () => alignedAlloc(16, v), alignment(value, false));
    add(
      `alignedNew(Float32Array, ${name})`,
      () => alignedNew(Float32Array, v),
      count(
        value,
        viewLength((n) => sized(n * 4)),
      ),
    );
    add(
      `alignedNew(Float32Array, 4, ${name})`,
      () => alignedNew(Float32Array, 4, v),
      alignment(value, true),
    );
  }
  // The lifetimes options and modes: the types are the facade's checks, the values the core's.
  for (const [name, value] of VALUES) {
    const safe = typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
    add(
      `new Arena(64, { growable: ${name} })`,
      () => new Arena(64, { growable: value as boolean }),
      value === undefined || typeof value === 'boolean' ? 'ok' : TYPE_ERROR,
    );
    add(
      `new Arena(64, { growable: true, maxCapacity: ${name} })`,
      () => new Arena(64, { growable: true, maxCapacity: value as number }),
      value === undefined ? 'ok' : count(value, (n) => (n < 64 ? RANGE : 'ok'), RANGE),
    );
    add(
      `new Arena(64, { maxCapacity: ${name} })`,
      () => new Arena(64, { maxCapacity: value as number }),
      value === undefined
        ? 'ok'
        : typeof value !== 'number'
          ? TYPE_ERROR
          : safe
            ? INVALID_VALUE
            : RANGE,
    );
    add(
      `arena.reset(${name})`,
      (f) => f.arena.reset(value as never),
      value === undefined ? 'ok' : INVALID_VALUE,
    );
    add(
      `arena.reset({ retainLimit: ${name} })`,
      (f) => f.arena.reset({ retainLimit: value as number }),
      typeof value !== 'number' ? INVALID_VALUE : safe ? 'ok' : RANGE,
    );
  }
  for (const [name, mode] of [
    ['"Retain"', 'Retain'],
    ['"free_all"', 'free_all'],
    ['{}', {}],
    ['{ retain: 1 }', { retain: 1 }],
    ['a function', () => 'retain'],
  ] as const) {
    add(`arena.reset(${name})`, (f) => f.arena.reset(mode as never), INVALID_VALUE);
  }
  for (const [name, options] of [
    ['null', null],
    ['a string', 'growable'],
    ['a number', 1],
  ] as const) {
    add(`new Arena(64, ${name})`, () => new Arena(64, options as never), TYPE_ERROR);
  }

  // Holds, scopes and plans: what is not a promise, a function, a lifetime list or a plan.
  const plan = MemoryPlan.fromLifetimes([{ size: 64, start: 0, end: 0 }]);
  for (const [name, value] of VALUES) {
    const v = value as never;
    add(`arena.hold(${name})`, (f) => f.arena.hold(v), TYPE_ERROR);
    add(`pool.hold(${name})`, (f) => f.pool.hold(v), TYPE_ERROR);
    add(`holdAligned(view, ${name})`, (f) => holdAligned(f.liveAligned, v), TYPE_ERROR);
    add(`arena.scoped(${name})`, (f) => f.arena.scoped(v), TYPE_ERROR);
    add(`MemoryPlan.record(${name})`, () => MemoryPlan.record(v), TYPE_ERROR);
    add(`MemoryPlan.fromLifetimes(${name})`, () => MemoryPlan.fromLifetimes(v), TYPE_ERROR);
    add(`MemoryPlan.fromJSON(${name})`, () => MemoryPlan.fromJSON(v), INVALID_VALUE);
    add(
      `MemoryPlan.fromLifetimes([{ size: ${name}, start: 0, end: 0 }])`,
      () => MemoryPlan.fromLifetimes([{ size: v, start: 0, end: 0 }]),
      count(value, () => 'ok'),
    );
    add(
      `MemoryPlan.fromLifetimes([{ size: 8, start: 1, end: ${name} }])`,
      () => MemoryPlan.fromLifetimes([{ size: 8, start: 1, end: v }]),
      typeof value !== 'number'
        ? TYPE_ERROR
        : !Number.isSafeInteger(value) || value < 0
          ? RANGE
          : value < 1
            ? INVALID_VALUE
            : 'ok',
    );
    add(
      `plan.instantiate({ poison: ${name} })`,
      () => plan.instantiate({ poison: v }).dispose(),
      value === undefined || typeof value === 'boolean' ? 'ok' : TYPE_ERROR,
    );
    add(
      `pass.run(${name})`,
      () => {
        const pass = plan.instantiate();
        try {
          pass.run(v);
        } finally {
          pass.dispose();
        }
      },
      TYPE_ERROR,
    );
  }
  for (const [name, value] of NOT_TYPES) {
    add(`arena.alloc(${name}, 4)`, (f) => f.arena.alloc(value as never, 4), TYPE_ERROR);
    add(`new Pool(${name}, 4)`, () => new Pool(value as never, 4), TYPE_ERROR);
    add(`alignedNew(${name}, 4)`, () => alignedNew(value as never, 4), TYPE_ERROR);
  }
  add(
    'new Pool(Float32Array, 4, null)',
    () => new Pool(Float32Array, 4, null as never),
    TYPE_ERROR,
  );
  add(
    'new Pool(Float32Array, 4, "options")',
    () => new Pool(Float32Array, 4, 'x' as never),
    TYPE_ERROR,
  );

  const views = listStrangeViews();
  for (const [j, [name, value, detached]] of views.entries()) {
    const pick = (f: Fixture) => (f.strange[j] as [string, unknown])[1];
    const isView = ArrayBuffer.isView(value);
    const isTypedArray = isView && !(value instanceof DataView);
    add(
      `arena.offsetOf(${name})`,
      (f) => f.arena.offsetOf(pick(f) as never),
      isView ? FOREIGN : TYPE_ERROR,
    );
    add(
      `pool.deallocate(${name})`,
      (f) => f.pool.deallocate(pick(f) as never),
      isView ? FOREIGN : TYPE_ERROR,
    );
    add(
      `alignedFree(${name})`,
      (f) => alignedFree(pick(f) as never),
      isTypedArray ? FOREIGN : TYPE_ERROR,
    );
    add(
      `alignedDelete(${name})`,
      (f) => alignedDelete(pick(f) as never),
      isTypedArray ? FOREIGN : TYPE_ERROR,
    );
    const addressable = isView || value instanceof ArrayBuffer;
    add(
      `addressOf(${name})`,
      (f) => addressOf(pick(f) as never),
      addressable ? (detached ? INVALID_STATE : 'ok') : TYPE_ERROR,
    );
  }
  add('alignedDelete(a freed buffer)', (f) => alignedDelete(f.freedAligned), DOUBLE_FREE);
  add(
    'alignedDelete(a subarray of a live buffer)',
    (f) => alignedDelete(f.liveAligned.subarray(2)),
    FOREIGN,
  );

  let checked = 0;
  for (const [name, fn, expected] of rows) {
    const f = fixture();
    const before = snapshot(f);
    const outcome = run(() => fn(f));
    if (expected === 'ok-or-oom' && outcome !== 'ok') {
      t.is((outcome as Error & { code?: string }).code, 'ERR_OUT_OF_MEMORY', name);
      t.true(outcome instanceof RangeError, name);
    } else if (expected === 'ok' || expected === 'ok-or-oom') {
      t.is(outcome, 'ok', `${name} should succeed; threw ${(outcome as Error).message}`);
    } else {
      const [type, code] = expected;
      const error = outcome as Error & { code?: string };
      t.true(error instanceof type, `${name}: expected ${type.name}, got ${String(outcome)}`);
      if (type === Error) t.false(error instanceof TypeError || error instanceof RangeError, name);
      t.is(error.code, code, `${name}: ${error.message}`);
      t.true(error.message.length > 10, `${name} has a message`);
      t.deepEqual(snapshot(f), before, `${name} changed no counter`);
      // Still usable, and what it handed out before is intact.
      t.is(f.arena.alloc(Float32Array, 4).length, 4, name);
      f.pool.deallocate(f.pool.allocate());
      t.deepEqual([f.arenaView.length, f.poolView.length, f.liveAligned.length], [4, 4, 8], name);
    }
    dispose(f);
    checked++;
  }
  t.log(`bad-input matrix: ${checked} cases`);
  console.log(`bad-input matrix: ${checked} cases`);
});
