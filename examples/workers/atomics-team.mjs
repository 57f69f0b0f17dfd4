// Long-lived worker_threads that split C = A·B by rows, dispatched through shared memory: the
// main thread writes the job into a control block, bumps a generation the workers spin or sleep
// on, and waits for their count of done. No message per job, so a small GEMM costs its
// arithmetic plus a wake-up instead of two postMessage hops per worker. `mode: 'message'` runs
// the same workers with a message per job, as the baseline.
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';

import { alignedDelete, alignedNew, releaseLease } from '@lightwatch/memory';

import { CONTROL_LENGTH, DONE, FAILED, GO, jobOf, STOP, storeJob } from './control.mjs';
import { checkShapes } from './piscina-gemm.mjs';

const WORKER = new URL('./team-worker.mjs', import.meta.url);

export class GemmTeam {
  #workers;
  #control;
  #buffers;
  #mode;
  #waitSpin;
  #timeout;
  /** The lease of the job in flight (atomics mode), released when it is done. */
  #lease = null;
  #busy = false;
  #closed = false;

  /**
   * Starts `threads` workers bound to `buffers` (the SharedArrayBuffers every job's views will
   * be over: they are posted once, here). `spin`: how many polls an idle worker makes before it
   * sleeps; `waitSpin`: the same for the main thread in `wait()` (small: while it spins it takes
   * a core from the workers it waits for); `timeout`: ms `wait()` waits before it gives up.
   */
  static async start({
    threads,
    buffers,
    mode = 'atomics',
    spin = 20000,
    waitSpin = 100,
    timeout = 10000,
  }) {
    if (mode !== 'atomics' && mode !== 'message') {
      throw new TypeError(`mode must be 'atomics' or 'message'; received ${String(mode)}`);
    }
    for (const buffer of buffers) {
      if (!(buffer instanceof SharedArrayBuffer)) {
        throw new TypeError('every bound buffer must be a SharedArrayBuffer');
      }
    }
    const control = alignedNew(Int32Array, CONTROL_LENGTH, 64, { shared: true });
    const workers = [];
    for (let index = 0; index < threads; index++) {
      // Workers refuse V8 flags such as --expose-gc, which the benchmark runs with.
      const worker = new Worker(WORKER, {
        workerData: { control, buffers, index, threads, mode, spin },
        execArgv: [],
      });
      workers.push(worker);
    }
    try {
      await Promise.all(workers.map((worker) => once(worker, 'message')));
    } catch (error) {
      await Promise.all(workers.map((worker) => worker.terminate()));
      alignedDelete(control);
      throw error;
    }
    return new GemmTeam(workers, control, buffers, mode, waitSpin, timeout);
  }

  constructor(workers, control, buffers, mode, waitSpin, timeout) {
    this.#workers = workers;
    this.#control = control;
    this.#buffers = buffers;
    this.#mode = mode;
    this.#waitSpin = waitSpin;
    this.#timeout = timeout;
  }

  get threads() {
    return this.#workers.length;
  }

  /**
   * Atomics mode: starts C = A·B on the workers and returns at once, with a lease on `owner`
   * (an arena, a planned pass, a pool, or null) taken first, so that its memory cannot be reset
   * or replayed under the workers; `wait()` ends the job and releases it.
   */
  dispatch(views, owner = null) {
    this.#check('atomics');
    if (this.#busy) throw new Error('a job is in flight: wait() for it first');
    checkShapes(views.a, views.b, views.c, views.m, views.k, views.n);
    const job = jobOf(this.#buffers, views);
    const control = this.#control;
    this.#lease = owner === null ? null : owner.lease();
    this.#busy = true;
    Atomics.store(control, DONE, 0);
    Atomics.store(control, FAILED, 0);
    storeJob(control, job);
    // The store of GO publishes the job: a worker that sees the new generation sees the job.
    Atomics.add(control, GO, 1);
    Atomics.notify(control, GO);
  }

  /** Blocks until every worker has done the job in flight; releases its lease. */
  wait() {
    this.#check('atomics');
    if (!this.#busy) throw new Error('no job is in flight');
    const control = this.#control;
    const threads = this.#workers.length;
    const deadline = performance.now() + this.#timeout;
    let spins = 0;
    let done = Atomics.load(control, DONE);
    try {
      while (done < threads) {
        if (++spins > this.#waitSpin) {
          const left = deadline - performance.now();
          if (left <= 0) {
            throw new Error(`the workers did not finish within ${this.#timeout} ms`);
          }
          Atomics.wait(control, DONE, done, left);
          spins = 0;
        }
        done = Atomics.load(control, DONE);
      }
      const failed = Atomics.load(control, FAILED);
      if (failed !== 0) throw new Error(`${failed} worker(s) failed the job (see stderr)`);
    } finally {
      // A job that timed out may still be running: only a finished one gives the memory back.
      if (done >= threads) {
        this.#busy = false;
        if (this.#lease !== null) releaseLease(this.#lease);
        this.#lease = null;
      }
    }
  }

  /** Atomics mode: C = A·B, synchronously (dispatch, then wait). */
  gemm(views, owner = null) {
    this.dispatch(views, owner);
    this.wait();
  }

  /** Message mode: C = A·B with one message to each worker and one back, under a lease. */
  async gemmByMessage(views, owner = null) {
    this.#check('message');
    checkShapes(views.a, views.b, views.c, views.m, views.k, views.n);
    const job = jobOf(this.#buffers, views);
    const lease = owner === null ? null : owner.lease();
    try {
      await Promise.all(
        this.#workers.map((worker) => {
          const answer = once(worker, 'message');
          worker.postMessage(job);
          return answer;
        }),
      );
    } finally {
      if (lease !== null) releaseLease(lease);
    }
  }

  /** Stops the workers and frees the control block; a second call does nothing. */
  async close() {
    if (this.#closed) return;
    if (this.#busy) throw new Error('a job is in flight: wait() for it first');
    this.#closed = true;
    if (this.#mode === 'atomics') {
      const exits = this.#workers.map((worker) => once(worker, 'exit'));
      Atomics.store(this.#control, STOP, 1);
      Atomics.add(this.#control, GO, 1);
      Atomics.notify(this.#control, GO);
      await Promise.all(exits);
    } else {
      await Promise.all(this.#workers.map((worker) => worker.terminate()));
    }
    alignedDelete(this.#control);
  }

  #check(mode) {
    if (this.#closed) throw new Error('the team is closed');
    if (this.#mode !== mode) throw new Error(`this team runs in ${this.#mode} mode`);
  }
}
