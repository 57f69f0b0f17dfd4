// The tampering property test's hostile realm: around each operation, random replacements of
// prototype methods, getters, own properties, index accessors and globals, which lie with another
// live buffer, throw, or call back into the package (running the nested step), each with its undo,
// so that the checks after the step run in a realm restored to what it was.
import { TYPED_ARRAY_PROTOTYPE } from '../tamper';
import { nested } from './step';
import { DEBUG, tracing } from './trace';
import { push, type World } from './world';

// Captured before any tampering: the realm must be able to undo itself, whatever it replaced.
const { apply, defineProperty, deleteProperty, getOwnPropertyDescriptor } = Reflect;
const hasOwn = Object.hasOwn;
/** A view's buffer from its slot, whatever is patched: the realm lies with it, a move takes it. */
export const getBuffer = getOwnPropertyDescriptor(TYPED_ARRAY_PROTOTYPE, 'buffer')
  ?.get as () => unknown;

/** Thrown by the realm's replacements: not the package's error. */
export class TamperError {
  // Not an `Error` subclass: its construction must not depend on anything the realm replaced.
  constructor(readonly message: string) {}
}

export type Undo = () => void;

/** Replaces `object[key]` and returns how to undo it. */
function replace(object: object, key: PropertyKey, descriptor: PropertyDescriptor): Undo {
  if (DEBUG) push(tracing.tampered, `${String(key)}${'get' in descriptor ? ' getter' : ''}`);
  const saved = getOwnPropertyDescriptor(object, key);
  const hadOwn = hasOwn(object, key);
  try {
    defineProperty(object, key, { configurable: true, ...descriptor });
  } catch {
    return () => {};
  }
  return () => {
    if (hadOwn && saved !== undefined) defineProperty(object, key, saved);
    else deleteProperty(object, key);
  };
}

/** Something hostile a replacement does: lie with another live buffer, throw, or call back. */
function hostile(world: World): (...args: unknown[]) => unknown {
  const mode = world.int(4);
  return function (this: unknown, ..._args: unknown[]) {
    switch (mode) {
      case 0: {
        const other = world.pick(world.handed);
        return other === undefined ? undefined : apply(getBuffer, other.view, []);
      }
      case 1:
        throw new TamperError('the realm threw');
      case 2:
        reenter(world);
        return this;
      default:
        return 42;
    }
  };
}

/** Calls back into the package from inside one of its calls, recording what it hands out. */
function reenter(_world: World): void {
  const step = nested.step;
  nested.step = undefined;
  if (step === undefined) return;
  nested.ran = true;
  let result: unknown;
  try {
    result = step.act();
  } catch {
    // Whatever the nested call refused is the outer step's business; its record is not made.
    return;
  }
  step.done(result);
}

const TYPED_METHODS = ['fill', 'set', 'subarray', 'slice', 'map', 'every', 'at'];
const TYPED_GETTERS = ['buffer', 'byteOffset', 'byteLength', 'length'];
const VIEW_KEYS = ['buffer', 'byteOffset', 'byteLength', 'length', 'then', 'constructor'];
const INDICES = ['0', '1', '2', '3'];
const BUFFER_KEYS = ['transfer', 'detached', 'byteLength', 'slice', 'transferToFixedLength'];
const ARRAY_METHODS = [
  'push',
  'pop',
  'splice',
  'indexOf',
  'lastIndexOf',
  'findIndex',
  'map',
  'forEach',
  'flatMap',
  'reduce',
  'sort',
  'fill',
  'includes',
];
const GLOBALS = ['ArrayBuffer', 'structuredClone', 'Float32Array', 'Uint8Array', 'Promise', 'Map'];
const GLOBALS_BUT_PROMISE = ['ArrayBuffer', 'structuredClone', 'Float32Array', 'Uint8Array', 'Map'];

/**
 * One random piece of tampering, applied now; returns its undo. `promises` says whether the
 * realm's promise machinery may be replaced: not while a hold is taken (see `Owner.stuck`).
 */
export function tamper(world: World, promises: boolean): Undo {
  const fn = hostile(world);
  switch (world.int(promises ? 11 : 10)) {
    case 0:
      return replace(TYPED_ARRAY_PROTOTYPE, world.pick(TYPED_METHODS) as string, { value: fn });
    case 1:
      return replace(TYPED_ARRAY_PROTOTYPE, world.pick(TYPED_GETTERS) as string, { get: fn });
    case 2:
      return replace(ArrayBuffer.prototype, world.pick(BUFFER_KEYS) as string, {
        value: fn,
        writable: true,
      });
    case 3:
      return replace(Array.prototype, world.pick(ARRAY_METHODS) as string, {
        value: fn,
        writable: true,
      });
    case 4:
      return replace(Array.prototype, Symbol.iterator, { value: fn, writable: true });
    case 5:
      // An index accessor: sees (and swallows) every assignment to that index of any array.
      return replace(
        world.int(2) === 0 ? Array.prototype : Object.prototype,
        world.pick(INDICES) as string,
        {
          get: fn,
          set: fn,
        },
      );
    case 6: {
      const own = world.pick(world.handed);
      if (own === undefined) return () => {};
      const buffer = apply(getBuffer, own.view, []) as object;
      return replace(buffer, world.pick(BUFFER_KEYS) as string, { value: fn, writable: true });
    }
    case 7: {
      const own = world.pick(world.handed);
      if (own === undefined) return () => {};
      return replace(own.view, world.pick(VIEW_KEYS) as string, {
        get: fn,
      });
    }
    case 8: {
      const name = world.pick(promises ? GLOBALS : GLOBALS_BUT_PROMISE) as string;
      if (name === 'Promise') world.promisesTampered = true;
      return replace(globalThis, name, { value: fn, writable: true });
    }
    case 9:
      return replace(Math, world.pick(['max', 'min', 'floor']) as string, { value: fn });
    default: {
      world.promisesTampered = true;
      return replace(Promise.prototype, world.pick(['then', 'constructor']) as string, {
        value: fn,
        writable: true,
      });
    }
  }
}
