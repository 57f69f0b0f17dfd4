/**
 * The tiny-MLP case of `npm run bench`: one variant of the demo's forward pass per process, so that
 * each starts from the same fresh heap and its GC count and RSS growth are its own.
 *
 *   node --expose-gc --import tsx benchmark/mlp.ts <variant (MLP_VARIANTS)> <passes>
 *
 * prints one JSON line (`MlpResult`). `bench.ts` runs it several times per variant, interleaved.
 * @module
 */

import type { PassMemory } from '../dist/index';
import {
  BATCH,
  createAlignedModel,
  createInputs,
  createModel,
  createPlanned,
  createScratch,
  dense,
  forwardArena,
  forwardPass,
  forwardPlain,
  type Model,
  measure,
  relu,
  SIZES,
  softmax,
} from '../examples/mlp';
import { checksum } from './checksum';

/**
 * Two diagnostics: `rotating`, preallocated buffers too, but four sets used in turn, so that no
 * buffer is a constant the JIT can fold into the kernels (as it does for `preallocated`); and
 * `passthrough`, the planned variant's pass over a `PassMemory` that hands out preallocated
 * buffers and checks nothing: the floor of any pass whose tensors come through calls.
 */
export const MLP_VARIANTS = [
  'plain',
  'arena',
  'planned',
  'preallocated',
  'rotating',
  'passthrough',
] as const;
export type MlpVariant = (typeof MLP_VARIANTS)[number];

/** What one process measured. */
export interface MlpResult {
  variant: MlpVariant;
  passes: number;
  msPerPass: number;
  /** GCs in the measured (steady-state) passes, after the warm-up. */
  gcs: number;
  majorGcs: number;
  gcPauseMs: number;
  /** Peak RSS over warm-up and measured passes, minus the RSS before the first pass. */
  rssGrowthMb: number;
  peakRssMb: number;
  /** Outputs of the last pass: `bench.ts` checks that the variants agree. */
  checksum: string;
}

/**
 * The lower bound: every buffer allocated once, by hand, and reused (same kernels). With `sets` > 1
 * the samples take `sets` sets of buffers in turn.
 */
function preallocated(model: Model, sets = 1): (inputs: Float32Array, out: Float32Array) => void {
  const [first, second, third] = model;
  const buffers = Array.from({ length: sets }, () => ({
    z1: new Float32Array(first.outputs),
    a1: new Float32Array(first.outputs),
    z2: new Float32Array(second.outputs),
    a2: new Float32Array(second.outputs),
    logits: new Float32Array(third.outputs),
  }));
  if (sets === 1) {
    const { z1, a1, z2, a2, logits } = buffers[0] as (typeof buffers)[0];
    return (inputs, out) => {
      for (let s = 0; s < BATCH; s++) {
        dense(z1, 0, inputs, s * first.inputs, first);
        relu(a1, z1);
        dense(z2, 0, a1, 0, second);
        relu(a2, z2);
        dense(logits, 0, a2, 0, third);
        softmax(out, s * third.outputs, logits);
      }
    };
  }
  return (inputs, out) => {
    for (let s = 0; s < BATCH; s++) {
      const { z1, a1, z2, a2, logits } = buffers[s % sets] as (typeof buffers)[0];
      dense(z1, 0, inputs, s * first.inputs, first);
      relu(a1, z1);
      dense(z2, 0, a1, 0, second);
      relu(a2, z2);
      dense(logits, 0, a2, 0, third);
      softmax(out, s * third.outputs, logits);
    }
  };
}

/** A `PassMemory` over two 32-float buffers used in turn and one for the logits; no checks. */
function passthrough(): PassMemory {
  const hidden = [new Float32Array(SIZES[1]), new Float32Array(SIZES[1])];
  const logits = new Float32Array(SIZES[3]);
  let turn = 0;
  const alloc = (_type: unknown, length: number) =>
    length === SIZES[3] ? logits : (hidden[turn++ & 1] as Float32Array);
  return {
    alloc: alloc as PassMemory['alloc'],
    allocate: () => new Uint8Array(0),
    free: () => {},
  };
}

function pass(variant: MlpVariant, inputs: Float32Array, out: Float32Array): () => void {
  switch (variant) {
    case 'plain': {
      const model = createModel((length) => new Float32Array(length));
      return () => forwardPlain(model, inputs, out);
    }
    case 'arena': {
      const model = createAlignedModel();
      const scratch = createScratch();
      return () => forwardArena(model, inputs, out, scratch);
    }
    case 'planned': {
      const model = createModel((length) => new Float32Array(length));
      return createPlanned(model, inputs, out).run;
    }
    case 'passthrough': {
      const model = createModel((length) => new Float32Array(length));
      const mem = passthrough();
      return () => forwardPass(model, inputs, out, mem);
    }
    case 'preallocated':
    case 'rotating': {
      const model = createModel((length) => new Float32Array(length));
      const forward = preallocated(model, variant === 'rotating' ? 4 : 1);
      return () => forward(inputs, out);
    }
  }
}

async function main(): Promise<void> {
  const variant = process.argv[2] as MlpVariant;
  const passes = Number(process.argv[3] ?? 2000);
  if (!MLP_VARIANTS.includes(variant) || !(passes > 0)) {
    throw new Error(`usage: benchmark/mlp.ts <${MLP_VARIANTS.join('|')}> <passes>`);
  }
  const out = new Float32Array(BATCH * SIZES[3]);
  const run = pass(variant, createInputs(), out);
  globalThis.gc?.();
  const rssStart = process.memoryUsage.rss();
  const warmup = await measure(run, Math.ceil(passes / 10));
  const steady = await measure(run, passes);
  const mb = 2 ** 20;
  const peakRssMb = Math.max(warmup.peakRssMb, steady.peakRssMb);
  const result: MlpResult = {
    variant,
    passes,
    msPerPass: steady.msPerPass,
    gcs: steady.gcs,
    majorGcs: steady.majorGcs,
    gcPauseMs: steady.gcPauseMs,
    rssGrowthMb: peakRssMb - rssStart / mb,
    peakRssMb,
    checksum: checksum(out),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
