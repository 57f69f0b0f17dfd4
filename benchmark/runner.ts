/**
 * How `npm run bench` measures. Every case is timed by tinybench; the cases of a group run
 * interleaved, `rounds` times, after a warm-up round. A case's figure is the median over rounds
 * of its *sustained* mean (time of all calls / operations, so GC pauses are in it), and every
 * ratio compares figures from this one run. GCs are counted with perf_hooks. The tiny MLP and the
 * CNN run each variant in processes of their own (`benchmark/mlp.ts`, `benchmark/cnn.ts`), so that
 * GC counts and RSS growth are the variant's alone.
 * @module
 */

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';

import { BATCH, SIZES } from '../examples/mlp';
import { CNN_VARIANTS, type CnnResult } from './cnn';
import { CHANNELS, BATCH as CNN_BATCH, SIDE } from './cnn-model';
import type { GroupDef } from './groups';
import { MLP_VARIANTS, type MlpResult } from './mlp';
import type {
  CaseResult,
  CnnSummary,
  CnnVariantSummary,
  GroupResult,
  MlpSummary,
  MlpVariantSummary,
} from './results';

// An ES module only, and this file is CommonJS (as the package is): imported dynamically.
const tinybench = import('tinybench');

// GC reports arrive from the event loop, after the work that caused them.
const gcTotals = { count: 0, pauseMs: 0 };
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    gcTotals.count++;
    gcTotals.pauseMs += entry.duration;
  }
}).observe({ entryTypes: ['gc'] });
const settle = async () => {
  for (let i = 0; i < 2; i++) await new Promise<void>((resolve) => setImmediate(resolve));
};

interface Round {
  meanNs: number;
  p50Ns: number;
  ops: number;
  gcs: number;
  gcPauseMs: number;
}

