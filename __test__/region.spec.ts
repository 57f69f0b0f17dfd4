// Region memory (ts/region.ts): arenas and planned passes laid in memory the caller owns, with the
// native addon loaded (the browser suite checks the same against the browser entry). Nothing is
// detached there; holds, poison and memory.grow follow the rules of memory that cannot be
// detached.
import test from 'ava';

import { Arena, MemoryPlan, memoryStats, type PassMemory } from '../ts/index';
import { throwsCode } from './helpers';

const wasm = (
  globalThis as unknown as {
    WebAssembly: {
      Memory: new (d: {
        initial: number;
        maximum?: number;
      }) => {
        buffer: ArrayBuffer;
        grow(pages: number): number;
      };
    };
  }
).WebAssembly;

function forward(mem: PassMemory, input: number): Float32Array {
  const hidden = mem.alloc(Float32Array, 64, 64);
  hidden.fill(input);
  const out = mem.alloc(Float32Array, 8);
  out.set(hidden.subarray(0, 8));
  mem.free(hidden);
  return out;
}

test('an arena in a WebAssembly.Memory cuts views at its pointers and holds no memory of ours', (t) => {
  const before = memoryStats();
  const memory = new wasm.Memory({ initial: 1 });
  const arena = new Arena(4096, { memory, offset: 1024 });
  const view = arena.alloc(Float32Array, 4, 64);
  t.is(view.buffer, memory.buffer);
  t.is(view.byteOffset, 1024);
  t.is(arena.offsetOf(view), 0);
  t.deepEqual(memoryStats(), before, 'the memory is the caller’s');
  t.is(arena.region?.offset, 1024);
  t.is(arena.region?.bytes, 4096);
  throwsCode(t, () => arena.alloc(Uint8Array, 4096), RangeError, 'ERR_ARENA_EXHAUSTED');
  arena.dispose();
  throwsCode(t, () => arena.region, Error, 'ERR_DISPOSED');
});

test('alignment in a region is on the offsets of the memory, which are its pointers', (t) => {
  const memory = new wasm.Memory({ initial: 1 });
  const arena = new Arena(8192, { memory, offset: 100 });
  for (const alignment of [1, 16, 64, 4096]) {
    t.is(arena.allocate(3, alignment).byteOffset % alignment, 0, `alignment ${alignment}`);
  }
});

test('reset, scope close and dispose detach nothing over a region, and poison what they give back', (t) => {
  const memory = new wasm.Memory({ initial: 1 });
  const arena = new Arena(4096, { memory, poison: true });
  const kept = arena.alloc(Uint8Array, 16);
  kept.fill(1);
  const scope = arena.scope();
  const inner = arena.alloc(Uint8Array, 16);
  inner.fill(2);
  scope.close();
  t.is(inner.byteLength, 16, 'a dead view stays attached');
  t.is(inner[0], 0xde);
  t.is(kept[0], 1);
  arena.reset();
  t.is(kept[0], 0xde);
  const again = arena.alloc(Uint8Array, 16);
  t.is(again.byteOffset, 0, 'the same memory, from the start');
  arena.dispose();
});

test('holds keep a region arena from reset, scope close and dispose', async (t) => {
  const arena = new Arena(1024, { memory: new ArrayBuffer(1024) });
  const scope = arena.scope();
  arena.alloc(Uint8Array, 8);
  let settle = (): void => {};
  const held = arena.hold(new Promise<void>((resolve) => (settle = resolve)));
  throwsCode(t, () => arena.reset(), Error, 'ERR_BUSY');
  throwsCode(t, () => scope.close(), Error, 'ERR_BUSY');
  throwsCode(t, () => arena.dispose(), Error, 'ERR_BUSY');
  settle();
  await held;
  scope.close();
  arena.dispose();
  t.pass();
});

test('after memory.grow the arena cuts from the new buffer at the same offsets, and says so', (t) => {
  const memory = new wasm.Memory({ initial: 1, maximum: 4 });
  const arena = new Arena(4096, { memory, offset: 64 });
  const first = arena.alloc(Float32Array, 4);
  first[0] = 2.5;
  t.is(arena.region?.grows, 0);
  memory.grow(1);
  t.is(first.byteLength, 0, 'views cut before the grow are dead');
  const next = arena.alloc(Float32Array, 4);
  t.is(next.buffer, memory.buffer);
  t.is(next.byteOffset, 64 + 16);
  t.is(arena.region?.grows, 1);
  t.is(arena.region?.buffer, memory.buffer);
  t.is(new Float32Array(memory.buffer, 64, 1)[0], 2.5);
  arena.reset();
  t.is(arena.alloc(Float32Array, 4).buffer, memory.buffer);
});

