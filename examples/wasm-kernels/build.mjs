// Builds the example's kernels (kernels/, Rust) for wasm32-unknown-unknown with simd128, into
// dist/kernels.wasm beside this file. Needs `rustup target add wasm32-unknown-unknown`.
//
//   node examples/wasm-kernels/build.mjs

import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..');
const targetDir = path.join(repo, 'target', 'wasm-kernels');
execFileSync(
  'cargo',
  [
    'build',
    '--release',
    '--manifest-path',
    path.join(here, 'kernels', 'Cargo.toml'),
    '--target',
    'wasm32-unknown-unknown',
    '--target-dir',
    targetDir,
  ],
  {
    stdio: 'inherit',
    // Its own target directory, so these flags never rebuild the repository's crates.
    env: { ...process.env, RUSTFLAGS: '-C target-feature=+simd128' },
  },
);
mkdirSync(path.join(here, 'dist'), { recursive: true });
const out = path.join(here, 'dist', 'kernels.wasm');
copyFileSync(path.join(targetDir, 'wasm32-unknown-unknown', 'release', 'wasm_kernels.wasm'), out);
console.log(`examples/wasm-kernels/dist/kernels.wasm (${statSync(out).size} bytes)`);
