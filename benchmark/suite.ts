/**
 * What `npm run bench` can run, by id: the tinybench groups (`groups.ts`, `lifetimes.ts`,
 * `plans.ts`) in the order they run, and the parts measured otherwise (the planner's table, the
 * tiny MLP and the CNN, one process per variant; MiniMalloc's challenging set). `--help` lists
 * them and `--groups` picks from them.
 * @module
 */

import { createGroups, type GroupDef } from './groups';
import { lifetimeGroups } from './lifetimes';
import { replayGroup } from './plans';

/** Every tinybench group of the suite, in the order they run. Each holds memory until `done`. */
export async function suiteGroups(): Promise<GroupDef[]> {
  return [...(await createGroups()), ...lifetimeGroups(), replayGroup()];
}

/** Frees what the groups hold, for groups that will not run (`done` is called after a run). */
export function disposeGroups(groups: readonly GroupDef[]): void {
  for (const group of groups) group.done?.();
}

/** The parts of the suite that are not tinybench groups, selectable by id like one. */
export const OTHER_PARTS = [
  {
    id: 'plans',
    title: 'Memory plans: the planner on real networks and random sets (benchmark/networks)',
  },
  {
    id: 'challenging',
    title: "MiniMalloc's challenging set, timeLimit 1000 ms (when its files are there)",
  },
  { id: 'mlp', title: 'Tiny MLP (the npm start demo), each variant in processes of its own' },
  {
    id: 'cnn',
    title: 'Scopes and the GC: a CNN pass with a scope per layer vs none, a process per run',
  },
] as const;

export type OtherPart = (typeof OTHER_PARTS)[number]['id'];

/** The ids and titles of everything `--groups` accepts, in the order a full run measures them. */
export async function catalogue(): Promise<{ id: string; title: string }[]> {
  const groups = await suiteGroups();
  // Listing runs nothing: what the groups made to be ready is freed at once.
  disposeGroups(groups);
  return [...groups.map(({ id, title }) => ({ id, title })), ...OTHER_PARTS];
}
