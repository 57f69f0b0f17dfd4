/**
 * One training step of ResNet-18 (He et al. 2016; torchvision's definition) at 224x224, batch 8,
 * float32, as PyTorch's eager mode runs it: forward, cross-entropy loss, backward, SGD update.
 *
 * Forward ops are unfused (convolution, batch norm in training mode, ReLU, add), each writing a
 * new tensor. Each saves for its backward what PyTorch's autograd saves: a convolution its input,
 * batch norm its input and the batch statistics, ReLU its output, max pool its input and int64
 * indices, the classifier its input, log-softmax its output. So forward activations live until
 * their backward use: the autograd-tape case. Gradients flowing into a tensor read twice (the
 * residual branches) are summed as they arrive; parameter gradients live until the update.
 * @module
 */

import { F32, Graph, I64, type Lifetime, Tape, type Tensor } from './graph';

const BATCH = 8;

interface Activation {
  t: Tensor;
  c: number;
  h: number;
  w: number;
}

const bytes = (c: number, h: number, w: number) => BATCH * c * h * w * F32;
const out = (size: number, kernel: number, stride: number, pad: number) =>
  Math.floor((size + 2 * pad - kernel) / stride) + 1;

class Layers {
  constructor(readonly tape: Tape) {}

  private activation(t: Tensor | undefined, c: number, h: number, w: number): Activation {
    if (t === undefined) throw new Error('op without output');
    return { t, c, h, w };
  }

  /** No bias (batch norm follows); the image needs no gradient. */
  conv(x: Activation, c: number, kernel: number, stride: number, pad: number, first = false) {
    const [h, w] = [out(x.h, kernel, stride, pad), out(x.w, kernel, stride, pad)];
    const [t] = this.tape.op([x.t], [bytes(c, h, w)], {
      differentiable: first ? [] : [x.t],
      saved: () => [x.t],
      parameters: [c * x.c * kernel * kernel * F32],
    });
    return this.activation(t, c, h, w);
  }

  /** Training mode: the output, and the batch mean and inverse deviation it saves. */
  batchNorm(x: Activation) {
    const stats = x.c * F32;
    const [t] = this.tape.op([x.t], [bytes(x.c, x.h, x.w), stats, stats], {
      differentiable: [x.t],
      saved: ([, mean, invstd]) => [
        x.t,
        ...(mean === undefined ? [] : [mean]),
        ...(invstd === undefined ? [] : [invstd]),
      ],
      parameters: [stats, stats],
    });
    return this.activation(t, x.c, x.h, x.w);
  }

  relu(x: Activation) {
    const [t] = this.tape.op([x.t], [bytes(x.c, x.h, x.w)], {
      differentiable: [x.t],
      saved: ([y]) => (y === undefined ? [] : [y]),
    });
    return this.activation(t, x.c, x.h, x.w);
  }

  add(a: Activation, b: Activation) {
    const [t] = this.tape.op([a.t, b.t], [bytes(a.c, a.h, a.w)], {
      differentiable: [a.t, b.t],
      saved: () => [],
    });
    return this.activation(t, a.c, a.h, a.w);
  }

  maxPool(x: Activation) {
    const [h, w] = [out(x.h, 3, 2, 1), out(x.w, 3, 2, 1)];
    const elements = BATCH * x.c * h * w;
    const [t] = this.tape.op([x.t], [elements * F32, elements * I64], {
      differentiable: [x.t],
      saved: ([, indices]) => [x.t, ...(indices === undefined ? [] : [indices])],
    });
    return this.activation(t, x.c, h, w);
  }

  /** Global average pool: the backward only needs the shape. */
  averagePool(x: Activation) {
    const [t] = this.tape.op([x.t], [bytes(x.c, 1, 1)], {
      differentiable: [x.t],
      saved: () => [],
    });
    return this.activation(t, x.c, 1, 1);
  }

  linear(x: Activation, c: number) {
    const [t] = this.tape.op([x.t], [bytes(c, 1, 1)], {
      differentiable: [x.t],
      saved: () => [x.t],
      parameters: [c * x.c * F32, c * F32],
    });
    return this.activation(t, c, 1, 1);
  }

  /** log_softmax then nll_loss, as `F.cross_entropy` runs them; returns the scalar loss. */
  crossEntropy(logits: Activation): Tensor {
    const labels = this.tape.graph.input(BATCH * I64);
    const [logProbs] = this.tape.op([logits.t], [bytes(logits.c, 1, 1)], {
      differentiable: [logits.t],
      saved: ([y]) => (y === undefined ? [] : [y]),
    });
    if (logProbs === undefined) throw new Error('no log-probabilities');
    const [loss] = this.tape.op([logProbs, labels], [F32], {
      differentiable: [logProbs],
      saved: () => [labels],
    });
    if (loss === undefined) throw new Error('no loss');
    return loss;
  }
}

/** torchvision's BasicBlock: conv-BN-ReLU-conv-BN, the projection after it, add, ReLU. */
function basicBlock(l: Layers, x: Activation, c: number, stride: number): Activation {
  const a = l.relu(l.batchNorm(l.conv(x, c, 3, stride, 1)));
  const b = l.batchNorm(l.conv(a, c, 3, 1, 1));
  const identity = stride !== 1 || x.c !== c ? l.batchNorm(l.conv(x, c, 1, stride, 0)) : x;
  return l.relu(l.add(b, identity));
}

export function resNet18Training(): Lifetime[] {
  const graph = new Graph();
  const tape = new Tape(graph);
  const l = new Layers(tape);
  const image = { t: graph.input(bytes(3, 224, 224)), c: 3, h: 224, w: 224 };
  let x = l.maxPool(l.relu(l.batchNorm(l.conv(image, 64, 7, 2, 3, true))));
  for (const [c, stride] of [
    [64, 1],
    [128, 2],
    [256, 2],
    [512, 2],
  ] as const) {
    x = basicBlock(l, x, c, stride);
    x = basicBlock(l, x, c, 1);
  }
  const loss = l.crossEntropy(l.linear(l.averagePool(x), 1000));
  tape.backward(loss);
  return graph.lifetimes([loss]);
}
