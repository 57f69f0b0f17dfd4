// The browser entry exports what the Node entries export: the same names, values and types
// (the browser entry once lacked releaseLease and isMemoryError, and user code written for Node
// failed in the browser with "not a function").
import { readFileSync } from 'node:fs';
import path from 'node:path';

import test from 'ava';

/** The names of `export { … }` and `export type { … }` blocks of a module, each set sorted. */
function exportsOf(file: string): { values: string[]; types: string[] } {
  const text = readFileSync(path.join(__dirname, '..', 'ts', file), 'utf8');
  const names = (pattern: RegExp) =>
    [...text.matchAll(pattern)]
      .flatMap((match) => (match[1] as string).split(','))
      .map((name) => name.trim())
      .filter((name) => name !== '')
      .sort();
  return {
    values: names(/export \{([^}]*)\} from/g),
    types: names(/export type \{([^}]*)\} from/g),
  };
}

test('the browser entry exports the names of the ES module entry', (t) => {
  const node = exportsOf('index.mts');
  const browser = exportsOf(path.join('browser', 'entry.mts'));
  t.true(node.values.length > 10);
  t.deepEqual(browser.values, node.values);
  t.deepEqual(browser.types, node.types);
});
