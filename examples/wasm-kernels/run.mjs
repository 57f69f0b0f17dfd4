// The wasm-kernels example in Node: the checks (bit-identical to the scalar reference, views in
// the kernels' memory, memory.grow followed) against the package's Node entry (native addon)
// and its browser entry (the WebAssembly core), then the time per pass, zero copy vs copy in/out,
// at the two sizes. `.ci/run` runs it (after `node examples/wasm-kernels/build.mjs`); the same
// checks run in headless Chromium in the browser suite, and the Chromium timings come from
// scripts/browser-bench.mjs.
//
//   node examples/wasm-kernels/run.mjs [--no-bench]

import * as browserEntry from '../../dist/browser/index.mjs';
import * as nodeEntry from '../../dist/index.mjs';
import { exampleChecks } from './checks.mjs';
import { copiesOnly, copying, loadKernels, makeMlp, SIZES, timeBoth, zeroCopy } from './mlp.mjs';

let failed = 0;
let passed = 0;
for (const [entry, m] of [
  ['Node entry (native addon)', nodeEntry],
  ['browser entry (WebAssembly core)', browserEntry],
]) {
  console.log(`# ${entry}, memoryBacking() ${m.memoryBacking()}`);
  for (const [name, fn] of await exampleChecks(m)) {
    try {
      await fn();
      passed++;
      console.log(`ok    ${name}`);
    } catch (error) {
      failed++;
      console.log(`FAIL  ${name}\n      ${error.stack}`);
    }
  }
}

if (!process.argv.includes('--no-bench')) {
  console.log(`\n# time per pass, Node ${process.version} (median of rounds, side by side)`);
  for (const size of SIZES) {
    const kernels = await loadKernels();
    const mlp = makeMlp(kernels, size.sizes, size.batch);
    const result = timeBoth(
      zeroCopy(nodeEntry, kernels, mlp),
      copying(kernels, mlp),
      copiesOnly(kernels, mlp),
      { now: () => performance.now() },
    );
    console.log(
      `${size.name}: zero copy ${result.zeroUs.toFixed(1)} us, copy in/out ${result.copyUs.toFixed(1)} us (${result.ratio.toFixed(2)}x; the copies ${(100 * result.share).toFixed(0)}% of the copying pass)`,
    );
  }
}
console.log(`\nwasm-kernels: ${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
