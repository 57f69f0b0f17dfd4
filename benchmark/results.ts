/** The shape of `benchmark/results.json`, shared by `bench.ts` (writes it) and `report.ts`. */

import type { CnnResult, CnnVariant } from './cnn';
import type { MlpResult } from './mlp';

/** What a case is to its group: the one measured (ours), an alternative, or a reference. */
export type Role = 'subject' | 'alternative' | 'floor' | 'diagnostic';

export interface CaseResult {
  name: string;
  role: Role;
  /** Median over rounds of the sustained mean (time of all calls / operations): GC included. */
  nsPerOp: number;
  /** The sustained mean of each round. */
  roundsNsPerOp: number[];
  /** Median over rounds of the per-call median / operations per call: GC mostly excluded. */
  p50NsPerOp: number;
  /** GCs per 1000 operations, over all rounds. */
  gcsPer1kOps: number;
  /** GC pause per operation, over all rounds. */
  gcPauseNsPerOp: number;
  /** Operations measured, over all rounds. */
  ops: number;
  /** `nsPerOp / subject.nsPerOp`: how many times faster the group's subject is than this case. */
  subjectSpeedup: number;
}

export interface GroupResult {
  id: string;
  title: string;
  /** Operations per timed call (e.g. 1000 allocations and one reset). */
  opsPerCall: number;
  cases: CaseResult[];
}

/** One variant's figures: medians over the processes run for it (`majorGcs`: the largest). */
export interface MlpVariantSummary extends Omit<MlpResult, 'passes' | 'checksum'> {
  runs: MlpResult[];
}

export interface MlpSummary {
  description: string;
  passes: number;
  rounds: number;
  variants: MlpVariantSummary[];
  /** Every process of every variant ended with the same outputs. */
  identicalOutputs: boolean;
}

/** One CNN variant over its processes: medians, and the range of the GC counts. */
export interface CnnVariantSummary {
  variant: CnnVariant;
  /** GCs per 2,000 measured passes: the median over the processes, and the least and most. */
  gcsPer2000: number;
  gcsPer2000Range: [number, number];
  /** JavaScript heap allocated per pass, bytes (median). */
  heapBytesPerPass: number;
  msPerPass: number;
  /** The most in any process. */
  majorGcs: number;
  runs: CnnResult[];
}

export interface CnnSummary {
  description: string;
  passes: number;
  /** Processes per variant, interleaved. */
  rounds: number;
  variants: CnnVariantSummary[];
  /** What the scopes add: scoped minus unscoped, median GCs per 2,000 passes. */
  scopeGcsPer2000: number;
  /** Every process of both variants ended with the same logits. */
  identicalOutputs: boolean;
}

export interface Target {
  id: string;
  text: string;
  /** The measured ratio (or count), compared with `limit`. */
  measured: number;
  comparison: '<=' | '>=';
  limit: number;
  met: boolean;
}

export interface Results {
  meta: {
    date: string;
    command: string;
    node: string;
    v8: string;
    platform: string;
    cpu: string;
    cores: number;
    memoryGb: number;
    backing: string;
    addon: string;
    rounds: number;
    timeMsPerCaseAndRound: number;
    loadAverage: { start: number[]; end: number[] };
    durationS: number;
  };
  groups: GroupResult[];
  mlp: MlpSummary;
  /** A scope per layer against none, on the same arena (`cnn.ts`). */
  cnn: CnnSummary;
  /** The planner on the fixture's real networks and random sets (`plans.ts`). */
  plans: PlanRow[];
  /** MiniMalloc's challenging set with `timeLimit: 1000`, when its files are there. */
  challenging?: ChallengingRow[];
  targets: Target[];
}

/** What the planner made of one instance of MiniMalloc's challenging set. */
export interface ChallengingRow {
  name: string;
  tensors: number;
  lowerBound: number;
  /** The plan's bytes with `timeLimit: 1000` (the exact search's height). */
  bytes: number;
  /** Wall time of `MemoryPlan.fromLifetimes`, columns and crossing included. */
  ms: number;
  optimal: boolean;
  /** MiniMalloc's height and time on the instance (issue 18's measurement). */
  minimallocHeight: number;
  minimallocS: number;
}

/** What the planner made of one set. */
export interface PlanRow {
  name: string;
  kind: 'network' | 'random';
  description: string;
  tensors: number;
  naiveBytes: number;
  greedyBytes: number;
  bytes: number;
  lowerBound: number;
  /** Median planning time from JavaScript, default options, columns built included. */
  planMs: number;
  greedyMs: number;
}
