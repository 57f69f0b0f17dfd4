// The export list is written once, in ts/index.ts: the ES module entry is written from it by
// scripts/esm-entry.mjs, and the browser entry re-exports that. A name added to one and not the
// other fails here.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import test from 'ava';

import * as cjs from '../ts/index';

const repo = path.join(__dirname, '..');
const script = path.join(repo, 'scripts', 'esm-entry.mjs');

test('ts/index.mts is what scripts/esm-entry.mjs writes from ts/index.ts', (t) => {
  const check = spawnSync(process.execPath, [script, '--check'], { encoding: 'utf8' });
  t.is(check.status, 0, check.stderr);
});

test("the export list read from ts/index.ts is the CommonJS entry's values", (t) => {
  const { values, types } = JSON.parse(
    execFileSync(process.execPath, [script, '--names'], { encoding: 'utf8' }),
  ) as { values: string[]; types: string[] };
  t.deepEqual([...values].sort(), Object.keys(cjs).sort());
  // Type-only exports are in the list too, for both entries (the browser's types are the ESM one's).
  t.true(types.includes('MemoryStats') && types.includes('TypedArray'));
});

test('the browser entry re-exports the ES module entry, with no list of its own', (t) => {
  const entry = readFileSync(path.join(repo, 'ts', 'browser', 'entry.mts'), 'utf8');
  t.regex(entry, /^export \* from '\.\.\/index\.mjs';$/m);
  t.notRegex(entry, /^export (type )?\{/m);
});
