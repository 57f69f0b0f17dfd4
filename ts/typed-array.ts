/**
 * The typed array types the package hands out, known by identity: the one list of them.
 *
 * The constructors are captured when the package loads: a global replaced later
 * (`globalThis.Float32Array = ...`) is an unknown type, never a way to run user code on the hot
 * path or to make the package cut a view with a constructor it does not know. `Float16Array` is
 * one of them where the runtime has it (Node 24+, current browsers).
 * @module
 */

import {
  bufferOf,
  byteLengthOf,
  byteOffsetOf,
  fillView,
  mapLookup,
  mapStore,
  SafeMap,
  SafeTypeError,
  SafeUint8Array,
  typedArrayName,
} from './intrinsics';

/**
 * `Float16Array` where the TypeScript library in use declares it (`lib` `esnext.float16`, or
 * `esnext`), else `never`: the package's types do not require a library that has it.
 */
export type Float16ArrayOf = typeof globalThis extends { Float16Array: { prototype: infer P } }
  ? P
  : never;

/** Any of the typed array types (over any kind of buffer). */
export type TypedArray =
  | Int8Array
  | Uint8Array
  | Uint8ClampedArray
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | Float32Array
  | Float64Array
  | BigInt64Array
  | BigUint64Array
  | Float16ArrayOf;

/**
 * The constructor of a typed array type, e.g. `Float32Array` for `Float32Array`. The type a
 * constructor gives is read from its `prototype`: `Float32Array` over any buffer, so that a
 * `Pool<Float32Array>` takes back any `Float32Array`, whatever its buffer's type.
 */
export interface TypedArrayConstructor<T extends TypedArray> {
  readonly prototype: T;
  new (buffer: ArrayBuffer, byteOffset: number, length: number): T;
  readonly BYTES_PER_ELEMENT: number;
}

/** The name of a typed array type, as a plan saved as JSON names a tensor's type. */
export type TypedArrayName =
  | 'Int8Array'
  | 'Uint8Array'
  | 'Uint8ClampedArray'
  | 'Int16Array'
  | 'Uint16Array'
  | 'Int32Array'
  | 'Uint32Array'
  | 'Float32Array'
  | 'Float64Array'
  | 'BigInt64Array'
  | 'BigUint64Array'
  | 'Float16Array';

const F32 = Float32Array;
const F64 = Float64Array;
const U8 = Uint8Array;
const I32 = Int32Array;
const U32 = Uint32Array;
const I16 = Int16Array;
const U16 = Uint16Array;
const I8 = Int8Array;
const U8C = Uint8ClampedArray;
const I64 = BigInt64Array;
const U64 = BigUint64Array;
// Where the runtime has none, a value no `===` can match.
const F16: unknown = (globalThis as { Float16Array?: unknown }).Float16Array ?? Symbol('none');

// Identity, not `BYTES_PER_ELEMENT`: that alone would accept subclasses and look-alikes, which
// could run arbitrary code on the hot path. Why not a Map lookup: once `Arena.alloc` is inlined at
// a call site that always passes the same constructor, the optimizing compiler folds `===` tests
// to a constant, where a Map lookup stays a call (measured: `alloc` 24 ns with it, 19 without). Why
// Float32Array first, the rest in another function: V8 inlines a callee only while the caller's
// budget of inlined bytecode lasts (a `switch` over twelve cases is ~140 bytes), so the common
// case stays small and the others are inlined only where they are used.
/** `type.BYTES_PER_ELEMENT` if `type` is one of the typed array constructors, else `undefined`. */
export function elementSize(type: unknown): number | undefined {
  return type === F32 ? 4 : otherElementSize(type);
}

function otherElementSize(type: unknown): number | undefined {
  switch (type) {
    case F64:
      return 8;
    case U8:
      return 1;
    case I32:
      return 4;
    case U32:
      return 4;
    case I16:
      return 2;
    case U16:
      return 2;
    case I8:
      return 1;
    case U8C:
      return 1;
    case I64:
      return 8;
    case U64:
      return 8;
    case F16:
      return 2;
    default:
      return undefined;
  }
}

/** The value a view of `type` is zeroed with: `0n` for the 64-bit integer types, else `0`. */
export function zeroOf(type: unknown): number | bigint {
  return type === I64 || type === U64 ? 0n : 0;
}

/**
 * Fills a view given back with NaN (float types) or `0xDE` bytes, so that a use after it was
 * given back shows. A view whose memory was moved away (detached) has nothing to poison.
 */
export function poisonView(view: ArrayBufferView): void {
  if (byteLengthOf(view) === 0) return;
  if (isFloatName(typedArrayName(view))) fillView(view, Number.NaN);
  else fillView(new SafeUint8Array(bufferOf(view), byteOffsetOf(view), byteLengthOf(view)), 0xde);
}

/** Whether views of `type` hold floating-point numbers (poisoned with NaN rather than `0xDE`). */
export function isFloatName(name: string | undefined): boolean {
  return name === 'Float32Array' || name === 'Float64Array' || name === 'Float16Array';
}

/** The types this runtime has, in the order of {@link TypedArrayName}. */
const ALL: readonly unknown[] = [I8, U8, U8C, I16, U16, I32, U32, F32, F64, I64, U64, F16];
const NAMES: readonly TypedArrayName[] = [
  'Int8Array',
  'Uint8Array',
  'Uint8ClampedArray',
  'Int16Array',
  'Uint16Array',
  'Int32Array',
  'Uint32Array',
  'Float32Array',
  'Float64Array',
  'BigInt64Array',
  'BigUint64Array',
  'Float16Array',
];

/** The constructors this runtime has, by name: how plans saved as JSON name a tensor's type. */
const BY_NAME: Map<string, TypedArrayConstructor<TypedArray>> = new SafeMap();
for (let index = 0; index < ALL.length; index++) {
  if (typeof ALL[index] !== 'function') continue;
  mapStore(BY_NAME, NAMES[index] as string, ALL[index] as TypedArrayConstructor<TypedArray>);
}

/** The names of the types this runtime accepts, for error messages. */
export const ACCEPTED: string = (() => {
  let text = '';
  for (let index = 0; index < ALL.length; index++) {
    if (typeof ALL[index] !== 'function') continue;
    text += `${text === '' ? '' : ', '}${NAMES[index] as string}`;
  }
  return text;
})();

/** Whether this runtime has `Float16Array`. */
export const HAS_FLOAT16: boolean = typeof F16 === 'function';

/** @internal The constructor named `name` (`'Float32Array'`), if this runtime has that type. */
export function typeNamed(name: unknown): TypedArrayConstructor<TypedArray> | undefined {
  return typeof name === 'string' ? mapLookup(BY_NAME, name) : undefined;
}

/** @internal The name of one of the typed array constructors, as {@link typeNamed} takes it. */
export function typeName(type: TypedArrayConstructor<TypedArray>): TypedArrayName {
  for (let index = 0; index < ALL.length; index++) {
    if (ALL[index] === type) return NAMES[index] as TypedArrayName;
  }
  throw new SafeTypeError('not one of the typed array types');
}

/** @internal Every typed array constructor this runtime has (for the tests). */
export function typedArrayConstructors(): TypedArrayConstructor<TypedArray>[] {
  const out: TypedArrayConstructor<TypedArray>[] = [];
  for (let index = 0; index < ALL.length; index++) {
    if (typeof ALL[index] === 'function') out.push(ALL[index] as TypedArrayConstructor<TypedArray>);
  }
  return out;
}
