/**
 * `npm start`: one small inference loop, run three ways.
 *
 * Long because the demo is one file a reader can run: the model, its three variants, the report.
 *
 * A 3-layer MLP (16 -> 32 -> 32 -> 10, ReLU, softmax; weights from a fixed-seed generator)
 * classifies a batch of 256 inputs. First the way most JavaScript is written, one sample at a time
 * with a fresh typed array for every activation; then with this package:
 * - **arena**: the weights in 64-byte aligned native buffers (`alignedNew`), allocated once; the
 *   batch run layer by layer, as a batched engine runs it, in an `Arena`: each layer's
 *   pre-activations are temporaries of the layer, freed by a scope at its end, while its
 *   activations live on to the next layer; `reset()` after the pass; each sample's logits, a
 *   temporary that dies within the sample, in a `Pool` slot;
 * - **planned**: the first variant's own pass, one sample at a time, recorded once as a
 *   `MemoryPlan` and replayed: its memory is the plan's peak (a few hundred bytes), not the sum,
 *   and a replayed pass cuts no view at all.
 *
 * All three run the same kernels on the same numbers, so their outputs must be identical, bit for
 * bit: the demo checks it, and so does `__test__/demo.spec.ts`.
 *
 * The variants take turns, 5 rounds (`ROUNDS`) of 2000 passes each (`PASSES`), about half a minute
 * in all, and every figure is printed as the median over the rounds with the least and the most:
 * one run is one moment of the machine, and the range says how far to trust it.
 * @module
 */

import { constants, PerformanceObserver } from 'node:perf_hooks';

// The compiled package, as an application loads it (in your own project: '@lightwatch/memory').
import {
  Arena,
  alignedDelete,
  alignedNew,
  MemoryPlan,
  type PassMemory,
  type PlannedPass,
  Pool,
} from '../dist/index';

/** Widths of the input, the two hidden layers and the output (classes). */
export const SIZES = [16, 32, 32, 10] as const;
/** Samples classified per pass. */
export const BATCH = 256;

/** A dense layer: `outputs x inputs` weights, row-major, and `outputs` biases. */
export interface Layer {
  readonly inputs: number;
  readonly outputs: number;
  readonly weights: Float32Array;
  readonly biases: Float32Array;
}
export type Model = readonly [Layer, Layer, Layer];

/** A tiny fixed-seed generator (xorshift32): uniform numbers in [-1, 1). */
function random(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 31 - 1;
  };
}

/** The model, its arrays from `allocate`: the same numbers whatever memory they live in. */
export function createModel(allocate: (length: number) => Float32Array, seed = 42): Model {
  const next = random(seed);
  const layer = (inputs: number, outputs: number): Layer => {
    const weights = allocate(inputs * outputs);
    const biases = allocate(outputs);
    const scale = 1 / Math.sqrt(inputs);
    for (let i = 0; i < weights.length; i++) weights[i] = next() * scale;
    for (let i = 0; i < biases.length; i++) biases[i] = next() * 0.1;
    return { inputs, outputs, weights, biases };
  };
  return [layer(SIZES[0], SIZES[1]), layer(SIZES[1], SIZES[2]), layer(SIZES[2], SIZES[3])];
}

/**
 * The arena variant's model: every weight and bias array in a 64-byte aligned native buffer of
 * its own (`alignedNew`: a cache line, and the alignment AVX-512 loads want), allocated once.
 * Free it with `freeModel`.
 */
export function createAlignedModel(seed = 42): Model {
  return createModel((length) => alignedNew(Float32Array, length, 64), seed);
}

/** Frees the buffers of a model from `createAlignedModel` now, detaching its arrays. */
export function freeModel(model: Model): void {
  for (const layer of model) {
    alignedDelete(layer.weights);
    alignedDelete(layer.biases);
  }
}

/** A batch of `BATCH` inputs, one after the other. */
export function createInputs(seed = 7): Float32Array {
  const next = random(seed);
  return Float32Array.from({ length: BATCH * SIZES[0] }, next);
}

// The kernels both variants share (and the benchmark's hand-preallocated variant).

/** `out[to ..] = weights . x[at ..] + biases` for one sample. */
export function dense(
  out: Float32Array,
  to: number,
  x: Float32Array,
  at: number,
  layer: Layer,
): void {
  const { inputs, outputs, weights, biases } = layer;
  for (let j = 0; j < outputs; j++) {
    let sum = biases[j] as number;
    const row = j * inputs;
    for (let i = 0; i < inputs; i++) sum += (x[at + i] as number) * (weights[row + i] as number);
    out[to + j] = sum;
  }
}

