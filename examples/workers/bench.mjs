// What shared memory and the two ways of dispatching cost, side by side in one run, as a
// markdown table with the machine's load: a shared arena's alloc against cutting a view from a
// SharedArrayBuffer by hand; the RSS of 4 workers reading one copy of 256 MiB of weights against
// each getting its own (structured clone); a 512x512 GEMM on 2 workers against one thread; a
// 64x64 GEMM dispatched through Atomics against a message round trip per call. Medians of the
// rounds, with their range.
//
//   node --expose-gc bench.mjs [--rounds 7]
//
// (`npm run bench` here.) The RSS figures come from child processes of their own, one per round
// and variant: `bench.mjs --child rss-shared|rss-copy`.
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';

import { Arena, alignedDelete, alignedNew, MemoryPlan } from '@lightwatch/memory';

import { GemmTeam } from './atomics-team.mjs';
import { fillSeeded, gemmRows, sameBits } from './gemm.mjs';
import { createGemmPool, gemmOnPool } from './piscina-gemm.mjs';

const { values } = parseArgs({
  options: { rounds: { type: 'string', default: '7' }, child: { type: 'string' } },
});
const ROUNDS = Number(values.rounds);
const MiB = 1024 * 1024;
const WEIGHT_BYTES = 256 * MiB;
const READERS = 4;

if (values.child !== undefined) {
  process.stdout.write(`${JSON.stringify(await rssChild(values.child))}\n`);
  process.exit(0);
}
if (typeof globalThis.gc !== 'function') throw new Error('run with node --expose-gc bench.mjs');

const median = (xs) => {
  const sorted = [...xs].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const summary = (xs, digits) =>
  `${median(xs).toFixed(digits)} (${Math.min(...xs).toFixed(digits)}-${Math.max(...xs).toFixed(digits)})`;
const ratio = (xs, ys) => median(xs) / median(ys);

const rows = [];
const loads = [os.loadavg()];

/** ns per view: 1,000 views of 256 floats, then a reset, over and over. */
function allocBench() {
  const LENGTH = 256;
  const BATCH = 1000;
  const BATCHES = 300;
  const arena = new Arena(BATCH * LENGTH * 4, { shared: true });
  const sab = new SharedArrayBuffer(BATCH * LENGTH * 4);
  let sink = 0;
  const variants = {
    arena: () => {
      for (let batch = 0; batch < BATCHES; batch++) {
        for (let i = 0; i < BATCH; i++) sink += arena.alloc(Float32Array, LENGTH).length;
        arena.reset();
      }
    },
    plain: () => {
      for (let batch = 0; batch < BATCHES; batch++) {
        let offset = 0;
        for (let i = 0; i < BATCH; i++) {
          sink += new Float32Array(sab, offset, LENGTH).length;
          offset += LENGTH * 4;
        }
      }
    },
  };
  const times = { arena: [], plain: [] };
  for (const run of Object.values(variants)) run(); // warm-up: the JIT, not the figures
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, run] of Object.entries(variants)) {
      globalThis.gc();
      const start = process.hrtime.bigint();
      run();
      times[name].push(Number(process.hrtime.bigint() - start) / (BATCH * BATCHES));
    }
  }
  if (sink !== (ROUNDS + 1) * 2 * BATCH * BATCHES * LENGTH) throw new Error('lost views');
  rows.push([
    `shared \`arena.alloc(Float32Array, 256)\` (${arena.backing}), ns/op`,
    summary(times.arena, 1),
    `\`new Float32Array(sab, offset, 256)\`: ${summary(times.plain, 1)}`,
    `${ratio(times.arena, times.plain).toFixed(2)}x`,
  ]);
  arena.dispose();
}

/**
 * In a child process: RSS of READERS workers that each read every float of 256 MiB of weights,
 * shared (one copy, posted as a view) or cloned (each its own copy), in MiB.
 */
