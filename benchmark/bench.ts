/**
 * `npm run bench`: the JavaScript benchmark suite. Build the release addon first (`npm run build`).
 *
 * The cases are in `groups.ts` (one group per thing measured: ours, the alternatives, the floors),
 * how they are timed in `runner.ts`, the targets checked against the figures in `targets.ts`, and
 * the tiny MLP, one process per variant, in `mlp.ts`.
 *
 * Output: a table on stdout (progress on stderr), `benchmark/results.json`, and from it
 * `benchmark/results.svg` and the JavaScript section of `BENCHMARKS.md` (`benchmark/report.ts`).
 * Environment: BENCH_ROUNDS (7), BENCH_TIME_MS per case and round (150), BENCH_MLP_PASSES (2000),
 * BENCH_MLP_ROUNDS (3).
 * @module
 */

import { readdirSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { basename, join } from 'node:path';

import { memoryBacking } from '../ts/index';
import { createGroups, observeSink } from './groups';
import { MLP_VARIANTS } from './mlp';
import { renderTable, writeReport } from './report';
import type { GroupResult, Results } from './results';
import { Progress, runGroup, runMlp } from './runner';
import { evaluateTargets } from './targets';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const TIME_MS = Number(process.env.BENCH_TIME_MS ?? 150);
const MLP_PASSES = Number(process.env.BENCH_MLP_PASSES ?? 2000);
const MLP_ROUNDS = Number(process.env.BENCH_MLP_ROUNDS ?? 3);

if (globalThis.gc === undefined) throw new Error('run with node --expose-gc (npm run bench does)');

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

async function main(): Promise<void> {
  const addonFile = addon();
  const started = performance.now();
  const loadStart = os.loadavg();
  const defs = await createGroups();
  const steps =
    defs.reduce((sum, g) => sum + g.cases.length, 0) * (ROUNDS + 1) +
    MLP_ROUNDS * MLP_VARIANTS.length;
  const progress = new Progress(steps);
  const groups: GroupResult[] = [];
  for (const def of defs) {
    groups.push(await runGroup(def, { rounds: ROUNDS, timeMs: TIME_MS }, progress));
  }
  const mlp = runMlp({ passes: MLP_PASSES, rounds: MLP_ROUNDS }, progress);
  progress.end();
  const cpus = os.cpus();
  const results: Results = {
    meta: {
      date: new Date().toISOString(),
      command: 'npm run bench',
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
    targets: evaluateTargets(groups, mlp),
  };
  writeFileSync(join(__dirname, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  console.log(renderTable(results));
  writeReport(results);
  observeSink();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
