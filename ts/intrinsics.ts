/**
 * The builtins the facade relies on, captured when the package loads.
 *
 * A safety decision (what is live, what is free, which buffer a view is cut from) must not rest
 * on anything user code can replace. Code in the same realm can patch `Array.prototype.pop`,
 * `Math.floor`, `TypedArray.prototype.fill`, the `buffer` getter, `Promise.prototype.then`, or
 * give an object an own `transfer` property; a facade that called them at the time of use
 * would take its answers from that code (handing one pool slot out twice, or renewing a buffer
 * it was lied to about). So everything below is read once, here, before any of the package's
 * objects exist, and called through `Reflect.apply` on its target, never through a property
 * lookup on a user-reachable object. The native side still checks every outcome that frees or
 * ends memory (crates/node/src/block.rs): captured is not trusted, only harder to fool.
 *
 * What stays out of reach on purpose: element reads and writes of the facade's own arrays
 * (own, dense elements: no prototype lookup), private fields (`#x`: no lookup at all), `typeof`,
 * `===`, arithmetic and `new` on a captured constructor.
 * @internal
 * @module
 */

const { apply, getOwnPropertyDescriptor, getPrototypeOf, setPrototypeOf } = Reflect;
const ArrayPrototype = Array.prototype;

/**
 * `uncurry(fn)(self, ...args)` calls `fn` with `self` as `this`: `Function.prototype.call`
 * bound to `fn`, so the call goes to the captured `call` and `fn` whatever either property
 * holds later (Node's primordials are made the same way). Twice as fast as `Reflect.apply`
 * here (measured, Node 24: a getter through it 13 ns, through `Reflect.apply` 29 ns).
 */
export const uncurry = Function.prototype.bind.bind(Function.prototype.call) as <
  T,
  A extends unknown[],
  R,
>(
  fn: (this: T, ...args: A) => R,
) => (self: T, ...args: A) => R;

/** The getter of `object[name]`, from the prototype that defines it, uncurried. */
function getter<T>(object: object, name: string | symbol): (self: unknown) => T {
  const descriptor = getOwnPropertyDescriptor(object, name);
  const get = descriptor?.get as ((this: unknown) => T) | undefined;
  if (get === undefined) throw new Error(`the runtime has no ${String(name)} getter to capture`);
  return uncurry(get);
}

/** The arguments of a call with none: one array for all (`Reflect.apply` copies it). */
export const NO_ARGS: [] = [];

/** `Reflect.apply`, captured. */
export const reflectApply: typeof Reflect.apply = apply;

const TypedArrayPrototype: object = getPrototypeOf(Uint8Array.prototype) as object;
const typedArrayBuffer = getter<ArrayBufferLike>(TypedArrayPrototype, 'buffer');
const typedArrayByteOffset = getter<number>(TypedArrayPrototype, 'byteOffset');
const typedArrayByteLength = getter<number>(TypedArrayPrototype, 'byteLength');
const typedArrayLength = getter<number>(TypedArrayPrototype, 'length');
// Returns the constructor's name for a typed array and `undefined` for anything else, without
// throwing: the one brand check a typed array has.
const typedArrayTag = getter<string | undefined>(TypedArrayPrototype, Symbol.toStringTag);
const typedArrayFill = uncurry(
  (TypedArrayPrototype as { fill: (this: unknown, value: unknown) => unknown }).fill,
);
const dataViewBuffer = getter<ArrayBufferLike>(DataView.prototype, 'buffer');
const dataViewByteOffset = getter<number>(DataView.prototype, 'byteOffset');
const dataViewByteLength = getter<number>(DataView.prototype, 'byteLength');
const arrayBufferByteLength = getter<number>(ArrayBuffer.prototype, 'byteLength');
// Absent where the runtime has no SharedArrayBuffer (a page that is not cross-origin isolated).
const SharedBuffer = (globalThis as { SharedArrayBuffer?: SharedArrayBufferConstructor })
  .SharedArrayBuffer;
const sharedBufferByteLength =
  SharedBuffer === undefined ? undefined : getter<number>(SharedBuffer.prototype, 'byteLength');