async function rssChild(variant) {
  const readers = [];
  for (let index = 0; index < READERS; index++) {
    const worker = new Worker(
      `const { parentPort } = require('node:worker_threads');
       // on, not once: a worker with no listener left exits, and its copy with it.
       parentPort.on('message', (weights) => {
         let sum = 0;
         for (let i = 0; i < weights.length; i += 1024) sum += weights[i];
         // Keep the weights alive while the parent measures.
         globalThis.weights = weights;
         parentPort.postMessage(sum);
       });
       parentPort.postMessage('ready');`,
      { eval: true, execArgv: [] },
    );
    readers.push(worker);
  }
  await Promise.all(readers.map((worker) => once(worker, 'message')));
  const idle = process.memoryUsage().rss;
  const length = WEIGHT_BYTES / 4;
  const weights =
    variant === 'rss-shared'
      ? alignedNew(Float32Array, length, 64, { shared: true })
      : new Float32Array(length);
  // Every page written: the copy counts whole.
  for (let i = 0; i < length; i += 1024) weights[i] = (i >> 10) & 7;
  const loaded = process.memoryUsage().rss;
  const sums = await Promise.all(
    readers.map((worker) => {
      const answer = once(worker, 'message');
      worker.postMessage(weights);
      return answer;
    }),
  );
  const reading = process.memoryUsage().rss;
  if (!sums.every(([sum]) => sum === sums[0][0])) throw new Error('the readers disagree');
  await Promise.all(readers.map((worker) => worker.terminate()));
  if (variant === 'rss-shared') alignedDelete(weights);
  return {
    idle: idle / MiB,
    loaded: loaded / MiB,
    reading: reading / MiB,
    peak: (process.resourceUsage().maxRSS * 1024) / MiB,
  };
}

function rssBench() {
  const figures = { 'rss-shared': [], 'rss-copy': [] };
  for (let round = 0; round < ROUNDS; round++) {
    for (const variant of Object.keys(figures)) {
      const child = spawnSync(
        process.execPath,
        [fileURLToPath(import.meta.url), '--child', variant],
        {
          encoding: 'utf8',
          maxBuffer: 1 << 20,
        },
      );
      if (child.status !== 0) throw new Error(`${variant}: ${child.stderr}`);
      figures[variant].push(JSON.parse(child.stdout));
    }
  }
  const of = (variant, key) => figures[variant].map((figure) => figure[key]);
  const extra = (variant) => figures[variant].map((figure) => figure.reading - figure.idle);
  rows.push([
    `RSS, ${READERS} workers reading 256 MiB of weights shared (one copy), MiB`,
    `${summary(of('rss-shared', 'reading'), 0)}; +${summary(extra('rss-shared'), 0)} over idle workers`,
    `each its own copy (structured clone): ${summary(of('rss-copy', 'reading'), 0)}; +${summary(extra('rss-copy'), 0)}`,
    `${ratio(extra('rss-shared'), extra('rss-copy')).toFixed(2)}x the added memory`,
  ]);
}

/** One pass's A and C (a planned pass) and the weights B, shared, filled, for an m×k×n GEMM. */
function operands(m, k, n) {
  const b = fillSeeded(alignedNew(Float32Array, k * n, 64, { shared: true }), 2);
  const pass = MemoryPlan.record((mem) => {
    mem.alloc(Float32Array, m * k, 64);
    mem.alloc(Float32Array, m * n, 64);
  }).instantiate({ shared: true });
  const [a, c] = pass.views;
  fillSeeded(a, 1);
  const dispose = () => {
    pass.dispose();
    alignedDelete(b);
  };
  return { pass, a, b, c, m, k, n, dispose };
}

