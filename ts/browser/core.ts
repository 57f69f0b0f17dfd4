/**
 * The core compiled to WebAssembly (`crates/wasm`), as the browser backend calls it: every rule
 * and the planner, numbers in and numbers out.
 *
 * The module is instantiated once, by the entry (`entry.mts`), before any facade module runs;
 * {@link install} hands it here. Its exports are a frozen object no user code can reach, and
 * the builtins used to read its memory and messages are captured when this module loads, so the
 * answers the backend acts on come from the core, not from the realm.
 *
 * A refusal is a negative result, `-(1 + i)` for `ErrorCode::ALL[i]` (`crates/codes`), with its
 * message left in the module's memory: {@link call} turns it into the package's coded error, with
 * the core's words, as the native binding throws it. (Made here, from the module's list of codes
 * and classes, not with `errors.ts`: the facade's modules load this one through `native.ts`.)
 * @internal
 * @module
 */

import {
  append,
  lengthOf,
  list,
  reflectApply,
  SafeError,
  SafeFloat64Array,
  SafeRangeError,
  SafeTypeError,
  SafeUint8Array,
} from '../intrinsics';

/** What the module exports (`crates/wasm/src/lib.rs`): functions of numbers, and its memory. */
export interface CoreExports {
  readonly memory: object;
  readonly constant: (index: number) => number;
  readonly check_alignment: (alignment: number) => number;
  readonly layout: (size: number, alignment: number) => number;
  readonly arena_options: (capacity: number, growable: number, max: number) => number;
  readonly next_block_size: (
    growable: number,
    max: number,
    last: number,
    capacity: number,
    available: number,
    size: number,
    alignment: number,
  ) => number;
  readonly reset_retained: (
    mode: number,
    limit: number,
    first: number,
    capacity: number,
    initial: number,
  ) => number;
  readonly slot_stride: (size: number, alignment: number) => number;
  readonly chunk_size: (slots: number, stride: number) => number;
  readonly shadow_len: (bytes: number) => number;
  readonly columns: (n: number) => number;
  readonly plan_lifetimes: (n: number, effort: number, timeLimit: number) => number;
  readonly plan_greedy_by_size: (n: number) => number;
  readonly plan_check: (n: number) => number;
  readonly plan_verify: (n: number) => number;
  readonly error_codes: () => number;
  readonly message_ptr: () => number;
  readonly message_len: () => number;
}

/** The parts of the `WebAssembly` namespace used here (the package needs no DOM types). */
interface WasmNamespace {
  Memory: { prototype: object };
  Instance: new (module: object, imports: object) => { readonly exports: CoreExports };
  Module: { prototype: object };
}

const wasm = (globalThis as unknown as { WebAssembly: WasmNamespace }).WebAssembly;
const memoryBuffer = (
  Reflect.getOwnPropertyDescriptor(wasm.Memory.prototype, 'buffer') as PropertyDescriptor
).get as (this: object) => ArrayBuffer;
const SafeInstance = wasm.Instance;
const decoderPrototype = TextDecoder.prototype;
const decode = decoderPrototype.decode;
const decoder = new TextDecoder();
const now = performance.now;
const timeSource = performance;

let core: CoreExports | undefined;
let compiled: object | undefined;

/** What the module imports: the planner's clock (`lightwatch.now`, milliseconds). */
export function imports(): object {
  return { lightwatch: { now: (): number => reflectApply(now, timeSource, []) as number } };
}

/**
 * Installs the instantiated module (the entry does, once). `module` is kept to make a fresh
 * instance if the running one ever traps (the system refused it memory): see {@link call}.
 */
export function install(instance: { readonly exports: CoreExports }, module: object): void {
  core = instance.exports;
  compiled = module;
}

function loaded(): CoreExports {
  if (core === undefined) {
    throw coreError('ERR_INVALID_STATE', 'Error', 'the WebAssembly core is not loaded yet');
  }
  return core;
}

const defineOwn = Reflect.defineProperty;