// Static functions need no `this`: a captured reference is called as it is.
const isView = ArrayBuffer.isView;
const isArray = Array.isArray;
const isSafeInteger = Number.isSafeInteger;
const objectIs = Object.is;
const jsonStringify = JSON.stringify;
const weakMapGet = uncurry(WeakMap.prototype.get) as (
  map: WeakMap<object, unknown>,
  key: object,
) => unknown;
const weakMapSet = uncurry(WeakMap.prototype.set) as (
  map: WeakMap<object, unknown>,
  key: object,
  value: unknown,
) => unknown;
const weakMapHas = uncurry(WeakMap.prototype.has) as (
  map: WeakMap<object, unknown>,
  key: object,
) => boolean;
const weakSetAddMethod = uncurry(WeakSet.prototype.add) as (
  set: WeakSet<object>,
  value: object,
) => unknown;
const weakSetHasMethod = uncurry(WeakSet.prototype.has) as (
  set: WeakSet<object>,
  value: object,
) => boolean;
const mapGet = uncurry(Map.prototype.get) as (map: Map<unknown, unknown>, key: unknown) => unknown;
const mapSet = uncurry(Map.prototype.set) as (
  map: Map<unknown, unknown>,
  key: unknown,
  value: unknown,
) => unknown;
const arraySort = uncurry(Array.prototype.sort) as (
  list: unknown[],
  compare: (a: never, b: never) => number,
) => unknown;
const stringSlice = uncurry(String.prototype.slice) as (
  text: string,
  start: number,
  end: number,
) => string;

/** The captured constructors, for `new` and for `===` tests. */
export const SafeWeakMap: WeakMapConstructor = WeakMap;
export const SafeMap: MapConstructor = Map;
export const SafeWeakSet: WeakSetConstructor = WeakSet;
export const SafeTypeError: TypeErrorConstructor = TypeError;
export const SafeRangeError: RangeErrorConstructor = RangeError;
export const SafeError: ErrorConstructor = Error;
export const SafeArrayBuffer: ArrayBufferConstructor = ArrayBuffer;
/** `SharedArrayBuffer`, or `undefined` where the runtime has none. */
export const SafeSharedArrayBuffer: SharedArrayBufferConstructor | undefined = SharedBuffer;
export const SafeDataView: DataViewConstructor = DataView;
export const SafeUint8Array: Uint8ArrayConstructor = Uint8Array;
export const SafeUint32Array: Uint32ArrayConstructor = Uint32Array;
export const SafeInt32Array: Int32ArrayConstructor = Int32Array;
export const SafeFloat64Array: Float64ArrayConstructor = Float64Array;

/** `ArrayBuffer.isView(value)`: a typed array or a `DataView`. */
export function isBufferView(value: unknown): value is ArrayBufferView {
  return isView(value);
}

/** `Array.isArray(value)`. */
export function isArrayValue(value: unknown): value is unknown[] {
  return isArray(value);
}

/** `Number.isSafeInteger(value)`. */
export function isSafeIntegerValue(value: unknown): value is number {
  return isSafeInteger(value);
}

/** `Object.is(a, b)`. */
export function sameValue(a: unknown, b: unknown): boolean {
  return objectIs(a, b);
}

/**
 * The name of `value`'s typed array type (`'Float32Array'`) from its internal slot, or
 * `undefined` if it is not a typed array; no property of `value` is read.
 */
export function typedArrayName(value: unknown): string | undefined {
  return typedArrayTag(value);
}

/** Whether `view` is a `DataView` (a view that is not a typed array). */
function isDataView(view: ArrayBufferView): boolean {
  return typedArrayName(view) === undefined;
}

/** The buffer a view was cut from (its internal slot: no getter or own property can lie). */
export function bufferOf(view: ArrayBufferView): ArrayBufferLike {
  return isDataView(view) ? dataViewBuffer(view) : typedArrayBuffer(view);
}

/** A view's byte offset in its buffer, from its internal slot. */
export function byteOffsetOf(view: ArrayBufferView): number {
  return isDataView(view) ? dataViewByteOffset(view) : typedArrayByteOffset(view);
}

/** A view's length in bytes (0 once its buffer is detached), from its internal slot. */
export function byteLengthOf(view: ArrayBufferView): number {
  return isDataView(view) ? dataViewByteLength(view) : typedArrayByteLength(view);
}

/** A typed array's length in elements, from its internal slot. */
export function lengthOf(view: ArrayBufferView): number {
  return typedArrayLength(view);
}

/** A buffer's length in bytes (0 once detached), from its internal slot. */
export function bufferByteLength(buffer: ArrayBufferLike): number {
  return arrayBufferByteLength(buffer);
}

