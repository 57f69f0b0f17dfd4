/**
 * `npm run bench`: the JavaScript benchmark suite. Build the release addon first (`npm run build`).
 *
 * How it measures: every case is a call that does a batch of operations (for the arena, 1000
 * allocations and one `reset`), timed by tinybench. The cases of a group run interleaved, ROUNDS
 * times, after a warm-up round. A case's figure is the median over rounds of its *sustained* mean
 * (time of all calls / operations, so GC pauses are in it), and every ratio compares figures from
 * this one run. GCs are counted with perf_hooks. The tiny MLP runs each variant in processes of
 * its own (`benchmark/mlp.ts`), so that GC counts and RSS growth are the variant's alone.
 *
 * Output: a table on stdout (progress on stderr), `benchmark/results.json`, and from it
 * `benchmark/results.svg` and the JavaScript section of `BENCHMARKS.md` (`benchmark/report.ts`).
 * Environment: BENCH_ROUNDS (7), BENCH_TIME_MS per case and round (150), BENCH_MLP_PASSES (2000),
 * BENCH_MLP_ROUNDS (3).
 * @module
 */

import { spawnSync } from 'node:child_process';
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { basename, join } from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';

import { BATCH, SIZES } from '../examples/mlp';
import { Arena, alignedDelete, alignedNew, memoryBacking, Pool } from '../ts/index';
import { MLP_VARIANTS, type MlpResult } from './mlp';
import { renderTable, writeReport } from './report';
import type {
  CaseResult,
  GroupResult,
  MlpSummary,
  MlpVariantSummary,
  Results,
  Role,
  Target,
} from './results';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const TIME_MS = Number(process.env.BENCH_TIME_MS ?? 150);
const MLP_PASSES = Number(process.env.BENCH_MLP_PASSES ?? 2000);
const MLP_ROUNDS = Number(process.env.BENCH_MLP_ROUNDS ?? 3);
/** Allocations between two arena resets. */
const PER_RESET = 1000;

const gc = globalThis.gc;
if (gc === undefined) throw new Error('run with node --expose-gc (npm run bench does)');

// Results go here so that no allocation is dead code.
let sink: unknown;

// Both are ES modules only, and this file is CommonJS (as the package is): imported dynamically.
const esm = Promise.all([import('@thi.ng/malloc'), import('tinybench')]);
type MemPoolClass = Awaited<typeof esm>[0]['MemPool'];
type BenchClass = Awaited<typeof esm>[1]['Bench'];
let MemPool: MemPoolClass;
let Bench: BenchClass;

interface CaseDef {
  name: string;
  role: Role;
  fn: () => void;
}
interface GroupDef {
  id: string;
  title: string;
  opsPerCall: number;
  cases: CaseDef[];
  /** Frees the group's memory once it has run. */
  done?: () => void;
}

