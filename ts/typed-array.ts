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

// A Map lookup is the cheapest exact test: `BYTES_PER_ELEMENT` alone would accept subclasses and
// look-alikes, which could run arbitrary code on the hot path.
const ELEMENT_SIZE = new Map<unknown, number>([
  [Int8Array, 1],
  [Uint8Array, 1],
  [Uint8ClampedArray, 1],
  [Int16Array, 2],
  [Uint16Array, 2],
  [Int32Array, 4],
  [Uint32Array, 4],
  [Float32Array, 4],
  [Float64Array, 8],
  [BigInt64Array, 8],
  [BigUint64Array, 8],
]);

/** `type.BYTES_PER_ELEMENT` if `type` is one of the eleven constructors, else `undefined`. */
export function elementSize(type: unknown): number | undefined {
  return ELEMENT_SIZE.get(type);
}