/** `out = max(x, 0)`. */
export function relu(out: Float32Array, x: Float32Array): void {
  for (let i = 0; i < out.length; i++) out[i] = Math.max(x[i] as number, 0);
}

/** Writes the softmax of `logits` to `out[at ..]`. */
export function softmax(out: Float32Array, at: number, logits: Float32Array): void {
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i] as number);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) {
    const e = Math.exp((logits[i] as number) - max);
    out[at + i] = e;
    sum += e;
  }
  for (let i = 0; i < logits.length; i++) out[at + i] = (out[at + i] as number) / sum;
}

/**
 * Variant 1, plain typed arrays: each operation returns a new tensor, as in a graph executor, and
 * the GC collects them.
 */
export function forwardPlain(model: Model, inputs: Float32Array, out: Float32Array): void {
  const [first, second, third] = model;
  for (let s = 0; s < BATCH; s++) {
    const z1 = new Float32Array(first.outputs);
    dense(z1, 0, inputs, s * first.inputs, first);
    const a1 = new Float32Array(first.outputs);
    relu(a1, z1);
    const z2 = new Float32Array(second.outputs);
    dense(z2, 0, a1, 0, second);
    const a2 = new Float32Array(second.outputs);
    relu(a2, z2);
    const logits = new Float32Array(third.outputs);
    dense(logits, 0, a2, 0, third);
    softmax(out, s * third.outputs, logits);
  }
}

/** Where the arena variant's short-lived tensors come from. */
export interface Scratch {
  /** The tensors of one pass; 1 MiB is plenty (a pass needs 96 KiB at most). */
  readonly arena: Arena;
  /** One sample's logits. */
  readonly logits: Pool<Float32Array>;
  /** The most bytes the arena has had in use (at the end of a layer, before its scope closes). */
  peak: number;
}

export function createScratch(): Scratch {
  return { arena: new Arena(1 << 20), logits: new Pool(Float32Array, SIZES[3]), peak: 0 };
}

/**
 * One hidden layer over the whole batch: `a = relu(weights . x + biases)`. The pre-activations
 * are the layer's own temporaries: they live in a scope, freed when the layer ends, while `a`
 * (claimed before the scope) lives on.
 */
function hidden(scratch: Scratch, layer: Layer, x: Float32Array, a: Float32Array): void {
  const { arena } = scratch;
  const scope = arena.scope();
  try {
    const z = arena.alloc(Float32Array, BATCH * layer.outputs);
    for (let s = 0; s < BATCH; s++) dense(z, s * layer.outputs, x, s * layer.inputs, layer);
    relu(a, z);
    scratch.peak = Math.max(scratch.peak, arena.used);
  } finally {
    scope.close();
  }
}

/** Variant 2, this package: the batch layer by layer, its memory from the arena and the pool. */
export function forwardArena(
  model: Model,
  inputs: Float32Array,
  out: Float32Array,
  scratch: Scratch,
): void {
  const { arena, logits: pool } = scratch;
  const [first, second, third] = model;
  const a1 = arena.alloc(Float32Array, BATCH * first.outputs);
  hidden(scratch, first, inputs, a1);
  const a2 = arena.alloc(Float32Array, BATCH * second.outputs);
  hidden(scratch, second, a1, a2);
  for (let s = 0; s < BATCH; s++) {
    const logits = pool.allocate();
    dense(logits, 0, a2, s * second.outputs, third);
    softmax(out, s * third.outputs, logits);
    pool.deallocate(logits); // back at once: the whole pass needs one slot
  }
  arena.reset(); // frees every tensor of the pass; their views are detached
}

/**
 * Variant 3's pass: variant 1's, one sample at a time, its tensors from `mem` and each freed as
 * soon as the next no longer needs it. Recorded once, it is replayed with no allocation.
 */
export function forwardPass(
  model: Model,
  inputs: Float32Array,
  out: Float32Array,
  mem: PassMemory,
): void {
  const [first, second, third] = model;
  for (let s = 0; s < BATCH; s++) {
    const z1 = mem.alloc(Float32Array, first.outputs);
    dense(z1, 0, inputs, s * first.inputs, first);
    const a1 = mem.alloc(Float32Array, first.outputs);
    relu(a1, z1);
    mem.free(z1);
    const z2 = mem.alloc(Float32Array, second.outputs);
    dense(z2, 0, a1, 0, second);
    mem.free(a1);
    const a2 = mem.alloc(Float32Array, second.outputs);
    relu(a2, z2);
    mem.free(z2);
    const logits = mem.alloc(Float32Array, third.outputs);
    dense(logits, 0, a2, 0, third);
    mem.free(a2);
    softmax(out, s * third.outputs, logits);
    mem.free(logits);
  }
}

