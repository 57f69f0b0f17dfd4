// The test-only exports stay out of what is published: the release build's binding.d.ts and
// binding.js name none of them, and test-exports.d.ts (how the tests type them) is exactly what
// the test build declares beyond the release one. (The published addon itself is checked by the
// packaging test, scripts/package-test.mjs, which loads the installed platform package.)
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

import test from 'ava';

const root = path.join(__dirname, '..');
const read = (...parts: string[]) => readFileSync(path.join(root, ...parts), 'utf8');

/** The top-level blocks of a declaration file, as napi-rs separates them: by blank lines. */
function blocks(text: string): string[] {
  return text
    .split(/\n\n+/)
    .map((block) => block.trim())
    .filter((block) => block !== '' && !block.startsWith('//'));
}

/** The names a declaration file exports. */
function exported(text: string): string[] {
  const names = text.matchAll(
    /^export (?:declare )?(?:class|function|const|type|interface) (\w+)/gm,
  );
  return [...names].map((match) => match[1] as string);
}

const declared = read('__test__', 'test-exports.d.ts');

test('the published binding.d.ts and binding.js name none of the test-only exports', (t) => {
  const names = exported(declared);
  t.true(names.includes('__panicForTests') && names.includes('__ArenaRuleForTests'));
  for (const file of ['binding.d.ts', 'binding.js']) {
    const text = read(file);
    for (const name of names) t.false(new RegExp(`\\b${name}\\b`).test(text), `${name} in ${file}`);
  }
});

const generated = path.join(root, 'target', 'test-addon', 'binding.d.ts');
(existsSync(generated) ? test : test.skip)(
  "test-exports.d.ts is what the test build declares beyond the release build's",
  (t) => {
    const release = new Set(blocks(read('binding.d.ts')));
    // The loader's own declaration (`__napiBindingTarget`) comes with binding.js, not the addon.
    const extra = blocks(readFileSync(generated, 'utf8')).filter(
      (block) => !release.has(block) && !block.includes('__napiBindingTarget'),
    );
    t.deepEqual(extra, blocks(declared));
  },
);
