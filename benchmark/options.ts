/**
 * The command line of `npm run bench -- [options]`: what it accepts and the usage `--help`
 * prints. The suite writes nothing tracked unless asked (`--write`), so that a run to look at
 * the figures leaves the working tree as it was.
 * @module
 */

import { parseArgs } from 'node:util';

export interface Options {
  help: boolean;
  /** Write results.json, results.svg, the plan pictures and BENCHMARKS.md's generated block. */
  write: boolean;
  /** Only these ids (`--groups`, else BENCH_GROUPS); undefined: the full suite. */
  groups: string[] | undefined;
}

/** Parses `args` (without node and the script); throws a TypeError on an unknown or bad option. */
export function parseOptions(args: string[], env: NodeJS.ProcessEnv = process.env): Options {
  const { values } = parseArgs({
    args,
    options: {
      help: { type: 'boolean', short: 'h', default: false },
      write: { type: 'boolean', default: false },
      groups: { type: 'string' },
    },
    strict: true,
    allowPositionals: false,
  });
  const list = values.groups ?? env.BENCH_GROUPS;
  const groups = list?.split(',').map((id) => id.trim());
  if (groups?.some((id) => id === '')) {
    throw new TypeError(`--groups takes ids separated by commas, got '${list}'`);
  }
  // A subset would leave results.json without the figures the report and the targets read.
  if (values.write && groups !== undefined) {
    throw new TypeError('--write writes a full run only: leave out --groups and BENCH_GROUPS');
  }
  if (values.write && env.BENCH_PACKAGE !== undefined) {
    throw new TypeError("--write records this build's figures: unset BENCH_PACKAGE");
  }
  return { help: values.help, write: values.write, groups };
}

/** The environment variables the suite reads, with their defaults. */
const ENVIRONMENT = [
  ['BENCH_ROUNDS', '7', 'measured rounds per tinybench case (after a warm-up round)'],
  ['BENCH_TIME_MS', '150', 'time per case and round, ms'],
  ['BENCH_MLP_PASSES', '2000', 'tiny MLP passes per process'],
  ['BENCH_MLP_ROUNDS', '3', 'tiny MLP processes per variant'],
  ['BENCH_CNN_PASSES', '2000', 'CNN passes per process'],
  ['BENCH_CNN_ROUNDS', '5', 'CNN processes per variant, interleaved'],
  ['BENCH_PLAN_RUNS', '15', 'planning runs per set'],
  ['BENCH_GROUPS', '', 'the same as --groups'],
  ['BENCH_PACKAGE', '', 'the CNN loads <dir>/dist/index.js instead of this build (before/after)'],
  ['MINIMALLOC_CHALLENGING', '', "the directory of MiniMalloc's challenging set"],
] as const;

/** The usage `--help` prints, with every id `--groups` accepts. */
export function usage(parts: readonly { id: string; title: string }[]): string {
  const width = Math.max(...parts.map((p) => p.id.length));
  return [
    'usage: npm run bench -- [--write] [--groups <id>,<id>,...] [--help]',
    '',
    'Runs the JavaScript benchmark suite on the compiled package (dist/) and prints its table.',
    'Without --write nothing is written.',
    '',
    'Options:',
    '  --write          also write benchmark/results.json, benchmark/results.svg, the pictures in',
    "                   benchmark/plans/ and BENCHMARKS.md's generated block (a full run only)",
    '  --groups <ids>   run only these groups (ids below, separated by commas), print, write nothing',
    '  -h, --help       print this and exit, running nothing',
    '',
    'Environment:',
    ...ENVIRONMENT.map(
      ([name, fallback, what]) =>
        `  ${name.padEnd(24)}${what}${fallback === '' ? '' : ` (default ${fallback})`}`,
    ),
    '',
    'Groups, in the order a full run measures them (a full run also repeats the lifetimes and',
    'replay groups on the V8-owned backing, reported as v8:<id>):',
    ...parts.map((p) => `  ${p.id.padEnd(width)}  ${p.title}`),
    '',
  ].join('\n');
}
