// An MLP forward pass on WebAssembly SIMD kernels (kernels/, Rust, simd128), two ways:
//
// - zero copy: a MemoryPlan of the pass is laid in the kernel module's own memory
//   (`plan.instantiate({ memory, offset })`); the producer writes the input into its view, the
//   kernels take the views' `byteOffset`s as pointers and write the hidden layers and the logits
//   in place, and the consumer reads the logits view where the kernels wrote it;
// - copy in / copy out, as ort-web and tfjs-wasm feed their kernels: the input, made in a
//   JavaScript Float32Array, is copied into memory allocated in the module for the run, and the
//   logits are copied out into a new Float32Array (the layers in between stay in the module, in
//   scratch of its own, as those runtimes keep them).
//
// Both run the same kernels on the same weights; both must give, bit for bit, what a scalar
// JavaScript reference gives (`reference`). Runtime-neutral: `m` is the package as the caller
// imported it (its Node entry or its browser entry), and the kernels load by URL.

/** The kernels' module: `{ memory, gemm, bias_relu, bias, reserve, alloc_bytes, free_bytes }`. */
export async function loadKernels() {
  const url = new URL('./dist/kernels.wasm', import.meta.url);
  const host = globalThis.process;
  let bytes;
  if (url.protocol === 'file:' && typeof host?.getBuiltinModule === 'function') {
    bytes = host.getBuiltinModule('node:fs').readFileSync(url);
  } else {
    bytes = await (await fetch(url)).arrayBuffer();
  }
  const { instance } = await WebAssembly.instantiate(bytes, {});
  return instance.exports;
}

/** A seeded generator of floats in [-1, 1) (xorshift32), so every run has the same numbers. */
function random(seed) {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return Math.fround(state / 2 ** 31 - 1);
  };
}

/**
 * An MLP of layer widths `sizes` (e.g. [784, 256, 10]) with seeded weights, laid once in the
 * kernels' memory (`reserve`), and kept in JavaScript for the reference. `batch` rows per pass.
 */
export function makeMlp(kernels, sizes, batch, seed = 7) {
  const next = random(seed);
  const layers = [];
  for (let l = 0; l + 1 < sizes.length; l++) {
    const [inputs, outputs] = [sizes[l], sizes[l + 1]];
    const weights = new Float32Array(inputs * outputs).map(() => next() / Math.sqrt(inputs));
    const bias = new Float32Array(outputs).map(() => next() * 0.1);
    const at = kernels.reserve(weights.byteLength + bias.byteLength);
    if (at === 0) throw new Error('the kernels module refused memory for the weights');
    new Float32Array(kernels.memory.buffer, at, weights.length).set(weights);
    new Float32Array(kernels.memory.buffer, at + weights.byteLength, bias.length).set(bias);
    layers.push({ inputs, outputs, weights, bias, w: at, b: at + weights.byteLength });
  }
  // Scratch for the copying variant's hidden layers, in the module (as a runtime keeps them).
  const widest = Math.max(...sizes);
  const scratch = [kernels.reserve(batch * widest * 4), kernels.reserve(batch * widest * 4)];
  return { sizes, batch, layers, scratch };
}

/**
 * Writes the input of pass `index` into `view`: the producer (decoding, preprocessing, the
 * previous stage), here a cheap pattern of floats in [-0.5, 0.5), so that the pass's time is the
 * kernels' and the copies'.
 */
export function fillInput(view, index) {
  const shift = (index * 40503) & 1023;
  for (let i = 0; i < view.length; i++) view[i] = (((i * 37 + shift) & 1023) - 512) / 1024;
}

/**
 * One pass on `mem` (a PassMemory: a planned pass's replay, or the recorder): the input, each
 * layer's output, the previous freed as soon as it is consumed. `compute` false records the
 * allocations only (while recording, the views are not in the kernels' memory).
 */
export function forward(mem, kernels, mlp, index, compute = true) {
  let x = mem.alloc(Float32Array, mlp.batch * mlp.sizes[0], 64);
  if (compute) fillInput(x, index);
  for (let l = 0; l < mlp.layers.length; l++) {
    const layer = mlp.layers[l];
    const y = mem.alloc(Float32Array, mlp.batch * layer.outputs, 64);
    if (compute) {
      kernels.gemm(x.byteOffset, layer.w, y.byteOffset, mlp.batch, layer.inputs, layer.outputs);
      const last = l + 1 === mlp.layers.length;
      (last ? kernels.bias : kernels.bias_relu)(y.byteOffset, layer.b, mlp.batch, layer.outputs);
    }
    mem.free(x);
    x = y;
  }
  return x;
}

/** The zero-copy runner: the pass planned once, laid in the kernels' memory. */
export function zeroCopy(m, kernels, mlp) {
  const plan = m.MemoryPlan.record((mem) => forward(mem, kernels, mlp, 0, false));
  const offset = kernels.reserve(plan.bytes);
  if (offset === 0) throw new Error('the kernels module refused memory for the pass');
  const pass = plan.instantiate({ memory: kernels.memory, offset });
  return {
    plan,
    pass,
    /** Runs pass `index`; `consume` reads the logits where the kernels wrote them. */
    run(index, consume) {
      return pass.run((mem) => consume(forward(mem, kernels, mlp, index)));
    },
  };
}

