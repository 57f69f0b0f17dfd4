/**
 * The JavaScript heap a piece of work allocates, whatever the GCs do meanwhile.
 *
 * A GC count depends on the young generation's size as well as on what is allocated: V8 grows it
 * with the process's history (measured: 1 MiB in a plain script, about 4 MiB once tsx has loaded
 * the benchmark), so the same bytes per pass make 21 scavenges in one process and 5 in the other.
 * The bytes are the cause, comparable across processes and builds.
 * @module
 */

import { GCProfiler, getHeapStatistics } from 'node:v8';

/**
 * Runs `work` and returns its result with the bytes allocated on the JavaScript heap meanwhile:
 * the growth of the used heap between GCs, summed (what each GC found in use, minus what the
 * previous one left).
 */
export async function heapAllocated<T>(
  work: () => Promise<T>,
): Promise<{ result: T; bytes: number }> {
  const profiler = new GCProfiler();
  const start = getHeapStatistics().used_heap_size;
  profiler.start();
  const result = await work();
  const end = getHeapStatistics().used_heap_size;
  const { statistics } = profiler.stop();
  let bytes = 0;
  let after = start;
  for (const gc of statistics) {
    bytes += Math.max(0, gc.beforeGC.heapStatistics.usedHeapSize - after);
    after = gc.afterGC.heapStatistics.usedHeapSize;
  }
  return { result, bytes: bytes + Math.max(0, end - after) };
}
