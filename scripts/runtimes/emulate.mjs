// Running an arm64 Node on this x64 machine under qemu user-mode emulation (Debian's
// qemu-user-static; the aarch64 glibc from libc6-arm64-cross as its sysroot via -L).
//
// Two things stand in for what a real arm64 machine, or binfmt_misc, would do:
// - every Node process, the first and those it spawns, runs through a small wrapper script
//   (`qemu-aarch64-static -L <sysroot> <node> "$@"`), set as process.execPath by a preload
//   (emulated-node.cjs);
// - esbuild, which tsx uses to compile the TypeScript tests, is a native executable spawned by
//   its JavaScript API: ESBUILD_BINARY_PATH points it at the host's own esbuild (same version),
//   so the compiler runs natively and only the code under test is emulated.

import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { CACHE, REPO } from './fetch.mjs';

export const QEMU = 'qemu-aarch64-static';
export const SYSROOT = '/usr/aarch64-linux-gnu';

/** `{ command, env }` to run `node` (an aarch64 Node executable) under qemu. */
export function emulatedNode(node) {
  const dir = path.join(CACHE, 'emulated');
  mkdirSync(dir, { recursive: true });
  const wrapper = path.join(dir, 'node-aarch64');
  writeFileSync(wrapper, `#!/bin/sh\nexec ${QEMU} -L ${SYSROOT} '${node}' "$@"\n`);
  chmodSync(wrapper, 0o755);
  const preload = path.join(REPO, 'scripts', 'runtimes', 'emulated-node.cjs');
  const esbuild = path.join(REPO, 'node_modules', '@esbuild', 'linux-x64', 'bin', 'esbuild');
  return {
    command: wrapper,
    env: {
      LIGHTWATCH_EMULATED_NODE: wrapper,
      NODE_OPTIONS: `--require=${preload}`,
      ESBUILD_BINARY_PATH: esbuild,
    },
  };
}
