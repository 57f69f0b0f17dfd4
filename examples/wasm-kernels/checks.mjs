// The example's checks, runtime-neutral: the browser suite (__test__/browser/) runs them in
// headless Chromium and in Node against the browser entry, and run.mjs runs them against the
// package's Node entry. `m` is the package as the caller imported it.

import {
  copying,
  forward,
  loadKernels,
  makeMlp,
  reference,
  SIZES,
  sameBits,
  zeroCopy,
} from './mlp.mjs';

function ok(condition, message) {
  if (!condition) throw new Error(message);
}

/** `[name, fn]` pairs: each check of the example. */
export async function exampleChecks(m) {
  const kernels = await loadKernels();
  const checks = [];
  for (const size of SIZES) {
    checks.push([
      `wasm-kernels, ${size.name}: zero copy and copy in/out give the scalar reference's bits`,
      () => {
        const mlp = makeMlp(kernels, size.sizes, size.batch);
        const zero = zeroCopy(m, kernels, mlp);
        const copy = copying(kernels, mlp);
        for (let index = 0; index < 3; index++) {
          const expected = reference(mlp, index);
          const inPlace = zero.run(index, (logits) => {
            ok(logits.buffer === kernels.memory.buffer, "the logits are in the kernels' memory");
            return logits.slice();
          });
          ok(sameBits(inPlace, expected), `zero copy, pass ${index}: not the reference's bits`);
          const copied = copy.run(index, (logits) => logits);
          ok(sameBits(copied, expected), `copy in/out, pass ${index}: not the reference's bits`);
        }
        // Every tensor of the pass is in the module's memory, inside the block reserved for it.
        const { offset, bytes } = zero.pass.region;
        for (const view of zero.pass.views) {
          ok(view.buffer === kernels.memory.buffer, 'a view outside the module');
          ok(
            view.byteOffset >= offset && view.byteOffset + view.byteLength <= offset + bytes,
            'a view outside the block',
          );
        }
        zero.pass.dispose();
      },
    ]);
  }
  checks.push([
    'wasm-kernels: the pass follows memory.grow of the kernels module (views cut again)',
    () => {
      const mlp = makeMlp(kernels, [64, 32, 10], 2);
      const zero = zeroCopy(m, kernels, mlp);
      const before = zero.run(0, (logits) => logits);
      const pointer = before.byteOffset;
      kernels.memory.grow(1);
      ok(before.byteLength === 0, 'a view cut before the grow is dead');
      const after = zero.run(0, (logits) => logits.slice());
      ok(zero.pass.region.grows === 1, 'the pass says it moved to the new buffer');
      ok(zero.pass.views.at(-1).byteOffset === pointer, 'the same pointers');
      ok(sameBits(after, reference(mlp, 0)), 'the same bits after the grow');
      zero.pass.dispose();
    },
  ]);
  checks.push([
    'wasm-kernels: an arena carved from the kernels memory runs the same pass',
    () => {
      const mlp = makeMlp(kernels, [64, 32, 10], 2);
      const bytes = 1 << 16;
      const arena = new m.Arena(bytes, { memory: kernels.memory, offset: kernels.reserve(bytes) });
      for (let index = 0; index < 2; index++) {
        const logits = forward(
          { alloc: (T, n, a) => arena.alloc(T, n, a), free() {} },
          kernels,
          mlp,
          index,
        );
        ok(sameBits(logits, reference(mlp, index)), `arena pass ${index}`);
        arena.reset();
      }
      arena.dispose();
    },
  ]);
  return checks;
}