/** An error of `kind` with `code`, as `codedError` (`errors.ts`) makes them. */
function coreError(
  code: string,
  kind: CodeEntry['class'],
  message: string,
): Error & { code: string } {
  const error =
    kind === 'TypeError'
      ? new SafeTypeError(message)
      : kind === 'RangeError'
        ? new SafeRangeError(message)
        : new SafeError(message);
  reflectApply(defineOwn, undefined, [
    error,
    'code',
    { __proto__: null, value: code, writable: true, enumerable: true, configurable: true },
  ]);
  return error as Error & { code: string };
}

/** The module's memory now (it may grow, and a grown memory has a new buffer). */
export function memory(): ArrayBuffer {
  return reflectApply(memoryBuffer, loaded().memory, []) as ArrayBuffer;
}

/**
 * Calls `fn` on the exports and returns its answer, or throws the core's refusal as the
 * package's coded error. A trap (the module could not grow its memory, or a bug) becomes
 * `ERR_OUT_OF_MEMORY` and a fresh instance, so that no half-finished state of the old one is
 * used again.
 */
export function call(fn: (core: CoreExports) => number): number {
  const target = loaded();
  let result: number;
  try {
    result = fn(target);
  } catch (error) {
    if (compiled !== undefined) core = new SafeInstance(compiled, imports()).exports;
    throw coreError(
      'ERR_OUT_OF_MEMORY',
      'RangeError',
      `out of memory: the WebAssembly core stopped (${error instanceof Error ? error.message : 'trap'})`,
    );
  }
  if (result >= 0) return result;
  throw refusal(target, result);
}

/** The coded error of refusal `result`, with the message the core left. */
function refusal(target: CoreExports, result: number): Error & { code: string } {
  const text = message(target);
  const entry = errorCodeList()[-result - 1];
  return entry === undefined
    ? coreError('ERR_INVALID_STATE', 'Error', text)
    : coreError(entry.code, entry.class, text);
}

function message(target: CoreExports): string {
  const at = target.message_ptr();
  const length = target.message_len();
  const bytes = new SafeUint8Array(memory(), at, length);
  return reflectApply(decode, decoder, [bytes]) as string;
}

/** One code of the one list, with its class. */
export interface CodeEntry {
  code: string;
  class: 'Error' | 'TypeError' | 'RangeError';
}

let codeList: CodeEntry[] | undefined;

/** The one list of codes (`ErrorCode::ALL`, `crates/codes`), read once. */
export function errorCodeList(): CodeEntry[] {
  if (codeList !== undefined) return codeList;
  const target = loaded();
  target.error_codes();
  const text = message(target);
  // `CODE Class` lines, read by index: no string method user code could replace.
  const entries = list<CodeEntry>();
  let code = '';
  let kind = '';
  let inClass = false;
  for (let at = 0; at < text.length; at++) {
    const char = text[at] as string;
    if (char === '\n') {
      append(entries, { code, class: kind as CodeEntry['class'] });
      code = '';
      kind = '';
      inClass = false;
    } else if (char === ' ') {
      inClass = true;
    } else if (inClass) {
      kind += char;
    } else {
      code += char;
    }
  }
  codeList = entries;
  return entries;
}

/** A constant of the core, by its index in `constant` (`crates/wasm/src/rules.rs`). */
export function constant(index: number): number {
  return call((c) => c.constant(index));
}

/**
 * Room for `n` tensors in the module's memory (see `crates/wasm/src/plan.rs`): where it is. Its
 * cells are sizes, alignments, starts, ends, freed, offsets (`n` each), then four figures.
 */
export function columns(n: number): number {
  return call((c) => c.columns(n));
}

/** The cells at `at` for `n` tensors, over the module's memory as it is now (it may grow). */
export function cells(at: number, n: number): Float64Array {
  return new SafeFloat64Array(memory(), at, 6 * n + 4);
}

/** The length of a column the facade made (its `length` getter, captured). */
export function columnLength(column: Float64Array | Uint8Array): number {
  return lengthOf(column);
}