/** The copying runner: input copied into the module per run, logits copied out. */
export function copying(kernels, mlp) {
  const input = new Float32Array(mlp.batch * mlp.sizes[0]);
  return {
    run(index, consume) {
      fillInput(input, index);
      const inBytes = input.byteLength;
      const at = kernels.alloc_bytes(inBytes);
      new Float32Array(kernels.memory.buffer, at, input.length).set(input);
      let x = at;
      let n = 0;
      for (let l = 0; l < mlp.layers.length; l++) {
        const layer = mlp.layers[l];
        const y = mlp.scratch[l % 2];
        kernels.gemm(x, layer.w, y, mlp.batch, layer.inputs, layer.outputs);
        const last = l + 1 === mlp.layers.length;
        (last ? kernels.bias : kernels.bias_relu)(y, layer.b, mlp.batch, layer.outputs);
        x = y;
        n = mlp.batch * layer.outputs;
      }
      const out = new Float32Array(kernels.memory.buffer, x, n).slice();
      kernels.free_bytes(at, inBytes);
      return consume(out);
    },
  };
}

/**
 * The copies of the copying runner alone, with no kernel: the input copied in (allocated in the
 * module, set, freed) and `outputs` floats copied out. What the copying runner adds to a pass.
 */
export function copiesOnly(kernels, mlp) {
  const input = new Float32Array(mlp.batch * mlp.sizes[0]);
  const outputs = mlp.batch * mlp.sizes[mlp.sizes.length - 1];
  return {
    run(_index, consume) {
      const at = kernels.alloc_bytes(input.byteLength);
      new Float32Array(kernels.memory.buffer, at, input.length).set(input);
      const out = new Float32Array(kernels.memory.buffer, mlp.scratch[0], outputs).slice();
      kernels.free_bytes(at, input.byteLength);
      return consume(out);
    },
  };
}

/** The scalar JavaScript reference of pass `index`: the kernels' arithmetic, in their order. */
export function reference(mlp, index) {
  let x = new Float32Array(mlp.batch * mlp.sizes[0]);
  fillInput(x, index);
  for (let l = 0; l < mlp.layers.length; l++) {
    const { inputs, outputs, weights, bias } = mlp.layers[l];
    const y = new Float32Array(mlp.batch * outputs);
    const last = l + 1 === mlp.layers.length;
    for (let i = 0; i < mlp.batch; i++) {
      for (let j = 0; j < outputs; j++) {
        let acc = 0;
        for (let p = 0; p < inputs; p++) {
          acc = Math.fround(acc + Math.fround(x[i * inputs + p] * weights[p * outputs + j]));
        }
        const v = Math.fround(acc + bias[j]);
        y[i * outputs + j] = last || v > 0 ? v : 0;
      }
    }
    x = y;
  }
  return x;
}

/** Whether two Float32Arrays hold the same bits. */
export function sameBits(a, b) {
  if (a.length !== b.length) return false;
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

/**
 * The sizes measured: a pass whose input and output are wide beside its compute (a bottleneck
 * autoencoder: 64 KiB in, 64 KiB out per pass), where copying is a large share; and a pass bound
 * by its compute (an MLP of 784-256-128-10 on a batch of 32), where it is not.
 */
export const SIZES = [
  { name: 'wide I/O: batch 16, 1024-4-1024', sizes: [1024, 4, 1024], batch: 16 },
  { name: 'compute-bound: batch 32, 784-256-128-10', sizes: [784, 256, 128, 10], batch: 32 },
];

/**
 * Times the runners side by side: `rounds` rounds of `passes` passes each, in an order that
 * turns every round; the median time per pass of each, in microseconds, the ratio copy / zero,
 * and the share of the copying runner's pass that its copies take (`copies`: the copies alone).
 */
export function timeBoth(zero, copy, copies, { rounds = 21, passes = 200, now }) {
  const runners = { zero, copy, copies };
  const times = { zero: [], copy: [], copies: [] };
  let sink = 0;
  const consume = (logits) => {
    sink += logits[0];
    return logits;
  };
  const names = ['zero', 'copy', 'copies'];
  for (let warm = 0; warm < passes; warm++)
    for (const name of names) runners[name].run(warm, consume);
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(round + k) % names.length];
      const runner = runners[name];
      const start = now();
      for (let i = 0; i < passes; i++) runner.run(i, consume);
      times[name].push(((now() - start) * 1000) / passes);
    }
  }
  const median = (list) => list.sort((a, b) => a - b)[list.length >> 1];
  const zeroUs = median(times.zero);
  const copyUs = median(times.copy);
  const copiesUs = median(times.copies);
  return { zeroUs, copyUs, copiesUs, ratio: copyUs / zeroUs, share: copiesUs / copyUs, sink };
}
