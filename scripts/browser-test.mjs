// `npm run test:browser`: the browser suite (__test__/browser/suite.mjs) against the package's
// browser entry, in Node and in headless Chromium.
//
//   node scripts/browser-test.mjs [node] [chromium]      (both when neither is named)
//
// 1. The host's inputs: the benchmark's fixture (benchmark/networks/lifetimes.json) and the
//    native addon's plans of it (dist/index.js), which the suite compares with the plans of the
//    WebAssembly planner; and the wasm-kernels example's checks when its kernels are built
//    (examples/wasm-kernels/dist/kernels.wasm: node examples/wasm-kernels/build.mjs).
// 2. Node: `node --expose-gc __test__/browser/node.mjs` imports dist/browser/index.mjs as an ES
//    module and runs the suite.
// 3. Chromium: this script serves the repository's dist/, __test__/browser/ and the example on
//    127.0.0.1 (a port of its own) and drives Debian's Chromium (/usr/bin/chromium, or
//    CHROMIUM_PATH) with playwright-core: headless, no sandbox (CI runs as root), a new empty
//    profile, no background networking (a closed network refuses its connections), `gc()`
//    exposed. The page (index.html) posts its results back; every console line is printed here.
// Needs `npm run build:browser` done (npm ci does it). The last line of each run is
// "browser: N passed, N failed"; the process fails if any check does.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromiumPath, launchChromium, runPage, serve } from './browser/chromium.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const modes = process.argv.slice(2).filter((arg) => !arg.startsWith('-'));
const runNode = modes.length === 0 || modes.includes('node');
const runChromium = modes.length === 0 || modes.includes('chromium');

for (const file of ['dist/browser/index.mjs', 'dist/browser/lightwatch-memory.wasm']) {
  if (!existsSync(path.join(repo, file))) {
    throw new Error(`${file} is missing: run npm run build:browser (npm ci does)`);
  }
}

/** The fixture, and the native addon's plans of it. */
function hostInputs() {
  const fixture = JSON.parse(
    readFileSync(path.join(repo, 'benchmark', 'networks', 'lifetimes.json'), 'utf8'),
  );
  const native = require(path.join(repo, 'dist', 'index.js'));
  const expected = {};
  for (const set of fixture.sets) {
    const lifetimes = set.sizes.map((size, i) => ({
      size,
      alignment: fixture.alignment,
      start: set.starts[i],
      end: set.ends[i],
    }));
    const plan = native.MemoryPlan.fromLifetimes(lifetimes);
    expected[set.name] = {
      offsets: plan.offsets,
      figures: [plan.bytes, plan.lowerBound, plan.naiveBytes],
      greedy: native.MemoryPlan.greedyBySize(lifetimes).bytes,
    };
  }
  const sets = fixture.sets.map((set) => ({ ...set, alignment: fixture.alignment }));
  const kernels = path.join(repo, 'examples', 'wasm-kernels', 'dist', 'kernels.wasm');
  return { fixture: sets, expected, exampleBuilt: existsSync(kernels) };
}

const inputs = hostInputs();
const temp = mkdtempSync(path.join(os.tmpdir(), 'lightwatch-browser-'));
let failures = 0;

if (runNode) {
  const host = path.join(temp, 'host.json');
  const example = inputs.exampleBuilt
    ? path.join(repo, 'examples', 'wasm-kernels', 'checks.mjs')
    : undefined;
  writeFileSync(host, JSON.stringify({ ...inputs, example }));
  const result = spawnSync(
    process.execPath,
    ['--expose-gc', path.join(repo, '__test__', 'browser', 'node.mjs'), host],
    { cwd: repo, stdio: 'inherit' },
  );
  if (result.status !== 0) failures++;
}

async function chromiumRun() {
  let posted;
  const host = {
    fixture: inputs.fixture,
    expected: inputs.expected,
    example: inputs.exampleBuilt ? '/examples/wasm-kernels/checks.mjs' : undefined,
  };
  const served = ['dist/browser/', '__test__/browser/', 'examples/wasm-kernels/'];
  const server = await serve(repo, served, {
    'GET /host.json': () => host,
    'POST /results': (body) => {
      posted = body;
    },
  });
  const url = `http://127.0.0.1:${server.address().port}/__test__/browser/index.html`;
  const browser = await launchChromium();
  try {
    console.log(`# Chromium ${browser.version()} (${chromiumPath()}), ${url}`);
    await runPage(browser, url, 'suiteResult');
  } finally {
    await browser.close();
    server.close();
  }
  if (posted === undefined) {
    console.error('the page posted no results');
    return 1;
  }
  return posted.failed === 0 && posted.passed > 0 ? 0 : 1;
}

if (runChromium) failures += await chromiumRun();
rmSync(temp, { recursive: true, force: true });
process.exitCode = failures === 0 ? 0 : 1;
