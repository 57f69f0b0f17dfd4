// The packaging test: installs the package the way a user does, from tarballs, into a project
// that cannot see this repository, and uses it there.
//
//   node scripts/package-test.mjs [--keep]
//
// 1. Packs the root package (`npm pack`, the `files` list as published) and checks its file list.
// 2. Stages the current platform's binary package the way a release does (`napi create-npm-dirs`,
//    `napi artifacts`, `napi prepublish -t npm --dry-run`) and packs it.
// 3. Installs both tarballs, with the repository's TypeScript and @types/node versions from the
//    registry, into a fresh project in the system's temp directory, with no NODE_PATH and none of
//    the variables `npm run` sets, then there:
//    (a) require()s it from CommonJS, (b) imports it from ESM, (c) type-checks TypeScript files
//    against it with `tsc --noEmit` under moduleResolution nodenext, node16 and bundler, and
//    (d) runs a program that uses Arena, Pool and alignedNew, on both memory backings.
// Needs the release addon and dist/ built (`npm ci` or `npm install` builds them).
// Prints each check; exits non-zero if any fails.

import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const keep = process.argv.includes('--keep');
const started = performance.now();

const pkg = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8'));
const lock = JSON.parse(readFileSync(path.join(repo, 'package-lock.json'), 'utf8'));
const { binaryName } = pkg.napi;

// Files of the facade whose declarations nothing public refers to: their .js ships, not their .d.ts.
const INTERNAL_MODULES = ['loader', 'native'];

let passed = 0;
let failed = 0;

function ok(name, detail) {
  passed++;
  console.log(`ok    ${name}${detail ? `: ${detail}` : ''}`);
}

function fail(name, detail) {
  failed++;
  console.log(`FAIL  ${name}${detail ? `\n      ${detail.replaceAll('\n', '\n      ')}` : ''}`);
}

function check(name, fn) {
  try {
    ok(name, fn());
  } catch (error) {
    fail(name, error instanceof Error ? error.message : String(error));
  }
}

function finish(code) {
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`\npackage test: ${passed} passed, ${failed} failed (${seconds} s)`);
  process.exit(code ?? (failed === 0 ? 0 : 1));
}

// The environment of a user's shell: none of what `npm run` adds (npm_config_local_prefix would
// point npm back at this repository), no NODE_PATH, no NODE_OPTIONS (e.g. a tsx loader).
function userEnv(extra = {}) {
  const env = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^npm_/.test(key) || /^(INIT_CWD|NODE_PATH|NODE_OPTIONS)$/i.test(key)) continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}

/** Runs a command; returns its stdout, throws with its output if it fails. */
function run(command, args, { cwd, env = userEnv(), timeout = 180_000 } = {}) {
  const isCmd = process.platform === 'win32' && (command === 'npm' || command === 'npx');
  const result = spawnSync(isCmd ? `${command}.cmd` : command, args, {
    cwd,
    env,
    encoding: 'utf8',
    timeout,
    shell: isCmd,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.status !== 0) {
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim();
    throw new Error(
      `${command} ${args.join(' ')} (in ${cwd}) exited with ${result.status ?? result.signal ?? result.error}` +
        (output ? `\n${output.split('\n').slice(-25).join('\n')}` : ''),
    );
  }
  return result.stdout;
}

/** A step the following ones need: aborts the test if it fails. */
function step(name, fn) {
  try {
    const value = fn();
    ok(name, typeof value === 'string' ? value : undefined);
    return value;
  } catch (error) {
    fail(name, error instanceof Error ? error.message : String(error));
    finish(1);
  }
}

function napi(args, cwd) {
  const cli = path.join(path.dirname(require.resolve('@napi-rs/cli/package.json')), 'cli.mjs');
  return run(process.execPath, [cli, ...args], { cwd });
}

function npmPack(dir, destination) {
  const out = run(
    'npm',
    ['pack', '--ignore-scripts', '--json', '--pack-destination', destination],
    {
      cwd: dir,
    },
  );
  const [info] = JSON.parse(out.slice(out.indexOf('[')));
  return { file: path.join(destination, info.filename), files: info.files.map((f) => f.path) };
}

function sameList(actual, expected) {
  const missing = expected.filter((f) => !actual.includes(f));
  const extra = actual.filter((f) => !expected.includes(f));
  if (missing.length > 0 || extra.length > 0) {
    throw new Error(
      `${missing.length ? `missing: ${missing.join(', ')}` : ''}` +
        `${missing.length && extra.length ? '; ' : ''}${extra.length ? `unexpected: ${extra.join(', ')}` : ''}`,
    );
  }
  return `${actual.length} files`;
}

function lockedVersion(name) {
  const version = lock.packages?.[`node_modules/${name}`]?.version;
  if (!version) throw new Error(`${name} is not in package-lock.json`);
  return version;
}

function inside(dir, file) {
  const relative = path.relative(dir, file);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
}

// --- what this platform's binary is called ----------------------------------------------------

const { currentTarget, platformTriple } = require(path.join(repo, 'dist', 'loader.js'));
const { parseTriple } = require('@napi-rs/cli');
const here = currentTarget();
const triple = platformTriple(here.platform, here.arch, here.libc);
const nodeFile = `${binaryName}.${triple}.node`;
const platformPackage = `${pkg.name}-${triple}`;
const rustTarget = pkg.napi.targets.find((t) => parseTriple(t).platformArchABI === triple);
console.log(`package test of ${pkg.name}@${pkg.version} on ${triple} (Node ${process.version})\n`);

step(`${triple} is one of napi.targets`, () => rustTarget);
step(`the release addon ${nodeFile} and dist/ are built`, () => {
  for (const file of [nodeFile, 'binding.js', 'binding.d.ts', 'dist/index.js', 'dist/index.mjs']) {
    if (!existsSync(path.join(repo, file))) throw new Error(`${file} is missing: run npm install`);
  }
});

const temp = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'lightwatch-memory-package-')));
const tarballs = path.join(temp, 'tarballs');
const stage = path.join(temp, 'stage');
const project = path.join(temp, 'project');
for (const dir of [tarballs, stage, project]) mkdirSync(dir);
process.on('exit', () => {
  if (keep) console.log(`kept ${temp}`);
  else rmSync(temp, { recursive: true, force: true });
});

