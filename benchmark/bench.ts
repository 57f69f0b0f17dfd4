/**
 * `npm run bench`: the JavaScript benchmark suite. Build the release addon first (`npm run build`).
 *
 *   npm run bench                     # the full suite: prints its table, writes nothing
 *   npm run bench -- --write          # the same, and writes the files below
 *   npm run bench -- --groups a,b     # only those groups (BENCH_GROUPS=a,b is the same)
 *   npm run bench -- --help           # the options, the environment, every group id; runs nothing
 *
 * It measures the compiled package (`dist/`, built by `npm run bench` itself), as applications
 * load it, not the TypeScript sources through tsx: esbuild's output for them lets the JIT's
 * feedback from one arena slow another's `alloc` (measured: 17 -> 25 ns per `alloc` once a
 * second arena had been used, where the compiled package stays at 18).
 *
 * The cases are in `groups.ts` (one group per thing measured: ours, the alternatives, the floors),
 * the ids `--groups` takes in `suite.ts`, the command line in `options.ts`, how the cases are timed
 * in `runner.ts`, the targets checked against the figures in `targets.ts`, and the tiny MLP and
 * the scope CNN, one process per variant, in `mlp.ts` and `cnn.ts`.
 *
 * Output: a table on stdout (progress on stderr). With `--write` (a full run only) also
 * `benchmark/results.json`, and from it `benchmark/results.svg`, the plan pictures in
 * `benchmark/plans/` and the generated block of `BENCHMARKS.md` (`benchmark/report.ts`): files
 * under version control, so a run only to look writes nothing. The lifetimes and replay groups
 * that matter most under Electron run again in a child process on the V8-owned backing
 * (`BENCH_SUBSET=v8`, set by the suite itself), reported with ids `v8:<group>`. The environment
 * variables (BENCH_ROUNDS and the rest) are listed by `--help` (`options.ts`); a subset can be
 * measured under another Node with `PATH=<node 22>/bin:$PATH npm run bench -- --groups arena-16`.
 * @module
 */

import { spawnSync } from 'node:child_process';
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { basename, join } from 'node:path';

import { memoryBacking } from '../dist/index';
import { type GroupDef, observeSink } from './groups';
import { lifetimeGroups, observeSum } from './lifetimes';
import { MLP_VARIANTS } from './mlp';
import { type Options, parseOptions, usage } from './options';
import { challengingSet, observePlanSum, planQuality, replayGroup } from './plans';
import {
  challengingTable,
  cnnTable,
  groupTable,
  mlpTable,
  plansTable,
  renderTable,
  writeReport,
} from './report';
import type { GroupResult, Results } from './results';
import { Progress, runCnn, runGroup, runMlp } from './runner';
import { catalogue, disposeGroups, suiteGroups } from './suite';
import { evaluateTargets } from './targets';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const TIME_MS = Number(process.env.BENCH_TIME_MS ?? 150);
const MLP_PASSES = Number(process.env.BENCH_MLP_PASSES ?? 2000);
const MLP_ROUNDS = Number(process.env.BENCH_MLP_ROUNDS ?? 3);
const CNN_PASSES = Number(process.env.BENCH_CNN_PASSES ?? 2000);
const CNN_ROUNDS = Number(process.env.BENCH_CNN_ROUNDS ?? 5);
const PLAN_RUNS = Number(process.env.BENCH_PLAN_RUNS ?? 15);

const WRITTEN =
  'benchmark/results.json, benchmark/results.svg, benchmark/plans/*.svg and the generated block of BENCHMARKS.md';

/** The addon the binding loads: its name and size (a debug build is some 20 times larger). */
function addon(): string {
  const root = join(__dirname, '..');
  // The napi-rs loader honours this override; otherwise it loads the build in the package root.
  const override = process.env.NAPI_RS_NATIVE_LIBRARY_PATH;
  const path = override ?? readdirSync(root).find((name) => name.endsWith('.node'));
  if (path === undefined) return 'not found';
  const size = statSync(override ?? join(root, path)).size;
  if (size > 4 * 2 ** 20) {
    console.warn(
      `warning: ${path} is ${size >> 20} MiB, a debug build? \`npm run build\` makes the release one.`,
    );
  }
  return `${basename(path)} (${(size / 1024).toFixed(0)} KiB)`;
}

/** The groups the V8-owned backing repeats. */
const v8Groups = (): GroupDef[] => [...lifetimeGroups(true), replayGroup()];

/** The child process of the V8-owned run: its groups, as one JSON line on stdout. */
async function v8Subset(): Promise<void> {
  const defs = v8Groups();
  const progress = new Progress(defs.reduce((sum, g) => sum + g.cases.length, 0) * (ROUNDS + 1));
  const groups: GroupResult[] = [];
  for (const def of defs) {
    groups.push(await runGroup(def, { rounds: ROUNDS, timeMs: TIME_MS }, progress));
  }
  progress.end();
  process.stdout.write(`${JSON.stringify({ backing: memoryBacking(), groups })}\n`);
}

