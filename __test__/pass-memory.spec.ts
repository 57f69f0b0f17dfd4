// One forward function, written once against PassMemory, run on an arena, a scope and a planned
// pass with the same results; and what `free` does on each.
import test from 'ava';

import {
  Arena,
  addressOf,
  MemoryPlan,
  memoryStats,
  type PassMemory,
  type PlannedPass,
} from '../ts/index';
import { throwsCode } from './helpers';

const CHANNELS = 8;
const WIDTH = 64;
const CLASSES = 10;

/** Deterministic weights (a fixed-seed LCG), shared by every run. */
function weights(length: number, seed: number): Float32Array {
  const out = new Float32Array(length);
  let state = seed >>> 0;
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = state / 2 ** 32 - 0.5;
  }
  return out;
}

const KERNEL = weights(CHANNELS * 3, 1);
const DENSE = weights(CHANNELS * WIDTH * CLASSES, 2);

/**
 * A small CNN: a 3-tap convolution into CHANNELS channels, ReLU, a dense layer and softmax.
 * Every intermediate comes from `mem` and is freed once read; the output is kept.
 */
function forward(mem: PassMemory, input: Float32Array): Float32Array {
  const x = mem.alloc(Float32Array, WIDTH);
  x.set(input);
  const conv = mem.alloc(Float32Array, CHANNELS * WIDTH, 64);
  for (let c = 0; c < CHANNELS; c++) {
    for (let i = 0; i < WIDTH; i++) {
      let sum = 0;
      for (let k = -1; k <= 1; k++) {
        const at = i + k;
        if (at >= 0 && at < WIDTH) sum += (KERNEL[c * 3 + k + 1] as number) * (x[at] as number);
      }
      conv[c * WIDTH + i] = Math.max(sum, 0);
    }
  }
  mem.free(x);
  const logits = mem.alloc(Float32Array, CLASSES);
  for (let o = 0; o < CLASSES; o++) {
    let sum = 0;
    for (let i = 0; i < conv.length; i++) {
      sum += (DENSE[o * conv.length + i] as number) * (conv[i] as number);
    }
    logits[o] = sum;
  }
  mem.free(conv);
  const scratch = mem.allocate(CLASSES * 4);
  const exps = new Float32Array(scratch.buffer, scratch.byteOffset, CLASSES);
  const out = mem.alloc(Float32Array, CLASSES);
  let total = 0;
  for (let o = 0; o < CLASSES; o++) {
    exps[o] = Math.exp(logits[o] as number);
    total += exps[o] as number;
  }
  for (let o = 0; o < CLASSES; o++) out[o] = (exps[o] as number) / total;
  mem.free(scratch);
  mem.free(logits);
  return out;
}

/** The same network on plain Float32Arrays: the reference. */
function reference(input: Float32Array): Float32Array {
  const plain: PassMemory = {
    alloc: (type, length) => new type(new ArrayBuffer(length * type.BYTES_PER_ELEMENT), 0, length),
    allocate: (size) => new Uint8Array(size),
    free: () => {},
  };
  return forward(plain, input);
}

test('one forward function runs on an arena, a scope and a planned pass with identical results', (t) => {
  const inputs = [1, 2, 3].map((seed) => weights(WIDTH, seed + 10));
  const expected = inputs.map((input) => Array.from(reference(input)));

  using arena = new Arena(1 << 16);
  const onArena = inputs.map((input) => {
    const out = Array.from(forward(arena, input));
    arena.reset();
    return out;
  });
  const onScope = inputs.map((input) => {
    using scope = arena.scope();
    return Array.from(forward(scope, input));
  });
  const plan = MemoryPlan.record((mem) => forward(mem, inputs[0] as Float32Array));
  using pass: PlannedPass = plan.instantiate();
  const onPlan = inputs.map((input) => Array.from(pass.run((mem) => forward(mem, input))));

  t.deepEqual(onArena, expected, 'arena');
  t.deepEqual(onScope, expected, 'scope');
  t.deepEqual(onPlan, expected, 'planned pass');
  t.is(arena.used, 0, 'each scope gave its bytes back');
  t.true(plan.bytes < plan.naiveBytes, 'the plan shares memory between the tensors');
});

test("an arena's free gives back its last allocation, and only checks any other", (t) => {
  using arena = new Arena(1024);
  const a = arena.alloc(Float32Array, 16);
  const b = arena.alloc(Float32Array, 16);
  t.is(arena.used, 128);
  arena.free(a); // not the last: checked, nothing given back
  t.is(arena.used, 128);
  t.is(a.length, 16, 'not detached');
  arena.free(b); // the last: its bytes are claimable again
  t.is(arena.used, 64);
  const c = arena.alloc(Float32Array, 16);
  t.is(addressOf(c), addressOf(b), 'the next claim takes them');
  t.is(b.length, 16, 'not detached either: using it after free is a bug its next claim shows');

  const before = { used: arena.used, stats: memoryStats() };
  throwsCode(t, () => arena.free(new Float32Array(4)), Error, 'ERR_FOREIGN_VIEW');
  throwsCode(t, () => arena.free(42 as never), TypeError, 'ERR_INVALID_ARG_TYPE');
  t.deepEqual({ used: arena.used, stats: memoryStats() }, before, 'refusals change nothing');
  arena.reset();
  throwsCode(t, () => arena.free(c), Error, 'ERR_FOREIGN_VIEW');
});

test("a scope's free gives back only what the scope claimed", (t) => {
  using arena = new Arena(1024);
  const outer = arena.alloc(Float32Array, 16);
  {
    using scope = arena.scope();
    // The arena's last allocation is the outer view, but the open scope does not own it.
    scope.free(outer);
    t.is(arena.used, 64);
    const inner = scope.alloc(Float32Array, 16);
    t.not(addressOf(inner), addressOf(outer), "the scope does not take the outer view's bytes");
    scope.free(inner);
    t.is(arena.used, 64, "the scope's own last allocation is given back");
    const again = scope.alloc(Float32Array, 16);
    t.is(addressOf(again), addressOf(inner));
  }
  t.is(arena.used, 64);
  t.is(outer.length, 16);
  const closed = arena.scope();
  closed.close();
  throwsCode(t, () => closed.free(outer), Error, 'ERR_INVALID_STATE');
});
