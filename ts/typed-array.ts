/**
 * The typed array types the package hands out, known by identity.
 *
 * The constructors are captured when the package loads: a global replaced later
 * (`globalThis.Float32Array = ...`) is an unknown type, never a way to run user code on the hot
 * path or to make the package cut a view with a constructor it does not know.
 * @module
 */

import { mapLookup, mapStore, SafeMap, SafeTypeError } from './intrinsics';

/** Any of the eleven typed array types. */
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
  | BigUint64Array;

/** The constructor of a typed array type, e.g. `Float32Array` for `Float32Array`. */
export interface TypedArrayConstructor<T extends TypedArray> {
  new (buffer: ArrayBuffer, byteOffset: number, length: number): T;
  readonly BYTES_PER_ELEMENT: number;
}

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

// Identity, not `BYTES_PER_ELEMENT`: that alone would accept subclasses and look-alikes, which
// could run arbitrary code on the hot path. Why not a Map lookup: once `Arena.alloc` is inlined at
// a call site that always passes the same constructor, the optimizing compiler folds `===` tests
// to a constant, where a Map lookup stays a call (measured: `alloc` 24 ns with it, 19 without). Why
// Float32Array first, the rest in another function: V8 inlines a callee only while the caller's
// budget of inlined bytecode lasts (a `switch` over eleven cases is ~130 bytes), so the common
// case stays small and the others are inlined only where they are used.
/** `type.BYTES_PER_ELEMENT` if `type` is one of the eleven constructors, else `undefined`. */
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
    default:
      return undefined;
  }
}

/** The value a view of `type` is zeroed with: `0n` for the 64-bit integer types, else `0`. */
export function zeroOf(type: unknown): number | bigint {
  return type === I64 || type === U64 ? 0n : 0;
}

/** The eleven constructors, by name: how plans saved as JSON name a tensor's type. */
const BY_NAME: Map<string, TypedArrayConstructor<TypedArray>> = new SafeMap();
const ALL = [I8, U8, U8C, I16, U16, I32, U32, F32, F64, I64, U64] as const;
const NAMES = [
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
] as const;
for (let index = 0; index < ALL.length; index++) {
  mapStore(
    BY_NAME,
    NAMES[index] as string,
    ALL[index] as unknown as TypedArrayConstructor<TypedArray>,
  );
}

/** @internal The constructor named `name` (`'Float32Array'`), if it is one of the eleven. */
export function typeNamed(name: unknown): TypedArrayConstructor<TypedArray> | undefined {
  return typeof name === 'string' ? mapLookup(BY_NAME, name) : undefined;
}

/** @internal The name of one of the eleven constructors, as {@link typeNamed} takes it. */
export function typeName(type: TypedArrayConstructor<TypedArray>): string {
  for (let index = 0; index < ALL.length; index++) {
    if ((ALL[index] as unknown) === type) return NAMES[index] as string;
  }
  throw new SafeTypeError('not one of the typed array types');
}
