// One source of truth: the constants are the Rust core's, the error codes the Rust bindings'
// (crates/codes). The facade's copies, the README's error table and every code written in the
// sources are held to it here.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

import test from 'ava';

import * as memory from '../ts/index';

import native = require('../ts/native');

const root = path.join(__dirname, '..');

test("the constants are the core's, exported through the binding", (t) => {
  const names = [
    'DEFAULT_ALIGNMENT',
    'MAX_ALIGNMENT',
    'DEFAULT_CAPACITY',
    'AVX2_ALIGNMENT',
    'AVX512_ALIGNMENT',
  ] as const;
  const facade: Record<(typeof names)[number], number> = {
    DEFAULT_ALIGNMENT: memory.DEFAULT_ALIGNMENT,
    MAX_ALIGNMENT: memory.MAX_ALIGNMENT,
    DEFAULT_CAPACITY: memory.DEFAULT_CAPACITY,
    AVX2_ALIGNMENT: memory.AVX2_ALIGNMENT,
    AVX512_ALIGNMENT: memory.AVX512_ALIGNMENT,
  };
  for (const name of names) {
    t.is(typeof native[name], 'number', name);
    t.is(facade[name], native[name], `${name}: the facade's copy`);
  }
  // The values the phase-02 spec (docs/design.md) and the README promise.
  t.deepEqual(
    names.map((name) => native[name]),
    [16, 65536, 1024, 32, 64],
  );
});

test("the facade's error codes are the bindings' list, with the same classes", (t) => {
  const core = native.errorCodes().map(({ code, class: kind }) => [code, kind]);
  t.deepEqual(Object.entries(memory.ERROR_CODES), core);
});

test("the README's error table lists exactly the bindings' codes, with their classes", (t) => {
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
  const rows = [...readme.matchAll(/^\| `(ERR_[A-Z_]+)` \| `(\w+)` \|/gm)].map((m) => [m[1], m[2]]);
  const core = native.errorCodes().map(({ code, class: kind }) => [code, kind]);
  t.deepEqual(rows, core);
});

/** Every `ERR_*` string literal in the files under `dir` with extension `ext`. */
function codesIn(dir: string, ext: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith(ext)) continue;
    const file = path.join(entry.parentPath, entry.name);
    for (const match of readFileSync(file, 'utf8').matchAll(/["'`](ERR_[A-Z_]+)["'`]/g)) {
      found.set(match[1] as string, path.relative(root, file));
    }
  }
  return found;
}

test('no source throws a code that is not in the list', (t) => {
  const listed = new Set(native.errorCodes().map(({ code }) => code));
  const written = [
    ...codesIn(path.join(root, 'crates', 'memory', 'src'), '.rs'),
    ...codesIn(path.join(root, 'crates', 'codes', 'src'), '.rs'),
    ...codesIn(path.join(root, 'crates', 'node', 'src'), '.rs'),
    ...codesIn(path.join(root, 'crates', 'wasm', 'src'), '.rs'),
    ...codesIn(path.join(root, 'ts'), '.ts'),
  ];
  t.true(written.length > 10, 'the scan finds the codes');
  for (const [code, file] of written) t.true(listed.has(code), `${code} in ${file}`);
  // The binding throws only `ErrorCode` values (its `throw` takes nothing else), and the codes
  // crate's tests check that `ErrorCode::ALL` names every variant.
});

test('the same error says the same thing on both sides', (t) => {
  // The binding checks alignments itself, with the core's words; the facade checks first.
  const facade = t.throws(() => memory.alignedAlloc(16, 3));
  const binding = t.throws(() => native.createAligned(16, 3));
  t.is(facade?.message, binding?.message);
  t.is(facade?.message, 'alignment must be a power of two from 1 to 65536; received 3');
  // A capacity of 0: refused by the facade and, for hostile callers, by the binding.
  t.is(
    t.throws(() => new memory.Arena(0))?.message,
    t.throws(() => native.createArena(0))?.message,
  );
  // A double free of an aligned buffer.
  const view = memory.alignedAlloc(8, 8);
  const block = native.createAligned(8, 8);
  memory.alignedFree(view);
  block.handle.free();
  t.is(
    t.throws(() => memory.alignedFree(view))?.message,
    t.throws(() => block.handle.free())?.message,
  );
});

test('isMemoryError knows the errors of this package, by code', (t) => {
  let caught: unknown;
  try {
    new memory.Arena(16).allocate(64);
  } catch (error) {
    caught = error;
  }
  t.true(memory.isMemoryError(caught));
  t.true(memory.isMemoryError(caught, 'ERR_ARENA_EXHAUSTED'));
  t.false(memory.isMemoryError(caught, 'ERR_DISPOSED'));
  if (memory.isMemoryError(caught)) t.true(caught instanceof RangeError);
  for (const other of [
    new Error('plain'),
    Object.assign(new Error('foreign code'), { code: 'ENOENT' }),
    { code: 'ERR_ARENA_EXHAUSTED', message: 'not an error' },
    'ERR_DISPOSED',
    null,
    undefined,
  ]) {
    t.false(memory.isMemoryError(other), String(other));
  }
});
