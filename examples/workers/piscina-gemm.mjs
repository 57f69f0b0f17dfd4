// C = A·B split by rows over a piscina pool: one task per range of rows, each under a lease on
// the memory's owner (an arena, a planned pass, a pool) taken before the task is posted and
// released by the worker when its rows are written.
import { releaseLease } from '@lightwatch/memory';
import { Piscina } from 'piscina';

import { splitRows } from './gemm.mjs';

/** A pool of `threads` workers running gemm-task.mjs, started now and kept. */
export function createGemmPool(threads) {
  return new Piscina({
    filename: new URL('./gemm-task.mjs', import.meta.url).href,
    minThreads: threads,
    maxThreads: threads,
    idleTimeout: Number.POSITIVE_INFINITY,
    // Workers refuse V8 flags such as --expose-gc, which the benchmark runs with.
    execArgv: [],
  });
}

/**
 * Computes C = A·B (`a` m×k, `b` k×n, `c` m×n, views over shared memory) on `pool`, in
 * `parts` ranges of rows (one per thread by default). Each task holds a lease on `owner`, so
 * that its memory cannot be reset, freed or replayed while a worker writes it: the leases are
 * all taken before this returns its promise. Resolves to the workers' answers (`true`: the worker
 * released its lease) once every task has settled; rejects with the first error, after all of
 * them have settled, so no task still runs when it does.
 */
export async function gemmOnPool(pool, owner, { a, b, c, m, k, n }, parts = pool.maxThreads) {
  checkShapes(a, b, c, m, k, n);
  const tasks = splitRows(m, parts).map(([row0, row1]) => {
    const lease = owner.lease();
    // A task that fails before its worker released the lease would keep the owner busy for
    // good: release it here too (a lease released already is left alone).
    return pool.run({ a, b, c, k, n, row0, row1, lease }).finally(() => releaseLease(lease));
  });
  const settled = await Promise.allSettled(tasks);
  const failed = settled.find((result) => result.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((result) => result.value);
}

/** Refuses views that are not float32 over shared memory, or of the wrong sizes. */
export function checkShapes(a, b, c, m, k, n) {
  for (const [name, view, length] of [
    ['a', a, m * k],
    ['b', b, k * n],
    ['c', c, m * n],
  ]) {
    if (!(view instanceof Float32Array) || !(view.buffer instanceof SharedArrayBuffer)) {
      throw new TypeError(`${name} must be a Float32Array over a SharedArrayBuffer`);
    }
    if (view.length !== length) {
      throw new RangeError(`${name} has ${view.length} elements; the shapes need ${length}`);
    }
  }
}
