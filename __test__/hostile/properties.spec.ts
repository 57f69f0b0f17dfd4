// The tampering property test: random sequences of operations over arenas (with scopes and
// growth), pools, aligned buffers, planned passes and holds, while a hostile realm replaces
// prototype methods, getters, own properties and globals around each operation (functions that
// lie, throw, or call back into the package), and moves buffers away with `transfer()`. After
// every step, with the realm restored and only builtins captured before any tampering:
//   - no two attached views of different allocations overlap in memory;
//   - no attached view reaches native memory that is not live (freed, or never ours);
//   - every view the model says is over (reset, scope closed, cleared, freed, disposed) is
//     detached, and every view it says is live still is (unless its memory was moved away);
//   - every error the package threw has a code of its list (the realm's own errors aside), and
//     left the counters of its object as they were;
//   - the counters (pool sizes, memoryStats) match the model; a hold is released once.
//
// `npm test` runs LIGHTWATCH_TAMPER_OPERATIONS operations (20,000 by default) from a fixed seed;
// `.ci/run` runs 1,000,000 from a seed it prints (LIGHTWATCH_TAMPER_SEED replays one).
//
// This file is the run; its parts are in tamper-property/: the model (world.ts), the hostile
// realm (realm.ts), the operations (operations.ts), the invariants (invariants.ts), the step and
// its nested step (step.ts) and the debug trace (trace.ts).
import test, { type ExecutionContext } from 'ava';

import { alignedDelete, ERROR_CODES, memoryStats } from '../../ts/index';
import { check, counters, forgetDisposed } from './tamper-property/invariants';
import { OPERATION_NAMES, prepare } from './tamper-property/operations';
import { TamperError, tamper, type Undo } from './tamper-property/realm';
import { nested } from './tamper-property/step';
import { tracing } from './tamper-property/trace';
import { heldPromises, push, World } from './tamper-property/world';

const OPERATIONS = Number(process.env.LIGHTWATCH_TAMPER_OPERATIONS ?? 20_000);
const SEED = Number(process.env.LIGHTWATCH_TAMPER_SEED ?? 20261207);

// Captured before any tampering: the test's own checks must not be fooled either.
const { apply } = Reflect;
const SafeSet = Set;
const setHas = Set.prototype.has;
const CODES = new SafeSet(Object.keys(ERROR_CODES));

async function run(t: ExecutionContext, operations: number, seed: number): Promise<void> {
  const world = new World(seed);
  const violations: string[] = [];
  const baseline = memoryStats();
  let failures = 0;
  for (let n = 0; n < operations; n++) {
    tracing.step = n;
    tracing.tampered = [];
    const step = prepare(world, world.int(OPERATION_NAMES.length));
    if (step === undefined) continue;
    nested.step = prepare(world, world.int(OPERATION_NAMES.length));
    nested.ran = false;
    const undos: Undo[] = [];
    const tampers = world.int(3);
    const before = counters(world);
    let thrown: unknown;
    let result: unknown;
    try {
      const holding = world.log[world.log.length - 2]?.startsWith('hold') === true;
      for (let i = 0; i < tampers; i++) push(undos, tamper(world, !holding));
      result = step.act();
    } catch (error) {
      thrown = error;
    } finally {
      for (let i = undos.length - 1; i >= 0; i--) (undos[i] as Undo)();
    }
    nested.step = undefined;
    if (thrown === undefined) step.done(result);
    world.promisesTampered = false;
    for (const held of heldPromises.splice(0)) held.catch(() => undefined);
    if (thrown !== undefined) {
      failures++;
      const code = (thrown as { code?: unknown }).code;
      if (
        !(thrown instanceof TamperError) &&
        !(typeof code === 'string' && apply(setHas, CODES, [code]))
      ) {
        push(violations, `a code-less error: ${String(thrown)}`);
        t.log((thrown as Error).stack);
      }
      const after = counters(world);
      if (after !== before && !nested.ran) {
        // A refused call changes nothing; the owners' counters are compared whole.
        push(violations, `${String(code)} changed the counters: ${before} -> ${after}`);
      }
      if (code === 'ERR_BUSY' && !world.owners.some((o) => world.busy(o))) {
        push(violations, 'ERR_BUSY with no hold pending');
      }
    }
    check(world, violations);
    if (violations.length > 0) {
      t.log(`seed ${seed}, step ${n}, last operations: ${world.log.slice(-12).join(', ')}`);
      break;
    }
    if (n % 64 === 63) {
      // Let holds settle: the misbehaving ones by themselves, then some controlled ones.
      await new Promise((resolve) => setImmediate(resolve));
      world.transient = 0;
      for (const [, list] of world.pending) {
        if (list.length > 0 && world.int(2) === 0) (list.shift() as () => void)();
      }
      await new Promise((resolve) => setImmediate(resolve));
      if (world.log.length > 100) world.log.splice(0, world.log.length - 20);
      // Forget disposed owners (their views keep what they need of them): every step walks the
      // list, and a million operations make tens of thousands of owners (the run went quadratic).
      forgetDisposed(world);
    }
  }
  // Release every hold, dispose everything: the counters return to the baseline (memory moved
  // away goes when the moved buffers do).
  for (const [, list] of world.pending) for (const release of list) release();
  await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setImmediate(resolve));
  let stuck = 0;
  for (const owner of world.owners) {
    if (owner.disposed) continue;
    if (owner.stuck) {
      stuck++;
      continue;
    }
    try {
      if (owner.kind === 'arena') owner.arena.dispose();
      else if (owner.kind === 'pool') owner.pool.dispose();
      else if (owner.kind === 'pass') owner.pass.dispose();
      else alignedDelete(owner.view);
    } catch (error) {
      push(violations, `final dispose of ${owner.kind} threw ${String(error)}`);
    }
  }
  const after = memoryStats();
  if (stuck === 0 && (after.arenas !== baseline.arenas || after.pools !== baseline.pools)) {
    push(
      violations,
      `counters after disposing everything: ${JSON.stringify(after)} vs ${JSON.stringify(baseline)}`,
    );
  }
  t.log(
    `${operations} operations from seed ${seed}: ${failures} refused with a code, ${stuck} objects held for good by a realm that never reported their work settled, ${violations.length} violations`,
  );
  t.deepEqual(violations.slice(0, 5), []);
}

test.serial(
  'random operations in a hostile realm: no attached view over freed or foreign memory',
  async (t) => {
    t.timeout(60 * 60 * 1000);
    await run(t, OPERATIONS, SEED);
  },
);
