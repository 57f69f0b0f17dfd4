// `npm run build:browser`: the browser entry, dist/browser/index.mjs, and the WebAssembly core
// beside it, dist/browser/lightwatch-memory.wasm.
//
// 1. The core for WebAssembly: `cargo build -p lightwatch-memory-wasm --target
//    wasm32-unknown-unknown --release` (crates/wasm; the target is added with rustup if it is
//    missing), copied beside the bundle. `--skip-wasm` reuses the one built.
// 2. The facade as tsc compiled it into dist/ (`npm run build:ts` first), bundled by esbuild from
//    dist/browser/entry.mjs into one ES module, with the browser backend (dist/browser/native.js)
//    in place of dist/native.js: a resolve plugin sends every `require('./native')` of the
//    facade there. The facade's modules are the same files as the Node entry's; only the backend
//    differs. The bundle imports no `node:` builtin (checked here).

import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { build } from 'esbuild';

import { exportsOf } from './esm-entry.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(repo, 'dist');
const out = path.join(dist, 'browser');
const wasmName = 'lightwatch-memory.wasm';

/**
 * The wasm32-unknown-unknown target, added with rustup if it is missing (it is a component of
 * the toolchain, as the hardening script adds nightly's): every `npm ci` builds the browser entry.
 */
function ensureTarget() {
  let installed;
  try {
    installed = execFileSync('rustup', ['target', 'list', '--installed'], { encoding: 'utf8' });
  } catch {
    // No rustup (a system toolchain): cargo says what is missing, if anything is.
    return;
  }
  if (installed.split('\n').includes('wasm32-unknown-unknown')) return;
  console.log('build:browser: adding the wasm32-unknown-unknown target (rustup target add)');
  execFileSync('rustup', ['target', 'add', 'wasm32-unknown-unknown'], { stdio: 'inherit' });
}

if (!process.argv.includes('--skip-wasm')) {
  ensureTarget();
  execFileSync(
    'cargo',
    ['build', '-p', 'lightwatch-memory-wasm', '--target', 'wasm32-unknown-unknown', '--release'],
    { cwd: repo, stdio: 'inherit' },
  );
}
const built = path.join(
  repo,
  'target',
  'wasm32-unknown-unknown',
  'release',
  'lightwatch_memory_wasm.wasm',
);
if (!existsSync(built)) {
  throw new Error(`${built} is missing: build it (rustup target add wasm32-unknown-unknown)`);
}
copyFileSync(built, path.join(out, wasmName));

const entry = path.join(out, 'entry.mjs');
if (!existsSync(entry)) throw new Error(`${entry} is missing: run npm run build:ts first`);

/** Sends the facade's `./native` to the browser backend. */
const browserBackend = {
  name: 'browser-backend',
  setup(builder) {
    builder.onResolve({ filter: /^\.\/native(\.js)?$/ }, (args) =>
      path.dirname(args.importer) === dist ? { path: path.join(out, 'native.js') } : undefined,
    );
  },
};

const result = await build({
  entryPoints: [entry],
  outfile: path.join(out, 'index.mjs'),
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  target: 'es2022',
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
  plugins: [browserBackend],
});

const inputs = Object.keys(result.metafile.inputs).map((file) => path.relative(repo, file));
const problems = [];
if (!inputs.includes('dist/browser/native.js')) problems.push('the browser backend is not in it');
if (inputs.includes('dist/native.js') || inputs.includes('dist/loader.js')) {
  problems.push('the Node backend is in it');
}
const text = readFileSync(path.join(out, 'index.mjs'), 'utf8');
if (/\bfrom\s*["']node:|require\(["']node:|import\(["']node:/.test(text)) {
  problems.push('it imports a node: builtin');
}
// The browser's types are the Node entry's (package.json's exports), so its values must match.
const bundled = result.metafile.outputs[path.relative(process.cwd(), path.join(out, 'index.mjs'))];
const expected = exportsOf().values;
const missing = expected.filter((name) => !bundled?.exports.includes(name));
const extra = (bundled?.exports ?? []).filter((name) => !expected.includes(name));
if (missing.length > 0) problems.push(`it does not export ${missing.join(', ')}`);
if (extra.length > 0) problems.push(`it exports ${extra.join(', ')}, which ts/index.ts does not`);
if (problems.length > 0) throw new Error(`dist/browser/index.mjs: ${problems.join('; ')}`);
const size = (file) => `${(statSync(path.join(out, file)).size / 1024).toFixed(0)} KiB`;
console.log(
  `dist/browser/index.mjs (${size('index.mjs')}, ${inputs.length} modules) and ${wasmName} (${size(wasmName)})`,
);
