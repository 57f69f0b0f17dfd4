// Electron's main script for `scripts/electron-test.mjs`: loads the package inside a real
// Electron main process, where V8's memory cage refuses external ArrayBuffers, and checks that
// the facade switched to V8-owned memory by itself and still keeps every promise (alignment,
// reset/dispose detaching views, stats back to zero). Prints one JSON line; exits non-zero on a
// failed check.
//
// Under plain Node (`node scripts/electron/main.cjs`) it runs the same checks without Electron,
// expecting the backing that LIGHTWATCH_MEMORY_BACKING asks for: a way to debug the checks.

const assert = require('node:assert/strict');

function runChecks(expectedBacking) {
  // Self-reference through package.json "exports", as a user's app resolves the package.
  const memory = require('@lightwatch/memory');
  const { Arena, Pool, addressOf, alignedDelete, alignedNew, memoryBacking, memoryStats } = memory;

  const arena = new Arena(64 * 1024);
  const backing = memoryBacking();
  assert.equal(
    backing,
    expectedBacking,
    `expected the ${expectedBacking} backing after the first block, got ${backing}`,
  );
  const simd = arena.allocate(1000, 64);
  assert.equal(addressOf(simd) % 64n, 0n, 'arena views are aligned');
  const floats = arena.alloc(Float32Array, 256);
  floats.fill(1.5);
  assert.equal(addressOf(floats), addressOf(floats.buffer) + BigInt(floats.byteOffset));
  arena.reset();
  assert.equal(floats.byteLength, 0, 'reset detaches the views handed out before');

  const pool = new Pool(Float64Array, 16, { initialCapacity: 2 });
  const slots = Array.from({ length: 5 }, () => pool.allocate());
  assert.equal(pool.size, 5);
  pool.deallocate(slots[0]);
  assert.equal(pool.size, 4);

  const page = alignedNew(Uint8Array, 8192, 4096);
  assert.equal(addressOf(page) % 4096n, 0n, 'aligned buffers are aligned');
  assert.ok(
    page.every((x) => x === 0),
    'aligned memory is zeroed',
  );
  alignedDelete(page);
  assert.equal(page.byteLength, 0, 'alignedDelete detaches the buffer');

  arena.dispose();
  pool.dispose();
  assert.equal(memoryStats().liveBytes, 0, 'dispose frees everything now');
  return { backing };
}

function report(run) {
  try {
    const result = run();
    const { electron, node, v8 } = process.versions;
    console.log(JSON.stringify({ ok: true, electron, node, v8, ...result }));
    return 0;
  } catch (error) {
    console.error(error);
    console.log(JSON.stringify({ ok: false, error: String(error) }));
    return 1;
  }
}

if (process.versions.electron === undefined) {
  process.exitCode = report(() =>
    runChecks(process.env.LIGHTWATCH_MEMORY_BACKING === 'v8' ? 'v8' : 'native'),
  );
} else {
  const { app } = require('electron');
  app
    .whenReady()
    .then(() => {
      // Electron 21+ runs V8 with its memory cage: the first external buffer is refused and
      // every block from then on is V8-owned, unless the variable forces it from the start.
      app.exit(report(() => runChecks('v8')));
    })
    .catch((error) => {
      console.error(error);
      app.exit(1);
    });
}