/** Whether `value` is a `SharedArrayBuffer` (by its internal slots, not its prototype). */
export function isSharedBuffer(value: unknown): value is SharedArrayBuffer {
  if (sharedBufferByteLength === undefined) return false;
  try {
    sharedBufferByteLength(value);
    return true;
  } catch {
    return false;
  }
}

/**
 * The length of `value` if it is an `ArrayBuffer` (0 once detached) or a `SharedArrayBuffer`,
 * from its internal slots; `undefined` for anything else.
 */
export function anyBufferLength(value: unknown): number | undefined {
  try {
    return arrayBufferByteLength(value);
  } catch {
    if (sharedBufferByteLength === undefined) return undefined;
    try {
      return sharedBufferByteLength(value);
    } catch {
      return undefined;
    }
  }
}

/** `view.fill(value)` with the builtin, whatever `fill` the view or its prototype has now. */
export function fillView(view: ArrayBufferView, value: number | bigint): void {
  typedArrayFill(view, value);
}

/**
 * A new empty array with no prototype, for the facade's own lists. An assignment to an index an
 * array does not have yet (`list[n] = value`, `list.push(value)`) looks the index up on the
 * prototype chain first, and runs any setter user code put there (on `Array.prototype` or
 * `Object.prototype`), which would see the value and swallow it. With no prototype there is no
 * chain: appending is a plain store (16 ns, where `Reflect.defineProperty` took 500 ns), and a
 * read past the end is `undefined`. Such a list has no methods: index loops only.
 */
export function list<T>(): T[] {
  const out: T[] = [];
  setPrototypeOf(out, null);
  return out;
}

/** Appends `value` to `list`, a list made by {@link list}. */
export function append<T>(list: T[], value: T): void {
  list[list.length] = value;
}

/** A list made by {@link list}, given back its methods: for arrays handed to users. */
export function publicArray<T>(list: T[]): T[] {
  setPrototypeOf(list, ArrayPrototype);
  return list;
}

/** A new list of `length` elements, each `value` (see {@link list}). */
export function filled<T>(length: number, value: T): T[] {
  const out = list<T>();
  for (let index = 0; index < length; index++) append(out, value);
  return out;
}

/** `weakMap.get(key)`. */
export function weakGet<K extends object, V>(map: WeakMap<K, V>, key: K): V | undefined {
  return weakMapGet(map, key) as V | undefined;
}

/** `weakMap.set(key, value)`. */
export function weakSet<K extends object, V>(map: WeakMap<K, V>, key: K, value: V): void {
  weakMapSet(map, key, value);
}

/** `weakMap.has(key)`. */
export function weakHas<K extends object, V>(map: WeakMap<K, V>, key: K): boolean {
  return weakMapHas(map, key);
}

/** `weakSet.add(value)`. */
export function weakSetAdd<T extends object>(set: WeakSet<T>, value: T): void {
  weakSetAddMethod(set, value);
}

/** `weakSet.has(value)`. */
export function weakSetHas<T extends object>(set: WeakSet<T>, value: T): boolean {
  return weakSetHasMethod(set, value);
}

/** `map.get(key)`. */
export function mapLookup<K, V>(map: Map<K, V>, key: K): V | undefined {
  return mapGet(map, key) as V | undefined;
}

/** `map.set(key, value)`. */
export function mapStore<K, V>(map: Map<K, V>, key: K, value: V): void {
  mapSet(map, key, value);
}

/** `list.sort(compare)` with the builtin. */
export function sortList<T>(list: T[], compare: (a: T, b: T) => number): void {
  arraySort(list, compare as (a: never, b: never) => number);
}

/** `JSON.stringify(value)`. */
export function toJSONText(value: unknown): string {
  return jsonStringify(value);
}

/** `text.slice(start, end)`. */
export function sliceText(text: string, start: number, end: number): string {
  return stringSlice(text, start, end);
}

/** The larger of two numbers (`Math.max` can be replaced). */
export function max(a: number, b: number): number {
  // biome-ignore lint/complexity/useMathMinMax: `Math.max` is what this replaces.
  return a > b ? a : b;
}

/** The smaller of two numbers. */
export function min(a: number, b: number): number {
  // biome-ignore lint/complexity/useMathMinMax: `Math.min` is what this replaces.
  return a < b ? a : b;
}

/** `Math.floor` of a non-negative number below 2 ** 53 (`Math.floor` can be replaced). */
export function floorOf(value: number): number {
  return value - (value % 1);
}