/** Variant 3, this package: the pass recorded once as a plan, then replayed. */
export function createPlanned(
  model: Model,
  inputs: Float32Array,
  out: Float32Array,
): { plan: MemoryPlan; pass: PlannedPass; run: () => void } {
  const plan = MemoryPlan.record((mem) => forwardPass(model, inputs, out, mem));
  const pass = plan.instantiate();
  const step = (mem: PassMemory) => forwardPass(model, inputs, out, mem);
  return { plan, pass, run: () => pass.run(step) };
}

/** The three variants side by side: the same inputs and weights, each with its own output. */
export interface Demo {
  /** The weights of the plain and planned variants, in plain typed arrays. */
  readonly plainModel: Model;
  /** The same numbers, in aligned native memory: the arena variant's weights. */
  readonly alignedModel: Model;
  readonly plainOut: Float32Array;
  readonly arenaOut: Float32Array;
  readonly plannedOut: Float32Array;
  readonly scratch: Scratch;
  /** The planned variant's plan. */
  readonly plan: MemoryPlan;
  /** One pass of each variant. */
  readonly plain: () => void;
  readonly arena: () => void;
  readonly planned: () => void;
  /** Whether the last passes' outputs are identical, bit for bit. */
  sameOutputs(): boolean;
  /** Frees the arena, the pool, the planned pass and the aligned weights. */
  dispose(): void;
}

export function createDemo(): Demo {
  const inputs = createInputs();
  const plainModel = createModel((length) => new Float32Array(length));
  const alignedModel = createAlignedModel();
  const scratch = createScratch();
  const [plainOut, arenaOut, plannedOut] = [0, 1, 2].map(
    () => new Float32Array(BATCH * SIZES[3]),
  ) as [Float32Array, Float32Array, Float32Array];
  const planned = createPlanned(plainModel, inputs, plannedOut);
  const bytes = (view: Float32Array) => Buffer.from(view.buffer, view.byteOffset, view.byteLength);
  return {
    plainModel,
    alignedModel,
    plainOut,
    arenaOut,
    plannedOut,
    scratch,
    plan: planned.plan,
    plain: () => forwardPlain(plainModel, inputs, plainOut),
    arena: () => forwardArena(alignedModel, inputs, arenaOut, scratch),
    planned: planned.run,
    sameOutputs: () =>
      bytes(plainOut).equals(bytes(arenaOut)) && bytes(plainOut).equals(bytes(plannedOut)),
    dispose() {
      scratch.arena.dispose();
      scratch.logits.dispose();
      planned.pass.dispose();
      freeModel(alignedModel);
    },
  };
}

