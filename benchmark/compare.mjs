// Two builds of the package side by side, in one process: the hot paths of each, in interleaved
// rounds, so that both see the same machine load. What a change's "within 5% of before" is
// measured with.
//
//   node --expose-gc benchmark/compare.mjs <before-dir> <after-dir> [--rounds 15] [--json]
//
// Each directory is a checkout with its addon (release) and dist/ built (`npm ci`). The cases:
// arena.alloc(Float32Array, n) with a reset every 1000 allocations (the suite's arena groups),
// pool.allocate() + deallocate() of 16 floats, and a scope (open, one alloc, close). Prints the
// median ns per operation of each side, its range over the rounds, and the after/before ratio.
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

const args = process.argv.slice(2);
const dirs = args.filter((arg) => !arg.startsWith('--') && !/^\d+$/.test(arg));
if (dirs.length !== 2) {
  console.error(
    'usage: node --expose-gc benchmark/compare.mjs <before-dir> <after-dir> [--rounds N] [--json]',
  );
  process.exit(2);
}
const roundsAt = args.indexOf('--rounds');
const ROUNDS = roundsAt >= 0 ? Number(args[roundsAt + 1]) : 15;
const json = args.includes('--json');

function load(dir) {
  const require = createRequire(path.resolve(dir, 'package.json'));
  return require(path.resolve(dir, 'dist', 'index.js'));
}

const sides = dirs.map((dir, i) => ({ name: i === 0 ? 'before' : 'after', dir, pkg: load(dir) }));

/**
 * A function compiled from `body` for one side only: closures made from one function literal
 * share their feedback, so a call site in them would see both builds' classes and go
 * polymorphic, slowing both sides alike.
 */
function compile(params, body) {
  return new Function(...params, body);
}

/** The cases of one build: each a function doing `ops` operations. */
function cases(pkg) {
  const { Arena, Pool } = pkg;
  const box = { sink: undefined };
  const out = [];
  for (const n of [16, 256]) {
    const arena = new Arena(1000 * 4 * n + 64);
    const fn = compile(
      ['arena', 'box'],
      `return () => { for (let i = 0; i < 1000; i++) box.sink = arena.alloc(Float32Array, ${n}); arena.reset(); };`,
    )(arena, box);
    out.push({ name: `arena.alloc(Float32Array, ${n}), reset / 1000`, ops: 1000, fn });
  }
  const pool = new Pool(Float32Array, 16, { initialCapacity: 1024 });
  out.push({
    name: 'pool.allocate() + deallocate(), 16 floats',
    ops: 1000,
    fn: compile(
      ['pool'],
      'const held = []; return () => { for (let i = 0; i < 1000; i++) held.push(pool.allocate()); for (let i = 0; i < 1000; i++) pool.deallocate(held.pop()); };',
    )(pool),
  });
  const scoped = new Arena(1 << 20);
  scoped.alloc(Float32Array, 16);
  out.push({
    name: 'scope: open, alloc(Float32Array, 16), close',
    ops: 100,
    fn: compile(
      ['arena', 'box'],
      'return () => { for (let i = 0; i < 100; i++) { const scope = arena.scope(); box.sink = arena.alloc(Float32Array, 16); scope.close(); } };',
    )(scoped, box),
  });
  out.push({
    name: 'scope: open, close (no claim)',
    ops: 1000,
    fn: compile(
      ['arena'],
      'return () => { for (let i = 0; i < 1000; i++) arena.scope().close(); };',
    )(scoped),
  });
  sinks.push(box);
  return out;
}

const sinks = [];

/** ns per operation of `fn`, over about 50 ms (one copy of this function per side too). */
function measure({ fn, ops }) {
  let calls = 0;
  const deadline = performance.now() + 50;
  const start = performance.now();
  while (performance.now() < deadline) {
    fn();
    calls++;
  }
  return ((performance.now() - start) * 1e6) / (calls * ops);
}

const table = sides.map((side) => cases(side.pkg));
// Warm-up: every case of both sides until the JIT settles.
for (let w = 0; w < 3; w++) for (const list of table) for (const c of list) measure(c);

const samples = table.map((list) => list.map(() => []));
for (let round = 0; round < ROUNDS; round++) {
  // Alternate which side goes first, so neither always runs on a fresher heap.
  const order = round % 2 === 0 ? [0, 1] : [1, 0];
  for (let c = 0; c < table[0].length; c++) {
    for (const s of order) {
      globalThis.gc?.();
      samples[s][c].push(measure(table[s][c]));
    }
  }
}
if (sinks.some((box) => box.sink === null)) console.log('unreachable');

const median = (xs) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};
const rows = table[0].map((c, i) => {
  const before = samples[0][i];
  const after = samples[1][i];
  return {
    case: c.name,
    before: median(before),
    beforeRange: [Math.min(...before), Math.max(...before)],
    after: median(after),
    afterRange: [Math.min(...after), Math.max(...after)],
    ratio: median(after) / median(before),
  };
});
const context = {
  node: process.version,
  rounds: ROUNDS,
  load: os.loadavg().map((l) => Number(l.toFixed(2))),
  cpus: os.availableParallelism(),
  before: sides[0].dir,
  after: sides[1].dir,
};
if (json) {
  console.log(JSON.stringify({ context, rows }, null, 2));
} else {
  const ns = (x) => x.toFixed(1);
  console.log(
    `Node ${context.node}, ${ROUNDS} interleaved rounds, load ${context.load.join(' ')}, ${context.cpus} CPUs`,
  );
  console.log('| case | before ns/op (range) | after ns/op (range) | after / before |');
  console.log('| --- | ---: | ---: | ---: |');
  for (const row of rows) {
    console.log(
      `| ${row.case} | ${ns(row.before)} (${ns(row.beforeRange[0])}-${ns(row.beforeRange[1])}) | ${ns(row.after)} (${ns(row.afterRange[0])}-${ns(row.afterRange[1])}) | ${row.ratio.toFixed(3)} |`,
    );
  }
}
