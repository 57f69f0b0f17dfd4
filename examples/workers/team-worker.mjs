// A long-lived worker of a GemmTeam (atomics-team.mjs): its share of the rows of every job, on
// the buffers bound when the team started. 'atomics': spins, then sleeps, on the control block's
// GO word and says it is done through DONE, its event loop blocked for good; 'message': the same
// work, each job a message in and a message out (the baseline it is measured against).
import { parentPort, workerData } from 'node:worker_threads';

import { DONE, FAILED, GO, loadJob, STOP, viewsOf } from './control.mjs';
import { gemmRows, splitRows } from './gemm.mjs';

const { control, buffers, index, threads, mode, spin } = workerData;

/** This worker's rows of `job`, if the split leaves it any. */
function work(job) {
  const range = splitRows(job.m, threads)[index];
  if (range === undefined) return;
  const { a, b, c } = viewsOf(buffers, job);
  gemmRows(a, b, c, job.k, job.n, range[0], range[1]);
}

if (mode === 'message') {
  parentPort.on('message', (job) => {
    work(job);
    parentPort.postMessage(index);
  });
  parentPort.postMessage('ready');
} else {
  // Read before 'ready': the first job may come as soon as the main thread hears it.
  let seen = Atomics.load(control, GO);
  parentPort.postMessage('ready');
  for (;;) {
    // Spinning answers a job that comes soon in well under a microsecond; sleeping in the
    // kernel (Atomics.wait) gives the core back when none comes.
    let spins = 0;
    while (Atomics.load(control, GO) === seen) {
      if (++spins > spin) {
        Atomics.wait(control, GO, seen);
        spins = 0;
      }
    }
    seen = Atomics.load(control, GO);
    if (Atomics.load(control, STOP) !== 0) break;
    try {
      work(loadJob(control));
    } catch (error) {
      Atomics.add(control, FAILED, 1);
      console.error(error);
    }
    Atomics.add(control, DONE, 1);
    Atomics.notify(control, DONE);
  }
}
