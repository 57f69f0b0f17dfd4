// A throwaway application that has the package installed, for the smoke suite: its
// node_modules/@lightwatch/memory holds what `npm pack` would ship (package.json, the loader,
// dist/) plus the addons built here, and the suite's files sit at its root and import
// '@lightwatch/memory' as an application does. Loading the package from node_modules matters on
// Deno, which treats .js files in npm packages as CommonJS (as Node does) but local .js files
// without a package.json "type" as ES modules.

import { cpSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { CACHE, REPO } from './fetch.mjs';

const SUITE = ['smoke.mjs', 'edges.mjs'];

/** Lays the application out afresh and returns its directory. */
export function stageSmokeApp() {
  const app = path.join(CACHE, 'smoke-app');
  const installed = path.join(app, 'node_modules', '@lightwatch', 'memory');
  rmSync(app, { recursive: true, force: true });
  mkdirSync(installed, { recursive: true });
  const addons = readdirSync(REPO).filter((file) => /^lightwatch-memory\..+\.node$/.test(file));
  for (const file of ['package.json', 'binding.js', 'binding.d.ts', 'dist', ...addons]) {
    cpSync(path.join(REPO, file), path.join(installed, file), { recursive: true });
  }
  for (const file of SUITE) {
    cpSync(path.join(REPO, '__test__', 'runtimes', file), path.join(app, file));
  }
  writeFileSync(path.join(app, 'package.json'), '{ "private": true }\n');
  return app;
}