/** What one variant cost over a run of passes. */
export interface Measurement {
  msPerPass: number;
  gcs: number;
  majorGcs: number;
  gcPauseMs: number;
  peakRssMb: number;
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Runs `pass` `passes` times from a collected heap, in chunks that yield to the event loop (as a
 * server would; it also lets finalizers and GC reports arrive), and measures it.
 */
export async function measure(
  pass: () => void,
  passes: number,
  onProgress: (done: number) => void = () => {},
): Promise<Measurement> {
  globalThis.gc?.();
  await tick();
  let gcs = 0;
  let majorGcs = 0;
  let gcPauseMs = 0;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      gcs++;
      gcPauseMs += entry.duration;
      const { detail } = entry as { detail?: { kind?: number } };
      if (detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) majorGcs++;
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  let peakRss = process.memoryUsage.rss();
  const start = performance.now();
  for (let done = 0; done < passes; ) {
    const end = Math.min(passes, done + 50);
    for (; done < end; done++) pass();
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
    onProgress(done);
    await tick();
  }
  const msPerPass = (performance.now() - start) / passes;
  await tick(); // the last GC reports
  observer.disconnect();
  return { msPerPass, gcs, majorGcs, gcPauseMs, peakRssMb: peakRss / 2 ** 20 };
}

/** A median with the range it comes from. */
export interface Spread {
  median: number;
  min: number;
  max: number;
}

/** The median of `values` (the mean of the middle two when their number is even), least, most. */
export function spread(values: readonly number[]): Spread {
  if (values.length === 0) throw new RangeError('no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median =
    sorted.length % 2
      ? (sorted[mid] as number)
      : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  return { median, min: sorted[0] as number, max: sorted[sorted.length - 1] as number };
}

/** `value (min-max)`, each with `digits` decimals: one round is one machine's moment, not a figure. */
export function formatSpread({ median, min, max }: Spread, digits: number, unit = ''): string {
  const f = (x: number) => x.toFixed(digits);
  return `${f(median)}${unit} (${f(min)}-${f(max)})`;
}

/** A progress bar on a terminal, a line per variant and round elsewhere. */
function progress(label: string, passes: number): (done: number) => void {
  if (!process.stderr.isTTY) {
    process.stderr.write(`running ${label}...\n`);
    return () => {};
  }
  return (done) => {
    const width = 30;
    const filled = Math.round((width * done) / passes);
    const bar = `${'#'.repeat(filled)}${'.'.repeat(width - filled)}`;
    process.stderr.write(`\r${label.padEnd(36)} [${bar}] ${Math.round((100 * done) / passes)}%`);
    if (done === passes) process.stderr.write('\n');
  };
}

const VARIANTS = [
  ['plain', 'plain typed arrays'],
  ['arena', 'arena + scopes + pool'],
  ['planned', 'replayed from a plan'],
] as const;
type Variant = (typeof VARIANTS)[number][0];

/** One line of the table: the medians over the rounds, with their ranges. */
function row(name: string, runs: readonly Measurement[]): string {
  const of = (key: keyof Measurement) => spread(runs.map((m) => m[key]));
  return [
    name.padEnd(22),
    formatSpread(of('msPerPass'), 3, ' ms').padStart(26),
    formatSpread(of('gcs'), 0).padStart(16),
    String(of('majorGcs').max).padStart(6),
    formatSpread(of('gcPauseMs'), 1, ' ms').padStart(24),
    `${of('peakRssMb').max.toFixed(0)} MB`.padStart(9),
  ].join('  ');
}

async function main(): Promise<void> {
  const passes = Number(process.env.PASSES ?? 2000);
  const rounds = Number(process.env.ROUNDS ?? 5);
  const demo = createDemo();
  const { plainOut, plan, scratch } = demo;
  console.log(
    `3-layer MLP ${SIZES.join('-')}, ${BATCH} samples per pass, ${passes} passes per variant and round, ${rounds} rounds`,
  );
  // Warm up all three before measuring any, so the shared kernels are compiled for each.
  for (let i = 0; i < 200; i++) {
    demo.plain();
    demo.arena();
    demo.planned();
  }
  // The variants take turns, round after round, so that a moment of load on the machine hits
  // all three; within a round this package's variants go first, so that they do not start with
  // a heap the plain variant has just grown.
  const runs: Record<Variant, Measurement[]> = { plain: [], arena: [], planned: [] };
  for (let round = 1; round <= rounds; round++) {
    for (const variant of ['arena', 'planned', 'plain'] as const) {
      const label = `round ${round}/${rounds}: ${VARIANTS.find(([v]) => v === variant)?.[1]}`;
      runs[variant].push(await measure(demo[variant], passes, progress(label, passes)));
    }
  }
  const same = demo.sameOutputs();
  const arenaPeak = scratch.peak;
  demo.dispose();

  console.log();
  console.log(
    `${'variant'.padEnd(22)}  ${'time/pass (range)'.padStart(26)}  ${'GCs (range)'.padStart(16)}  ${'major'.padStart(6)}  ${'GC pause (range)'.padStart(24)}  ${'peak RSS'.padStart(9)}`,
  );
  for (const [variant, name] of VARIANTS) console.log(row(name, runs[variant]));
  // Each round's speed-up compares measurements taken seconds apart, under the same load.
  const speedup = (variant: Variant) =>
    spread(
      runs.plain.map(
        (plain, round) => plain.msPerPass / (runs[variant][round] as Measurement).msPerPass,
      ),
    );
  console.log();
  console.log(
    `each figure: the median over ${rounds} rounds of ${passes} passes (in brackets the least and the most); major GCs and peak RSS: the most in any round`,
  );
  console.log(
    `speed-up over plain: ${formatSpread(speedup('arena'), 2, 'x')} (arena), ${formatSpread(speedup('planned'), 2, 'x')} (plan)`,
  );
  console.log(
    `memory per pass: the plan's block is ${plan.bytes} bytes (its lower bound ${plan.lowerBound}); ` +
      `the same pass in a bump arena would need ${plan.naiveBytes}; the arena variant peaks at ${arenaPeak}`,
  );
  console.log(
    same
      ? `outputs: identical (${plainOut.length} probabilities, bit for bit, in all three)`
      : 'outputs: DIFFERENT',
  );
  if (!same) process.exitCode = 1;
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
