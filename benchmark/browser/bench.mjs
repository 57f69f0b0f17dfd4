// The browser entry's benchmarks, runtime-neutral (Chromium and Node run the same code):
// scripts/browser-bench.mjs drives them and writes the tables of BENCHMARKS.md.
//
// - alloc: `arena.alloc(Float32Array, 256)` with a reset every 1000 allocations, beside the floor
//   (`new Float32Array(buffer, offset, 256)` cutting 1000 views from one buffer you already
//   have, then starting over) and `new Float32Array(256)`, in the same page, side by side.
// - kernels: the wasm-kernels example's pass, zero copy vs copy in/out, at its two sizes.
// - plans: the benchmark fixture's networks planned by the core compiled to WebAssembly; the
//   host compares the time (and the plans) with the native addon's.

import {
  copiesOnly,
  copying,
  loadKernels,
  makeMlp,
  SIZES,
  timeBoth,
  zeroCopy,
} from '../../examples/wasm-kernels/mlp.mjs';

const LENGTH = 256;
const PER_RESET = 1000;

/** The median of `rounds` timings of `body(n)`, in ns per operation. */
function median(now, rounds, n, body) {
  const times = [];
  for (let round = 0; round < rounds; round++) {
    const start = now();
    body(n);
    times.push(((now() - start) * 1e6) / n);
  }
  times.sort((a, b) => a - b);
  return { median: times[times.length >> 1], min: times[0], max: times[times.length - 1] };
}

/**
 * The arena against the view floor and `new Float32Array`, rounds interleaved. `core`, the
 * WebAssembly core's exports if given, adds the design the arena does not take: a call into the
 * module per allocation (its bump), then the view.
 */
export function allocBench(m, now, { n = 2e6, rounds = 11, core } = {}) {
  const arena = new m.Arena(LENGTH * 4 * PER_RESET + 65536);
  const buffer = new ArrayBuffer(LENGTH * 4 * PER_RESET + 64);
  let sink;
  const bodies = {
    arena: (count) => {
      for (let i = 0; i < count; i++) {
        if (i % PER_RESET === PER_RESET - 1) arena.reset();
        sink = arena.alloc(Float32Array, LENGTH);
      }
    },
    floor: (count) => {
      let offset = 0;
      for (let i = 0; i < count; i++) {
        if (i % PER_RESET === PER_RESET - 1) offset = 0;
        sink = new Float32Array(buffer, offset, LENGTH);
        offset += LENGTH * 4;
      }
    },
    plain: (count) => {
      for (let i = 0; i < count; i++) sink = new Float32Array(LENGTH);
    },
  };
  if (core !== undefined) {
    bodies.crossing = (count) => {
      let offset = 0;
      for (let i = 0; i < count; i++) {
        if (i % PER_RESET === PER_RESET - 1) offset = 0;
        // One call into the module per allocation (here the core's alignment check), as a bump
        // kept in WebAssembly would cost, then the view.
        offset += core.check_alignment(16) * 0 + LENGTH * 4;
        sink = new Float32Array(buffer, offset - LENGTH * 4, LENGTH);
      }
    };
  }
  for (const body of Object.values(bodies)) body(n / 4);
  const out = { arena: [], floor: [], plain: [], crossing: [] };
  const names = Object.keys(bodies);
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(round + k) % names.length];
      out[name].push(median(now, 1, n, bodies[name]).median);
    }
  }
  arena.dispose();
  const summary = {};
  for (const name of names) {
    const list = out[name].sort((a, b) => a - b);
    summary[name] = { median: list[list.length >> 1], min: list[0], max: list[list.length - 1] };
  }
  summary.ratio = summary.arena.median / summary.floor.median;
  summary.sink = sink?.length;
  return summary;
}

/** The example's passes, zero copy vs copy in/out, at its two sizes. */
export async function kernelBench(m, now) {
  const rows = [];
  for (const size of SIZES) {
    const kernels = await loadKernels();
    const mlp = makeMlp(kernels, size.sizes, size.batch);
    const result = timeBoth(
      zeroCopy(m, kernels, mlp),
      copying(kernels, mlp),
      copiesOnly(kernels, mlp),
      {
        now,
        passes: size.batch > 16 ? 40 : 200,
      },
    );
    rows.push({ name: size.name, ...result });
  }
  return rows;
}

/** Each network of the fixture planned `runs` times: the median time in ms, and the plan. */
export function planBench(m, fixture, now, runs = 5) {
  // One pass over the fixture first: WebAssembly starts on a baseline compiler and tiers up.
  for (const set of fixture.slice(0, -1)) {
    const lifetimes = set.sizes.map((size, i) => ({
      size,
      start: set.starts[i],
      end: set.ends[i],
    }));
    m.MemoryPlan.fromLifetimes(lifetimes);
  }
  const rows = [];
  for (const set of fixture) {
    const lifetimes = set.sizes.map((size, i) => ({
      size,
      alignment: set.alignment,
      start: set.starts[i],
      end: set.ends[i],
    }));
    const times = [];
    let plan;
    let refused;
    for (let run = 0; run < runs; run++) {
      const start = now();
      try {
        plan = m.MemoryPlan.fromLifetimes(lifetimes);
      } catch (error) {
        refused = error.code;
        break;
      }
      times.push(now() - start);
    }
    times.sort((a, b) => a - b);
    rows.push({
      name: set.name,
      tensors: set.sizes.length,
      ms: refused === undefined ? times[times.length >> 1] : undefined,
      refused,
      bytes: plan?.bytes,
      offsets: refused === undefined ? plan.offsets : undefined,
    });
  }
  return rows;
}