// --- 1. the root package -----------------------------------------------------------------------

const root = step('npm pack the root package', () => npmPack(repo, tarballs));
check('the root tarball holds exactly the loader, its types, dist/ and the docs', () => {
  const expected = [
    'package.json',
    'README.md',
    'LICENSE',
    'CHANGELOG.md',
    'binding.js',
    'binding.d.ts',
  ];
  for (const file of readdirSync(path.join(repo, 'ts'))) {
    const match = /^(.*)\.(m?)ts$/.exec(file);
    if (!match) continue;
    const [, name, m] = match;
    expected.push(`dist/${name}.${m}js`);
    if (!INTERNAL_MODULES.includes(name)) expected.push(`dist/${name}.d.${m}ts`);
  }
  return sameList(root.files, expected);
});

// --- 2. this platform's binary package, staged as a release stages it --------------------------

step('napi create-npm-dirs + napi artifacts stage the platform package', () => {
  // A copy of the release inputs, limited to this platform's target: `napi artifacts` and
  // `napi prepublish` insist on every configured target's binary.
  const staged = { ...pkg, napi: { ...pkg.napi, targets: [rustTarget] } };
  writeFileSync(path.join(stage, 'package.json'), `${JSON.stringify(staged, null, 2)}\n`);
  for (const file of ['binding.js', 'binding.d.ts']) {
    copyFileSync(path.join(repo, file), path.join(stage, file));
  }
  const artifacts = path.join(stage, 'artifacts', `bindings-${rustTarget}`);
  mkdirSync(artifacts, { recursive: true });
  copyFileSync(path.join(repo, nodeFile), path.join(artifacts, nodeFile));
  napi(['create-npm-dirs'], stage);
  napi(['artifacts'], stage);
});
const platformDir = path.join(stage, 'npm', triple);
check('napi prepublish -t npm --dry-run accepts the staged release', () => {
  // prepublish reads the release commit; give the stage one.
  const git = ['-c', 'user.name=package-test', '-c', 'user.email=package-test@localhost'];
  run('git', ['init', '-q'], { cwd: stage });
  run('git', [...git, 'commit', '-q', '--allow-empty', '-m', 'release'], { cwd: stage });
  napi(['prepublish', '-t', 'npm', '--dry-run'], stage);
});
check(`the platform package is ${platformPackage} for ${rustTarget}`, () => {
  const manifest = JSON.parse(readFileSync(path.join(platformDir, 'package.json'), 'utf8'));
  const problems = [];
  if (manifest.name !== platformPackage) problems.push(`name ${manifest.name}`);
  if (manifest.version !== pkg.version) problems.push(`version ${manifest.version}`);
  if (manifest.main !== nodeFile) problems.push(`main ${manifest.main}`);
  if (!manifest.os?.includes(here.platform)) problems.push(`os ${manifest.os}`);
  if (!manifest.cpu?.includes(here.arch)) problems.push(`cpu ${manifest.cpu}`);
  if (manifest.license !== pkg.license) problems.push(`license ${manifest.license}`);
  if (problems.length > 0) throw new Error(problems.join(', '));
  return `os ${manifest.os}, cpu ${manifest.cpu}${manifest.libc ? `, libc ${manifest.libc}` : ''}`;
});
const binary = step('npm pack the platform package', () => npmPack(platformDir, tarballs));
check('the platform tarball holds the addon, its manifest and README', () =>
  sameList(binary.files, ['package.json', 'README.md', nodeFile]),
);