function arenaGroup(n: number): GroupDef {
  const bytes = 4 * n;
  const arena = new Arena(PER_RESET * bytes + 64);
  const floor = new ArrayBuffer(PER_RESET * bytes);
  const malloc = new MemPool({ size: PER_RESET * (bytes + 64) + 4096, align: 16 });
  return {
    id: `arena-${n}`,
    title: `Arena alloc(Float32Array, ${n}), reset every ${PER_RESET} allocations`,
    opsPerCall: PER_RESET,
    cases: [
      {
        name: `arena.alloc(Float32Array, ${n})`,
        role: 'subject',
        fn: () => {
          for (let i = 0; i < PER_RESET; i++) sink = arena.alloc(Float32Array, n);
          arena.reset();
        },
      },
      {
        name: `new Float32Array(${n})`,
        role: 'alternative',
        fn: () => {
          for (let i = 0; i < PER_RESET; i++) sink = new Float32Array(n);
        },
      },
      {
        name: `Buffer.allocUnsafe(${bytes})`,
        role: 'alternative',
        fn: () => {
          for (let i = 0; i < PER_RESET; i++) sink = Buffer.allocUnsafe(bytes);
        },
      },
      {
        name: `@thi.ng/malloc mallocAs('f32', ${n}) + freeAll`,
        role: 'alternative',
        fn: () => {
          for (let i = 0; i < PER_RESET; i++) {
            const view = malloc.mallocAs('f32', n);
            if (view === undefined) throw new Error('MemPool exhausted');
            sink = view;
          }
          malloc.freeAll();
        },
      },
      {
        name: `floor: new Float32Array(buffer, offset, ${n})`,
        role: 'floor',
        fn: () => {
          let offset = 0;
          for (let i = 0; i < PER_RESET; i++) {
            sink = new Float32Array(floor, offset, n);
            offset += bytes;
          }
        },
      },
      {
        // The arena's own floor: its bump and checks removed, its reset kept.
        name: `floor over the arena's buffer + arena.reset()`,
        role: 'diagnostic',
        fn: () => {
          const head = arena.allocate(0);
          const buffer = head.buffer as ArrayBuffer;
          let offset = head.byteOffset;
          for (let i = 0; i < PER_RESET; i++) {
            sink = new Float32Array(buffer, offset, n);
            offset += bytes;
          }
          arena.reset();
        },
      },
    ],
    done: () => arena.dispose(),
  };
}

/** What a user writes instead of a pool: a stack of views, no checks. */
class FreeList {
  readonly #free: Float32Array[] = [];
  allocate(): Float32Array {
    return this.#free.pop() ?? new Float32Array(16);
  }
  deallocate(view: Float32Array): void {
    this.#free.push(view);
  }
}

function poolGroup(): GroupDef {
  // Ten slots live at a time, like the temporaries of one graph node, freed LIFO.
  const live = 10;
  const rounds = PER_RESET / live;
  const views: Float32Array[] = new Array(live);
  const slots: Float32Array<ArrayBuffer>[] = new Array(live);
  const pool = new Pool(Float32Array, 16);
  const malloc = new MemPool({ size: 1 << 16, align: 16 });
  const freeList = new FreeList();
  return {
    id: 'pool-16',
    title: `Pool of Float32Array(16) slots: allocate + deallocate, ${live} live at a time`,
    opsPerCall: PER_RESET,
    cases: [
      {
        name: 'pool.allocate() + pool.deallocate(view)',
        role: 'subject',
        fn: () => {
          for (let r = 0; r < rounds; r++) {
            for (let i = 0; i < live; i++) slots[i] = pool.allocate();
            for (let i = live - 1; i >= 0; i--) {
              pool.deallocate(slots[i] as Float32Array<ArrayBuffer>);
            }
          }
        },
      },
      {
        name: 'new Float32Array(16), left to the GC',
        role: 'alternative',
        fn: () => {
          for (let r = 0; r < rounds; r++) {
            for (let i = 0; i < live; i++) views[i] = new Float32Array(16);
          }
        },
      },
      {
        name: "@thi.ng/malloc mallocAs('f32', 16) + free",
        role: 'alternative',
        fn: () => {
          for (let r = 0; r < rounds; r++) {
            for (let i = 0; i < live; i++) {
              const view = malloc.mallocAs('f32', 16);
              if (view === undefined) throw new Error('MemPool exhausted');
              views[i] = view;
            }
            for (let i = live - 1; i >= 0; i--) malloc.free(views[i] as Float32Array);
          }
        },
      },
      {
        name: 'hand-written JS free list (no checks)',
        role: 'alternative',
        fn: () => {
          for (let r = 0; r < rounds; r++) {
            for (let i = 0; i < live; i++) views[i] = freeList.allocate();
            for (let i = live - 1; i >= 0; i--) freeList.deallocate(views[i] as Float32Array);
          }
        },
      },
    ],
    done: () => pool.dispose(),
  };
}

