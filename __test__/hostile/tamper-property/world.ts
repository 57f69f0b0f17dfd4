// The tampering property test's model: the owners made so far, the views they handed out and
// what each is expected to be, so that the checks after every step have something to hold the
// package to; and the seeded generator every random choice of the run comes from.
import { generator } from '../../../benchmark/networks/random';
import type { Arena, PassMemory, PlannedPass, Pool, Scope } from '../../../ts/index';

// Captured before any tampering: the model is also written from inside a tampered realm.
const { defineProperty } = Reflect;
const floor = Math.floor;

/** Appends as an own element: an index setter on `Array.prototype` sees nothing of it. */
export function push<T>(list: T[], value: T): void {
  defineProperty(list, list.length, {
    __proto__: null,
    value,
    writable: true,
    enumerable: true,
    configurable: true,
  } as PropertyDescriptor);
}

/** Hold promises, to handle their rejections once the realm is restored. */
export const heldPromises: Promise<unknown>[] = [];

export interface Owner {
  readonly id: number;
  disposed: boolean;
  /** A buffer of it was moved away: it may refuse with ERR_INVALID_STATE from now on. */
  tainted: boolean;
  /**
   * A hold was taken while the realm's `Promise.prototype` was replaced: `await` then asks the
   * realm whether the work settled (through `constructor` and `then`), and a realm that never
   * says so keeps the hold, and the memory, forever. The safe side: documented, not a violation.
   */
  stuck?: boolean;
  /**
   * Shared memory (`shared: true`): its views are never detached, so a view that is over stays
   * attached and may share bytes with a later one of the same owner. What still holds: it is
   * over memory that is live, and never over another owner's.
   */
  shared?: boolean;
  /** Shared memory that V8 allocated (`backing` 'shared-v8'), not in the core's regions. */
  v8Shared?: boolean;
}

export interface ArenaOwner extends Owner {
  readonly kind: 'arena';
  readonly arena: Arena;
  /** Open scopes, outermost first, each with an id. */
  readonly scopes: { id: number; scope: Scope }[];
}

export interface PoolOwner extends Owner {
  readonly kind: 'pool';
  readonly pool: Pool<Float32Array>;
  /** The views handed out since the last clear (one per slot), and which are live. */
  live: Float32Array[];
  cut: Float32Array[];
}

export interface AlignedOwner extends Owner {
  readonly kind: 'aligned';
  readonly view: Float64Array;
}

export interface PassOwner extends Owner {
  readonly kind: 'pass';
  readonly pass: PlannedPass;
  readonly forward: (mem: PassMemory) => void;
}

export type AnyOwner = ArenaOwner | PoolOwner | AlignedOwner | PassOwner;

/** A view handed out, and what the model expects of it. */
export interface Handed {
  /** Its first byte's address, once read. */
  start?: number;
  readonly view: ArrayBufferView;
  readonly owner: AnyOwner;
  /** The allocation it is (views of one allocation may overlap one another). */
  readonly allocation: object;
  /** The ids of the scopes open when it was cut: closing any of them ends it. */
  readonly scopes: readonly number[];
  over: boolean;
}

export class World {
  readonly random: () => number;
  readonly owners: AnyOwner[] = [];
  handed: Handed[] = [];
  /** Buffers moved away by the test: their memory belongs to the owner they left. */
  moved: { buffer: ArrayBuffer; owner: AnyOwner }[] = [];
  /** Holds whose work the test settles, by owner id; and holds that settle by themselves. */
  readonly pending = new Map<number, (() => void)[]>();
  transient = 0;
  nextId = 1;
  readonly log: string[] = [];

  constructor(seed: number) {
    this.random = generator(seed);
  }

  // These helpers also run inside a tampered realm (a replacement calling back into the
  // package records what it got): index loops and captured builtins only.

  pick<T>(list: readonly T[]): T | undefined {
    return list.length === 0 ? undefined : list[floor(this.random() * list.length)];
  }

  int(below: number): number {
    return floor(this.random() * below);
  }

  live<K extends AnyOwner['kind']>(kind: K): Extract<AnyOwner, { kind: K }>[] {
    const out: Extract<AnyOwner, { kind: K }>[] = [];
    for (let i = 0; i < this.owners.length; i++) {
      const owner = this.owners[i] as AnyOwner;
      if (owner.kind === kind && !owner.disposed)
        push(out, owner as Extract<AnyOwner, { kind: K }>);
    }
    return out;
  }

  hand(view: ArrayBufferView, owner: AnyOwner, allocation: object = view): void {
    const scopes: number[] = [];
    if (owner.kind === 'arena') {
      for (let i = 0; i < owner.scopes.length; i++)
        push(scopes, (owner.scopes[i] as { id: number }).id);
    }
    push(this.handed, { view, owner, allocation, scopes, over: false });
  }

  end(predicate: (handed: Handed) => boolean): void {
    for (let i = 0; i < this.handed.length; i++) {
      const handed = this.handed[i] as Handed;
      if (predicate(handed)) handed.over = true;
    }
  }

  meets(a: readonly number[], b: readonly number[]): boolean {
    for (let i = 0; i < a.length; i++)
      for (let j = 0; j < b.length; j++) if (a[i] === b[j]) return true;
    return false;
  }

  contains<T>(list: readonly T[], value: T): boolean {
    for (let i = 0; i < list.length; i++) if (list[i] === value) return true;
    return false;
  }

  remove<T>(list: T[], value: T): void {
    for (let i = 0; i < list.length; i++) {
      if (list[i] === value) {
        list[i] = list[list.length - 1] as T;
        list.length--;
        return;
      }
    }
  }

  busy(owner: AnyOwner): boolean {
    return (
      (this.pending.get(owner.id)?.length ?? 0) > 0 || this.transient > 0 || owner.stuck === true
    );
  }

  /** Whether the realm's promise machinery is replaced right now (see `Owner.stuck`). */
  promisesTampered = false;

  /** Records a hold taken on `owner`. */
  held(owner: AnyOwner, held: unknown): void {
    if (this.promisesTampered) owner.stuck = true;
    // Its rejection is the work's, handled by whoever waits for it; here, nobody.
    push(heldPromises, held as Promise<unknown>);
  }
}