/** Runs the V8-owned subset in a child process; its groups, renamed `v8:<id>`. */
function runV8(progress: Progress): GroupResult[] {
  progress.note('The V8-owned backing (a child process)...');
  const child = spawnSync(process.execPath, [...process.execArgv, __filename], {
    encoding: 'utf8',
    env: { ...process.env, LIGHTWATCH_MEMORY_BACKING: 'v8', BENCH_SUBSET: 'v8' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (child.status !== 0) throw new Error('the V8-owned benchmark run failed');
  const { backing, groups } = JSON.parse(child.stdout.trim().split('\n').pop() ?? '{}') as {
    backing: string;
    groups: GroupResult[];
  };
  if (backing !== 'v8') throw new Error(`the V8-owned run ran on the ${backing} backing`);
  return groups.map((group) => ({
    ...group,
    id: `v8:${group.id}`,
    title: `${group.title} (V8-owned backing, as under Electron)`,
  }));
}

/** `--groups`: only those, in the suite's order, their tables printed, nothing written. */
async function only(ids: string[]): Promise<void> {
  const known = (await catalogue()).map((part) => part.id);
  const unknown = ids.filter((id) => !known.includes(id));
  if (unknown.length > 0) {
    console.error(`unknown group id ${unknown.join(', ')}: npm run bench -- --help lists them`);
    process.exitCode = 2;
    return;
  }
  const all = await suiteGroups();
  const defs = all.filter((def) => ids.includes(def.id));
  disposeGroups(all.filter((def) => !ids.includes(def.id)));
  const progress = new Progress(
    defs.reduce((sum, g) => sum + g.cases.length, 0) * (ROUNDS + 1) +
      (ids.includes('mlp') ? MLP_ROUNDS * MLP_VARIANTS.length : 0) +
      (ids.includes('cnn') ? CNN_ROUNDS * 2 : 0),
  );
  for (const def of defs) {
    const group = await runGroup(def, { rounds: ROUNDS, timeMs: TIME_MS }, progress);
    progress.end();
    console.log(`${groupTable(group)}\n`);
  }
  if (ids.includes('plans')) console.log(plansTable(planQuality(PLAN_RUNS)));
  if (ids.includes('challenging')) console.log(challengingTable(challengingSet()));
  if (ids.includes('mlp')) {
    console.log(mlpTable(runMlp({ passes: MLP_PASSES, rounds: MLP_ROUNDS }, progress)));
  }
  if (ids.includes('cnn')) {
    const cnn = runCnn({ passes: CNN_PASSES, rounds: CNN_ROUNDS }, progress);
    if (process.env.BENCH_PACKAGE !== undefined) {
      console.log(`(the CNN measured the build in ${process.env.BENCH_PACKAGE})`);
    }
    console.log(cnnTable(cnn));
  }
  progress.end();
  console.log(
    `Node ${process.version}, ${memoryBacking()} backing; ${ROUNDS} rounds x ${TIME_MS} ms per case; load average ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}; nothing written.`,
  );
  observeSink();
  observeSum();
  observePlanSum();
}

/** The full suite; with `write`, its results written to the tracked files. */
async function full(write: boolean): Promise<void> {
  const addonFile = addon();
  const started = performance.now();
  const loadStart = os.loadavg();
  const defs = await suiteGroups();
  const steps =
    defs.reduce((sum, g) => sum + g.cases.length, 0) * (ROUNDS + 1) +
    MLP_ROUNDS * MLP_VARIANTS.length +
    CNN_ROUNDS * 2;
  const progress = new Progress(steps);
  const groups: GroupResult[] = [];
  for (const def of defs) {
    groups.push(await runGroup(def, { rounds: ROUNDS, timeMs: TIME_MS }, progress));
  }
  groups.push(...runV8(progress));
  progress.note('The planner on the fixture (benchmark/networks/lifetimes.json)...');
  const plans = planQuality(PLAN_RUNS, write);
  progress.note("MiniMalloc's challenging set, timeLimit 1000 ms...");
  const challenging = challengingSet();
  const mlp = runMlp({ passes: MLP_PASSES, rounds: MLP_ROUNDS }, progress);
  const cnn = runCnn({ passes: CNN_PASSES, rounds: CNN_ROUNDS }, progress);
  progress.end();
  const cpus = os.cpus();
  const results: Results = {
    meta: {
      date: new Date().toISOString(),
      command: 'npm run bench -- --write',
      node: process.version,
      v8: process.versions.v8,
      platform: `${process.platform} ${os.release()} ${process.arch}`,
      cpu: cpus[0]?.model ?? 'unknown',
      cores: cpus.length,
      memoryGb: Math.round(os.totalmem() / 2 ** 30),
      backing: memoryBacking(),
      addon: addonFile,
      rounds: ROUNDS,
      timeMsPerCaseAndRound: TIME_MS,
      loadAverage: { start: loadStart, end: os.loadavg() },
      durationS: Math.round((performance.now() - started) / 1000),
    },
    groups,
    mlp,
    cnn,
    plans,
    challenging,
    targets: evaluateTargets(groups, mlp, plans, cnn),
  };
  console.log(renderTable(results));
  if (write) {
    writeFileSync(join(__dirname, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
    writeReport(results);
    console.log(`Wrote ${WRITTEN}.`);
  } else {
    console.log(`Nothing was written: \`npm run bench -- --write\` writes ${WRITTEN}.`);
  }
  observeSink();
  observeSum();
  observePlanSum();
}

async function main(options: Options): Promise<void> {
  if (options.help) {
    process.stdout.write(usage(await catalogue()));
    return;
  }
  if (globalThis.gc === undefined) {
    throw new Error('run with node --expose-gc (npm run bench does)');
  }
  if (process.env.BENCH_SUBSET === 'v8') return v8Subset();
  if (options.groups !== undefined) return only(options.groups);
  return full(options.write);
}

let options: Options;
try {
  options = parseOptions(process.argv.slice(2));
} catch (error) {
  // A mistyped option gets the usage line, not a stack trace.
  console.error(
    `${(error as Error).message}\nusage: npm run bench -- [--write] [--groups <id>,...] [--help]`,
  );
  process.exit(2);
}
main(options).catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
