/**
 * The model behind every network fixture: a pass is a sequence of ops, one per step; each op
 * reads tensors and produces new ones (in-place-free: an op never writes into its input). A
 * tensor lives from the step that produces it to the last step that reads it, so its lifetime is
 * exactly what a memory planner sees. `Tape` adds the backward pass of a training step.
 * @module
 */

/** One tensor's lifetime, as the planner takes it (steps inclusive; alignment: the default). */
export interface Lifetime {
  size: number;
  start: number;
  end: number;
}

/** A tensor of a graph: its index in `Graph.lifetimes()`. */
export type Tensor = number;

export const F32 = 4;
export const I64 = 8;

/** Ops in execution order, and the lifetimes they imply. */
export class Graph {
  private readonly tensors: Lifetime[] = [];
  private step = -1;

  /** A tensor given to the pass (the image, the token ids): produced by a step of its own. */
  input(size: number): Tensor {
    return this.op([], [size])[0] as Tensor;
  }

  /** One op, one step: reads `inputs` (each then lives at least to this step), makes outputs. */
  op(inputs: readonly Tensor[], outputSizes: readonly number[]): Tensor[] {
    this.step += 1;
    for (const t of inputs) {
      const tensor = this.tensors[t];
      if (tensor === undefined) throw new Error(`no tensor ${t}`);
      tensor.end = Math.max(tensor.end, this.step);
    }
    return outputSizes.map((size) => {
      if (!Number.isSafeInteger(size) || size < 0) throw new Error(`bad tensor size ${size}`);
      this.tensors.push({ size, start: this.step, end: this.step });
      return this.tensors.length - 1;
    });
  }

  /** The size of a tensor, in bytes. */
  size(t: Tensor): number {
    const tensor = this.tensors[t];
    if (tensor === undefined) throw new Error(`no tensor ${t}`);
    return tensor.size;
  }

  /**
   * The lifetimes, with `outputs` (what the caller reads after the pass) live to the last step.
   */
  lifetimes(outputs: readonly Tensor[]): Lifetime[] {
    for (const t of outputs) {
      const tensor = this.tensors[t];
      if (tensor === undefined) throw new Error(`no tensor ${t}`);
      tensor.end = this.step;
    }
    return this.tensors.map((t) => ({ ...t }));
  }
}

/** What the backward of one forward op needs. */
interface Recorded {
  /** Inputs whose gradient the backward op computes (activations, not the image or labels). */
  differentiable: Tensor[];
  /** The output the gradient flows back through (BN's statistics get none). */
  output: Tensor;
  /** Tensors the backward op reads: what autograd saves (inputs, outputs, indices, statistics). */
  saved: Tensor[];
  /** Sizes of the parameters' gradients it produces, which live until the optimizer step. */
  parameters: number[];
}

/**
 * An autograd tape over a `Graph`: forward ops are recorded with what their backward needs, and
 * `backward` appends the backward pass in reverse order, as PyTorch's engine runs it. A tensor
 * read by several forward ops receives several gradients, summed as they arrive (a new tensor
 * each time); every parameter gradient lives until its own SGD update, at the end, in parameter
 * (forward) order.
 */
export class Tape {
  private readonly recorded: Recorded[] = [];

  constructor(readonly graph: Graph) {}

  /** Runs one forward op and records it; returns its outputs. */
  op(
    inputs: readonly Tensor[],
    outputSizes: readonly number[],
    backward: {
      differentiable: readonly Tensor[];
      saved: (outputs: readonly Tensor[]) => readonly Tensor[];
      parameters?: readonly number[];
    },
  ): Tensor[] {
    const outputs = this.graph.op(inputs, outputSizes);
    const output = outputs[0];
    if (output === undefined) throw new Error('a recorded op has an output');
    this.recorded.push({
      differentiable: [...backward.differentiable],
      output,
      saved: [...backward.saved(outputs)],
      parameters: [...(backward.parameters ?? [])],
    });
    return outputs;
  }

  /** Appends the backward pass from `loss` and the optimizer updates; returns nothing live. */
  backward(loss: Tensor): void {
    const grads = new Map<Tensor, Tensor>();
    const [seed] = this.graph.op([], [this.graph.size(loss)]);
    if (seed === undefined) throw new Error('no seed gradient');
    grads.set(loss, seed);
    const parameterGrads: Tensor[][] = [];
    for (let i = this.recorded.length - 1; i >= 0; i--) {
      const op = this.recorded[i];
      if (op === undefined) continue;
      const grad = grads.get(op.output);
      if (grad === undefined) continue;
      grads.delete(op.output);
      const sizes = [...op.differentiable.map((t) => this.graph.size(t)), ...op.parameters];
      const outputs = this.graph.op([grad, ...op.saved], sizes);
      op.differentiable.forEach((input, k) => {
        const contribution = outputs[k];
        if (contribution === undefined) return;
        const previous = grads.get(input);
        if (previous === undefined) {
          grads.set(input, contribution);
        } else {
          const [sum] = this.graph.op([previous, contribution], [this.graph.size(input)]);
          if (sum !== undefined) grads.set(input, sum);
        }
      });
      parameterGrads[i] = outputs.slice(op.differentiable.length);
    }
    // optimizer.step(): one update per parameter, in the order the model lists them.
    for (const group of parameterGrads) {
      for (const g of group ?? []) this.graph.op([g], []);
    }
  }
}
