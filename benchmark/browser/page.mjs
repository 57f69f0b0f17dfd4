// The browser benchmarks in a page (index.html), as scripts/browser-bench.mjs serves it on
// 127.0.0.1 and drives it in headless Chromium; the results are posted back to the server.

import * as m from '/dist/browser/index.mjs';
import { allocBench, kernelBench, planBench } from './bench.mjs';

const now = () => performance.now();
const host = await (await fetch('/host.json')).json();
const log = (line) => {
  console.log(line);
  document.getElementById('log').textContent += `${line}\n`;
};
log(`# ${navigator.userAgent}`);
const { instance } = await WebAssembly.instantiateStreaming(
  fetch('/dist/browser/lightwatch-memory.wasm'),
  { lightwatch: { now } },
);
const result = {
  runtime: navigator.userAgent,
  alloc: allocBench(m, now, { core: instance.exports }),
  kernels: await kernelBench(m, now),
  plans: planBench(m, host.fixture, now),
};
await fetch('/results', { method: 'POST', body: JSON.stringify(result) });
globalThis.benchResult = true;
log('done');