async function runCase(fn: () => void, opsPerCall: number, timeMs: number): Promise<Round> {
  const { Bench } = await tinybench;
  globalThis.gc?.();
  await settle();
  const before = { ...gcTotals };
  const bench = new Bench({ time: timeMs, iterations: 5, warmup: false, throws: true });
  bench.add('case', fn);
  const [task] = bench.runSync();
  await settle();
  const result = task?.result;
  if (task === undefined || result === undefined || result.state !== 'completed') {
    throw new Error(`benchmark case did not complete: ${result?.state}`);
  }
  return {
    meanNs: (result.latency.mean * 1e6) / opsPerCall,
    p50Ns: (result.latency.p50 * 1e6) / opsPerCall,
    ops: task.runs * opsPerCall,
    gcs: gcTotals.count - before.count,
    gcPauseMs: gcTotals.pauseMs - before.pauseMs,
  };
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

/** Progress on stderr: a rewritten line on a terminal, a line per group elsewhere. */
export class Progress {
  #done = 0;
  constructor(readonly total: number) {}
  step(what: string): void {
    this.#done++;
    if (process.stderr.isTTY) {
      const line = `[${String(this.#done).padStart(3)}/${this.total}] ${what}`;
      process.stderr.write(`\r\x1b[K${line.slice(0, (process.stderr.columns ?? 100) - 1)}`);
    }
  }
  note(line: string): void {
    if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
    process.stderr.write(`${line}\n`);
  }
  end(): void {
    if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
  }
}

/** Measured rounds per case, and each round's time per case (the warm-up round takes a quarter). */
export interface GroupSettings {
  rounds: number;
  timeMs: number;
}

export async function runGroup(
  group: GroupDef,
  { rounds, timeMs }: GroupSettings,
  progress: Progress,
): Promise<GroupResult> {
  progress.note(`${group.title}...`);
  const measured = group.cases.map(() => [] as Round[]);
  // Round 0 warms every case up (JIT, heap sizes) and is not counted.
  for (let round = 0; round <= rounds; round++) {
    for (const [index, def] of group.cases.entries()) {
      progress.step(`${group.title} | ${def.name} | round ${round}/${rounds}`);
      const result = await runCase(def.fn, group.opsPerCall, round === 0 ? timeMs / 4 : timeMs);
      if (round > 0) measured[index]?.push(result);
    }
  }
  group.done?.();
  const cases = group.cases.map((def, index): Omit<CaseResult, 'subjectSpeedup'> => {
    const own = measured[index] ?? [];
    const ops = own.reduce((sum, r) => sum + r.ops, 0);
    return {
      name: def.name,
      role: def.role,
      nsPerOp: median(own.map((r) => r.meanNs)),
      roundsNsPerOp: own.map((r) => r.meanNs),
      p50NsPerOp: median(own.map((r) => r.p50Ns)),
      gcsPer1kOps: (1000 * own.reduce((sum, r) => sum + r.gcs, 0)) / ops,
      gcPauseNsPerOp: (1e6 * own.reduce((sum, r) => sum + r.gcPauseMs, 0)) / ops,
      ops,
    };
  });
  const subject = cases.find((c) => c.role === 'subject');
  if (subject === undefined) throw new Error(`group ${group.id} has no subject`);
  return {
    id: group.id,
    title: group.title,
    opsPerCall: group.opsPerCall,
    cases: cases.map((c) => ({ ...c, subjectSpeedup: c.nsPerOp / subject.nsPerOp })),
  };
}

/** Passes per process, and processes per variant. */
export interface MlpSettings {
  passes: number;
  rounds: number;
}

/** Runs `script` (a benchmark process printing one JSON line) with `args`; that line, parsed. */
function child<T>(script: string, args: string[]): T {
  const run = spawnSync(process.execPath, [...process.execArgv, join(__dirname, script), ...args], {
    encoding: 'utf8',
  });
  if (run.status !== 0)
    throw new Error(`benchmark/${script} ${args.join(' ')} failed:\n${run.stderr}`);
  return JSON.parse(run.stdout.trim().split('\n').pop() ?? '') as T;
}

export function runMlp({ passes, rounds }: MlpSettings, progress: Progress): MlpSummary {
  progress.note(`Tiny MLP, ${passes} passes per process...`);
  const runs: MlpResult[] = [];
  for (let round = 1; round <= rounds; round++) {
    for (const variant of MLP_VARIANTS) {
      progress.step(`Tiny MLP | ${variant} | round ${round}/${rounds}`);
      runs.push(child<MlpResult>('mlp.ts', [variant, String(passes)]));
    }
  }
  const variants = MLP_VARIANTS.map((variant): MlpVariantSummary => {
    const own = runs.filter((r) => r.variant === variant);
    return {
      variant,
      msPerPass: median(own.map((r) => r.msPerPass)),
      gcs: median(own.map((r) => r.gcs)),
      majorGcs: Math.max(...own.map((r) => r.majorGcs)),
      gcPauseMs: median(own.map((r) => r.gcPauseMs)),
      rssGrowthMb: median(own.map((r) => r.rssGrowthMb)),
      peakRssMb: median(own.map((r) => r.peakRssMb)),
      runs: own,
    };
  });
  return {
    description: `3-layer MLP ${SIZES.join('-')} (ReLU, softmax), ${BATCH} samples per pass (examples/mlp.ts: the arena variant layer by layer over the batch, the others one sample at a time)`,
    passes,
    rounds,
    variants,
    identicalOutputs: new Set(runs.map((r) => r.checksum)).size === 1,
  };
}

/** Passes per process, and processes per variant. */
export type CnnSettings = MlpSettings;

/**
 * The CNN with a scope per layer and without, `rounds` processes each, interleaved (the order
 * alternates, so that neither always runs second); GC counts per 2,000 passes.
 */
export function runCnn({ passes, rounds }: CnnSettings, progress: Progress): CnnSummary {
  progress.note(`Scopes and the GC: a CNN, ${passes} passes per process...`);
  const runs: CnnResult[] = [];
  for (let round = 1; round <= rounds; round++) {
    const order = round % 2 ? CNN_VARIANTS : [...CNN_VARIANTS].reverse();
    for (const variant of order) {
      progress.step(`CNN | ${variant} | round ${round}/${rounds}`);
      runs.push(child<CnnResult>('cnn.ts', [variant, String(passes)]));
    }
  }
  const per2000 = (r: CnnResult) => (2000 * r.gcs) / r.passes;
  const variants = CNN_VARIANTS.map((variant): CnnVariantSummary => {
    const own = runs.filter((r) => r.variant === variant);
    const gcs = own.map(per2000);
    return {
      variant,
      gcsPer2000: median(gcs),
      gcsPer2000Range: [Math.min(...gcs), Math.max(...gcs)],
      heapBytesPerPass: median(own.map((r) => r.heapBytesPerPass)),
      msPerPass: median(own.map((r) => r.msPerPass)),
      majorGcs: Math.max(...own.map((r) => r.majorGcs)),
      runs: own,
    };
  });
  const gcs = (name: string) => variants.find((v) => v.variant === name)?.gcsPer2000 ?? Number.NaN;
  const [c0, c1, c2] = CHANNELS;
  return {
    description: `CNN over a batch of ${CNN_BATCH} ${c0}x${SIDE}x${SIDE} inputs (conv 3x3 to ${c1} channels by im2col, ReLU, 2x2 max-pool, conv to ${c2}, max-pool, dense to 10; benchmark/cnn.ts), every tensor from one growable arena (64 KiB to start), reset after each pass; scoped: each layer's output on the arena, its temporaries in a scope of the layer; unscoped: the same claims, no scopes`,
    passes,
    rounds,
    variants,
    scopeGcsPer2000: gcs('scoped') - gcs('unscoped'),
    identicalOutputs: new Set(runs.map((r) => r.checksum)).size === 1,
  };
}
