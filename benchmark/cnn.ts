/**
 * What a scope costs the garbage collector: the CNN of `cnn-model.ts` over a growable arena, one
 * variant per process (so that each starts from the same fresh heap and its GC count is its own):
 * - `scoped`: each layer's output claimed on the arena, its temporaries (im2col columns, pooling
 *   indices, logits) inside a scope of the layer, closed when the layer ends;
 * - `unscoped`: the same claims on the same arena, no scopes.
 * Both `arena.reset()` after each pass and compute the same outputs, bit for bit.
 *
 *   node --expose-gc --import tsx benchmark/cnn.ts <scoped|unscoped> <passes>
 *   BENCH_PACKAGE=<checkout> node --expose-gc --import tsx benchmark/cnn.ts ...
 *
 * prints one JSON line (`CnnResult`). BENCH_PACKAGE measures another build of the package (a
 * checkout with its addon and dist/ built) for a before/after comparison; this process then loads
 * both builds, this one only for the demo's `measure`, which allocates nothing per pass.
 * Temporaries are claimed with `arena.alloc` inside the scope, not `scope.alloc`, so that builds
 * whose scopes have no `alloc` run the same code. `bench.ts` runs it several times per variant,
 * interleaved.
 * @module
 */

import { resolve } from 'node:path';

import { measure } from '../examples/mlp';
import { checksum } from './checksum';
import {
  BATCH,
  CHANNELS,
  CLASSES,
  conv,
  createModel,
  dense,
  KERNEL,
  type Model,
  maxPool,
  SIDE,
} from './cnn-model';
import { heapAllocated } from './heap-allocated';

export const CNN_VARIANTS = ['unscoped', 'scoped'] as const;
export type CnnVariant = (typeof CNN_VARIANTS)[number];

/** What one process measured. */
export interface CnnResult {
  variant: CnnVariant;
  passes: number;
  msPerPass: number;
  /** GCs in the measured (steady-state) passes, after the warm-up. */
  gcs: number;
  majorGcs: number;
  /** JavaScript heap allocated per measured pass, bytes (the cause of the GCs: `heap-allocated.ts`). */
  heapBytesPerPass: number;
  /** The last pass's logits: `bench.ts` checks that the variants agree. */
  checksum: string;
}

type Package = typeof import('../dist/index');
type Arena = InstanceType<Package['Arena']>;

/** This build, or the one in BENCH_PACKAGE's checkout. */
function load(): Package {
  const dir = process.env.BENCH_PACKAGE;
  return (
    dir === undefined ? require('../dist/index') : require(resolve(dir, 'dist', 'index.js'))
  ) as Package;
}

/** A scope of `arena` when `scoped`: the layer's temporaries end with it. */
const open = (arena: Arena, scoped: boolean) => (scoped ? arena.scope() : undefined);

/** One pass over the batch: the logits in `out`, every tensor from `arena`, reset at the end. */
function forward(model: Model, arena: Arena, scoped: boolean, out: Float32Array): void {
  const [c0, c1, c2] = CHANNELS;
  const taps = KERNEL * KERNEL;
  const half = SIDE / 2;
  const quarter = SIDE / 4;

  const a1 = arena.alloc(Float32Array, BATCH * c1 * SIDE * SIDE);
  let scope = open(arena, scoped);
  conv(
    a1,
    model.input,
    c0,
    SIDE,
    model.conv1,
    c1,
    arena.alloc(Float32Array, c0 * taps * SIDE * SIDE),
  );
  scope?.close();

  const p1 = arena.alloc(Float32Array, BATCH * c1 * half * half);
  scope = open(arena, scoped);
  maxPool(p1, arena.alloc(Int32Array, p1.length), a1, c1, SIDE);
  scope?.close();

  const a2 = arena.alloc(Float32Array, BATCH * c2 * half * half);
  scope = open(arena, scoped);
  conv(a2, p1, c1, half, model.conv2, c2, arena.alloc(Float32Array, c1 * taps * half * half));
  scope?.close();

  const p2 = arena.alloc(Float32Array, BATCH * c2 * quarter * quarter);
  scope = open(arena, scoped);
  maxPool(p2, arena.alloc(Int32Array, p2.length), a2, c2, half);
  scope?.close();

  scope = open(arena, scoped);
  const logits = arena.alloc(Float32Array, BATCH * CLASSES);
  dense(logits, p2, model.dense, c2 * quarter * quarter);
  out.set(logits);
  scope?.close();

  arena.reset();
}

async function main(): Promise<void> {
  const variant = process.argv[2] as CnnVariant;
  const passes = Number(process.argv[3] ?? 2000);
  if (!CNN_VARIANTS.includes(variant) || !(passes > 0)) {
    throw new Error(`usage: benchmark/cnn.ts <${CNN_VARIANTS.join('|')}> <passes>`);
  }
  const { Arena } = load();
  // 64 KiB to start with: the first passes grow it, as they would an application's.
  const arena = new Arena(1 << 16, { growable: true });
  const model = createModel();
  const out = new Float32Array(BATCH * CLASSES);
  const scoped = variant === 'scoped';
  const run = () => forward(model, arena, scoped, out);
  await measure(run, Math.ceil(passes / 10));
  const { result: steady, bytes } = await heapAllocated(() => measure(run, passes));
  arena.dispose();
  const result: CnnResult = {
    variant,
    passes,
    msPerPass: steady.msPerPass,
    gcs: steady.gcs,
    majorGcs: steady.majorGcs,
    heapBytesPerPass: bytes / passes,
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
