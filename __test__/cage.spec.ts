// Electron's memory cage refuses external ArrayBuffers (Electron 21+); the binding must then
// switch to V8-owned memory by itself, at the first block, for good. Electron cannot be installed
// here, so a test seam refuses the call exactly as a sandboxed V8 does (status 22, nothing
// created, no finalizer run: crates/node/src/cage.rs), switched on by
// LIGHTWATCH_MEMORY_SIMULATE_CAGE=1. `npm run test:js:cage` runs the whole suite that way.
// This file runs in its own process (ava's workerThreads: false): its first block is the
// process's first.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import test from 'ava';

import { type SwitchSeen, switchSequence } from './fixtures/cage-switch';
import { hasTestExports } from './test-binding';

const SIMULATED = process.env.LIGHTWATCH_MEMORY_SIMULATE_CAGE === '1';
const FORCED = process.env.LIGHTWATCH_MEMORY_BACKING === 'v8';
// Electron's real cage refuses too, but not through the seam: its refusals are not counted.
const ELECTRON = process.versions.electron !== undefined;

/** What a program sees under a cage: refused once at its first block, V8-owned from then on. */
function caged(forced: boolean, counted: boolean): SwitchSeen {
  return {
    // A forced backing is V8 from the start, so nothing is ever offered to the cage.
    backings: [forced ? 'v8' : 'native', 'v8', 'v8'],
    refusals: forced || !counted ? [0, 0, 0] : [0, 1, 1],
    blocksAfterFirst: 1,
    aligned: true,
    detached: true,
    bytesAtEnd: 0,
  };
}

test.serial('this process: the backing is what the environment asks for', (t) => {
  const seen = switchSequence();
  if (SIMULATED || ELECTRON) {
    t.deepEqual(seen, caged(FORCED, SIMULATED && hasTestExports));
  } else {
    const backing = FORCED ? 'v8' : 'native';
    // The seam is inert: nothing refused, and the backing never changes.
    t.deepEqual(seen, {
      ...caged(FORCED, false),
      backings: [backing, backing, backing],
    });
  }
});

test('a process under the simulated cage switches at its first block, whatever this one runs', (t) => {
  const env: NodeJS.ProcessEnv = { ...process.env, LIGHTWATCH_MEMORY_SIMULATE_CAGE: '1' };
  delete env.LIGHTWATCH_MEMORY_BACKING;
  const child = spawnSync(
    process.execPath,
    ['--import=tsx', path.join(__dirname, 'fixtures', 'cage-switch.ts')],
    { env, encoding: 'utf8', timeout: 60_000 },
  );
  t.is(child.status, 0, child.stderr);
  t.deepEqual(JSON.parse(child.stdout) as SwitchSeen, caged(false, hasTestExports));
});
