// Arenas and pools are single-threaded; a program may use one per worker thread. Four workers
// allocate concurrently and are terminated abruptly: no crash, and no memory left behind.
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import test from 'ava';

import { addressOf, memoryStats } from '../ts/index';
import { collect } from './helpers';

const WORKER = path.join(__dirname, 'fixtures', 'churn-worker.cjs');

function start(id: number, postView = false): Worker {
  // Workers refuse V8 flags such as --expose-gc: start them with none.
  return new Worker(WORKER, { workerData: { id, postView }, execArgv: [] });
}

function message(worker: Worker, kind: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    worker.on('message', (m: Record<string, unknown>) => {
      if (m.kind === kind) resolve(m);
    });
    worker.once('error', reject);
  });
}

test.serial(
  '4 workers with their own arenas and pools, terminated abruptly, leak nothing',
  async (t) => {
    await collect();
    const baseline = memoryStats();
    const workers = [0, 1, 2, 3].map((id) => start(id));
    await Promise.all(workers.map((worker) => message(worker, 'ready')));
    const during = memoryStats();
    t.is(during.arenas, baseline.arenas + 4);
    t.is(during.pools, baseline.pools + 4);
    t.true(during.liveBytes > baseline.liveBytes);
    const codes = await Promise.all(workers.map((worker) => worker.terminate()));
    t.deepEqual(codes, [1, 1, 1, 1]);
    await collect();
    t.deepEqual(memoryStats(), baseline);
    t.log(`during: ${JSON.stringify(during)}; after terminate: ${JSON.stringify(memoryStats())}`);
  },
);

test.serial('a view posted to another thread arrives as a copy', async (t) => {
  const worker = start(7, true);
  const received = await message(worker, 'view');
  const view = received.view as Float32Array;
  t.deepEqual([...view], [7, 1, 2, 3]);
  t.not(addressOf(view), received.address, 'a copy, not the same memory');
  await worker.terminate();
});
