// The browser entry's benchmarks (benchmark/browser/bench.mjs) in headless Chromium and in the
// Node that runs this script, printed as the tables of BENCHMARKS.md and written to
// benchmark/browser-results.json. BENCHMARKS.md's figures come from Node 24:
//
//   node24 scripts/browser-bench.mjs        (node examples/wasm-kernels/build.mjs first)
//   node scripts/browser-bench.mjs --alloc 5  (the arena's hot path alone, in 5 pages)
//
// Chromium: Debian's, driven by playwright-core, as the browser suite runs it
// (scripts/browser/chromium.mjs). Node: the same functions over the browser entry, and over the
// Node entry (native addon) for the references: the arena's hot path and the planner's times,
// with the plans compared.

import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { allocBench, kernelBench, planBench } from '../benchmark/browser/bench.mjs';
import * as browserEntry from '../dist/browser/index.mjs';
import * as nodeEntry from '../dist/index.mjs';
import { launchChromium, runPage, serve } from './browser/chromium.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

// `--alloc N`: only the arena's hot path in Chromium, N pages one after another (its spread).
const allocOnly = process.argv.indexOf('--alloc');
if (allocOnly !== -1) {
  const pages = Number(process.argv[allocOnly + 1] ?? 5);
  const server = await serve(
    repo,
    ['dist/browser/', 'benchmark/browser/', 'examples/wasm-kernels/'],
    {},
  );
  const browser = await launchChromium();
  const url = `http://127.0.0.1:${server.address().port}/benchmark/browser/alloc.html`;
  console.log(`| page | arena (ns) | floor (ns) | arena / floor | load |`);
  console.log('| ---: | ---: | ---: | ---: | ---: |');
  for (let page = 1; page <= pages; page++) {
    const r = await runPage(browser, url, 'benchResult');
    console.log(
      `| ${page} | ${r.arena.toFixed(1)} | ${r.floor.toFixed(1)} | ${r.ratio.toFixed(2)} | ${os.loadavg()[0].toFixed(2)} |`,
    );
  }
  await browser.close();
  server.close();
  process.exit(0);
}
const fixtureFile = JSON.parse(
  readFileSync(path.join(repo, 'benchmark', 'networks', 'lifetimes.json'), 'utf8'),
);
const fixture = fixtureFile.sets.map((set) => ({ ...set, alignment: fixtureFile.alignment }));
const now = () => performance.now();
const load = () => os.loadavg()[0].toFixed(2);

const { instance } = await WebAssembly.instantiate(
  readFileSync(path.join(repo, 'dist', 'browser', 'lightwatch-memory.wasm')),
  { lightwatch: { now } },
);
console.log(`# Node ${process.version}, load ${load()}`);
const node = {
  runtime: `Node ${process.version}`,
  alloc: allocBench(browserEntry, now, { core: instance.exports }),
  allocNative: allocBench(nodeEntry, now),
  kernels: await kernelBench(browserEntry, now),
  plans: planBench(browserEntry, fixture, now),
  plansNative: planBench(nodeEntry, fixture, now),
  loadAfter: load(),
};

let chromium;
const server = await serve(
  repo,
  ['dist/browser/', 'benchmark/browser/', 'examples/wasm-kernels/'],
  {
    'GET /host.json': () => ({ fixture }),
    'POST /results': (body) => {
      chromium = body;
    },
  },
);
const browser = await launchChromium();
try {
  chromium = undefined;
  const url = `http://127.0.0.1:${server.address().port}/benchmark/browser/index.html`;
  console.log(`# Chromium ${browser.version()}, load ${load()}`);
  await runPage(browser, url, 'benchResult', 600_000);
  chromium.runtime = `Chromium ${browser.version()}`;
  chromium.loadAfter = load();
} finally {
  await browser.close();
  server.close();
}

const f = (x, digits = 1) => (x === undefined ? '-' : x.toFixed(digits));
const range = (s) => `${f(s.min)}-${f(s.max)}`;

console.log(
  '\n## arena.alloc(Float32Array, 256), reset every 1000 (ns per allocation, median of 11)\n',
);
console.log(
  '| runtime | arena | floor: new Float32Array(buffer, off, 256) | arena / floor | new Float32Array(256) | a call into the wasm core + the view |',
);
console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
for (const [name, a] of [
  [`${chromium.runtime}, browser entry`, chromium.alloc],
  [`${node.runtime}, browser entry`, node.alloc],
  [`${node.runtime}, Node entry (native)`, node.allocNative],
]) {
  console.log(
    `| ${name} | ${f(a.arena.median)} (${range(a.arena)}) | ${f(a.floor.median)} (${range(a.floor)}) | ${a.ratio.toFixed(2)} | ${f(a.plain.median)} | ${f(a.crossing?.median)} |`,
  );
}

console.log('\n## the wasm-kernels pass: zero copy vs copy in/out (us per pass, median)\n');
console.log(
  '| runtime | size | zero copy | copy in/out | copy / zero | the copies alone | their share |',
);
console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: |');
for (const run of [chromium, node]) {
  for (const row of run.kernels) {
    console.log(
      `| ${run.runtime} | ${row.name} | ${f(row.zeroUs)} | ${f(row.copyUs)} | ${row.ratio.toFixed(2)}x | ${f(row.copiesUs)} | ${(100 * row.share).toFixed(0)}% |`,
    );
  }
}

console.log('\n## the fixture planned in WebAssembly vs the native addon (ms, median of 5)\n');
console.log(
  '| network | tensors | native (Node) | wasm (Node) | wasm (Chromium) | wasm / native (Node) | same plan |',
);
console.log('| --- | ---: | ---: | ---: | ---: | ---: | --- |');
for (let i = 0; i < fixture.length; i++) {
  const native = node.plansNative[i];
  const wasm = node.plans[i];
  const page = chromium.plans[i];
  const same =
    wasm.refused !== undefined
      ? `refused (${wasm.refused}: naive layout past 2 GiB - 1)`
      : JSON.stringify(wasm.offsets) === JSON.stringify(native.offsets) &&
          JSON.stringify(page.offsets) === JSON.stringify(native.offsets)
        ? 'yes'
        : 'NO';
  console.log(
    `| ${native.name} | ${native.tensors} | ${f(native.ms, 2)} | ${f(wasm.ms, 2)} | ${f(page.ms, 2)} | ${wasm.ms === undefined ? '-' : `${(wasm.ms / native.ms).toFixed(2)}x`} | ${same} |`,
  );
}

const strip = (rows) => rows.map(({ offsets, ...row }) => row);
const results = {
  machine: `${os.cpus().length} cores, ${os.cpus()[0]?.model}`,
  node: { ...node, plans: strip(node.plans), plansNative: strip(node.plansNative) },
  chromium: { ...chromium, plans: strip(chromium.plans) },
};
writeFileSync(
  path.join(repo, 'benchmark', 'browser-results.json'),
  `${JSON.stringify(results, null, 2)}\n`,
);
console.log('\nwrote benchmark/browser-results.json');
