// The tampering property test's invariants, checked after every step with the realm restored
// and only builtins captured before any tampering: views of different allocations never overlap,
// attached views reach only live memory, views that are over are detached and live ones are not,
// and the counters match the model (a refused call leaves them as they were). They are the test's
// verdict, so they trust nothing the package or the realm could have changed.
import { addressOf, memoryBacking } from '../../../ts/index';
import { hasTestExports, binding as testBinding } from '../../test-binding';
import { bufferLengthOf, byteLengthOf } from '../tamper';
import { DEBUG, traces } from './trace';
import { type AnyOwner, type Handed, push, type World } from './world';

// Captured before any tampering: the checks must not be fooled either.
const { apply } = Reflect;
const arraySort = Array.prototype.sort;
const SafeFloat32Array = Float32Array;

/** Appends, in a clean realm (the checks run once every replacement is undone). */
function fast<T>(list: T[], value: T): void {
  list[list.length] = value;
}

interface Range {
  start: number;
  end: number;
  handed: Handed;
}

/** Addresses fit a double exactly on every 64-bit platform the package runs on (48 bits). */
export function address(target: ArrayBufferView | ArrayBuffer): number {
  return Number(addressOf(target));
}

/** Whether [start, end) lies in one of `regions` (sorted, disjoint `[start, end)` pairs). */
function inside(regions: Float64Array, start: number, end: number): boolean {
  let low = 0;
  let high = regions.length / 2 - 1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    const a = regions[2 * mid] as number;
    const b = regions[2 * mid + 1] as number;
    if (end <= a) high = mid - 1;
    else if (start >= b) low = mid + 1;
    else return a <= start && end <= b;
  }
  return false;
}

/** Drops the disposed owners from `world.owners`, in place. */
export function forgetDisposed(world: World): void {
  const owners = world.owners;
  let kept = 0;
  for (let i = 0; i < owners.length; i++) {
    const owner = owners[i] as AnyOwner;
    if (!owner.disposed) owners[kept++] = owner;
    else world.pending.delete(owner.id);
  }
  owners.length = kept;
}

export function counters(world: World): string {
  const parts: string[] = [];
  for (const owner of world.owners) {
    if (owner.disposed) continue;
    try {
      if (owner.kind === 'arena')
        push(parts, `${owner.id}:${owner.arena.used}/${owner.arena.capacity}`);
      if (owner.kind === 'pool')
        push(parts, `${owner.id}:${owner.pool.size}/${owner.pool.capacity}`);
    } catch (error) {
      push(parts, `${owner.id}:${(error as { code?: string }).code}`);
    }
  }
  return parts.join(' ');
}

function describeRange(range: Range): object {
  const { handed } = range;
  return {
    start: range.start,
    end: range.end,
    owner: handed.owner.id,
    kind: handed.owner.kind,
    disposed: handed.owner.disposed,
    tainted: handed.owner.tainted,
    over: handed.over,
    scopes: handed.scopes,
    moved: handed.view.byteLength === 0 && range.end > range.start,
  };
}

export function check(world: World, violations: string[]): void {
  const regions =
    memoryBacking() === 'native' && hasTestExports
      ? testBinding.__liveRegionsForTests()
      : undefined;
  const ranges: Range[] = [];
  const kept: Handed[] = [];
  for (const handed of world.handed) {
    const length = byteLengthOf(handed.view);
    const tainted = handed.owner.tainted;
    if (handed.over && length > 0 && !handed.owner.shared) {
      fast(violations, `a view that is over is attached (${handed.owner.kind} ${handed.owner.id})`);
    }
    if (!handed.over && length === 0 && !tainted && handed.view.byteLength !== 0) {
      fast(violations, `a live view was detached (${handed.owner.kind} ${handed.owner.id})`);
    }
    if (length === 0) {
      if (!handed.over && !tainted) fast(kept, handed);
      continue;
    }
    fast(kept, handed);
    // A view never moves: its address is read once.
    handed.start ??= address(handed.view);
    const start = handed.start;
    const range = { start, end: start + length, handed };
    fast(ranges, range);
    // V8 owns the memory of a 'shared-v8' arena: no native region to be inside of.
    if (
      regions !== undefined &&
      !handed.owner.v8Shared &&
      !inside(regions, range.start, range.end)
    ) {
      fast(violations, `an attached view reaches memory that is not live (${handed.owner.kind})`);
    }
  }
  const moved: World['moved'] = [];
  for (const entry of world.moved) {
    const { buffer, owner } = entry;
    const length = bufferLengthOf(buffer);
    if (length === 0) continue;
    fast(moved, entry);
    const start = address(buffer as ArrayBuffer);
    fast(ranges, {
      start,
      end: start + length,
      handed: { view: new SafeFloat32Array(0), owner, allocation: buffer, scopes: [], over: false },
    });
  }
  // The newest 200 only: every step checks each, and a million operations move tens of thousands
  // of buffers (the run went quadratic); one let go is collected, and its memory freed with it.
  world.moved = moved.length > 200 ? moved.slice(-200) : moved;
  apply(arraySort, ranges, [
    (a: Range, b: Range) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0),
  ]);
  for (let i = 0; i < ranges.length; i++) {
    const a = ranges[i] as Range;
    for (let j = i + 1; j < ranges.length; j++) {
      const b = ranges[j] as Range;
      if (b.start >= a.end) break;
      const sameOwner = a.handed.owner === b.handed.owner;
      // Views of one planned pass share bytes by design (never live together); a buffer moved
      // away overlaps the views of its own owner that it carried.
      if (
        sameOwner &&
        (a.handed.owner.kind === 'pass' || a.handed.allocation === b.handed.allocation)
      )
        continue;
      if (sameOwner && (a.handed.view.byteLength === 0 || b.handed.view.byteLength === 0)) continue;
      // Shared memory is reused under views that stay attached (they are stale, not unsafe).
      if (sameOwner && a.handed.owner.shared) continue;
      fast(
        violations,
        `attached views overlap: ${a.handed.owner.kind} ${a.handed.owner.id} and ${b.handed.owner.kind} ${b.handed.owner.id}`,
      );
      if (DEBUG) {
        console.log(JSON.stringify({ a: describeRange(a), b: describeRange(b) }));
        console.log((traces.get(a.handed.owner.id) ?? []).slice(-40).join('\n'));
      }
    }
  }
  for (const owner of world.live('pool')) {
    if (owner.tainted) continue;
    if (owner.pool.size !== owner.live.length) {
      fast(violations, `pool ${owner.id}: size ${owner.pool.size}, model ${owner.live.length}`);
    }
  }
  // Forget what can no longer matter, so the checks stay small.
  world.handed = kept.length > 200 ? kept.slice(-200) : kept;
}
