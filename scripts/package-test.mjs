// The packaging test: installs the package the way a user does, from tarballs, into a project
// that cannot see this repository, and uses it there.
//
//   npm run test:package [-- --keep]     (node --test-reporter=spec scripts/package-test.mjs)
//
// 1. Packs the root package (`npm pack`, the `files` list as published) and checks its file list.
// 2. Stages the current platform's binary package the way a release does (`napi create-npm-dirs`,
//    `napi artifacts`, `napi prepublish -t npm --dry-run`) and packs it.
// 3. Installs both tarballs, with the repository's TypeScript and @types/node versions from the
//    registry, into a fresh project in the system's temp directory, with no NODE_PATH and none of
//    the variables `npm run` sets, copies the programs of `package-test/fixtures/` there, and:
//    (a) require()s it from CommonJS, (b) imports it from ESM, (c) type-checks TypeScript files
//    against it with `tsc --noEmit` under moduleResolution nodenext, node16 and bundler, and
//    (d) runs a program that uses Arena, Pool and alignedNew, on both memory backings, and
//    (e) bundles a browser application with Vite (pinned below) and runs it in headless Chromium
//    (scripts/browser/chromium.mjs): the "browser" condition gives dist/browser/index.mjs and Vite
//    emits the WebAssembly core it loads. Without Chromium the run is skipped, and said, unless
//    LIGHTWATCH_REQUIRE_BROWSER=1 (.ci/run sets it): then it fails.
// Needs the release addon and dist/ built (`npm ci` or `npm install` builds them).
// Each check is a node:test test (harness: steps.mjs); the process fails if any does.

import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import {
  copyFileSync,
  cpSync,
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
import { after } from 'node:test';
import { fileURLToPath } from 'node:url';

import { chromiumPath, launchChromium, runPage, serve } from './browser/chromium.mjs';
import { exportsOf } from './esm-entry.mjs';
import { check, step } from './steps.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const fixtures = path.join(repo, 'scripts', 'package-test', 'fixtures');
const require = createRequire(import.meta.url);
const keep = process.argv.includes('--keep');

const pkg = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8'));
const lock = JSON.parse(readFileSync(path.join(repo, 'package-lock.json'), 'utf8'));
const { binaryName } = pkg.napi;

// Files of the facade whose declarations nothing public refers to: their .js ships, not their .d.ts.
// (dist/native.d.ts ships: dist/scope-buffers.d.ts, which the public dist/scope.d.ts imports, names
// its types, and a project with noImplicitAny refuses a declaration that imports untyped code.)
const INTERNAL_MODULES = ['loader'];

/**
 * What the installed package must export, exactly, from CommonJS and ESM alike: ts/index.ts's
 * values (scripts/esm-entry.mjs reads the list).
 */
const PUBLIC_API = exportsOf().values;

/** What is wrong with an entry's exports `names`, against {@link PUBLIC_API}. */
function exportProblems(names) {
  const missing = PUBLIC_API.filter((name) => !names.includes(name));
  const extra = names.filter((name) => !PUBLIC_API.includes(name));
  return [
    ...(missing.length ? [`missing exports: ${missing.join(', ')}`] : []),
    ...(extra.length ? [`exports not in ts/index.ts: ${extra.join(', ')}`] : []),
  ];
}

/** The bundler of (e), pinned: Vite follows `new URL('./x.wasm', import.meta.url)` into assets. */
const VITE = 'vite@8.4.1';

// The TypeScript projects a user may have, one `fixtures/tsconfig.<name>.json` each: nodenext and
// node16 are Node projects with @types/node (which declares Disposable for older libs), bundler
// is a bundled project without @types/node; float16 is nodenext with a library that declares
// Float16Array. The type tests (types.mts) run under nodenext.
const TYPE_PROJECTS = ['nodenext', 'node16', 'bundler', 'float16'];

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

/** Runs a command; resolves to its stdout, rejects with its output if it fails. */
function run(command, args, { cwd, env = userEnv(), timeout = 180_000 } = {}) {
  const isCmd = process.platform === 'win32' && (command === 'npm' || command === 'npx');
  const options = { cwd, env, timeout, shell: isCmd, maxBuffer: 64 * 1024 * 1024 };
  return new Promise((resolve, reject) => {
    execFile(isCmd ? `${command}.cmd` : command, args, options, (error, stdout, stderr) => {
      if (!error) {
        resolve(stdout);
        return;
      }
      const output = `${stdout ?? ''}${stderr ?? ''}`.trim();
      reject(
        new Error(
          `${command} ${args.join(' ')} (in ${cwd}) exited with ${error.code ?? error.signal}` +
            (output ? `\n${output.split('\n').slice(-25).join('\n')}` : ''),
        ),
      );
    });
  });
}

/** Starts `fn` now and returns its promise, so that a later test can await a result that is
 * already on its way; a failure is reported by the test that awaits it, not as unhandled. */
function started(fn) {
  const promise = fn();
  promise.catch(() => {});
  return promise;
}

function napi(args, cwd) {
  const cli = path.join(path.dirname(require.resolve('@napi-rs/cli/package.json')), 'cli.mjs');
  return run(process.execPath, [cli, ...args], { cwd });
}

async function npmPack(dir, destination) {
  const out = await run(
    'npm',
    ['pack', '--ignore-scripts', '--json', '--pack-destination', destination],
    { cwd: dir },
  );
  const [info] = JSON.parse(out.slice(out.indexOf('[')));
  return { file: path.join(destination, info.filename), files: info.files.map((f) => f.path) };
}

function assertSameList(actual, expected) {
  const missing = expected.filter((f) => !actual.includes(f));
  const extra = actual.filter((f) => !expected.includes(f));
  assert.deepEqual({ missing, extra }, { missing: [], extra: [] });
  return `${actual.length} files`;
}

function lockedVersion(name) {
  const version = lock.packages?.[`node_modules/${name}`]?.version;
  assert.ok(version, `${name} is not in package-lock.json`);
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

step(`${triple} is one of napi.targets`, () => {
  assert.ok(rustTarget, `no target of napi.targets is ${triple}`);
  return rustTarget;
});
step(`the release addon ${nodeFile} and dist/ are built`, () => {
  for (const file of [nodeFile, 'binding.js', 'binding.d.ts', 'dist/index.js', 'dist/index.mjs']) {
    assert.ok(existsSync(path.join(repo, file)), `${file} is missing: run npm install`);
  }
});

const temp = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'lightwatch-memory-package-')));
const tarballs = path.join(temp, 'tarballs');
const stage = path.join(temp, 'stage');
const project = path.join(temp, 'project');
for (const dir of [tarballs, stage, project]) mkdirSync(dir);
after(() => {
  if (keep) console.log(`kept ${temp}`);
  else rmSync(temp, { recursive: true, force: true });
});

