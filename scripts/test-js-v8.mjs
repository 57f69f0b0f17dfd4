// `npm run test:js:v8`: the ava suite again, on the V8 backing (LIGHTWATCH_MEMORY_BACKING=v8, set by
// with-backing.mjs), over the test files whose behaviour depends on the backing; `npm run test:js`
// has already run every file on the native one. Extra arguments go to ava.
//
// The backing decides how a block's memory is made (external buffer over the core's memory, or a
// V8-owned buffer with the aligned start computed), renewed (reset, clear), released (dispose,
// free), collected (finalizers) and refused (out-of-memory paths); the bump and the free list run
// in the facade either way. So a file is in when it goes through one of those, out when it only
// repeats what files that are in check. Every file of __test__ is in exactly one list: a new file
// fails this script until it is placed.

import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const BACKING_DEPENDENT = {
  'aligned.spec.ts': 'aligned blocks: alignment of the start, zeroing, free, the >4 GiB fallback',
  'arena.spec.ts': 'arena blocks: alignment on the real address, reset renews the buffer, dispose',
  'bad-input.spec.ts':
    'out-of-memory refusals differ per backing, and nothing may change after one',
  'binding.spec.ts': "the raw binding's buffer checks, and transfers: copied (native), moved (v8)",
  'cage.spec.ts': 'the switch at the first block: a forced V8 backing never meets the cage',
  'differential.spec.ts': "the facade against the core's rules over real blocks, on each backing",
  'gc.spec.ts': 'blocks freed by the finalizers of their buffers, which differ per backing',
  'float16.spec.ts':
    'Float16Array views of arena, scope (window or shadow), pool and aligned blocks',
  'growth.spec.ts': 'a growing arena makes and frees blocks: their alignment and addresses',
  'hold.spec.ts': 'native I/O into external or V8-owned buffers while reset and dispose wait',
  'hostile/holds.spec.ts': 'hold tokens over real native I/O into external or V8-owned buffers',
  'hostile/moved.spec.ts':
    'memory moved away: transfer() of native buffers, structured-clone transfer of V8 ones',
  'hostile/plans.spec.ts':
    'plans checked natively before their block is allocated, on each backing',
  'hostile/properties.spec.ts':
    'random operations in a hostile realm over real addresses and the live native regions',
  'hostile/realm.spec.ts':
    'renewals by transfer() (external) or structuredClone (V8), checked natively against lies',
  'hostile/reentry.spec.ts': 'zeroing and growth of pool chunks, whose buffers differ per backing',
  'memory.spec.ts': "memoryBacking() reports the variable; stats count each backing's block sizes",
  'shared.spec.ts':
    'shared blocks: external SharedArrayBuffers (native) or V8 ones (the V8-owned backing), counted',
  'pass-memory.spec.ts':
    "one forward function on an arena, its scopes (windows or shadows) and a planned pass; free's rewind",
  'pool.spec.ts': 'pool chunks: slot alignment, clear renews the buffers, growth, dispose',
  'properties.spec.ts': 'random sequences over real addresses: alignment, no overlap, data kept',
  'reset.spec.ts': 'reset modes renew, keep or free the blocks, and detach every view',
  'scope.spec.ts': 'scopes detach views by windows over native blocks, by shadows over V8 ones',
  'stress.spec.ts': '100,000 blocks left to the GC: external memory (native) or V8 heap (v8)',
  'workers.spec.ts': "workers' blocks freed when their thread is torn down",
};

const BACKING_INDEPENDENT = {
  'bench-cli.spec.ts':
    "npm run bench's command line: --help and what it writes; no case of the suite runs",
  'codes.spec.ts': "constants and error codes against the core's list and the README: no block",
  'entries.spec.ts': "the entries' export lists against ts/index.ts: source files, no block",
  'demo.spec.ts':
    'the MLP arithmetic over arena, pool and aligned memory, whose behaviour on each backing ' +
    'the arena, pool and aligned files check',
  'loader.spec.ts': 'names and messages of the loader: pure functions, no block is made',
  'phase_02.spec.ts':
    "the phase-02 spec's five required tests by name (docs/design.md); each behaviour is one that arena, pool and " +
    'aligned check on both backings',
  'plan.spec.ts':
    "the planner's offsets and figures; recording allocates with alignedNew and frees, " +
    'which the aligned file checks on both backings',
  'plan-search.spec.ts':
    "the planner's budgets, proofs and background planning: numbers in, numbers out; the " +
    'recording it uses is what plan.spec.ts covers',
  'test-exports.spec.ts':
    'the declaration files of the release and the test build: text, no block is made',
  'region.spec.ts':
    "arenas and passes in the caller's memory: no block of ours, whatever the backing",
  'replay.spec.ts':
    'views cut at planned offsets of one alignedAlloc block; the block, its alignment and its ' +
    'holds are what the aligned and hold files check on both backings',
};

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// The files ava's `files` glob (__test__/**/*.spec.ts) takes, relative to __test__.
const specs = readdirSync(path.join(repo, '__test__'), { recursive: true })
  .map((name) => name.split(path.sep).join('/'))
  .filter((name) => name.endsWith('.spec.ts'));
const listed = [...Object.keys(BACKING_DEPENDENT), ...Object.keys(BACKING_INDEPENDENT)];
const unplaced = specs.filter((name) => !listed.includes(name));
const gone = listed.filter((name) => !specs.includes(name));
if (unplaced.length > 0 || gone.length > 0) {
  console.error(
    'scripts/test-js-v8.mjs: every __test__/**/*.spec.ts must be in BACKING_DEPENDENT or ' +
      `BACKING_INDEPENDENT.${unplaced.length ? `\n  not placed: ${unplaced.join(', ')}` : ''}` +
      `${gone.length ? `\n  listed but missing: ${gone.join(', ')}` : ''}`,
  );
  process.exit(2);
}

const files = Object.keys(BACKING_DEPENDENT).map((name) => `__test__/${name}`);
const result = spawnSync(
  process.execPath,
  [path.join(repo, 'scripts', 'with-backing.mjs'), 'v8', 'ava', ...files, ...process.argv.slice(2)],
  { cwd: repo, stdio: 'inherit' },
);
process.exit(result.status ?? 1);
