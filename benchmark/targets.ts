/**
 * The targets `npm run bench` checks, as one table: what is compared, the limit, and the ratio (or
 * count) measured from this run's figures. The table is the one place to add or change a target;
 * `evaluateTargets` turns it into `results.json`'s `targets`, in this order.
 * @module
 */

import { ARENA_LENGTHS } from './groups';
import { SCOPES_PER_CALL } from './lifetimes';
import type { MlpVariant } from './mlp';
import type {
  CaseResult,
  CnnSummary,
  GroupResult,
  MlpSummary,
  MlpVariantSummary,
  PlanRow,
  Role,
  Target,
} from './results';

/** The figures of one run, looked up by name; a missing group, case or variant throws. */
export interface Figures {
  /** The first case of group `group` with role `role` whose name starts with `prefix`. */
  case(group: string, role: Role, prefix?: string): CaseResult;
  variant(name: MlpVariant): MlpVariantSummary;
  readonly identicalOutputs: boolean;
  readonly plans: readonly PlanRow[];
  readonly cnn: CnnSummary;
}

interface TargetRow {
  id: string;
  text: string;
  comparison: '<=' | '>=';
  limit: number;
  measure: (figures: Figures) => number;
}

const arena = (n: number) => `arena-${n}`;
/** A group's subject against one of its other cases: subject ns/op / that case's ns/op. */
const ratio = (f: Figures, group: string, role: Role, prefix = '') =>
  f.case(group, 'subject').nsPerOp / f.case(group, role, prefix).nsPerOp;
const plan = (f: Figures, name: string) => {
  const row = f.plans.find((p) => p.name === name);
  if (row === undefined) throw new Error(`no plan ${name}`);
  return row;
};

