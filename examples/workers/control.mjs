// The layout of the Atomics team's control block (an Int32Array in shared memory) and the job
// record both sides read: which bound buffer, at which byte offset, holds A, B and C, and the
// shapes. Shared by atomics-team.mjs and team-worker.mjs so the two cannot disagree.

/** Int32 slots per 64-byte line: the words threads write often each get a line of their own. */
const LINE = 16;
/** The generation the main thread bumps to start a job (workers wait on it). */
export const GO = 0;
/** How many workers finished the current job (the main thread waits on it). */
export const DONE = LINE;
/** Set before a last GO: the workers leave their loop. */
export const STOP = 2 * LINE;
/** How many workers failed the current job (their error goes to the console of their thread). */
export const FAILED = 2 * LINE + 1;
/** The job: shapes, then buffer index and byte offset of A, B and C. */
export const JOB = 2 * LINE + 2;
export const JOB_FIELDS = [
  'm',
  'k',
  'n',
  'aBuffer',
  'aOffset',
  'bBuffer',
  'bOffset',
  'cBuffer',
  'cOffset',
];
/** Int32 slots of the block. */
export const CONTROL_LENGTH = 3 * LINE;

/** The job record of views over bound buffers: what a message carries or the block holds. */
export function jobOf(buffers, { a, b, c, m, k, n }) {
  const job = { m, k, n };
  for (const [name, view] of [
    ['a', a],
    ['b', b],
    ['c', c],
  ]) {
    const index = buffers.indexOf(view.buffer);
    if (index < 0) {
      throw new RangeError(
        `${name} is not over a buffer bound to the team: bind every buffer when it starts`,
      );
    }
    // The block holds Int32s: a buffer of 2 GiB or more would need two words per offset.
    if (view.byteOffset > 0x7fffffff) throw new RangeError(`${name} starts past 2 GiB`);
    job[`${name}Buffer`] = index;
    job[`${name}Offset`] = view.byteOffset;
  }
  return job;
}

/** The views a job names, cut from the bound buffers. */
export function viewsOf(buffers, job) {
  return {
    a: new Float32Array(buffers[job.aBuffer], job.aOffset, job.m * job.k),
    b: new Float32Array(buffers[job.bBuffer], job.bOffset, job.k * job.n),
    c: new Float32Array(buffers[job.cBuffer], job.cOffset, job.m * job.n),
  };
}

/** Writes `job` into the block (before GO, whose store publishes it). */
export function storeJob(control, job) {
  for (let field = 0; field < JOB_FIELDS.length; field++) {
    Atomics.store(control, JOB + field, job[JOB_FIELDS[field]]);
  }
}

/** Reads the job the block holds (after GO was seen). */
export function loadJob(control) {
  const job = {};
  for (let field = 0; field < JOB_FIELDS.length; field++) {
    job[JOB_FIELDS[field]] = Atomics.load(control, JOB + field);
  }
  return job;
}
