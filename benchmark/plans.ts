/**
 * The memory-plan cases of `npm run bench`: replaying a planned pass against the bare view floor
 * (a tinybench group), and the planner on real networks and random sets from JavaScript
 * (`benchmark/networks/lifetimes.json`): the bytes of each plan beside the naive layout, greedy by
 * size and the lower bound, planning time, and a picture of each plan (`benchmark/plans/*.svg`).
 * @module
 */

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { Arena, type Lifetime, MemoryPlan, type PassMemory } from '../dist/index';
import { type GroupDef, PER_RESET } from './groups';
import { MASK } from './lifetimes';
import { planSvg } from './plan-svg';
import type { PlanRow } from './results';

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
 * Plans every set of the fixture with the default planner and with greedy by size, times both,
 * and writes one picture per real network (and of the 1,000-tensor random set) into
 * `benchmark/plans/`.
 */
export function planQuality(runs: number): PlanRow[] {
  const fixture = JSON.parse(
    readFileSync(join(__dirname, 'networks', 'lifetimes.json'), 'utf8'),
  ) as { alignment: number; sets: FixtureSet[] };
  const pictures = join(__dirname, 'plans');
  mkdirSync(pictures, { recursive: true });
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
    if (set.kind === 'network' || set.name === 'random-1k') {
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
