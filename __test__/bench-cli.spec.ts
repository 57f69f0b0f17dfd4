// `npm run bench`'s command line (benchmark/bench.ts, benchmark/options.ts): --help lists every
// group and runs none, and the suite writes its tracked files only when asked. Not timed: no case
// of the suite runs here.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

import test from 'ava';

import { parseOptions } from '../benchmark/options';
import { catalogue } from '../benchmark/suite';

const ROOT = join(__dirname, '..');

/** The files `--write` writes, with their modification times. */
function tracked(): Map<string, number> {
  const plans = readdirSync(join(ROOT, 'benchmark', 'plans')).map((name) =>
    join('benchmark', 'plans', name),
  );
  const files = ['benchmark/results.json', 'benchmark/results.svg', 'BENCHMARKS.md', ...plans];
  return new Map(files.map((file) => [file, statSync(join(ROOT, file)).mtimeMs]));
}

function bench(...args: string[]) {
  return spawnSync(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', join(ROOT, 'benchmark', 'bench.ts'), ...args],
    { cwd: ROOT, encoding: 'utf8', env: { ...process.env, BENCH_GROUPS: undefined } },
  );
}

test('bench --help lists every group id with its title, runs nothing and writes nothing', async (t) => {
  const before = tracked();
  const started = performance.now();
  const run = bench('--help');
  t.is(run.status, 0, run.stderr);
  t.true(performance.now() - started < 20_000, 'it ran something');
  const parts = await catalogue();
  t.true(parts.length > 10);
  for (const { id, title } of parts) {
    t.true(run.stdout.includes(`  ${id}  `), `${id} is not listed`);
    t.true(run.stdout.includes(title), `${id}'s title is not listed`);
  }
  for (const option of ['--write', '--groups', '--help', 'BENCH_ROUNDS', 'BENCH_PACKAGE']) {
    t.true(run.stdout.includes(option), `${option} is not described`);
  }
  t.false(run.stdout.includes('ns/op'), 'a group ran');
  t.deepEqual(tracked(), before);
});

test('bench refuses an unknown group, and --write with a subset, before running anything', (t) => {
  const before = tracked();
  const unknown = bench('--groups', 'arena-16,no-such-group');
  t.is(unknown.status, 2);
  t.regex(unknown.stderr, /unknown group id no-such-group/);
  t.false(unknown.stdout.includes('ns/op'), 'a group ran');
  const subset = bench('--write', '--groups', 'arena-16');
  t.is(subset.status, 2);
  t.regex(subset.stderr, /--write writes a full run only/);
  t.deepEqual(tracked(), before);
});

test('--groups and BENCH_GROUPS select the same; nothing is written unless --write', (t) => {
  t.deepEqual(parseOptions(['--groups', 'arena-16,cnn'], {}), {
    help: false,
    write: false,
    groups: ['arena-16', 'cnn'],
  });
  t.deepEqual(
    parseOptions([], { BENCH_GROUPS: 'arena-16,cnn' }),
    parseOptions(['--groups', 'arena-16,cnn'], {}),
  );
  t.deepEqual(parseOptions([], {}), { help: false, write: false, groups: undefined });
  t.true(parseOptions(['--write'], {}).write);
  t.throws(() => parseOptions(['--write'], { BENCH_PACKAGE: '/elsewhere' }), {
    instanceOf: TypeError,
  });
  t.throws(() => parseOptions(['--rounds', '3'], {}));
});
