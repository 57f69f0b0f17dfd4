// A piscina task (the pool's `filename`): one range of rows of C = A·B over views that the main
// thread posted (shared memory: no copy), then the release of the lease the main thread took for
// this task. Returns whether this release was the one that released it.
import { releaseLease } from '@lightwatch/memory';

import { gemmRows } from './gemm.mjs';

export default function gemmTask({ a, b, c, k, n, row0, row1, lease }) {
  let released = false;
  try {
    gemmRows(a, b, c, k, n, row0, row1);
  } finally {
    // Released even if the kernel throws: the owner's reset must not wait for a dead task.
    released = releaseLease(lease);
  }
  return released;
}
