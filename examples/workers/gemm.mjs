// The one GEMM kernel every variant runs (C = A·B, float32, row-major), so a split by rows gives
// the same bits as a single thread; plus the inputs and the bit-for-bit comparison the tests and
// the benchmark share.

/**
 * Rows `row0` to `row1` (exclusive) of C = A·B, A m×k, B k×n. Each element of C sums its k
 * products in the order p = 0..k-1 into C itself, rounded to float32 at every step: the result of
 * an element depends on nothing but its row of A and its column of B, whichever thread computes
 * it. The i-p-j order reads B and C along rows, which is what keeps it fast in JavaScript.
 */
export function gemmRows(a, b, c, k, n, row0, row1) {
  for (let i = row0; i < row1; i++) {
    const cRow = i * n;
    c.fill(0, cRow, cRow + n);
    const aRow = i * k;
    for (let p = 0; p < k; p++) {
      const scale = a[aRow + p];
      const bRow = p * n;
      for (let j = 0; j < n; j++) c[cRow + j] += scale * b[bRow + j];
    }
  }
}

/** Splits `m` rows into `parts` ranges as even as can be: `[[row0, row1], ...]`, none empty. */
export function splitRows(m, parts) {
  const count = Math.max(1, Math.min(parts, m));
  const ranges = [];
  for (let part = 0; part < count; part++) {
    ranges.push([Math.floor((m * part) / count), Math.floor((m * (part + 1)) / count)]);
  }
  return ranges;
}

/**
 * Fills `view` with values in [-1, 1) from a seeded xorshift32: the same seed, the same bits, in
 * every run and every runtime. Returns `view`.
 */
export function fillSeeded(view, seed) {
  let state = seed >>> 0 || 1;
  for (let index = 0; index < view.length; index++) {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    view[index] = state / 2 ** 31 - 1;
  }
  return view;
}

/** Whether two float32 arrays hold the same bits (NaN payloads and -0 included). */
export function sameBits(left, right) {
  if (left.length !== right.length) return false;
  const a = new Uint32Array(left.buffer, left.byteOffset, left.length);
  const b = new Uint32Array(right.buffer, right.byteOffset, right.length);
  for (let index = 0; index < a.length; index++) if (a[index] !== b[index]) return false;
  return true;
}