// --- 1. the root package -----------------------------------------------------------------------

let root;
step('npm pack the root package', async () => {
  root = await npmPack(repo, tarballs);
});
check('the root tarball holds exactly the loader, its types, dist/ and the docs', () => {
  const expected = [
    'package.json',
    'README.md',
    'LICENSE',
    'CHANGELOG.md',
    'binding.js',
    'binding.d.ts',
    'dist/browser/index.mjs',
    'dist/browser/lightwatch-memory.wasm',
  ];
  for (const file of readdirSync(path.join(repo, 'ts'))) {
    const match = /^(.*)\.(m?)ts$/.exec(file);
    if (!match) continue;
    const [, name, m] = match;
    expected.push(`dist/${name}.${m}js`);
    if (!INTERNAL_MODULES.includes(name)) expected.push(`dist/${name}.d.${m}ts`);
  }
  return assertSameList(root.files, expected);
});

check('the packed manifest has no install scripts (npm would warn every consumer)', () => {
  const packed = execFileSync('tar', ['-xzOf', root.file, 'package/package.json'], {
    encoding: 'utf8',
  });
  const scripts = Object.keys(JSON.parse(packed).scripts ?? {});
  const install = ['preinstall', 'install', 'postinstall', 'prepare'].filter((name) =>
    scripts.includes(name),
  );
  assert.deepEqual(install, [], 'install scripts in the packed package.json');
  return `${scripts.length} scripts, none run at install`;
});

// --- 2. this platform's binary package, staged as a release stages it --------------------------

