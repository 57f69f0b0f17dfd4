/**
 * Writes `benchmark/networks/lifetimes.json`: the tensor lifetimes of real networks, derived from
 * their published architectures, and seeded random sets, for the memory planner's quality table
 * and benchmarks (`cargo run --release --example plan_quality`, `cargo bench --bench plan`).
 *
 *   npx tsx benchmark/networks/derive.ts
 *
 * Every tensor is aligned to 16 bytes (the arena's default). Each set stores its lifetimes as
 * three arrays (sizes in bytes, first and last step, inclusive); random sets store their
 * generator's parameters too, so they can be made again.
 * @module
 */

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bertBase } from './bert';
import { denseNet121, mobileNetV2, resNet50 } from './cnn';
import type { Lifetime } from './graph';
import { type RandomParams, randomLifetimes } from './random';
import { resNet18Training } from './training';

interface LifetimeSet {
  name: string;
  kind: 'network' | 'random';
  description: string;
  params?: RandomParams;
  lifetimes: Lifetime[];
}

const KIB = 1024;
const MIB = 1024 * KIB;

/** Long skips over sizes from 16 KiB to 1 MiB: `tensors` of them (the benchmarks' sets too). */
const skips = (tensors: number, seed: number): RandomParams => ({
  tensors,
  sizes: { min: 16 * KIB, max: MIB },
  skipProbability: 0.25,
  skip: [16, 512],
  seed,
});

export function lifetimeSets(): LifetimeSet[] {
  const random = (name: string, description: string, params: RandomParams): LifetimeSet => ({
    name,
    kind: 'random',
    description,
    params,
    lifetimes: randomLifetimes(params),
  });
  return [
    {
      name: 'mobilenet-v2',
      kind: 'network',
      description: 'MobileNetV2 1.0, 224x224, batch 1, float32, inference (fused ops)',
      lifetimes: mobileNetV2(),
    },
    {
      name: 'resnet-50',
      kind: 'network',
      description: 'ResNet-50 v1.5, 224x224, batch 1, float32, inference (fused ops)',
      lifetimes: resNet50(),
    },
    {
      name: 'bert-base',
      kind: 'network',
      description: 'BERT-base encoder (12 layers, hidden 768, 12 heads), sequence 128, inference',
      lifetimes: bertBase(),
    },
    {
      name: 'densenet-121',
      kind: 'network',
      description: 'DenseNet-121, 224x224, batch 1, float32, inference (concatenations kept)',
      lifetimes: denseNet121(),
    },
    {
      name: 'resnet-18-training',
      kind: 'network',
      description: 'ResNet-18 training step (forward, backward, SGD), 224x224, batch 8, float32',
      lifetimes: resNet18Training(),
    },
    random(
      'random-skips',
      'A chain, 1 in 4 tensors also read 16-512 steps later; sizes log-uniform 16 KiB-1 MiB',
      skips(3000, 1),
    ),
    random(
      'random-classes',
      'As random-skips, sizes from three classes: C, 4C and 6C channels (48, 192, 288 KiB)',
      { ...skips(3000, 2), sizes: { classes: [48 * KIB, 192 * KIB, 288 * KIB] } },
    ),
    random(
      'random-short-skips',
      'A chain, 1 in 2 tensors also read 4-128 steps later; sizes log-uniform 4 KiB-4 MiB',
      {
        ...skips(3000, 3),
        sizes: { min: 4 * KIB, max: 4 * MIB },
        skipProbability: 0.5,
        skip: [4, 128],
      },
    ),
    random(
      'random-1k',
      'As random-skips, 1,000 tensors (the planning-time benchmark)',
      skips(1000, 4),
    ),
    random(
      'random-10k',
      'As random-skips, 10,000 tensors (the planning-time benchmark)',
      skips(10000, 5),
    ),
  ];
}

function render(sets: readonly LifetimeSet[]): string {
  const body = sets.map((set) => {
    const { lifetimes, params, ...about } = set;
    const steps = lifetimes.reduce((max, l) => Math.max(max, l.end + 1), 0);
    const fields = [
      ...Object.entries(about).map(([k, v]) => `"${k}": ${JSON.stringify(v)}`),
      ...(params === undefined ? [] : [`"params": ${JSON.stringify(params)}`]),
      `"tensors": ${lifetimes.length}`,
      `"steps": ${steps}`,
      `"sizes": ${JSON.stringify(lifetimes.map((l) => l.size))}`,
      `"starts": ${JSON.stringify(lifetimes.map((l) => l.start))}`,
      `"ends": ${JSON.stringify(lifetimes.map((l) => l.end))}`,
    ];
    return `    {\n      ${fields.join(',\n      ')}\n    }`;
  });
  return [
    '{',
    '  "about": "Tensor lifetimes for the memory planner; written by benchmark/networks/derive.ts",',
    '  "alignment": 16,',
    `  "sets": [\n${body.join(',\n')}\n  ]`,
    '}',
    '',
  ].join('\n');
}

if (require.main === module) {
  const path = join(__dirname, 'lifetimes.json');
  const sets = lifetimeSets();
  writeFileSync(path, render(sets));
  for (const set of sets) {
    const total = set.lifetimes.reduce((sum, l) => sum + l.size, 0);
    console.log(`${set.name}: ${set.lifetimes.length} tensors, ${(total / MIB).toFixed(1)} MiB`);
  }
  console.log(`Wrote ${path}`);
}
