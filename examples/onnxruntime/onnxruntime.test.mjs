// onnxruntime-node 1.30 on arena memory, on the backing LIGHTWATCH_MEMORY_BACKING names (`npm test`
// runs this file once per backing): input tensors over arena views, pre-allocated outputs that
// onnxruntime writes into our memory, the run under a hold, and what an early reset does without
// one. What onnxruntime does is pinned as measured, so an upgrade that changes it fails here.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { Arena, addressOf, memoryBacking } from '@lightwatch/memory';

import { CLASSES, createSession, FEATURES, fillInput, ort, sameBits } from './model.mjs';

const BATCH = 8;
const SEED = 1;
const INPUT_BYTES = BATCH * FEATURES * Float32Array.BYTES_PER_ELEMENT;

let session;
/** onnxruntime's own outputs (it allocates them) for the fixed input, from a plain Float32Array. */
let reference;

before(async () => {
  session = await createSession();
  const input = fillInput(new Float32Array(BATCH * FEATURES), SEED);
  reference = await session.run({ input: inputTensor(input) });
});

after(() => session.release());

function inputTensor(data) {
  return new ort.Tensor('float32', data, [BATCH, FEATURES]);
}

function outputTensor(data) {
  return new ort.Tensor('float32', data, [BATCH, CLASSES]);
}

/** An arena holding the fixed input and two NaN-filled outputs, each 64-byte aligned. */
function arenaTensors() {
  const arena = new Arena(1 << 20);
  const input = fillInput(arena.alloc(Float32Array, BATCH * FEATURES, 64), SEED);
  // NaN, not 0: a run that wrote nothing cannot pass for one that did.
  const logits = arena.alloc(Float32Array, BATCH * CLASSES, 64).fill(Number.NaN);
  const probabilities = arena.alloc(Float32Array, BATCH * CLASSES, 64).fill(Number.NaN);
  const feeds = { input: inputTensor(input) };
  const fetches = { logits: outputTensor(logits), probabilities: outputTensor(probabilities) };
  return { arena, input, logits, probabilities, feeds, fetches };
}

function busy(error) {
  assert.equal(error.code, 'ERR_BUSY');
  assert.match(error.message, /1 hold is pending/);
  return true;
}

test('runs on the memory backing the environment asks for', () => {
  assert.equal(memoryBacking(), process.env.LIGHTWATCH_MEMORY_BACKING ?? 'native');
});

test('input tensors over 64-byte aligned arena views: the tensor keeps the view, the run reads it', async () => {
  const { arena, input } = arenaTensors();
  try {
    assert.equal(addressOf(input) % 64n, 0n);
    const tensor = inputTensor(input);
    // ort.Tensor keeps the typed array it is given: the tensor's data is the arena view itself.
    assert.equal(tensor.data, input);
    assert.equal(addressOf(tensor.data), addressOf(input));
    const results = await session.run({ input: tensor });
    assert.ok(sameBits(results.logits.data, reference.logits.data));
    assert.ok(sameBits(results.probabilities.data, reference.probabilities.data));

    // The binding reads the view's memory when the run executes (a macrotask after run(): 1.30
    // runs the model in a setImmediate), not when the tensor is made nor when run() is called:
    // a change made in between is seen. (Whether onnxruntime then computes from the view in
    // place or from a copy cannot be seen from JavaScript; the binding's source creates the
    // onnxruntime tensor over the view's memory.)
    const zeros = await session.run({ input: inputTensor(new Float32Array(BATCH * FEATURES)) });
    const pending = session.run({ input: tensor });
    input.fill(0);
    const changed = await pending;
    assert.ok(sameBits(changed.probabilities.data, zeros.probabilities.data));
    assert.ok(!sameBits(changed.probabilities.data, reference.probabilities.data));
  } finally {
    arena.dispose();
  }
});

