// The `npm start` demo (examples/mlp.ts): both variants must produce the same outputs. Not timed.
import test from 'ava';

import { BATCH, createDemo, createModel, SIZES } from '../examples/mlp';

test('the demo: plain and arena variants give identical outputs, bit for bit, pass after pass', (t) => {
  const demo = createDemo();
  const { plainOut, arenaOut, scratch } = demo;
  try {
    // Three passes: the arena is reset and the pool slot reused in between.
    for (let pass = 0; pass < 3; pass++) {
      plainOut.fill(Number.NaN);
      arenaOut.fill(Number.NaN);
      demo.plain();
      demo.arena();
      t.true(demo.sameOutputs(), `pass ${pass}: outputs differ`);
    }
    t.is(scratch.arena.used, 0, 'the arena is reset after each pass');
    t.is(scratch.logits.size, 0, 'every pool slot is returned');
    // The outputs are probabilities: each row sums to 1 and they are not all alike.
    for (let row = 0; row < BATCH; row++) {
      const probabilities = plainOut.subarray(row * SIZES[3], (row + 1) * SIZES[3]);
      const sum = probabilities.reduce((a, b) => a + b, 0);
      t.true(Math.abs(sum - 1) < 1e-5, `row ${row} sums to ${sum}`);
    }
    t.true(new Set(plainOut).size > BATCH, 'the outputs vary');
  } finally {
    demo.dispose();
  }
});

test('the demo: weights come from the fixed seed, the same in plain and aligned memory', (t) => {
  const plain = createModel((length) => new Float32Array(length));
  const again = createModel((length) => new Float32Array(length));
  const other = createModel((length) => new Float32Array(length), 43);
  t.deepEqual(plain, again);
  t.notDeepEqual(plain, other);
  t.deepEqual(
    plain.map((layer) => [layer.inputs, layer.outputs]),
    [
      [SIZES[0], SIZES[1]],
      [SIZES[1], SIZES[2]],
      [SIZES[2], SIZES[3]],
    ],
  );
});
