// Restores package-lock.json entries for other platforms' optional packages.
//
// Why: the registry mirror this project is developed against serves only the current platform's
// builds of packages such as @biomejs/cli-* and @napi-rs/*-<platform>, so `npm install` leaves
// them out of the lockfile, and `npm ci` then refuses the lockfile everywhere ("Missing: ... from
// lock file"). Each missing optional dependency gets an entry with its exact version and the
// os/cpu/libc its name declares; npm ci installs the one matching the machine and skips the rest.
// Run it after any `npm install` that changes the lockfile: `node scripts/complete-lockfile.mjs`.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const file = path.join(import.meta.dirname, '..', 'package-lock.json');
const lock = JSON.parse(readFileSync(file, 'utf8'));
const packages = lock.packages;

const OS = ['android', 'darwin', 'freebsd', 'linux', 'openbsd', 'sunos', 'win32', 'openharmony'];
const CPU = ['arm64', 'x64', 'ia32', 'arm', 'riscv64', 'ppc64', 's390x', 'loong64', 'wasm32'];

/** The os, cpu and libc a platform package's name declares, e.g. `cli-linux-x64-musl`. */
function platformOf(name) {
  const parts = name.split('/').pop().split('-');
  const entry = {};
  const os = parts.find((p) => OS.includes(p));
  const cpu = parts.find((p) => CPU.includes(p));
  if (os) entry.os = [os];
  if (cpu) entry.cpu = [cpu];
  if (os === 'linux') entry.libc = [parts.includes('musl') ? 'musl' : 'glibc'];
  return entry;
}

let added = 0;
for (const [where, entry] of Object.entries(packages)) {
  for (const [name, spec] of Object.entries(entry.optionalDependencies ?? {})) {
    const top = `node_modules/${name}`;
    const nested = where === '' ? top : `${where}/node_modules/${name}`;
    if (packages[top] || packages[nested]) continue;
    const version = String(spec).replace(/^[\^~=]/, '');
    if (!/^\d+\.\d+\.\d+/.test(version)) {
      console.warn(`complete-lockfile: ${name}@${spec} is not an exact version; left out`);
      continue;
    }
    packages[top] = { version, dev: entry.dev, optional: true, ...platformOf(name) };
    if (packages[top].dev === undefined) delete packages[top].dev;
    added++;
  }
}
const sorted = Object.fromEntries(
  Object.entries(packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : 1)),
);
lock.packages = sorted;
writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`complete-lockfile: ${added} optional platform packages restored`);
