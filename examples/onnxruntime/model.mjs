// What the test and the benchmark share: the committed model, its shapes, deterministic inputs,
// and a bit-for-bit comparison of float outputs.
import { fileURLToPath } from 'node:url';

import * as ort from 'onnxruntime-node';

/** The committed model (make_model.py writes it): 784-256-10, Gemm, Relu, Gemm, Softmax. */
export const MODEL = fileURLToPath(new URL('./mlp.onnx', import.meta.url));
export const FEATURES = 784;
export const CLASSES = 10;

/** One session per process, as an application keeps it: creating one parses the weights. */
export function createSession() {
  // One intra-op thread: the figures then do not depend on what else uses the machine's cores.
  return ort.InferenceSession.create(MODEL, { intraOpNumThreads: 1, interOpNumThreads: 1 });
}

/**
 * Fills `target` with a fixed pattern in [0, 1): pixel-like values from a 32-bit LCG seeded
 * with `seed`, so every run of every variant sees the same inputs.
 */
export function fillInput(target, seed) {
  let state = seed >>> 0;
  for (let i = 0; i < target.length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    target[i] = state / 2 ** 32;
  }
  return target;
}

/** The bytes of a typed array's elements (not its whole buffer). */
export function bytesOf(view) {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

/** True if `a` and `b` hold the same bytes: floats compared bit for bit (NaN patterns too). */
export function sameBits(a, b) {
  return Buffer.compare(bytesOf(a), bytesOf(b)) === 0;
}

export { ort };