test('pre-allocated outputs in fetches: onnxruntime writes its outputs into our memory', async () => {
  const { arena, logits, probabilities, feeds, fetches } = arenaTensors();
  try {
    for (const view of [logits, probabilities]) assert.equal(addressOf(view) % 64n, 0n);
    assert.equal(addressOf(fetches.logits.data), addressOf(logits));
    assert.equal(addressOf(fetches.probabilities.data), addressOf(probabilities));
    const results = await session.run(feeds, fetches);
    // Our memory now holds exactly what onnxruntime computes into memory of its own.
    assert.ok(sameBits(logits, reference.logits.data), 'logits written into the arena view');
    assert.ok(sameBits(probabilities, reference.probabilities.data), 'probabilities too');
    assert.equal(fetches.probabilities.data, probabilities, 'the fetch tensor still views it');
    assert.deepEqual(Object.keys(results).sort(), ['logits', 'probabilities']);

    // What 1.30 returns for a pre-allocated output: a new tensor over a copy of our memory, at
    // another address, that does not follow later changes to ours. Read the arena view.
    for (const name of ['logits', 'probabilities']) {
      const result = results[name];
      assert.notEqual(result, fetches[name]);
      assert.notEqual(addressOf(result.data), addressOf(fetches[name].data));
      assert.ok(sameBits(result.data, fetches[name].data));
    }
    probabilities[0] = 2;
    assert.notEqual(results.probabilities.data[0], 2);
  } finally {
    arena.dispose();
  }
});

test('the whole run under arena.hold: a reset during it throws ERR_BUSY, after it resets', async () => {
  const { arena, input, logits, probabilities, feeds, fetches } = arenaTensors();
  try {
    const used = arena.used;
    const run = arena.hold(session.run(feeds, fetches));
    assert.throws(() => arena.reset(), busy);
    assert.throws(() => arena.dispose(), busy);
    // The refused reset changed nothing: the views are attached, the counters as they were.
    assert.equal(input.byteLength, INPUT_BYTES);
    assert.equal(arena.used, used);
    // Allocation goes on while the hold is pending.
    assert.equal(arena.alloc(Float32Array, 16).length, 16);
    const results = await run;
    assert.ok(sameBits(logits, reference.logits.data));
    assert.ok(sameBits(probabilities, reference.probabilities.data));
    assert.ok(sameBits(results.probabilities.data, reference.probabilities.data));
    arena.reset();
    assert.equal(arena.used, 0);
    for (const view of [input, logits, probabilities]) assert.equal(view.byteLength, 0);
  } finally {
    arena.dispose();
  }
});

test('a run that fails releases its hold', async () => {
  const arena = new Arena(64 * 1024);
  try {
    // 100 features where the model takes 784: onnxruntime rejects the run.
    const wrong = new ort.Tensor('float32', arena.alloc(Float32Array, BATCH * 100, 64), [
      BATCH,
      100,
    ]);
    const run = arena.hold(session.run({ input: wrong }));
    assert.throws(() => arena.reset(), busy);
    await assert.rejects(run, /invalid dimensions/i);
    arena.reset();
    assert.equal(arena.used, 0);
  } finally {
    arena.dispose();
  }
});

test('reset too early, without a hold: the run rejects with "not enough space", nothing is written', async () => {
  const { arena, input, feeds, fetches } = arenaTensors();
  try {
    const address = addressOf(input);
    const run = session.run(feeds, fetches);
    arena.reset(); // the bug: run() has returned, but onnxruntime has not read the views yet
    assert.equal(input.byteLength, 0, 'the reset detached the views');
    // The memory's next owner, over the same bytes (a one-block arena keeps its addresses).
    const next = arena.alloc(Float32Array, (1 << 20) / 4, 64).fill(7);
    assert.equal(addressOf(next), address);
    // onnxruntime finds the input's buffer detached (0 bytes) when it converts the tensor.
    await assert.rejects(run, (error) => {
      assert.equal(error.constructor, Error);
      assert.equal(error.message, `not enough space: expected ${INPUT_BYTES}, got 0`);
      assert.equal(error.code, undefined);
      return true;
    });
    assert.ok(
      next.every((value) => value === 7),
      'nothing was written into the next owner',
    );

    // With the inputs elsewhere and only the outputs reset, the outputs are refused the same way.
    arena.reset();
    const input2 = fillInput(new Float32Array(BATCH * FEATURES), SEED);
    const probabilities = arena.alloc(Float32Array, BATCH * CLASSES, 64);
    const outputAddress = addressOf(probabilities);
    const outputsOnly = session.run(
      { input: inputTensor(input2) },
      { probabilities: outputTensor(probabilities) },
    );
    arena.reset();
    const after = arena.alloc(Float32Array, BATCH * CLASSES, 64).fill(7);
    assert.equal(addressOf(after), outputAddress);
    await assert.rejects(outputsOnly, {
      message: `not enough space: expected ${BATCH * CLASSES * 4}, got 0`,
    });
    assert.ok(after.every((value) => value === 7));
  } finally {
    arena.dispose();
  }
});
