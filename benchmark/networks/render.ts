/**
 * Renders the plans that `cargo run --release -p lightwatch-memory --example plan_quality --
 * --offsets FILE` wrote: one SVG per set and planner (ours, greedy by size) into a directory.
 *
 *   npx tsx benchmark/networks/render.ts FILE DIRECTORY
 * @module
 */

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { planSvg } from '../plan-svg';

interface PlannedSet {
  name: string;
  lowerBound: number;
  sizes: number[];
  starts: number[];
  ends: number[];
  offsets: number[];
  greedyOffsets: number[];
}

if (require.main === module) {
  const [file, directory] = process.argv.slice(2);
  if (file === undefined || directory === undefined) {
    throw new Error('usage: render.ts OFFSETS.json DIRECTORY');
  }
  const { sets } = JSON.parse(readFileSync(file, 'utf8')) as { sets: PlannedSet[] };
  mkdirSync(directory, { recursive: true });
  for (const set of sets) {
    const lifetimes = set.sizes.map((size, i) => ({
      size,
      start: set.starts[i] ?? 0,
      end: set.ends[i] ?? 0,
    }));
    for (const [planner, offsets] of [
      ['plan', set.offsets],
      ['greedy-by-size', set.greedyOffsets],
    ] as const) {
      const svg = planSvg({
        title: `${set.name}: ${planner}`,
        lifetimes,
        offsets,
        lowerBound: set.lowerBound,
      });
      writeFileSync(join(directory, `${set.name}.${planner}.svg`), svg);
    }
  }
  console.log(`Wrote ${sets.length * 2} pictures into ${directory}`);
}
