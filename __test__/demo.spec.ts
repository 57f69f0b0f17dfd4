// The `npm start` demo (examples/mlp.ts): both variants must produce the same outputs, and the
// arena variant must really run on weights in aligned native memory. Not timed.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

import test from 'ava';

import {
  BATCH,
  createAlignedModel,
  createDemo,
  createModel,
  formatSpread,
  freeModel,
  type Model,
  SIZES,
  spread,
} from '../examples/mlp';
import { addressOf, memoryStats } from '../ts/index';

/** Every array of a model, weights then biases, layer by layer. */
const arrays = (model: Model) => model.flatMap((layer) => [layer.weights, layer.biases]);
const bytes = (view: Float32Array) => Buffer.from(view.buffer, view.byteOffset, view.byteLength);

test('the demo: plain, arena and planned variants give identical outputs, bit for bit, pass after pass', (t) => {
  const demo = createDemo();
  const { plainOut, arenaOut, plannedOut, scratch } = demo;
  try {
    // Three passes: the arena is reset, the pool slot reused and the plan replayed in between.
    for (let pass = 0; pass < 3; pass++) {
      for (const out of [plainOut, arenaOut, plannedOut]) out.fill(Number.NaN);
      demo.plain();
      demo.arena();
      demo.planned();
      t.true(demo.sameOutputs(), `pass ${pass}: outputs differ`);
    }
    t.is(scratch.arena.used, 0, 'the arena is reset after each pass');
    t.is(scratch.logits.size, 0, 'every pool slot is returned');
    // The arena variant's layers ran in scopes: at its peak it held two activations and one
    // layer's temporaries, not the temporaries of both layers.
    t.is(scratch.peak, 3 * BATCH * SIZES[1] * 4);
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

test('the demo: the arena variant runs on 64-byte aligned weights, bit for bit the plain ones', (t) => {
  const before = memoryStats().alignedBuffers;
  const demo = createDemo();
  const aligned = arrays(demo.alignedModel);
  const plain = arrays(demo.plainModel);
  try {
    // One aligned buffer per array, and the planned variant's block.
    t.is(memoryStats().alignedBuffers, before + aligned.length + 1, 'one aligned buffer per array');
    for (const [i, view] of aligned.entries()) {
      t.is(addressOf(view) % 64n, 0n, `array ${i} is 64-byte aligned`);
      t.not(view.buffer, (plain[i] as Float32Array).buffer, `array ${i} is a copy`);
      t.true(bytes(view).equals(bytes(plain[i] as Float32Array)), `array ${i}: the same numbers`);
    }
    demo.plain();
    demo.arena();
    t.true(demo.sameOutputs());
    // The arena variant computes with the aligned arrays: one changed bias changes its outputs.
    const biases = demo.alignedModel[2].biases;
    biases[0] = (biases[0] as number) + 1;
    demo.arena();
    t.false(demo.sameOutputs(), 'the arena variant does not read the aligned weights');
  } finally {
    demo.dispose();
  }
  t.true(
    aligned.every((view) => view.byteLength === 0),
    'dispose frees the aligned buffers (alignedDelete detaches them)',
  );
  t.is(memoryStats().alignedBuffers, before);
});

test("the demo: the planned variant replays its pass in the plan's peak, cutting no view", (t) => {
  const demo = createDemo();
  try {
    const { plan } = demo;
    // Two activations of 32 floats live at once, at most: the plan's block is that peak.
    t.is(plan.bytes, plan.lowerBound);
    t.is(plan.bytes, 2 * SIZES[1] * 4);
    t.true(plan.naiveBytes > 500 * plan.bytes, 'a bump arena would hold every tensor of the pass');
    t.is(plan.tensors.length, 5 * BATCH);
    for (const run of [demo.planned, demo.plain, demo.arena]) run();
    t.true(demo.sameOutputs());
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
  const aligned = createAlignedModel();
  try {
    const expected = arrays(plain);
    for (const [i, view] of arrays(aligned).entries()) {
      t.true(bytes(view).equals(bytes(expected[i] as Float32Array)), `array ${i}`);
    }
  } finally {
    freeModel(aligned);
  }
});

test('the demo: each figure is the median of its rounds, printed with the least and the most', (t) => {
  t.deepEqual(spread([3, 1, 2]), { median: 2, min: 1, max: 3 });
  t.deepEqual(spread([4, 1, 2, 3]), { median: 2.5, min: 1, max: 4 });
  t.deepEqual(spread([7]), { median: 7, min: 7, max: 7 });
  t.throws(() => spread([]), { instanceOf: RangeError });
  t.is(formatSpread(spread([1.2345, 1.1, 1.3]), 3, ' ms'), '1.234 ms (1.100-1.300)');
  t.is(formatSpread(spread([9, 18, 19]), 0), '18 (9-19)');
});

test('npm start: every variant in several rounds, each figure with its range, identical outputs', (t) => {
  // A short run of the demo itself: 20 passes per variant and round, 3 rounds.
  const run = spawnSync(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', join(__dirname, '..', 'examples', 'mlp.ts')],
    { encoding: 'utf8', env: { ...process.env, PASSES: '20', ROUNDS: '3' } },
  );
  t.is(run.status, 0, run.stderr);
  t.regex(run.stdout, /20 passes per variant and round, 3 rounds/);
  for (const name of ['plain typed arrays', 'arena \\+ scopes \\+ pool', 'replayed from a plan']) {
    t.regex(
      run.stdout,
      new RegExp(
        `${name} +\\d+\\.\\d{3} ms \\(\\d+\\.\\d{3}-\\d+\\.\\d{3}\\) +\\d+ \\(\\d+-\\d+\\)`,
      ),
    );
  }
  t.regex(
    run.stdout,
    /speed-up over plain: \d+\.\d{2}x \(\d+\.\d{2}-\d+\.\d{2}\) \(arena\), \d+\.\d{2}x \(\d+\.\d{2}-\d+\.\d{2}\) \(plan\)/,
  );
  t.regex(run.stdout, /outputs: identical/);
  // Three rounds of three variants were measured, no more.
  t.is(run.stderr.match(/^running round \d\/3: /gm)?.length, 9);
});
