// N inference runs of the committed MLP, inputs and outputs on an arena (reset at the start of
// every run, the run under arena.hold) against fresh typed arrays per run with onnxruntime's own
// outputs: time per run and GC count. Each round runs every variant in a process of its own (a fresh heap, its GCs its
// own), interleaved; the table shows medians over rounds.
//
//   node --expose-gc bench.mjs [--runs 2000] [--rounds 5] [--batches 1,32]
//
// (`npm run bench` here.) A child process runs one variant: `bench.mjs --child <variant> <batch> <runs>`.
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

import { Arena, memoryBacking } from '@lightwatch/memory';

import { CLASSES, createSession, FEATURES, fillInput, ort } from './model.mjs';

const VARIANTS = {
  fresh: 'fresh `Float32Array` input per run, onnxruntime allocates the outputs',
  'arena-input': 'arena input, onnxruntime allocates the outputs',
  arena: 'arena input and outputs (`fetches`)',
  reused: 'input and outputs (`fetches`) allocated once by hand, no arena (reference)',
};
const WARM_UP = 3000;
/** Each process measures this many blocks of N runs, one after the other (their medians count). */
const BLOCKS = 5;
const SAMPLES = 16;

/** Makes the per-run step of a variant: copy sample `k` in, run, return the top class of row 0. */
function variant(name, session, batch) {
  const samples = Array.from({ length: SAMPLES }, (_, k) =>
    fillInput(new Float32Array(batch * FEATURES), k + 1),
  );
  const inputDims = [batch, FEATURES];
  const outputDims = [batch, CLASSES];
  if (name === 'fresh') {
    return async (k) => {
      const input = new Float32Array(batch * FEATURES);
      input.set(samples[k % SAMPLES]);
      const results = await session.run({ input: new ort.Tensor('float32', input, inputDims) });
      return top(results.probabilities.data);
    };
  }
  if (name === 'arena-input') {
    const arena = new Arena(batch * FEATURES * 4 + 64);
    return async (k) => {
      arena.reset();
      const input = arena.alloc(Float32Array, batch * FEATURES, 64);
      input.set(samples[k % SAMPLES]);
      const results = await arena.hold(
        session.run({ input: new ort.Tensor('float32', input, inputDims) }),
      );
      return top(results.probabilities.data);
    };
  }
  if (name === 'arena') {
    const bytes = (batch * FEATURES + 2 * batch * CLASSES) * 4 + 3 * 64;
    const arena = new Arena(bytes);
    return async (k) => {
      arena.reset();
      const input = arena.alloc(Float32Array, batch * FEATURES, 64);
      const logits = arena.alloc(Float32Array, batch * CLASSES, 64);
      const probabilities = arena.alloc(Float32Array, batch * CLASSES, 64);
      input.set(samples[k % SAMPLES]);
      await arena.hold(
        session.run(
          { input: new ort.Tensor('float32', input, inputDims) },
          {
            logits: new ort.Tensor('float32', logits, outputDims),
            probabilities: new ort.Tensor('float32', probabilities, outputDims),
          },
        ),
      );
      return top(probabilities);
    };
  }
  const input = new Float32Array(batch * FEATURES);
  const feeds = { input: new ort.Tensor('float32', input, inputDims) };
  const probabilities = new Float32Array(batch * CLASSES);
  const fetches = {
    logits: new ort.Tensor('float32', new Float32Array(batch * CLASSES), outputDims),
    probabilities: new ort.Tensor('float32', probabilities, outputDims),
  };
  return async (k) => {
    input.set(samples[k % SAMPLES]);
    await session.run(feeds, fetches);
    return top(probabilities);
  };
}

function top(probabilities) {
  let best = 0;
  for (let c = 1; c < CLASSES; c++) if (probabilities[c] > probabilities[best]) best = c;
  return best;
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 100));

