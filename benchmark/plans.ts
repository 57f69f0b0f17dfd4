/**
 * The memory-plan cases of `npm run bench`: replaying a planned pass against the bare view floor
 * (a tinybench group), and the planner on real networks and random sets from JavaScript
 * (`benchmark/networks/lifetimes.json`): the bytes of each plan beside the naive layout, greedy by
 * size and the lower bound, planning time, and a picture of each plan (`benchmark/plans/*.svg`).
 * @module
 */

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { Arena, type Lifetime, MemoryPlan, type PassMemory } from '../dist/index';
import { type GroupDef, PER_RESET } from './groups';
import { MASK } from './lifetimes';
import { planSvg } from './plan-svg';
import type { ChallengingRow, PlanRow } from './results';

// Results go here so that no view or length is dead code; masked as in lifetimes.ts.
let sum = 0;

/** Reads the sum once the groups have run, so that the JIT cannot prove it unused. */
export function observePlanSum(): void {
  if (sum === -1) console.log('unreachable');
}

/** 1000 tensors of 16 floats, each written and its length read: allocated from `mem`. */
function pass(mem: PassMemory): void {
  for (let i = 0; i < PER_RESET; i++) {
    const view = mem.alloc(Float32Array, 16);
    view[0] = i;
    sum = (sum + view.length) & MASK;
  }
}

/** `mem.alloc` in a replayed pass against the bare view floor and the arena, in the same loop. */
export function replayGroup(): GroupDef {
  const planned = MemoryPlan.record(pass).instantiate();
  const arena = new Arena(PER_RESET * 64 + 64);
  const floor = new ArrayBuffer(PER_RESET * 64);
  return {
    id: 'replay-16',
    title: `A planned pass replayed: mem.alloc(Float32Array, 16), ${PER_RESET} per pass, each view written and its length read`,
    opsPerCall: PER_RESET,
    cases: [
      {
        name: 'pass.run: mem.alloc(Float32Array, 16)',
        role: 'subject',
        fn: () => planned.run(pass),
      },
      {
        name: 'arena.alloc(Float32Array, 16), reset per pass',
        role: 'alternative',
        fn: () => {
          for (let i = 0; i < PER_RESET; i++) {
            const view = arena.alloc(Float32Array, 16);
            view[0] = i;
            sum = (sum + view.length) & MASK;
          }
          arena.reset();
        },
      },
      {
        name: 'floor: new Float32Array(buffer, offset, 16)',
        role: 'floor',
        fn: () => {
          let offset = 0;
          for (let i = 0; i < PER_RESET; i++) {
            const view = new Float32Array(floor, offset, 16);
            offset += 64;
            view[0] = i;
            sum = (sum + view.length) & MASK;
          }
        },
      },
    ],
    done: () => {
      planned.dispose();
      arena.dispose();
    },
  };
}

/** One set of the fixture: a network's tensors, or a random set. */
interface FixtureSet {
  name: string;
  kind: 'network' | 'random';
  description: string;
  sizes: number[];
  starts: number[];
  ends: number[];
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1] as number;
}

/** Median wall time of `fn` over `runs` runs, after one warm-up run. */
function timed(fn: () => unknown, runs: number): number {
  fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    fn();
    times.push(performance.now() - start);
  }
  return median(times);
}

/**
 * Plans every set of the fixture with the default planner and with greedy by size, and times
 * both; with `write`, writes one picture per real network (and of the 1,000-tensor random set)
 * into `benchmark/plans/` (tracked files: only when asked).
 */
