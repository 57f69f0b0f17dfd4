// Running one suite on one runtime, and keeping what happened: each run is printed as it goes,
// its pass/fail counts are read from its output, and the rows are saved under the cache
// (`results/<step>.json`) for `scripts/platforms.mjs doc`, which renders docs/platforms.md
// from them.

import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { CACHE, REPO } from './fetch.mjs';

export const RESULTS = path.join(CACHE, 'results');

/** Pass/fail counts in a run's output: ava's TAP summary, or a "name: N passed, N failed" line. */
export function counts(output) {
  const tap = (key) => Number(new RegExp(`^# ${key} (\\d+)$`, 'm').exec(output)?.[1] ?? Number.NaN);
  if (/^# tests \d+$/m.test(output)) return { passed: tap('pass'), failed: tap('fail') };
  const line = [...output.matchAll(/^(?:\w+: )?(\d+) passed, (\d+) failed/gm)].at(-1);
  return line ? { passed: Number(line[1]), failed: Number(line[2]) } : { passed: 0, failed: 0 };
}

/**
 * Runs `command args` (printing its output as it comes), and returns the result row:
 * `{ ...row, passed, failed, ok, seconds }`. A run passes when it exits 0 with a failure count
 * of zero and at least one pass.
 */
export function runSuite(row, command, args, options = {}) {
  console.log(`\n== ${row.label}\n$ ${[command, ...args].join(' ')}`);
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd: options.cwd ?? REPO,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const echo = (stream) => (chunk) => {
      output += chunk;
      stream.write(chunk);
    };
    child.stdout.on('data', echo(process.stdout));
    child.stderr.on('data', echo(process.stderr));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeout ?? 20 * 60_000);
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      const { passed, failed } = counts(output);
      const ok = status === 0 && failed === 0 && passed > 0;
      const seconds = Math.round((Date.now() - started) / 100) / 10;
      const { label, ...rest } = row;
      console.log(
        `-- ${label}: ${ok ? 'ok' : `FAILED (${signal ?? `exit ${status}`})`}, ` +
          `${passed} passed, ${failed} failed, ${seconds} s`,
      );
      resolve({ ...rest, label, passed, failed, ok, seconds });
    });
  });
}

/** A row for something that could not be done here, with the reason. */
export function blocked(row, reason) {
  console.log(`\n== ${row.label}\n-- blocked: ${reason}`);
  return { ...row, passed: 0, failed: 0, ok: false, blocked: reason, seconds: 0 };
}

/** Saves a step's rows, replacing that step's earlier ones. */
export function saveResults(step, rows) {
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(path.join(RESULTS, `${step}.json`), `${JSON.stringify(rows, null, 2)}\n`);
}

/** Every saved row, of every step. */
export function loadResults() {
  let files = [];
  try {
    files = readdirSync(RESULTS).filter((file) => file.endsWith('.json'));
  } catch {
    return [];
  }
  return files.flatMap((file) => JSON.parse(readFileSync(path.join(RESULTS, file), 'utf8')));
}

/** Prints the rows and the closing "<step>: N passed, N failed" line; returns the exit code. */
export function summarize(step, rows) {
  console.log(`\n${step}:`);
  for (const row of rows) {
    const what = row.blocked
      ? `blocked: ${row.blocked}`
      : `${row.passed} passed, ${row.failed} failed`;
    console.log(
      `  ${row.ok ? 'ok  ' : row.blocked ? 'n/a ' : 'FAIL'} ${row.label}: ${what} (${row.seconds} s)`,
    );
  }
  const counted = rows.filter((row) => !row.blocked || row.required);
  const passed = counted.filter((row) => row.ok).length;
  console.log(`${step}: ${passed} passed, ${counted.length - passed} failed`);
  return passed === counted.length ? 0 : 1;
}

/**
 * Installs the Debian packages that are missing (as root, as on CI; `apt-get update` first),
 * without their recommendations (wine64 would bring a desktop's worth).
 */
export function ensureDebianPackages(packages) {
  const missing = packages.filter(
    (name) => spawnSync('dpkg', ['-s', name], { stdio: 'ignore' }).status !== 0,
  );
  if (missing.length === 0) return;
  console.log(`installing Debian packages: ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [
    ['update', '-qq'],
    ['install', '-y', '-qq', '--no-install-recommends', ...missing],
  ]) {
    const result = spawnSync('apt-get', args, { stdio: ['ignore', 'ignore', 'inherit'], env });
    if (result.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed`);
  }
}
