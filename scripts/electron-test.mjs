// Runs the package inside Electron, whose V8 memory cage (Electron 21+) refuses external
// ArrayBuffers, so the facade must switch to V8-owned memory by itself:
//   1. a real Electron main process (scripts/electron/main.cjs) loads the package and checks
//      that the switch happened and that alignment, reset, dispose and stats still hold;
//   2. the whole ava suite runs with Electron as its Node (ELECTRON_RUN_AS_NODE: ava forks its
//      workers with Electron's binary), with the backing left to the automatic switch.
//
//   npm install --no-save electron@45     (not a devDependency: its install downloads a binary)
//   xvfb-run -a npm run test:electron     (Linux CI; macOS and Windows need no xvfb-run)
//   node scripts/electron-test.mjs [--electron=<binary>] [ava arguments...]
//
// Needs the addon and dist/ built (`npm ci`). Exits non-zero if either part fails.

import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { buildTestAddon } from './test-addon.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

const args = process.argv.slice(2);
const override = args.find((arg) => arg.startsWith('--electron='));
const avaArgs = args.filter((arg) => arg !== override);

function electronBinary() {
  if (override) return override.slice('--electron='.length);
  try {
    // The electron package's main export is the path of its binary.
    return require('electron');
  } catch (error) {
    console.error(
      'electron is not installed: run `npm install --no-save electron` first ' +
        `(it is not a devDependency because its install downloads a binary).\n${error}`,
    );
    process.exit(2);
  }
}

const electron = electronBinary();
// The suite must see the automatic switch, not a forced one.
const env = { ...process.env };
delete env.LIGHTWATCH_MEMORY_BACKING;
delete env.ELECTRON_RUN_AS_NODE;

const results = [];

function part(name, command, commandArgs, extraEnv, timeout) {
  console.log(`\n== ${name}\n$ ${[command, ...commandArgs].join(' ')}`);
  const result = spawnSync(command, commandArgs, {
    cwd: repo,
    stdio: 'inherit',
    env: { ...env, ...extraEnv },
    timeout,
  });
  const passed = result.status === 0;
  if (!passed) {
    console.error(`${name}: failed (${result.status ?? result.signal ?? result.error})`);
  }
  results.push(passed);
}

// 1. A real main process. Chromium's sandbox needs a setuid helper that CI runners lack; Chromium
// reads its switches anywhere on the command line, after the script too.
const sandbox = process.platform === 'linux' ? ['--no-sandbox'] : [];
part(
  'the package in an Electron main process',
  electron,
  [path.join('scripts', 'electron', 'main.cjs'), ...sandbox],
  {},
  120_000,
);

// 2. The ava suite, with Electron running as Node, on the test build (ava.config.mjs).
buildTestAddon();
const avaCli = path.join(path.dirname(require.resolve('ava')), 'cli.mjs');
part('the ava suite inside Electron (ELECTRON_RUN_AS_NODE)', electron, [avaCli, ...avaArgs], {
  ELECTRON_RUN_AS_NODE: '1',
});

const passed = results.filter(Boolean).length;
console.log(`\nelectron: ${passed} passed, ${results.length - passed} failed`);
process.exit(passed === results.length ? 0 : 1);