export const TARGETS: readonly TargetRow[] = [
  ...ARENA_LENGTHS.map(
    (n): TargetRow => ({
      id: `arena-floor-${n}`,
      text: `arena.alloc(Float32Array, ${n}) / view floor`,
      comparison: '<=',
      limit: 1.2,
      measure: (f) => f.case(arena(n), 'subject').nsPerOp / f.case(arena(n), 'floor').nsPerOp,
    }),
  ),
  {
    id: 'arena-new-16',
    text: 'arena.alloc(Float32Array, 16) / new Float32Array(16)',
    comparison: '<=',
    limit: 1,
    measure: (f) => 1 / f.case(arena(16), 'alternative', 'new Float32Array').subjectSpeedup,
  },
  {
    id: 'arena-new-256',
    text: 'new Float32Array(256) / arena.alloc(Float32Array, 256)',
    comparison: '>=',
    limit: 15,
    measure: (f) => f.case(arena(256), 'alternative', 'new Float32Array').subjectSpeedup,
  },
  {
    id: 'arena-new-4096',
    text: 'new Float32Array(4096) / arena.alloc(Float32Array, 4096)',
    comparison: '>=',
    limit: 40,
    measure: (f) => f.case(arena(4096), 'alternative', 'new Float32Array').subjectSpeedup,
  },
  {
    id: 'arena-gcs-4096',
    text: 'GCs per allocation: arena.alloc(Float32Array, 4096) / new Float32Array(4096)',
    comparison: '<=',
    limit: 0.2,
    measure: (f) =>
      f.case(arena(4096), 'subject').gcsPer1kOps /
      f.case(arena(4096), 'alternative', 'new Float32Array').gcsPer1kOps,
  },
  {
    id: 'pool-new-16',
    text: 'new Float32Array(16) / pool allocate+deallocate',
    comparison: '>=',
    limit: 1.4,
    measure: (f) => f.case('pool-16', 'alternative', 'new Float32Array').subjectSpeedup,
  },
  {
    id: 'pool-malloc-16',
    text: '@thi.ng/malloc mallocAs+free / pool allocate+deallocate',
    comparison: '>=',
    limit: 3,
    measure: (f) => f.case('pool-16', 'alternative', '@thi.ng').subjectSpeedup,
  },
  {
    id: 'mlp-plain',
    text: 'tiny MLP time/pass: plain / arena',
    comparison: '>=',
    limit: 1.25,
    measure: (f) => f.variant('plain').msPerPass / f.variant('arena').msPerPass,
  },
  {
    id: 'mlp-preallocated',
    text: 'tiny MLP time/pass: arena / preallocated by hand',
    comparison: '<=',
    limit: 1.1,
    measure: (f) => f.variant('arena').msPerPass / f.variant('preallocated').msPerPass,
  },
  {
    id: 'mlp-gcs',
    text: 'tiny MLP GCs: arena / plain',
    comparison: '<=',
    limit: 0.5,
    measure: (f) => f.variant('arena').gcs / f.variant('plain').gcs,
  },
  {
    id: 'mlp-major',
    text: 'tiny MLP major GCs in the steady state (arena)',
    comparison: '<=',
    limit: 0,
    measure: (f) => f.variant('arena').majorGcs,
  },
  {
    id: 'mlp-rss',
    text: 'tiny MLP RSS growth: arena / plain',
    comparison: '<=',
    limit: 0.25,
    measure: (f) => f.variant('arena').rssGrowthMb / f.variant('plain').rssGrowthMb,
  },
  {
    id: 'mlp-planned-preallocated',
    text: 'tiny MLP time/pass: replayed from a plan / preallocated by hand',
    comparison: '<=',
    limit: 1.05,
    measure: (f) => f.variant('planned').msPerPass / f.variant('preallocated').msPerPass,
  },
  {
    id: 'mlp-planned-gcs',
    text: 'tiny MLP GCs per 1000 passes once warm (replayed from a plan)',
    comparison: '<=',
    limit: 1,
    measure: (f) => {
      const planned = f.variant('planned');
      const passes = planned.runs[0]?.passes ?? 1;
      return (1000 * planned.gcs) / passes;
    },
  },
  {
    id: 'arena-use-16',
    text: 'arena.alloc(Float32Array, 16) / view floor, each view written and its length read',
    comparison: '<=',
    limit: 1.15,
    measure: (f) => ratio(f, 'arena-use-16', 'floor'),
  },
  {
    id: 'growable-fixed',
    text: "growable arena after its first 'retain' reset / fixed arena of the same size",
    comparison: '<=',
    limit: 1.05,
    measure: (f) => ratio(f, 'growable-16', 'alternative'),
  },
  {
    id: 'scope-inside',
    text: 'arena.alloc inside a scope / outside',
    comparison: '<=',
    limit: 1.05,
    measure: (f) => ratio(f, 'scope-16', 'alternative'),
  },
  {
    id: 'scope-open-close',
    text: `scope open + one alloc + close, ns per scope (native backing; ${SCOPES_PER_CALL} per call)`,
    comparison: '<=',
    limit: 3000,
    measure: (f) => f.case('scope-open-close', 'subject').nsPerOp,
  },
  {
    id: 'scope-open-close-v8',
    text: 'scope open + one alloc + close, ns per scope (V8-owned backing)',
    comparison: '<=',
    limit: 8000,
    measure: (f) => f.case('v8:scope-open-close', 'subject').nsPerOp,
  },
  {
    id: 'cnn-scope-gcs',
    text: 'a scope per layer: GCs it adds per 2,000 CNN passes over the same arena without scopes (Node 24)',
    comparison: '<=',
    limit: 1,
    measure: (f) => f.cnn.scopeGcsPer2000,
  },
  {
    id: 'replay-floor',
    text: 'replayed mem.alloc(Float32Array, 16) / view floor (native backing)',
    comparison: '<=',
    limit: 0.5,
    measure: (f) => ratio(f, 'replay-16', 'floor'),
  },
  {
    id: 'replay-floor-v8',
    text: 'replayed mem.alloc(Float32Array, 16) / view floor (V8-owned backing)',
    comparison: '<=',
    limit: 0.5,
    measure: (f) => ratio(f, 'v8:replay-16', 'floor'),
  },
  {
    id: 'plan-never-worse',
    text: 'sets where the plan needs more than greedy by size',
    comparison: '<=',
    limit: 0,
    measure: (f) => f.plans.filter((p) => p.bytes > p.greedyBytes).length,
  },
  {
    id: 'plan-networks-bound',
    text: 'plan / lower bound, worst real network',
    comparison: '<=',
    limit: 1.02,
    measure: (f) =>
      Math.max(...f.plans.filter((p) => p.kind === 'network').map((p) => p.bytes / p.lowerBound)),
  },
  {
    id: 'plan-random-greedy',
    text: 'plan / greedy by size, geometric mean over the random sets',
    comparison: '<=',
    limit: 0.95,
    measure: (f) => {
      const random = f.plans.filter((p) => p.kind === 'random');
      const logs = random.reduce((sum, p) => sum + Math.log(p.bytes / p.greedyBytes), 0);
      return Math.exp(logs / random.length);
    },
  },
  {
    id: 'plan-time-1k',
    text: 'planning 1,000 tensors from JavaScript, ms (random-1k)',
    comparison: '<=',
    limit: 10,
    measure: (f) => plan(f, 'random-1k').planMs,
  },
  {
    id: 'plan-time-10k',
    text: 'planning 10,000 tensors from JavaScript, ms (random-10k)',
    comparison: '<=',
    limit: 500,
    measure: (f) => plan(f, 'random-10k').planMs,
  },
  {
    id: 'mlp-identical',
    text: 'tiny MLP outputs identical across variants (1 = yes)',
    comparison: '>=',
    limit: 1,
    measure: (f) => (f.identicalOutputs ? 1 : 0),
  },
  {
    id: 'cnn-identical',
    text: 'CNN outputs identical with and without scopes (1 = yes)',
    comparison: '>=',
    limit: 1,
    measure: (f) => (f.cnn.identicalOutputs ? 1 : 0),
  },
];

function figures(
  groups: GroupResult[],
  mlp: MlpSummary,
  plans: readonly PlanRow[],
  cnn: CnnSummary,
): Figures {
  return {
    plans,
    cnn,
    case(id, role, prefix = '') {
      const group = groups.find((g) => g.id === id);
      if (group === undefined) throw new Error(`no group ${id}`);
      const found = group.cases.find((c) => c.role === role && c.name.startsWith(prefix));
      if (found === undefined) throw new Error(`no ${role} ${prefix} in ${id}`);
      return found;
    },
    variant(name) {
      const found = mlp.variants.find((v) => v.variant === name);
      if (found === undefined) throw new Error(`no MLP variant ${name}`);
      return found;
    },
    identicalOutputs: mlp.identicalOutputs,
  };
}

/** Every target of the table, measured from this run and compared with its limit. */
export function evaluateTargets(
  groups: GroupResult[],
  mlp: MlpSummary,
  plans: readonly PlanRow[],
  cnn: CnnSummary,
): Target[] {
  const f = figures(groups, mlp, plans, cnn);
  return TARGETS.map(({ id, text, comparison, limit, measure }) => {
    const measured = measure(f);
    const met = comparison === '<=' ? measured <= limit : measured >= limit;
    return { id, text, measured, comparison, limit, met };
  });
}
