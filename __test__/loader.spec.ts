import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { parseTriple } from '@napi-rs/cli';
import test from 'ava';

import {
  currentTarget,
  LOAD_ERROR_CODE,
  loadFailure,
  loadFailureMessage,
  PREBUILT_TRIPLES,
  platformTriple,
} from '../ts/loader';

const root = path.join(__dirname, '..');

test('platformTriple names platforms as napi-rs does', (t) => {
  t.is(platformTriple('linux', 'x64', 'glibc'), 'linux-x64-gnu');
  t.is(platformTriple('linux', 'x64', null), 'linux-x64-gnu');
  t.is(platformTriple('linux', 'arm64', 'musl'), 'linux-arm64-musl');
  t.is(platformTriple('linux', 'arm', 'glibc'), 'linux-arm-gnueabihf');
  t.is(platformTriple('darwin', 'arm64', null), 'darwin-arm64');
  t.is(platformTriple('win32', 'x64', null), 'win32-x64-msvc');
  t.is(platformTriple('freebsd', 'x64', null), 'freebsd-x64');
});

test('the prebuilt triples are the napi.targets of package.json', (t) => {
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
  const targets: string[] = pkg.napi.targets;
  t.deepEqual(
    [...PREBUILT_TRIPLES].sort(),
    targets.map((target) => parseTriple(target).platformArchABI).sort(),
  );
});

for (const [platform, arch, libc, triple] of [
  ['linux', 'x64', 'glibc', 'linux-x64-gnu'],
  ['linux', 'x64', 'musl', 'linux-x64-musl'],
  ['darwin', 'arm64', null, 'darwin-arm64'],
  ['win32', 'x64', null, 'win32-x64-msvc'],
] as const) {
  test(`the load failure message names the triple, file and package on ${triple}`, (t) => {
    const message = loadFailureMessage({ platform, arch, libc });
    t.true(message.includes(`native addon for ${triple}.`), message);
    t.true(message.includes(`file lightwatch-memory.${triple}.node `), message);
    t.true(message.includes(`package @lightwatch/memory-${triple}.`), message);
    t.true(message.includes(`${triple} is supported`), message);
  });
}

test('the load failure message says what to do', (t) => {
  const message = loadFailureMessage({ platform: 'linux', arch: 'arm64', libc: 'glibc' });
  t.true(message.includes('--omit=optional'), message);
  t.true(message.includes('--no-optional'), message);
  t.true(message.includes('Rust toolchain'), message);
  t.true(message.includes('`npm run build`'), message);
});

test('the load failure message gives the full path of the file when it knows the root', (t) => {
  const packageRoot = path.join('somewhere', 'node_modules', '@lightwatch', 'memory');
  const message = loadFailureMessage({ platform: 'darwin', arch: 'x64', libc: null, packageRoot });
  t.true(message.includes(path.join(packageRoot, 'lightwatch-memory.darwin-x64.node')), message);
});

test('the load failure message says when the platform has no prebuilt package', (t) => {
  const message = loadFailureMessage({ platform: 'linux', arch: 'riscv64', libc: 'glibc' });
  t.true(message.includes('linux-riscv64-gnu is not supported'), message);
  t.true(message.includes('prebuilt packages exist for linux-x64-gnu'), message);
  t.true(message.includes('package @lightwatch/memory-linux-riscv64-gnu.'), message);
});

test("the load failure message ends with the first line of the loader's error", (t) => {
  const cause = new Error('Cannot find native binding. Try again.\nmore details');
  const message = loadFailureMessage({ platform: 'win32', arch: 'arm64', libc: null }, cause);
  t.true(message.endsWith('The loader said: Cannot find native binding. Try again.'), message);
  t.false(message.includes('more details'), message);
});

test("loadFailure keeps the loader's error as cause and has a code", (t) => {
  const cause = new Error('Cannot find native binding');
  const error = loadFailure(cause, { platform: 'linux', arch: 'x64', libc: 'musl' });
  t.true(error instanceof Error);
  t.is(error.cause, cause);
  t.is(error.code, LOAD_ERROR_CODE);
  t.true(error.message.includes('@lightwatch/memory-linux-x64-musl'), error.message);
});

test('the current target names the addon that the build wrote', (t) => {
  const target = currentTarget();
  t.is(target.packageRoot, root);
  const triple = platformTriple(target.platform, target.arch, target.libc);
  t.true(existsSync(path.join(root, `lightwatch-memory.${triple}.node`)), triple);
});