// --- 3. a user's project -----------------------------------------------------------------------

const typescript = lockedVersion('typescript');
const typesNode = lockedVersion('@types/node');
writeFileSync(
  path.join(project, 'package.json'),
  `${JSON.stringify({ name: 'package-test-project', version: '1.0.0', private: true }, null, 2)}\n`,
);
step(`install both tarballs, typescript@${typescript} and @types/node@${typesNode}`, () => {
  run(
    'npm',
    [
      'install',
      '--no-audit',
      '--no-fund',
      '--prefer-offline',
      root.file,
      binary.file,
      `typescript@${typescript}`,
      `@types/node@${typesNode}`,
    ],
    { cwd: project },
  );
});

const PUBLIC_API = [
  'Arena',
  'Pool',
  'alignedAlloc',
  'alignedFree',
  'alignedNew',
  'alignedDelete',
  'addressOf',
  'memoryStats',
  'memoryBacking',
  'MAX_ALIGNMENT',
];

const files = {
  'require.cjs': `
const memory = require(${JSON.stringify(pkg.name)});
const loaded = Object.keys(require.cache);
console.log(JSON.stringify({
  names: Object.keys(memory),
  entry: require.resolve(${JSON.stringify(pkg.name)}),
  binding: require.resolve(${JSON.stringify(platformPackage)}),
  addon: loaded.filter((file) => file.endsWith('.node')),
  loaded,
}));
`,
  'import.mjs': `
import * as memory from ${JSON.stringify(pkg.name)};
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
const cjs = createRequire(import.meta.url)(${JSON.stringify(pkg.name)});
console.log(JSON.stringify({
  names: Object.keys(memory).filter((name) => name !== 'default'),
  entry: fileURLToPath(import.meta.resolve(${JSON.stringify(pkg.name)})),
  sameAsRequire: Object.keys(cjs).every((name) => memory[name] === cjs[name]),
}));
`,
  'program.mjs': `
import assert from 'node:assert/strict';
import {
  Arena, Pool, addressOf, alignedDelete, alignedNew, memoryBacking, memoryStats,
} from ${JSON.stringify(pkg.name)};

const arena = new Arena(64 * 1024);
const activations = arena.alloc(Float32Array, 256);
activations.fill(0.5);
const simd = arena.allocate(1000, 64);
assert.equal(addressOf(simd) % 64n, 0n);
assert.equal(arena.offsetOf(activations), 0);
assert.equal(arena.used, 1024 + 1000);
arena.reset();
assert.equal(activations.byteLength, 0, 'reset detaches the views handed out before');
assert.equal(arena.used, 0);

const pool = new Pool(Float64Array, 16, { initialCapacity: 4 });
const slots = Array.from({ length: 10 }, () => pool.allocate());
assert.equal(pool.size, 10);
assert.ok(pool.capacity >= 10, 'the pool grows');
slots[3].fill(7);
pool.deallocate(slots[3]);
assert.equal(pool.size, 9);

const weights = alignedNew(Float32Array, 1024, 64);
assert.equal(addressOf(weights) % 64n, 0n);
assert.ok(weights.every((x) => x === 0), 'aligned memory is zeroed');
const backing = memoryBacking();
const live = memoryStats().liveBytes;
assert.ok(live > 0);
alignedDelete(weights);
assert.equal(weights.byteLength, 0);
arena.dispose();
pool.dispose();
assert.equal(memoryStats().liveBytes, 0, 'dispose frees everything now');
console.log(JSON.stringify({ backing, liveBytesBeforeDispose: live }));
`,
  'check.mts': `
import { Arena, Pool, addressOf, alignedNew, memoryStats } from ${JSON.stringify(pkg.name)};
import type { MemoryStats, TypedArray, TypedArrayConstructor } from ${JSON.stringify(pkg.name)};

export function scratch(): number {
  using arena = new Arena(1024);
  const floats: Float32Array = arena.alloc(Float32Array, 4);
  return floats.length;
}
const pool: Pool<Float64Array> = new Pool(Float64Array, 8, { zero: true });
const slot: Float64Array = pool.allocate();
const weights: Int32Array = alignedNew(Int32Array, 16, 64);
const address: bigint = addressOf(weights);
const stats: MemoryStats = memoryStats();
const views: TypedArray[] = [slot, weights];
const type: TypedArrayConstructor<Uint16Array> = Uint16Array;
// @ts-expect-error: the capacity is a number
new Arena('1024');
// @ts-expect-error: a Float64Array pool hands out Float64Arrays
const wrong: Uint8Array = pool.allocate();
export { address, stats, type, views, wrong };
`,
  'check.cts': `
import memory = require(${JSON.stringify(pkg.name)});

const arena: memory.Arena = new memory.Arena(256);
const bytes: Uint8Array = arena.allocate(16, 32);
const backing: 'native' | 'v8' = memory.memoryBacking();
// @ts-expect-error: alignedFree takes the Uint8Array that alignedAlloc gave
memory.alignedFree(new Float32Array(4));
export = { bytes, backing };
`,
  'check-bundler.ts': `
import { Arena, type PoolOptions } from ${JSON.stringify(pkg.name)};

const options: PoolOptions = { initialCapacity: 16 };
const used: number = new Arena(64).used;
// @ts-expect-error: initialCapacity is a number
const bad: PoolOptions = { initialCapacity: '16' };
export { bad, options, used };
`,
};
for (const [name, text] of Object.entries(files)) {
  writeFileSync(path.join(project, name), text.trimStart());
}