export function planQuality(runs: number, write = false): PlanRow[] {
  const fixture = JSON.parse(
    readFileSync(join(__dirname, 'networks', 'lifetimes.json'), 'utf8'),
  ) as { alignment: number; sets: FixtureSet[] };
  const pictures = join(__dirname, 'plans');
  if (write) mkdirSync(pictures, { recursive: true });
  return fixture.sets.map((set) => {
    const lifetimes: Lifetime[] = set.sizes.map((size, i) => ({
      size,
      alignment: fixture.alignment,
      start: set.starts[i] as number,
      end: set.ends[i] as number,
    }));
    const plan = MemoryPlan.fromLifetimes(lifetimes);
    const greedy = MemoryPlan.greedyBySize(lifetimes);
    const big = lifetimes.length >= 3000;
    const row: PlanRow = {
      name: set.name,
      kind: set.kind,
      description: set.description,
      tensors: lifetimes.length,
      naiveBytes: plan.naiveBytes,
      greedyBytes: greedy.bytes,
      bytes: plan.bytes,
      lowerBound: plan.lowerBound,
      planMs: timed(() => MemoryPlan.fromLifetimes(lifetimes), big ? Math.max(3, runs >> 2) : runs),
      greedyMs: timed(
        () => MemoryPlan.greedyBySize(lifetimes),
        big ? Math.max(3, runs >> 2) : runs,
      ),
    };
    if (write && (set.kind === 'network' || set.name === 'random-1k')) {
      const svg = planSvg({
        title: `${set.name}: ${set.description}; ${(plan.bytes / 2 ** 20).toFixed(2)} MiB, lower bound ${(plan.lowerBound / 2 ** 20).toFixed(2)} MiB, naive ${(plan.naiveBytes / 2 ** 20).toFixed(2)} MiB`,
        lifetimes,
        offsets: plan.offsets,
        lowerBound: plan.lowerBound,
      });
      writeFileSync(join(pictures, `${set.name}.svg`), svg);
    }
    return row;
  });
}

/** MiniMalloc's height and time per instance (Release, one thread, capacity 1,048,576). */
const MINIMALLOC: Record<string, [number, number]> = {
  A: [1_048_576, 4.96],
  B: [1_048_576, 4.52],
  C: [1_039_360, 0.12],
  D: [1_048_576, 2.65],
  E: [1_048_576, 3.65],
  F: [1_048_576, 6.89],
  G: [1_048_576, 2.33],
  H: [1_048_576, 2.56],
  I: [1_048_576, 4.29],
  J: [1_048_576, 0.85],
  K: [1_048_576, 0.56],
};

/**
 * The directory of MiniMalloc's challenging set (`A.1048576.csv` ...), if there is one:
 * `$MINIMALLOC_CHALLENGING`, else the workplace's `shared/minimalloc-challenging/` beside the
 * repository (`crates/memory/tests/fixtures/minimalloc-challenging/README.md` says why the files
 * are not in the repository).
 */
function challengingDir(): string | undefined {
  const candidates = [
    process.env.MINIMALLOC_CHALLENGING,
    join(__dirname, '..', '..', 'shared', 'minimalloc-challenging'),
  ];
  return candidates.find(
    (dir): dir is string => dir !== undefined && existsSync(join(dir, 'A.1048576.csv')),
  );
}

/**
 * Plans each instance of MiniMalloc's challenging set with `timeLimit: 1000` (no `effort`: the
 * exact search runs until the limit or until it proves its plan optimal), lifetimes `[lower,
 * upper - 1]`, alignment 1. Empty when the files are not there.
 */
export function challengingSet(): ChallengingRow[] {
  const dir = challengingDir();
  if (dir === undefined) return [];
  return Object.entries(MINIMALLOC).map(([name, [minimallocHeight, minimallocS]]) => {
    const rows = readFileSync(join(dir, `${name}.1048576.csv`), 'utf8')
      .trim()
      .split('\n');
    const lifetimes: Lifetime[] = rows.slice(1).map((row) => {
      const [, lower, upper, size] = row.split(',').map(Number) as [number, number, number, number];
      return { size, alignment: 1, start: lower, end: upper - 1 };
    });
    const start = performance.now();
    const plan = MemoryPlan.fromLifetimes(lifetimes, { timeLimit: 1000 });
    const ms = performance.now() - start;
    return {
      name,
      tensors: lifetimes.length,
      lowerBound: plan.lowerBound,
      bytes: plan.bytes,
      ms,
      optimal: plan.optimal,
      minimallocHeight,
      minimallocS,
    };
  });
}
