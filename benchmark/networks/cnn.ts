/**
 * Inference graphs of three CNNs at 224x224, batch 1, float32, from their published
 * architectures (the torchvision definitions): MobileNetV2 (Sandler et al. 2018), ResNet-50 v1.5
 * (He et al. 2016) and DenseNet-121 (Huang et al. 2017).
 *
 * The ops are those an inference engine runs (TensorFlow Lite, ONNX Runtime): batch norm folded
 * into the convolution before it and the activation fused into it, a residual add (with its ReLU)
 * one op; what cannot be folded stays an op of its own (DenseNet's pre-activation BN and ReLU,
 * its concatenations). Every op writes a new tensor. Weights are not tensors of the pass.
 * @module
 */

import { F32, Graph, type Lifetime, type Tensor } from './graph';

/** An activation: its tensor and its shape (channels, height, width; batch 1). */
interface Activation {
  t: Tensor;
  c: number;
  h: number;
  w: number;
}

const out = (size: number, kernel: number, stride: number, pad: number) =>
  Math.floor((size + 2 * pad - kernel) / stride) + 1;

/** An op over feature maps: one output of `c` channels at the given spatial size. */
function mapOp(
  g: Graph,
  inputs: readonly Activation[],
  c: number,
  h: number,
  w: number,
): Activation {
  const [t] = g.op(
    inputs.map((m) => m.t),
    [c * h * w * F32],
  );
  if (t === undefined) throw new Error('op without output');
  return { t, c, h, w };
}

/** A convolution (with its folded BN and fused activation, if any). */
function conv(
  g: Graph,
  x: Activation,
  c: number,
  kernel: number,
  stride: number,
  pad: number,
): Activation {
  return mapOp(g, [x], c, out(x.h, kernel, stride, pad), out(x.w, kernel, stride, pad));
}

/** An elementwise op over maps of one shape (add, BN+ReLU). */
function elementwise(g: Graph, inputs: readonly Activation[]): Activation {
  const [first] = inputs;
  if (first === undefined) throw new Error('no input');
  return mapOp(g, inputs, first.c, first.h, first.w);
}

/** Global average pool, the classifier (a matmul) and softmax: 1000 ImageNet classes. */
function head(g: Graph, x: Activation): Tensor {
  const pooled = mapOp(g, [x], x.c, 1, 1);
  const logits = mapOp(g, [pooled], 1000, 1, 1);
  return mapOp(g, [logits], 1000, 1, 1).t;
}

function image(g: Graph): Activation {
  return { t: g.input(3 * 224 * 224 * F32), c: 3, h: 224, w: 224 };
}

/** MobileNetV2 1.0: inverted residual blocks (expand 1x1, depthwise 3x3, project 1x1). */
export function mobileNetV2(): Lifetime[] {
  const g = new Graph();
  let x = conv(g, image(g), 32, 3, 2, 1);
  // (expansion t, channels c, repeats n, first stride s): the paper's Table 2.
  const settings = [
    [1, 16, 1, 1],
    [6, 24, 2, 2],
    [6, 32, 3, 2],
    [6, 64, 4, 2],
    [6, 96, 3, 1],
    [6, 160, 3, 2],
    [6, 320, 1, 1],
  ] as const;
  for (const [t, c, n, s] of settings) {
    for (let i = 0; i < n; i++) {
      const stride = i === 0 ? s : 1;
      const expanded = t === 1 ? x : conv(g, x, x.c * t, 1, 1, 0);
      const depthwise = conv(g, expanded, expanded.c, 3, stride, 1);
      const projected = conv(g, depthwise, c, 1, 1, 0);
      x = stride === 1 && x.c === c ? elementwise(g, [x, projected]) : projected;
    }
  }
  x = conv(g, x, 1280, 1, 1, 0);
  return g.lifetimes([head(g, x)]);
}

/** ResNet-50 v1.5: bottlenecks (1x1, 3x3 with the stride, 1x1 x4), projection shortcuts. */
export function resNet50(): Lifetime[] {
  const g = new Graph();
  let x = conv(g, image(g), 64, 7, 2, 3);
  x = conv(g, x, 64, 3, 2, 1); // max pool 3x3 stride 2: the same shape rule
  const stages = [
    [64, 3, 1],
    [128, 4, 2],
    [256, 6, 2],
    [512, 3, 2],
  ] as const;
  for (const [width, blocks, firstStride] of stages) {
    for (let i = 0; i < blocks; i++) {
      const stride = i === 0 ? firstStride : 1;
      const a = conv(g, x, width, 1, 1, 0);
      const b = conv(g, a, width, 3, stride, 1);
      const c = conv(g, b, width * 4, 1, 1, 0);
      // torchvision runs the projection after the main path, so `x` lives until then.
      const identity = i === 0 ? conv(g, x, width * 4, 1, stride, 0) : x;
      x = elementwise(g, [c, identity]);
    }
  }
  return g.lifetimes([head(g, x)]);
}

/**
 * DenseNet-121 (growth 32, bottleneck 4x, compression 0.5, blocks of 6, 12, 24, 16 layers).
 * Each layer concatenates every feature map of its block so far (a new tensor, as `torch.cat`
 * makes), applies batch norm and ReLU (two ops, as in ONNX Runtime's graph: a BN after a
 * concatenation has no convolution to fold into), a 1x1 convolution to 128 channels (its BN and
 * ReLU folded) and a 3x3 convolution to 32: the block's new feature map. Every feature map of a
 * block lives until the block's final concatenation. Transitions: BN, ReLU, 1x1 convolution,
 * 2x2 average pool.
 */
export function denseNet121(): Lifetime[] {
  const g = new Graph();
  const growth = 32;
  let x = conv(g, image(g), 64, 7, 2, 3);
  x = conv(g, x, 64, 3, 2, 1); // max pool
  const blocks = [6, 12, 24, 16];
  blocks.forEach((layers, b) => {
    const features: Activation[] = [x];
    for (let l = 0; l < layers; l++) {
      const joined = features.length === 1 ? x : concat(g, features);
      const activated = elementwise(g, [elementwise(g, [joined])]);
      const bottleneck = conv(g, activated, 4 * growth, 1, 1, 0);
      features.push(conv(g, bottleneck, growth, 3, 1, 1));
    }
    x = concat(g, features);
    if (b < blocks.length - 1) {
      const activated = elementwise(g, [elementwise(g, [x])]);
      const reduced = conv(g, activated, x.c / 2, 1, 1, 0);
      x = conv(g, reduced, reduced.c, 2, 2, 0); // average pool 2x2 stride 2
    }
  });
  x = elementwise(g, [elementwise(g, [x])]); // norm5, ReLU
  return g.lifetimes([head(g, x)]);
}

function concat(g: Graph, maps: readonly Activation[]): Activation {
  const [first] = maps;
  if (first === undefined) throw new Error('nothing to concatenate');
  const channels = maps.reduce((sum, m) => sum + m.c, 0);
  return mapOp(g, maps, channels, first.h, first.w);
}