const strict = { strict: true, noEmit: true, skipLibCheck: false, target: 'es2022' };
const tsconfigs = {
  // A Node project with @types/node (which declares Disposable for older libs).
  'tsconfig.nodenext.json': {
    compilerOptions: {
      ...strict,
      module: 'nodenext',
      moduleResolution: 'nodenext',
      types: ['node'],
    },
    files: ['check.mts', 'check.cts'],
  },
  'tsconfig.node16.json': {
    compilerOptions: { ...strict, module: 'node16', moduleResolution: 'node16', types: ['node'] },
    files: ['check.mts', 'check.cts'],
  },
  // A bundled project without @types/node.
  'tsconfig.bundler.json': {
    compilerOptions: {
      ...strict,
      module: 'preserve',
      moduleResolution: 'bundler',
      lib: ['es2022', 'esnext.disposable'],
      types: [],
    },
    files: ['check-bundler.ts', 'check.mts'],
  },
};
for (const [name, config] of Object.entries(tsconfigs)) {
  writeFileSync(path.join(project, name), `${JSON.stringify(config, null, 2)}\n`);
}

function nodeJson(file, extra) {
  const out = run(process.execPath, [file], { cwd: project, env: userEnv(extra) });
  return JSON.parse(out.trim().split('\n').pop());
}

const installed = path.join(project, 'node_modules', ...pkg.name.split('/'));
const installedBinding = path.join(project, 'node_modules', ...platformPackage.split('/'));

check('(a) require() from CommonJS loads the installed package and its platform binary', () => {
  const result = nodeJson('require.cjs');
  const problems = [];
  const missing = PUBLIC_API.filter((name) => !result.names.includes(name));
  if (missing.length) problems.push(`missing exports: ${missing.join(', ')}`);
  if (result.entry !== path.join(installed, 'dist', 'index.js'))
    problems.push(`entry ${result.entry}`);
  if (!inside(installedBinding, result.binding)) problems.push(`binding ${result.binding}`);
  if (result.addon.length !== 1 || !inside(installedBinding, result.addon[0])) {
    problems.push(`addon loaded from ${result.addon.join(', ') || 'nowhere'}`);
  }
  const fromRepo = result.loaded.filter((file) => inside(repo, file) || !inside(project, file));
  if (fromRepo.length) problems.push(`loaded from outside the project: ${fromRepo.join(', ')}`);
  if (problems.length) throw new Error(problems.join('\n'));
  return `${result.names.length} exports, addon from node_modules/${platformPackage}`;
});

check('(b) import from ESM gives the same objects as require()', () => {
  const result = nodeJson('import.mjs');
  const problems = [];
  const missing = PUBLIC_API.filter((name) => !result.names.includes(name));
  if (missing.length) problems.push(`missing exports: ${missing.join(', ')}`);
  if (result.entry !== path.join(installed, 'dist', 'index.mjs'))
    problems.push(`entry ${result.entry}`);
  if (!result.sameAsRequire) problems.push('ESM and CommonJS exports differ (dual package hazard)');
  if (problems.length) throw new Error(problems.join('\n'));
  return `${result.names.length} named exports from dist/index.mjs`;
});

const tsc = path.join(project, 'node_modules', 'typescript', 'bin', 'tsc');
for (const name of Object.keys(tsconfigs)) {
  const resolution = name.split('.')[1];
  check(`(c) tsc --noEmit under moduleResolution ${resolution}`, () => {
    run(process.execPath, [tsc, '-p', name], { cwd: project });
    return tsconfigs[name].files.join(', ');
  });
}

for (const backing of ['native', 'v8']) {
  check(`(d) a program using Arena, Pool and alignedNew runs on the ${backing} backing`, () => {
    const result = nodeJson('program.mjs', { LIGHTWATCH_MEMORY_BACKING: backing });
    if (result.backing !== backing) throw new Error(`memoryBacking() is ${result.backing}`);
    return `${result.liveBytesBeforeDispose} bytes live before dispose, 0 after`;
  });
}

finish();
