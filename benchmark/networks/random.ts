/**
 * Seeded random lifetime sets: a chain of ops, one tensor per step, each read by the next op and,
 * with some probability, by one op far ahead too (a long skip connection). Sizes come from a few
 * classes or from a log-uniform range. Deterministic: the same parameters give the same set.
 * @module
 */

import type { Lifetime } from './graph';

export interface RandomParams {
  tensors: number;
  /** A few sizes to pick from (uniformly), or a log-uniform range, in bytes. */
  sizes: { classes: number[] } | { min: number; max: number };
  /** The probability that a tensor is also read by an op `skip` steps later. */
  skipProbability: number;
  /** The range `skip` is drawn from (uniformly, inclusive). */
  skip: [number, number];
  seed: number;
}

/**
 * mulberry32: a small, seeded 32-bit generator; returns floats in [0, 1). The tampering property
 * test draws from it too (`__test__/hostile/tamper-property/world.ts`).
 */
export function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 15), z | 1);
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
    return ((z ^ (z >>> 14)) >>> 0) / 2 ** 32;
  };
}

export function randomLifetimes(params: RandomParams): Lifetime[] {
  const random = generator(params.seed);
  const integer = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
  const size = (): number => {
    if ('classes' in params.sizes) {
      const { classes } = params.sizes;
      return classes[Math.floor(random() * classes.length)] ?? 0;
    }
    const { min, max } = params.sizes;
    const bytes = Math.exp(Math.log(min) + random() * (Math.log(max) - Math.log(min)));
    return Math.max(16, Math.round(bytes / 16) * 16);
  };
  const last = params.tensors - 1;
  return Array.from({ length: params.tensors }, (_, start) => {
    let end = Math.min(start + 1, last);
    if (random() < params.skipProbability) {
      end = Math.min(start + integer(params.skip[0], params.skip[1]), last);
    }
    return { size: size(), start, end };
  });
}
