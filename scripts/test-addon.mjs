// The addon the ava suite loads: `npm run build:test` (the `test-exports` feature, debug, in
// target/test-addon/), which ava.config.mjs points the loader at. The scripts that run ava
// themselves build it first; cargo makes that a no-op when nothing changed.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Builds (or finds up to date) the test build of the addon; exits the process if it fails. */
export function buildTestAddon() {
  const result = spawnSync('npm', ['run', 'build:test'], {
    cwd: repo,
    stdio: 'inherit',
    shell: process.platform === 'win32',
  });
  if (result.status !== 0) {
    console.error('npm run build:test failed: the ava suite needs the test build of the addon');
    process.exit(result.status ?? 1);
  }
}