/** ms per 512x512x512 GEMM: one thread, piscina on 2 workers, the Atomics team of 2. */
async function bigGemmBench() {
  const SIZE = 512;
  const job = operands(SIZE, SIZE, SIZE);
  const { a, b, c, pass } = job;
  const reference = new Float32Array(SIZE * SIZE);
  const pool = createGemmPool(2);
  const team = await GemmTeam.start({ threads: 2, buffers: [a.buffer, b.buffer] });
  const variants = {
    single: async () => gemmRows(a, b, reference, SIZE, SIZE, 0, SIZE),
    piscina: () => gemmOnPool(pool, pass, job),
    atomics: async () => team.gemm(job, pass),
  };
  const times = { single: [], piscina: [], atomics: [] };
  for (const run of Object.values(variants)) await run();
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, run] of Object.entries(variants)) {
      c.fill(Number.NaN);
      const start = performance.now();
      await run();
      times[name].push(performance.now() - start);
      if (name !== 'single' && !sameBits(c, reference)) throw new Error(`${name}: other bits`);
    }
  }
  await team.close();
  await pool.destroy();
  job.dispose();
  const speedUp = (name) => (median(times.single) / median(times[name])).toFixed(2);
  rows.push([
    '512x512 GEMM, piscina on 2 workers, ms',
    summary(times.piscina, 1),
    `one thread: ${summary(times.single, 1)}`,
    `${speedUp('piscina')}x faster`,
  ]);
  rows.push([
    '512x512 GEMM, Atomics team of 2, ms',
    summary(times.atomics, 1),
    `one thread: ${summary(times.single, 1)}`,
    `${speedUp('atomics')}x faster`,
  ]);
}

/** µs per 64x64x64 GEMM under a lease: Atomics dispatch, a message round trip, piscina, one thread. */
async function smallGemmBench() {
  const SIZE = 64;
  const CALLS = 2000;
  const job = operands(SIZE, SIZE, SIZE);
  const { a, b, c, pass } = job;
  const reference = new Float32Array(SIZE * SIZE);
  gemmRows(a, b, reference, SIZE, SIZE, 0, SIZE);
  const buffers = [a.buffer, b.buffer];
  const atomics = await GemmTeam.start({ threads: 2, buffers });
  const messages = await GemmTeam.start({ threads: 2, buffers, mode: 'message' });
  const pool = createGemmPool(2);
  const variants = {
    atomics: async () => {
      for (let call = 0; call < CALLS; call++) atomics.gemm(job, pass);
    },
    message: async () => {
      for (let call = 0; call < CALLS; call++) await messages.gemmByMessage(job, pass);
    },
    piscina: async () => {
      for (let call = 0; call < CALLS; call++) await gemmOnPool(pool, pass, job);
    },
    single: async () => {
      for (let call = 0; call < CALLS; call++) gemmRows(a, b, c, SIZE, SIZE, 0, SIZE);
    },
  };
  const times = { atomics: [], message: [], piscina: [], single: [] };
  for (const run of Object.values(variants)) await run();
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, run] of Object.entries(variants)) {
      c.fill(Number.NaN);
      const start = performance.now();
      await run();
      times[name].push(((performance.now() - start) * 1000) / CALLS);
      if (!sameBits(c, reference)) throw new Error(`${name}: other bits`);
    }
  }
  await atomics.close();
  await messages.close();
  await pool.destroy();
  job.dispose();
  rows.push([
    '64x64 GEMM, Atomics dispatch to 2 workers, lease per call, µs',
    summary(times.atomics, 1),
    `a message round trip to each of 2 workers: ${summary(times.message, 1)}`,
    `${ratio(times.atomics, times.message).toFixed(2)}x the time`,
  ]);
  rows.push([
    '64x64 GEMM, piscina on 2 workers, lease per task, µs',
    summary(times.piscina, 1),
    `one thread: ${summary(times.single, 1)}`,
    `${ratio(times.piscina, times.single).toFixed(2)}x the time`,
  ]);
}

allocBench();
loads.push(os.loadavg());
rssBench();
loads.push(os.loadavg());
await bigGemmBench();
loads.push(os.loadavg());
await smallGemmBench();
loads.push(os.loadavg());

const arena = new Arena(64, { shared: true });
const backing = arena.backing;
arena.dispose();
console.log(
  `Node ${process.version}, shared backing ${backing}, ${os.availableParallelism()} available ` +
    `parallelism, ${ROUNDS} rounds; loadavg (1, 5, 15 min) at start and after each group: ` +
    loads.map((load) => load.map((x) => x.toFixed(2)).join(' ')).join(' | '),
);
console.log();
console.log('| measure | median (min-max) | against | ratio |');
console.log('| --- | ---: | --- | --- |');
for (const row of rows) console.log(`| ${row.join(' | ')} |`);
