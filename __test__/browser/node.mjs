// The browser suite in Node, against the browser entry (dist/browser/index.mjs), as
// scripts/browser-test.mjs runs it: `node --expose-gc __test__/browser/node.mjs [host.json]`,
// where host.json holds the fixture and the native addon's plans of it.

import { readFileSync } from 'node:fs';

import * as m from '../../dist/browser/index.mjs';
import { runSuite } from './suite.mjs';

const host = process.argv[2] === undefined ? {} : JSON.parse(readFileSync(process.argv[2], 'utf8'));
const extra = [];
if (host.example !== undefined) {
  const { exampleChecks } = await import(host.example);
  extra.push(...(await exampleChecks(m)));
}
console.log(`# Node ${process.version}, the browser entry`);
const { failed } = await runSuite(m, {
  log: (line) => console.log(line),
  gc: globalThis.gc,
  fixture: host.fixture,
  expected: host.expected,
  extra,
});
process.exitCode = failed === 0 ? 0 : 1;
