// The arena's hot path alone in a page (alloc.html), for repeated runs:
// `node scripts/browser-bench.mjs --alloc 5` opens it 5 times, a new page each time.
import * as m from '/dist/browser/index.mjs';
import { allocBench } from './bench.mjs';

const result = allocBench(m, () => performance.now(), { rounds: 15 });
globalThis.benchResult = {
  arena: result.arena.median,
  floor: result.floor.median,
  ratio: result.ratio,
};