function alignedGroup(n: number, label: string, opsPerCall: number): GroupDef {
  return {
    id: `aligned-${n}`,
    title: `alignedNew(Float32Array, ${label}, 64) + alignedDelete`,
    opsPerCall,
    cases: [
      {
        name: `alignedNew(Float32Array, ${label}, 64) + alignedDelete`,
        role: 'subject',
        fn: () => {
          for (let i = 0; i < opsPerCall; i++) {
            const view = alignedNew(Float32Array, n, 64);
            sink = view;
            alignedDelete(view);
          }
        },
      },
      {
        name: `new Float32Array(${label}), left to the GC`,
        role: 'alternative',
        fn: () => {
          for (let i = 0; i < opsPerCall; i++) sink = new Float32Array(n);
        },
      },
    ],
  };
}

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
  gc?.();
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
class Progress {
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

async function runGroup(group: GroupDef, progress: Progress): Promise<GroupResult> {
  progress.note(`${group.title}...`);
  const rounds = group.cases.map(() => [] as Round[]);
  // Round 0 warms every case up (JIT, heap sizes) and is not counted.
  for (let round = 0; round <= ROUNDS; round++) {
    for (const [index, def] of group.cases.entries()) {
      progress.step(`${group.title} | ${def.name} | round ${round}/${ROUNDS}`);
      const measured = await runCase(def.fn, group.opsPerCall, round === 0 ? TIME_MS / 4 : TIME_MS);
      if (round > 0) rounds[index]?.push(measured);
    }
  }
  group.done?.();
  const cases = group.cases.map((def, index): Omit<CaseResult, 'subjectSpeedup'> => {
    const own = rounds[index] ?? [];
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

function runMlp(progress: Progress): MlpSummary {
  progress.note(`Tiny MLP, ${MLP_PASSES} passes per process...`);
  const script = join(__dirname, 'mlp.ts');
  const runs: MlpResult[] = [];
  for (let round = 1; round <= MLP_ROUNDS; round++) {
    for (const variant of MLP_VARIANTS) {
      progress.step(`Tiny MLP | ${variant} | round ${round}/${MLP_ROUNDS}`);
      const child = spawnSync(
        process.execPath,
        [...process.execArgv, script, variant, String(MLP_PASSES)],
        { encoding: 'utf8' },
      );
      if (child.status !== 0)
        throw new Error(`benchmark/mlp.ts ${variant} failed:\n${child.stderr}`);
      const line = child.stdout.trim().split('\n').pop() ?? '';
      runs.push(JSON.parse(line) as MlpResult);
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
    description: `3-layer MLP ${SIZES.join('-')} (ReLU, softmax), ${BATCH} samples per pass, one at a time (examples/mlp.ts)`,
    passes: MLP_PASSES,
    rounds: MLP_ROUNDS,
    variants,
    identicalOutputs: new Set(runs.map((r) => r.checksum)).size === 1,
  };
}

function targets(groups: GroupResult[], mlp: MlpSummary): Target[] {
  const list: Target[] = [];
  const add = (
    id: string,
    text: string,
    measured: number,
    comparison: '<=' | '>=',
    limit: number,
  ) =>
    list.push({
      id,
      text,
      measured,
      comparison,
      limit,
      met: comparison === '<=' ? measured <= limit : measured >= limit,
    });
  const group = (id: string) => {
    const found = groups.find((g) => g.id === id);
    if (found === undefined) throw new Error(`no group ${id}`);
    return found;
  };
  const find = (g: GroupResult, role: Role, prefix = '') => {
    const found = g.cases.find((c) => c.role === role && c.name.startsWith(prefix));
    if (found === undefined) throw new Error(`no ${role} ${prefix} in ${g.id}`);
    return found;
  };
  for (const n of [16, 256, 4096, 65536]) {
    const g = group(`arena-${n}`);
    const subject = find(g, 'subject');
    add(
      `arena-floor-${n}`,
      `arena.alloc(Float32Array, ${n}) / view floor`,
      subject.nsPerOp / find(g, 'floor').nsPerOp,
      '<=',
      1.2,
    );
  }
  const a16 = group('arena-16');
  add(
    'arena-new-16',
    'arena.alloc(Float32Array, 16) / new Float32Array(16)',
    1 / find(a16, 'alternative', 'new Float32Array').subjectSpeedup,
    '<=',
    1,
  );
  const a256 = group('arena-256');
  add(
    'arena-new-256',
    'new Float32Array(256) / arena.alloc(Float32Array, 256)',
    find(a256, 'alternative', 'new Float32Array').subjectSpeedup,
    '>=',
    15,
  );
  const a4096 = group('arena-4096');
  const new4096 = find(a4096, 'alternative', 'new Float32Array');
  add(
    'arena-new-4096',
    'new Float32Array(4096) / arena.alloc(Float32Array, 4096)',
    new4096.subjectSpeedup,
    '>=',
    40,
  );
  add(
    'arena-gcs-4096',
    'GCs per allocation: arena.alloc(Float32Array, 4096) / new Float32Array(4096)',
    find(a4096, 'subject').gcsPer1kOps / new4096.gcsPer1kOps,
    '<=',
    0.2,
  );
  const pool = group('pool-16');
  add(
    'pool-new-16',
    'new Float32Array(16) / pool allocate+deallocate',
    find(pool, 'alternative', 'new Float32Array').subjectSpeedup,
    '>=',
    1.4,
  );
  add(
    'pool-malloc-16',
    '@thi.ng/malloc mallocAs+free / pool allocate+deallocate',
    find(pool, 'alternative', '@thi.ng').subjectSpeedup,
    '>=',
    3,
  );
  const variant = (name: string) => {
    const found = mlp.variants.find((v) => v.variant === name);
    if (found === undefined) throw new Error(`no MLP variant ${name}`);
    return found;
  };
  const plain = variant('plain');
  const arena = variant('arena');
  const preallocated = variant('preallocated');
  add(
    'mlp-plain',
    'tiny MLP time/pass: plain / arena',
    plain.msPerPass / arena.msPerPass,
    '>=',
    1.25,
  );
  add(
    'mlp-preallocated',
    'tiny MLP time/pass: arena / preallocated by hand',
    arena.msPerPass / preallocated.msPerPass,
    '<=',
    1.1,
  );
  add('mlp-gcs', 'tiny MLP GCs: arena / plain', arena.gcs / plain.gcs, '<=', 0.5);
  add('mlp-major', 'tiny MLP major GCs in the steady state (arena)', arena.majorGcs, '<=', 0);
  add(
    'mlp-rss',
    'tiny MLP RSS growth: arena / plain',
    arena.rssGrowthMb / plain.rssGrowthMb,
    '<=',
    0.25,
  );
  add(
    'mlp-identical',
    'tiny MLP outputs identical across variants (1 = yes)',
    mlp.identicalOutputs ? 1 : 0,
    '>=',
    1,
  );
  return list;
}

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
  [{ MemPool }, { Bench }] = await esm;
  const addonFile = addon();
  const started = performance.now();
  const loadStart = os.loadavg();
  const defs = [
    ...[16, 256, 4096, 65536].map(arenaGroup),
    poolGroup(),
    alignedGroup(4096, '4096', 100),
    alignedGroup(2 ** 20, '1 Mi', 10),
  ];
  const steps =
    defs.reduce((sum, g) => sum + g.cases.length, 0) * (ROUNDS + 1) +
    MLP_ROUNDS * MLP_VARIANTS.length;
  const progress = new Progress(steps);
  const groups: GroupResult[] = [];
  for (const def of defs) groups.push(await runGroup(def, progress));
  const mlp = runMlp(progress);
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
    targets: targets(groups, mlp),
  };
  writeFileSync(join(__dirname, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  console.log(renderTable(results));
  writeReport(results);
  if (sink === null) console.log('unreachable');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