step('napi create-npm-dirs + napi artifacts stage the platform package', async () => {
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
  await napi(['create-npm-dirs'], stage);
  await napi(['artifacts'], stage);
});
const platformDir = path.join(stage, 'npm', triple);
check('napi prepublish -t npm --dry-run accepts the staged release', async () => {
  // prepublish reads the release commit; give the stage one.
  const git = ['-c', 'user.name=package-test', '-c', 'user.email=package-test@localhost'];
  await run('git', ['init', '-q'], { cwd: stage });
  await run('git', [...git, 'commit', '-q', '--allow-empty', '-m', 'release'], { cwd: stage });
  await napi(['prepublish', '-t', 'npm', '--dry-run'], stage);
});
check(`the platform package is ${platformPackage} for ${rustTarget}`, () => {
  const manifest = JSON.parse(readFileSync(path.join(platformDir, 'package.json'), 'utf8'));
  assert.deepEqual(
    {
      name: manifest.name,
      version: manifest.version,
      main: manifest.main,
      license: manifest.license,
      os: manifest.os?.includes(here.platform) ? here.platform : manifest.os,
      cpu: manifest.cpu?.includes(here.arch) ? here.arch : manifest.cpu,
    },
    {
      name: platformPackage,
      version: pkg.version,
      main: nodeFile,
      license: pkg.license,
      os: here.platform,
      cpu: here.arch,
    },
  );
  return `os ${manifest.os}, cpu ${manifest.cpu}${manifest.libc ? `, libc ${manifest.libc}` : ''}`;
});
let binary;
step('npm pack the platform package', async () => {
  binary = await npmPack(platformDir, tarballs);
});
check('the platform tarball holds the addon, its manifest and README', () =>
  assertSameList(binary.files, ['package.json', 'README.md', nodeFile]),
);

// --- 3. a user's project -----------------------------------------------------------------------

function nodeJson(file, args = [], extra = {}) {
  return started(async () => {
    const out = await run(process.execPath, [file, ...args], { cwd: project, env: userEnv(extra) });
    return JSON.parse(out.trim().split('\n').pop());
  });
}

/** The project's programs and type checks, started together once it is installed: the three
 * tsc runs take most of this phase and are independent of one another, so they share the cores. */
let runs;
function startProjectRuns() {
  const tsc = path.join(project, 'node_modules', 'typescript', 'bin', 'tsc');
  const typeChecks = {};
  for (const name of TYPE_PROJECTS) {
    const config = `tsconfig.${name}.json`;
    typeChecks[name] = started(() => run(process.execPath, [tsc, '-p', config], { cwd: project }));
  }
  runs = {
    require: nodeJson('require.cjs', [platformPackage]),
    import: nodeJson('import.mjs'),
    typeChecks,
    programs: {
      native: nodeJson('program.mjs', [], { LIGHTWATCH_MEMORY_BACKING: 'native' }),
      v8: nodeJson('program.mjs', [], { LIGHTWATCH_MEMORY_BACKING: 'v8' }),
    },
  };
}

const typescript = lockedVersion('typescript');
const typesNode = lockedVersion('@types/node');
step(
  `install both tarballs, typescript@${typescript}, @types/node@${typesNode} and ${VITE}`,
  async () => {
    cpSync(fixtures, project, { recursive: true });
    writeFileSync(
      path.join(project, 'package.json'),
      `${JSON.stringify({ name: 'package-test-project', version: '1.0.0', private: true }, null, 2)}\n`,
    );
    await run(
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
        VITE,
      ],
      { cwd: project },
    );
    startProjectRuns();
  },
);

const installed = path.join(project, 'node_modules', ...pkg.name.split('/'));
const installedBinding = path.join(project, 'node_modules', ...platformPackage.split('/'));

check(
  '(a) require() from CommonJS loads the installed package and its platform binary',
  async () => {
    const result = await runs.require;
    const problems = exportProblems(result.names);
    if (result.entry !== path.join(installed, 'dist', 'index.js'))
      problems.push(`entry ${result.entry}`);
    if (!inside(installedBinding, result.binding)) problems.push(`binding ${result.binding}`);
    if (result.addon.length !== 1 || !inside(installedBinding, result.addon[0])) {
      problems.push(`addon loaded from ${result.addon.join(', ') || 'nowhere'}`);
    }
    const fromRepo = result.loaded.filter((file) => inside(repo, file) || !inside(project, file));
    if (fromRepo.length) problems.push(`loaded from outside the project: ${fromRepo.join(', ')}`);
    assert.deepEqual(problems, []);
    return `${result.names.length} exports, addon from node_modules/${platformPackage}`;
  },
);

