// The browser suite in a page (index.html beside it), as scripts/browser-test.mjs serves it on
// 127.0.0.1 and drives it in headless Chromium: the package's browser entry, imported as a
// bundler-less page imports an ES module, under a Content-Security-Policy that allows
// WebAssembly ('wasm-unsafe-eval') and nothing from elsewhere. Each line goes to the console
// (which the runner prints) and to the page; the results are posted back to the server.

import * as m from '/dist/browser/index.mjs';
import { runSuite } from './suite.mjs';

const out = document.getElementById('log');
const log = (line) => {
  console.log(line);
  out.textContent += `${line}\n`;
};

const host = await (await fetch('/host.json')).json();
const extra = [];
if (host.example !== undefined) {
  const { exampleChecks } = await import(host.example);
  extra.push(...(await exampleChecks(m)));
}
log(`# ${navigator.userAgent}, the browser entry`);
const result = await runSuite(m, {
  log,
  gc: globalThis.gc,
  fixture: host.fixture,
  expected: host.expected,
  extra,
});
await fetch('/results', { method: 'POST', body: JSON.stringify(result) });
globalThis.suiteResult = result;