test('ArrayBuffer and SharedArrayBuffer regions', (t) => {
  const buffer = new ArrayBuffer(1024);
  const arena = new Arena(512, { memory: buffer, offset: 512 });
  const view = arena.alloc(Uint8Array, 4);
  t.is(view.buffer, buffer);
  arena.dispose();
  t.is(view.byteLength, 4, "the caller's buffer is not detached");
  const shared = new SharedArrayBuffer(256);
  const sharedArena = new Arena(128, { memory: shared, offset: 128 });
  t.is(sharedArena.alloc(Int32Array, 2).buffer, shared as unknown as ArrayBuffer);
});

test('bad region options are coded errors', (t) => {
  const memory = new wasm.Memory({ initial: 1 });
  throwsCode(
    t,
    () => new Arena(64, { memory, growable: true }),
    TypeError,
    'ERR_INVALID_ARG_VALUE',
  );
  throwsCode(
    t,
    () => new Arena(64, { memory, maxCapacity: 128 }),
    TypeError,
    'ERR_INVALID_ARG_VALUE',
  );
  throwsCode(t, () => new Arena(1 << 20, { memory }), RangeError, 'ERR_OUT_OF_RANGE');
  throwsCode(t, () => new Arena(64, { memory, offset: -1 }), RangeError, 'ERR_OUT_OF_RANGE');
  throwsCode(
    t,
    () => new Arena(64, { memory, offset: '8' as unknown as number }),
    TypeError,
    'ERR_INVALID_ARG_TYPE',
  );
  throwsCode(
    t,
    () => new Arena(64, { memory: {} as ArrayBuffer }),
    TypeError,
    'ERR_INVALID_ARG_TYPE',
  );
  throwsCode(
    t,
    () => new Arena(64, { memory, poison: 1 as unknown as boolean }),
    TypeError,
    'ERR_INVALID_ARG_TYPE',
  );
});

test('a planned pass in a WebAssembly.Memory: at the offset, cut again after a grow, poisoned on dispose', (t) => {
  const memory = new wasm.Memory({ initial: 1, maximum: 4 });
  const plan = MemoryPlan.record((mem) => forward(mem, 1));
  throwsCode(t, () => plan.instantiate({ memory, offset: 8 }), RangeError, 'ERR_INVALID_ALIGNMENT');
  const pass = plan.instantiate({ memory, offset: 4096, poison: true });
  const out = pass.run((mem) => forward(mem, 3));
  const pointer = out.byteOffset;
  t.is(out.buffer, memory.buffer);
  t.true(pointer >= 4096 && pointer < 4096 + plan.bytes);
  t.is(out[0], 3);
  memory.grow(1);
  const again = pass.run((mem) => forward(mem, 4));
  t.is(again.buffer, memory.buffer);
  t.is(again.byteOffset, pointer);
  t.is(pass.region?.grows, 1);
  t.is(again[0], 4);
  pass.dispose();
  t.true(Number.isNaN(again[0]), 'float tensors read NaN after a poisoned dispose');
});

test('a scope open across memory.grow: its claims and the ones after its close use the new buffer', (t) => {
  const memory = new wasm.Memory({ initial: 1, maximum: 4 });
  const arena = new Arena(8192, { memory });
  arena.alloc(Uint8Array, 16);
  const scope = arena.scope();
  const inner = arena.alloc(Uint8Array, 16);
  memory.grow(1);
  t.is(inner.byteLength, 0);
  const grown = arena.alloc(Uint8Array, 16);
  t.is(grown.buffer, memory.buffer);
  scope.close();
  const after = arena.alloc(Uint8Array, 16);
  t.is(after.buffer, memory.buffer, 'the buffer restored by the close is from before the grow');
  t.is(after.byteOffset, 16);
  t.is(arena.region?.grows, 1);
});
