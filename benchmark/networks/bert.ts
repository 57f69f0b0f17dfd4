/**
 * A BERT-base-sized encoder (Devlin et al. 2019: 12 layers, hidden 768, 12 heads, FFN 3072) at
 * sequence length 128, batch 1, float32, inference, as Hugging Face's `BertModel` runs it in
 * eager mode: embeddings (three lookups, two adds, layer norm), then per layer the Q/K/V
 * projections, scores, scaling, mask, softmax, context, the heads merged back (a contiguous
 * copy), the output projection, residual add, layer norm, the FFN (GELU) and its residual and
 * layer norm; then the pooler. Head splits are views (no new tensor); linear layers include
 * their bias; dropout is the identity at inference.
 * @module
 */

import { F32, Graph, I64, type Lifetime, type Tensor } from './graph';

const SEQUENCE = 128;
const HIDDEN = 768;
const HEADS = 12;
const FFN = 3072;
const LAYERS = 12;

export function bertBase(): Lifetime[] {
  const g = new Graph();
  const one = (inputs: readonly Tensor[], size: number): Tensor => {
    const [t] = g.op(inputs, [size]);
    if (t === undefined) throw new Error('op without output');
    return t;
  };
  const hidden = SEQUENCE * HIDDEN * F32;
  const ids = g.input(SEQUENCE * I64);
  const types = g.input(SEQUENCE * I64);
  const positions = g.input(SEQUENCE * I64);
  const mask = g.input(SEQUENCE * I64);
  // The extended attention mask, (1 - mask) * -10000, read by every layer.
  const extended = one([mask], SEQUENCE * F32);
  const words = one([ids], hidden);
  const typeEmbeddings = one([types], hidden);
  const positionEmbeddings = one([positions], hidden);
  let h = one([one([one([words, typeEmbeddings], hidden), positionEmbeddings], hidden)], hidden);
  const scores = HEADS * SEQUENCE * SEQUENCE * F32;
  for (let layer = 0; layer < LAYERS; layer++) {
    const q = one([h], hidden);
    const k = one([h], hidden);
    const v = one([h], hidden);
    const raw = one([q, k], scores);
    const scaled = one([raw], scores);
    const masked = one([scaled, extended], scores);
    const probabilities = one([masked], scores);
    const context = one([probabilities, v], hidden);
    const merged = one([context], hidden);
    const attention = one([merged], hidden);
    const attended = one([one([attention, h], hidden)], hidden);
    const intermediate = one([attended], SEQUENCE * FFN * F32);
    const activated = one([intermediate], SEQUENCE * FFN * F32);
    const output = one([activated], hidden);
    h = one([one([output, attended], hidden)], hidden);
  }
  // The pooler: the first token (a view) through a linear layer and tanh.
  const pooled = one([one([h], HIDDEN * F32)], HIDDEN * F32);
  return g.lifetimes([h, pooled]);
}