async function child(name, batch, runs) {
  if (typeof globalThis.gc !== 'function') throw new Error('run with node --expose-gc');
  const session = await createSession();
  const step = variant(name, session, batch);
  // onnxruntime and the JIT need a few thousand runs to settle: 200 leave runs twice as slow.
  for (let k = 0; k < WARM_UP; k++) await step(k);
  globalThis.gc();
  await flush();
  const gcs = [];
  const observer = new PerformanceObserver((list) => gcs.push(...list.getEntries()));
  observer.observe({ entryTypes: ['gc'] });
  let checksum = 0;
  const blocks = [];
  for (let block = 0; block < BLOCKS; block++) {
    const start = performance.now();
    for (let k = 0; k < runs; k++) checksum = (checksum * 31 + (await step(k))) >>> 0;
    blocks.push({ start, end: performance.now() });
  }
  await flush();
  observer.disconnect();
  await session.release();
  const measured = blocks.map(({ start, end }) => {
    const during = gcs.filter((entry) => entry.startTime >= start && entry.startTime <= end);
    return {
      usPerRun: ((end - start) * 1000) / runs,
      gcs: during.length,
      gcPauseMs: during.reduce((sum, entry) => sum + entry.duration, 0),
    };
  });
  return {
    name,
    batch,
    runs,
    usPerRun: median(measured.map((m) => m.usPerRun)),
    gcs: median(measured.map((m) => m.gcs)),
    gcPauseMs: median(measured.map((m) => m.gcPauseMs)),
    checksum,
  };
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function parent() {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '2000' },
      rounds: { type: 'string', default: '5' },
      batches: { type: 'string', default: '1,32' },
    },
  });
  const runs = Number(values.runs);
  const rounds = Number(values.rounds);
  const batches = values.batches.split(',').map(Number);
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  console.log(
    `onnxruntime-node ${ort.env.versions.node} on ${cpu}, ${os.cpus().length} cores; ` +
      `Node ${process.version}; ${memoryBacking()} backing; blocks of ${runs} runs (${BLOCKS} ` +
      `per process, after ${WARM_UP} of warm-up), ${rounds} rounds, one process per variant ` +
      `per round; load average ` +
      `${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')} at the start`,
  );
  for (const batch of batches) {
    const results = Object.fromEntries(Object.keys(VARIANTS).map((name) => [name, []]));
    for (let round = 0; round < rounds; round++) {
      // Rotate the order so that no variant always runs first (or last) in a round.
      const names = Object.keys(VARIANTS);
      for (let i = 0; i < names.length; i++) {
        const name = names[(i + round) % names.length];
        const out = spawnSync(
          process.execPath,
          ['--expose-gc', import.meta.filename, '--child', name, String(batch), String(runs)],
          { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
        );
        if (out.status !== 0) throw new Error(`${name} (batch ${batch}) exited ${out.status}`);
        results[name].push(JSON.parse(out.stdout.trim().split('\n').pop()));
      }
    }
    const checksums = new Set(Object.values(results).flatMap((rs) => rs.map((r) => r.checksum)));
    const fresh = median(results.fresh.map((r) => r.usPerRun));
    console.log(
      `\nbatch ${batch} (outputs identical across variants: ${checksums.size === 1 ? 'yes' : 'NO'})\n`,
    );
    console.log('| variant | µs/run | range over rounds | GCs | GC pause | vs fresh |');
    console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
    for (const [name, description] of Object.entries(VARIANTS)) {
      const us = results[name].map((r) => r.usPerRun);
      const time = median(us);
      const ratio = name === 'fresh' ? '(this)' : compare(time, fresh);
      console.log(
        `| ${description} | ${time.toFixed(1)} | ${Math.min(...us).toFixed(1)}-${Math.max(...us).toFixed(1)} | ` +
          `${median(results[name].map((r) => r.gcs))} | ` +
          `${median(results[name].map((r) => r.gcPauseMs)).toFixed(1)} ms | ${ratio} |`,
      );
    }
    if (checksums.size !== 1) process.exitCode = 1;
  }
}

function compare(ours, theirs) {
  return ours <= theirs
    ? `${(theirs / ours).toFixed(2)}x faster`
    : `${(ours / theirs).toFixed(2)}x slower`;
}

const { positionals, values } = parseArgs({
  options: { child: { type: 'boolean' } },
  strict: false,
  allowPositionals: true,
});
if (values.child) {
  const [name, batch, runs] = positionals;
  console.log(JSON.stringify(await child(name, Number(batch), Number(runs))));
} else {
  parent();
}
