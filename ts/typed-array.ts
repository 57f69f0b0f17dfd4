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

// Identity, not `BYTES_PER_ELEMENT`: that alone would accept subclasses and look-alikes, which
// could run arbitrary code on the hot path. Why not a Map lookup: once `Arena.alloc` is inlined at
// a call site that always passes the same constructor, the optimizing compiler folds `===` tests
// to a constant, where a Map lookup stays a call (measured: `alloc` 24 ns with it, 19 without). Why
// Float32Array first, the rest in another function: V8 inlines a callee only while the caller's
// budget of inlined bytecode lasts (a `switch` over eleven cases is ~130 bytes), so the common
// case stays small and the others are inlined only where they are used.
/** `type.BYTES_PER_ELEMENT` if `type` is one of the eleven constructors, else `undefined`. */
export function elementSize(type: unknown): number | undefined {
  return type === Float32Array ? 4 : otherElementSize(type);
}

function otherElementSize(type: unknown): number | undefined {
  switch (type) {
    case Float64Array:
      return 8;
    case Uint8Array:
      return 1;
    case Int32Array:
      return 4;
    case Uint32Array:
      return 4;
    case Int16Array:
      return 2;
    case Uint16Array:
      return 2;
    case Int8Array:
      return 1;
    case Uint8ClampedArray:
      return 1;
    case BigInt64Array:
      return 8;
    case BigUint64Array:
      return 8;
    default:
      return undefined;
  }
}

/** The eleven constructors, by name: how plans saved as JSON name a tensor's type. */
const BY_NAME: ReadonlyMap<string, TypedArrayConstructor<TypedArray>> = new Map(
  [
    Int8Array,
    Uint8Array,
    Uint8ClampedArray,
    Int16Array,
    Uint16Array,
    Int32Array,
    Uint32Array,
    Float32Array,
    Float64Array,
    BigInt64Array,
    BigUint64Array,
  ].map((type) => [type.name, type as unknown as TypedArrayConstructor<TypedArray>]),
);

/** @internal The constructor named `name` (`'Float32Array'`), if it is one of the eleven. */
export function typeNamed(name: unknown): TypedArrayConstructor<TypedArray> | undefined {
  return typeof name === 'string' ? BY_NAME.get(name) : undefined;
}

/** @internal The name of one of the eleven constructors, as {@link typeNamed} takes it. */
export function typeName(type: TypedArrayConstructor<TypedArray>): string {
  return (type as unknown as { name: string }).name;
}
