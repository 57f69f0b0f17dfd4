/**
 * The CNN of the scope benchmark (`cnn.ts`): its sizes, its fixed-seed weights and input, and its
 * kernels. conv 3x3 (im2col, then a matrix product and ReLU) -> 2x2 max-pool -> conv 3x3 -> max-pool
 * -> dense, over a batch of 8 single-channel 12x12 inputs, 10 classes.
 *
 * The kernels are functions of their own, called by the forward pass with the memory they write:
 * with a kernel's loops inlined into one big forward function, V8 allocated 3.5 KB per pass of
 * its own there, which would have been counted as the allocator's GCs.
 * @module
 */

export const BATCH = 8;
/** Input height and width; one channel. */
export const SIDE = 12;
export const CHANNELS = [1, 4, 8] as const;
export const KERNEL = 3;
export const CLASSES = 10;

/** `length` numbers in [-0.5, 0.5) from a fixed-seed linear congruential generator. */
function numbers(length: number, seed: number): Float32Array {
  const out = new Float32Array(length);
  let state = seed;
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = state / 2 ** 32 - 0.5;
  }
  return out;
}

/** The weights of the two convolutions and the dense layer, and the batch of inputs. */
export interface Model {
  readonly conv1: Float32Array;
  readonly conv2: Float32Array;
  readonly dense: Float32Array;
  readonly input: Float32Array;
}

export function createModel(): Model {
  const [c0, c1, c2] = CHANNELS;
  const pooled = (SIDE / 4) ** 2;
  return {
    conv1: numbers(c1 * c0 * KERNEL * KERNEL, 1),
    conv2: numbers(c2 * c1 * KERNEL * KERNEL, 2),
    dense: numbers(CLASSES * c2 * pooled, 3),
    input: numbers(BATCH * c0 * SIDE * SIDE, 4),
  };
}

/**
 * A 3x3 convolution with padding 1 and ReLU over the batch: `out` (`BATCH x outputs x side x
 * side`) from `x` (`BATCH x inputs x side x side`). Each sample's patches are laid out in `cols`
 * (`inputs * 9 x side * side`, im2col), then multiplied by the weights (`outputs x inputs * 9`).
 */
export function conv(
  out: Float32Array,
  x: Float32Array,
  inputs: number,
  side: number,
  weights: Float32Array,
  outputs: number,
  cols: Float32Array,
): void {
  const m = side * side;
  const n = inputs * KERNEL * KERNEL;
  for (let b = 0; b < BATCH; b++) {
    for (let c = 0; c < inputs; c++) {
      for (let y = 0; y < side; y++) {
        for (let xx = 0; xx < side; xx++) {
          for (let ky = 0; ky < KERNEL; ky++) {
            for (let kx = 0; kx < KERNEL; kx++) {
              const iy = y + ky - 1;
              const ix = xx + kx - 1;
              const inside = iy >= 0 && iy < side && ix >= 0 && ix < side;
              cols[((c * KERNEL + ky) * KERNEL + kx) * m + y * side + xx] = inside
                ? (x[(b * inputs + c) * m + iy * side + ix] as number)
                : 0;
            }
          }
        }
      }
    }
    for (let o = 0; o < outputs; o++) {
      for (let p = 0; p < m; p++) {
        let sum = 0;
        for (let k = 0; k < n; k++)
          sum += (weights[o * n + k] as number) * (cols[k * m + p] as number);
        out[(b * outputs + o) * m + p] = Math.max(sum, 0);
      }
    }
  }
}

/**
 * 2x2 max-pool over the batch: `out` (`BATCH x channels x side/2 x side/2`) from `x`, and in
 * `at` where each maximum came from (what a training pass keeps for the backward pass).
 */
export function maxPool(
  out: Float32Array,
  at: Int32Array,
  x: Float32Array,
  channels: number,
  side: number,
): void {
  const half = side / 2;
  for (let bc = 0; bc < BATCH * channels; bc++) {
    for (let y = 0; y < half; y++) {
      for (let xx = 0; xx < half; xx++) {
        let max = Number.NEGATIVE_INFINITY;
        let from = 0;
        for (let d = 0; d < 4; d++) {
          const i = bc * side * side + (2 * y + (d >> 1)) * side + 2 * xx + (d & 1);
          if ((x[i] as number) > max) {
            max = x[i] as number;
            from = i;
          }
        }
        const to = bc * half * half + y * half + xx;
        out[to] = max;
        at[to] = from;
      }
    }
  }
}

/** The dense layer over the batch: `logits` (`BATCH x CLASSES`) from `x` (`BATCH x inputs`). */
export function dense(
  logits: Float32Array,
  x: Float32Array,
  weights: Float32Array,
  inputs: number,
): void {
  for (let b = 0; b < BATCH; b++) {
    for (let o = 0; o < CLASSES; o++) {
      let sum = 0;
      for (let i = 0; i < inputs; i++) {
        sum += (weights[o * inputs + i] as number) * (x[b * inputs + i] as number);
      }
      logits[b * CLASSES + o] = sum;
    }
  }
}