check('the published addon and binding.d.ts have none of the test-only exports', async () => {
  // The names the test build adds (`--features test-exports`), as __test__/test-exports.d.ts
  // declares them for the tests.
  const declared = readFileSync(path.join(repo, '__test__', 'test-exports.d.ts'), 'utf8');
  const testOnly = [
    ...declared.matchAll(/^export (?:declare )?(?:class|function|const|type|interface) (\w+)/gm),
  ].map((match) => match[1]);
  assert.ok(testOnly.includes('__panicForTests'), 'the test-only names are read');
  const { addonNames } = await runs.require;
  assert.ok(addonNames.includes('createArena'), 'the addon was loaded');
  const types = readFileSync(path.join(installed, 'binding.d.ts'), 'utf8');
  const found = testOnly.filter(
    (name) => addonNames.includes(name) || new RegExp(`\\b${name}\\b`).test(types),
  );
  assert.deepEqual(found, []);
  return `${addonNames.length} exports of the addon, none of ${testOnly.length} test-only names`;
});

check('(b) import from ESM gives the same objects as require()', async () => {
  const result = await runs.import;
  const problems = exportProblems(result.names);
  if (result.entry !== path.join(installed, 'dist', 'index.mjs'))
    problems.push(`entry ${result.entry}`);
  if (!result.sameAsRequire) problems.push('ESM and CommonJS exports differ (dual package hazard)');
  assert.deepEqual(problems, []);
  return `${result.names.length} named exports from dist/index.mjs`;
});

for (const name of TYPE_PROJECTS) {
  check(`(c) tsc --noEmit -p tsconfig.${name}.json`, async () => {
    await runs.typeChecks[name];
    const config = JSON.parse(readFileSync(path.join(fixtures, `tsconfig.${name}.json`)));
    return config.files.join(', ');
  });
}

for (const backing of ['native', 'v8']) {
  check(
    `(d) a program using Arena, Pool and alignedNew runs on the ${backing} backing`,
    async () => {
      const result = await runs.programs[backing];
      assert.equal(result.backing, backing, 'memoryBacking()');
      return `${result.liveBytesBeforeDispose} bytes live before dispose, 0 after`;
    },
  );
}

check(
  '(e) bundled by Vite for the browser: the browser entry and its .wasm, run in Chromium',
  async () => {
    const app = path.join(project, 'bundle');
    const vite = path.join(project, 'node_modules', 'vite', 'bin', 'vite.js');
    await run(process.execPath, [vite, 'build', '--logLevel', 'warn'], { cwd: app });
    const assets = readdirSync(path.join(app, 'dist', 'assets'));
    const wasm = assets.filter((file) => file.endsWith('.wasm'));
    const scripts = assets.filter((file) => file.endsWith('.js'));
    assert.equal(wasm.length, 1, `one .wasm emitted: ${assets.join(', ')}`);
    const code = readFileSync(path.join(app, 'dist', 'assets', scripts[0]), 'utf8');
    assert.ok(code.includes(wasm[0]), 'the bundle loads the emitted .wasm by its URL');
    assert.ok(
      !/from\s*["']node:|require\(["']node:/.test(code),
      'the bundle imports no node: builtin',
    );
    if (!existsSync(chromiumPath())) {
      // .ci/run installs Chromium and requires it; CI.yml's test matrix may not have it.
      assert.ok(
        process.env.LIGHTWATCH_REQUIRE_BROWSER !== '1',
        `${chromiumPath()} is missing (apt-get install chromium)`,
      );
      return `${wasm[0]} emitted; not run: no Chromium here (apt-get install chromium)`;
    }
    const server = await serve(path.join(app, 'dist'), [''], {});
    const browser = await launchChromium();
    try {
      const url = `http://127.0.0.1:${server.address().port}/index.html`;
      const result = await runPage(browser, url, 'bundleResult', 60_000);
      assert.deepEqual(result, { backing: 'js', detached: true, planBytes: 64 });
    } finally {
      await browser.close();
      server.close();
    }
    return `${wasm[0]} emitted, the bundle ran in Chromium on the 'js' backing`;
  },
);
