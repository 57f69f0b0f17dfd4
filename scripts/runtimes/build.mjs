// Cross builds of the addon for the runtime and platform scripts: `napi build` for one target,
// written under the cache (never over the loader or types in the repository, which a build
// with no loader would rewrite differently), and copied beside binding.js, where the loader
// looks for `lightwatch-memory.<platform>.node`, only when a run needs the loader to find it.

import { spawnSync } from 'node:child_process';
import { copyFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

import { CACHE, REPO } from './fetch.mjs';

/** Runs a command in the repository, printing it and its output; throws if it fails. */
export function run(command, args, env = {}) {
  console.log(`$ ${[command, ...args].join(' ')}`);
  const result = spawnSync(command, args, {
    cwd: REPO,
    stdio: 'inherit',
    env: { ...process.env, ...env },
  });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited with ${result.status ?? result.error}`);
  }
}

/**
 * The arguments of `npm` for a debug build of the addon for `target` into `out`, with no loader:
 * package.json's `build:debug` (the one place of the `napi build` flags), its output directory
 * and loader overridden (the last of a repeated option wins), and the extra `flags` (`-x` for
 * cargo-zigbuild, cargo-xwin for MSVC). The types go to `out` too: `--dts` is relative to it.
 */
export function debugBuildArgs(target, out, flags = []) {
  return ['run', 'build:debug', '--', '--target', target, ...flags, '--output-dir', out, '--no-js'];
}

/**
 * Builds the addon (debug) for `target` with the extra `flags` (see `debugBuildArgs`), and
 * returns the path of the `.node` file (beside binding.js if `besideLoader`).
 */
export function crossBuild(target, flags = [], env = {}, besideLoader = false) {
  const out = path.join(CACHE, 'build', target);
  const started = Date.now();
  run('npm', debugBuildArgs(target, out, flags), env);
  const built = readdirSync(out).find((file) => file.endsWith('.node'));
  if (!built) throw new Error(`napi build wrote no .node file to ${out}`);
  console.log(`built ${built} in ${Math.round((Date.now() - started) / 1000)} s`);
  if (!besideLoader) return path.join(out, built);
  copyFileSync(path.join(out, built), path.join(REPO, built));
  return path.join(REPO, built);
}
