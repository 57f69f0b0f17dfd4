/**
 * `npm start`: one small inference loop, run twice.
 *
 * A 3-layer MLP (16 -> 32 -> 32 -> 10, ReLU, softmax; weights from a fixed-seed generator)
 * classifies a batch of 256 inputs, one sample at a time, as a request handler or a game agent
 * would. First the way most JavaScript is written, with a fresh typed array for every activation;
 * then with this package:
 * - the weights in 64-byte aligned native buffers (`alignedNew`), allocated once;
 * - each pass's activations in an `Arena`, freed all at once by `reset()` after the pass;
 * - each sample's logits, a temporary that dies within the sample, in a `Pool` slot.
 *
 * Both variants run the same kernels on the same numbers, so their outputs must be identical,
 * bit for bit: the demo checks it, and so does `__test__/demo.spec.ts`.
 * @module
 */

import { constants, PerformanceObserver } from 'node:perf_hooks';

// In your own project: import { Arena, alignedNew, Pool } from '@lightwatch/memory';
import { Arena, alignedDelete, alignedNew, Pool } from '../ts/index';

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

/** `out = weights . x[at ..] + biases` for one sample. */
export function dense(out: Float32Array, x: Float32Array, at: number, layer: Layer): void {
  const { inputs, weights, biases } = layer;
  for (let j = 0; j < out.length; j++) {
    let sum = biases[j] as number;
    const row = j * inputs;
    for (let i = 0; i < inputs; i++) sum += (x[at + i] as number) * (weights[row + i] as number);
    out[j] = sum;
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
    dense(z1, inputs, s * first.inputs, first);
    const a1 = new Float32Array(first.outputs);
    relu(a1, z1);
    const z2 = new Float32Array(second.outputs);
    dense(z2, a1, 0, second);
    const a2 = new Float32Array(second.outputs);
    relu(a2, z2);
    const logits = new Float32Array(third.outputs);
    dense(logits, a2, 0, third);
    softmax(out, s * third.outputs, logits);
  }
}

/** Where the arena variant's short-lived tensors come from. */
export interface Scratch {
  /** The tensors of one pass; 1 MiB is plenty (a pass needs 128 KiB). */
  readonly arena: Arena;
  /** One sample's logits. */
  readonly logits: Pool<Float32Array>;
}

export function createScratch(): Scratch {
  return { arena: new Arena(1 << 20), logits: new Pool(Float32Array, SIZES[3]) };
}

/** Variant 2, this package: the same pass, its memory from the arena and the pool. */
export function forwardArena(
  model: Model,
  inputs: Float32Array,
  out: Float32Array,
  { arena, logits: pool }: Scratch,
): void {
  const [first, second, third] = model;
  for (let s = 0; s < BATCH; s++) {
    const z1 = arena.alloc(Float32Array, first.outputs);
    dense(z1, inputs, s * first.inputs, first);
    const a1 = arena.alloc(Float32Array, first.outputs);
    relu(a1, z1);
    const z2 = arena.alloc(Float32Array, second.outputs);
    dense(z2, a1, 0, second);
    const a2 = arena.alloc(Float32Array, second.outputs);
    relu(a2, z2);
    const logits = pool.allocate();
    dense(logits, a2, 0, third);
    softmax(out, s * third.outputs, logits);
    pool.deallocate(logits); // back at once: the whole pass needs one slot
  }
  arena.reset(); // frees every tensor of the pass; their views are detached
}

/** The two variants side by side: the same inputs and weights, each with its own output. */
export interface Demo {
  /** The weights of the plain variant, in plain typed arrays. */
  readonly plainModel: Model;
  /** The same numbers, in aligned native memory: the arena variant's weights. */
  readonly alignedModel: Model;
  readonly plainOut: Float32Array;
  readonly arenaOut: Float32Array;
  readonly scratch: Scratch;
  /** One pass of each variant. */
  readonly plain: () => void;
  readonly arena: () => void;
  /** Whether the last passes' outputs are identical, bit for bit. */
  sameOutputs(): boolean;
  /** Frees the arena, the pool and the aligned weights. */
  dispose(): void;
}

export function createDemo(): Demo {
  const inputs = createInputs();
  const plainModel = createModel((length) => new Float32Array(length));
  const alignedModel = createAlignedModel();
  const scratch = createScratch();
  const plainOut = new Float32Array(BATCH * SIZES[3]);
  const arenaOut = new Float32Array(BATCH * SIZES[3]);
  return {
    plainModel,
    alignedModel,
    plainOut,
    arenaOut,
    scratch,
    plain: () => forwardPlain(plainModel, inputs, plainOut),
    arena: () => forwardArena(alignedModel, inputs, arenaOut, scratch),
    sameOutputs: () => Buffer.from(plainOut.buffer).equals(Buffer.from(arenaOut.buffer)),
    dispose() {
      scratch.arena.dispose();
      scratch.logits.dispose();
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

/** A progress bar on a terminal, a line per variant elsewhere. */
function progress(label: string, passes: number): (done: number) => void {
  if (!process.stderr.isTTY) {
    process.stderr.write(`running ${label}...\n`);
    return () => {};
  }
  return (done) => {
    const width = 30;
    const filled = Math.round((width * done) / passes);
    const bar = `${'#'.repeat(filled)}${'.'.repeat(width - filled)}`;
    process.stderr.write(`\r${label.padEnd(24)} [${bar}] ${Math.round((100 * done) / passes)}%`);
    if (done === passes) process.stderr.write('\n');
  };
}

async function main(): Promise<void> {
  const passes = Number(process.env.PASSES ?? 2000);
  const demo = createDemo();
  const { plain, arena, plainOut } = demo;
  console.log(
    `3-layer MLP ${SIZES.join('-')}, ${BATCH} samples per pass, ${passes} passes per variant`,
  );
  // Warm up both before measuring either, so the shared kernels are compiled for both.
  for (let i = 0; i < 200; i++) {
    plain();
    arena();
  }
  // The arena variant first: whichever runs second starts with a heap already grown.
  const withArena = await measure(arena, passes, progress('arena + pool + aligned', passes));
  const withPlain = await measure(plain, passes, progress('plain typed arrays', passes));
  const same = demo.sameOutputs();
  demo.dispose();

  const row = (name: string, m: Measurement) =>
    [
      name.padEnd(24),
      `${m.msPerPass.toFixed(3)} ms`.padStart(10),
      `${m.gcs} (${m.majorGcs})`.padStart(12),
      `${m.gcPauseMs.toFixed(1)} ms`.padStart(10),
      `${m.peakRssMb.toFixed(0)} MB`.padStart(9),
    ].join('  ');
  console.log();
  console.log(
    `${'variant'.padEnd(24)}  ${'time/pass'.padStart(10)}  ${'GCs (major)'.padStart(12)}  ${'GC pause'.padStart(10)}  ${'peak RSS'.padStart(9)}`,
  );
  console.log(row('plain typed arrays', withPlain));
  console.log(row('arena + pool + aligned', withArena));
  console.log();
  console.log(`speedup: ${(withPlain.msPerPass / withArena.msPerPass).toFixed(2)}x per pass`);
  console.log(
    same
      ? `outputs: identical (${plainOut.length} probabilities, bit for bit)`
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
