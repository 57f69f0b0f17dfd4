/**
 * A block of the browser backend: one JavaScript `ArrayBuffer`, and the one buffer JavaScript
 * sees it through (the same buffer, until a renewal moves it).
 *
 * The port of the binding's V8-owned backing (`crates/node/src/block.rs`, `epochs.rs`) to a
 * runtime without a native side: the backend, not the facade, decides what is detached. A block
 * keeps its buffer, and *renews* it (reset, clear, a scope's close) by moving its memory to a new
 * buffer with `transfer()` (or `structuredClone` with a transfer list where there is none), so
 * every view cut before is detached before the memory is handed out again; *release* (dispose,
 * free) detaches it for good. Each move is checked, whatever builtin ran: the old buffer
 * detached (its captured `byteLength` getter reads 0), the new one an `ArrayBuffer` of the same
 * length that the backend never made before. A move that is not exactly that loses the block:
 * it refuses from then on, and nothing cut from it is ever handed out again.
 *
 * A buffer its user moves away (`view.buffer.transfer()`, a structured-clone transfer) takes the
 * memory with it: the block has *escaped*, refuses every later use (`ERR_INVALID_STATE`) and
 * leaves the counters when it is released (the memory is the receiver's).
 *
 * Addresses: a buffer's memory has no address JavaScript can see. A block starts at offset 0 of
 * its buffer and claims are aligned from there: alignment is relative to the block's start.
 * @internal
 * @module
 */

import { codedError, type ErrorCode } from '../errors';
import { bufferByteLength, reflectApply, SafeArrayBuffer } from '../intrinsics';
import { remember, seen } from '../seen';
import { type Kind, memoryGone, memoryTaken } from './stats';

const arrayBufferPrototype = ArrayBuffer.prototype as { transfer?: (this: ArrayBuffer) => unknown };
const transfer = arrayBufferPrototype.transfer;
const clone = globalThis.structuredClone;
const SafeFinalizationRegistry = FinalizationRegistry;
const registryRegister = FinalizationRegistry.prototype.register;
const registryUnregister = FinalizationRegistry.prototype.unregister;

/** A block's memory on the counters, until it is released or its buffer is collected. */
interface Account {
  readonly kind: Kind;
  readonly bytes: number;
  counted: boolean;
}

function takeOff(account: Account): void {
  if (!account.counted) return;
  account.counted = false;
  memoryGone(account.kind, account.bytes);
}

/**
 * A block collected while it still counted (its owner was collected without dispose): it leaves
 * the counters. The memory itself goes when the engine frees its buffer, after the last view of
 * it; the block is what the library holds, so that is what is counted (and a renewal, which moves
 * the memory to a new buffer, needs no new registration).
 */
const collected = new SafeFinalizationRegistry<Account>(takeOff);

/** The length of `value` if it is an `ArrayBuffer` (not shared), else -1. */
function arrayBufferLength(value: unknown): number {
  try {
    return bufferByteLength(value as ArrayBuffer);
  } catch {
    return -1;
  }
}

/**
 * Moves `buffer`'s memory to a new `ArrayBuffer` and returns it, if the outcome is exactly that:
 * `buffer` detached, the new one `length` bytes long and never seen before. `undefined`
 * otherwise (`buffer` may or may not be detached then).
 */
function move(buffer: ArrayBuffer, length: number): ArrayBuffer | undefined {
  let fresh: unknown;
  try {
    fresh =
      transfer !== undefined
        ? reflectApply(transfer, buffer, [])
        : reflectApply(clone, undefined, [buffer, { __proto__: null, transfer: [buffer] }]);
  } catch {
    return undefined;
  }
  const moved =
    bufferByteLength(buffer) === 0 &&
    arrayBufferLength(fresh) === length &&
    !seen(fresh as ArrayBuffer);
  return moved ? (fresh as ArrayBuffer) : undefined;
}

/** What a block is for, and how the counters see it. */
export class Block {
  /** The bytes views are cut from: the whole buffer, from offset 0 (at least one byte). */
  readonly size: number;
  #buffer: ArrayBuffer;
  readonly #account: Account;
  #released = false;
  #abandoned = false;

  private constructor(buffer: ArrayBuffer, size: number, kind: Kind) {
    this.size = size;
    this.#buffer = buffer;
    this.#account = { kind, bytes: size, counted: true };
    memoryTaken(kind, size);
    reflectApply(registryRegister, collected, [this, this.#account, this.#account]);
  }

  /**
   * A block of `size` zeroed bytes (at least one, so every view has memory). The size was
   * checked by the core (`layout`). `ERR_OUT_OF_MEMORY` if the engine refuses it.
   */
  static allocate(size: number, alignment: number, kind: Kind): Block {
    const length = size > 0 ? size : 1;
    let buffer: unknown;
    try {
      buffer = new SafeArrayBuffer(length);
    } catch {
      // The core's words (`AllocError::OutOfMemory`).
      throw codedError(
        'ERR_OUT_OF_MEMORY',
        `out of memory: the system refused ${size} bytes aligned to ${alignment}`,
      );
    }
    // The constructor is the one captured at load, which code that ran before may have
    // replaced: it must be a new, attached buffer of that length.
    if (arrayBufferLength(buffer) !== length || seen(buffer as ArrayBuffer)) {
      throw codedError('ERR_INVALID_STATE', 'new ArrayBuffer() returned no buffer of its own');
    }
    return new Block(remember(buffer as ArrayBuffer), length, kind);
  }

  /** The buffer to cut from. */
  base(): ArrayBuffer {
    if (this.isReleased()) throw invalidState('the block has no buffer (it was released)');
    return this.#buffer;
  }

  /** Whether JavaScript may no longer use the block: released, or given up after an escape. */
  isReleased(): boolean {
    return this.#released || this.#abandoned;
  }

  /** Whether its buffer was detached by someone else: the memory moved to a buffer we do not know. */
  #escaped(): boolean {
    return bufferByteLength(this.#buffer) === 0;
  }

  /** Refuses (`ERR_INVALID_STATE`) a block that was released or whose memory moved away. */
  checkUsable(): void {
    if (this.isReleased()) throw invalidState('the block has been released');
    if (this.#escaped()) {
      throw invalidState(
        'a buffer of this memory was transferred away (ArrayBuffer.prototype.transfer, or a structured-clone transfer); it cannot be reused: dispose its owner',
      );
    }
  }

  /**
   * Ends the buffer and returns a fresh one over the same memory: every view cut before is
   * detached. The caller checked the block ({@link Block.checkUsable}). If the runtime does not
   * move the memory exactly (a builtin replaced before the package loaded), the block is lost:
   * its old buffer, if still attached, stays with whoever holds it, and nothing is cut from the
   * block again.
   */
  renew(): ArrayBuffer {
    const fresh = move(this.#buffer, this.size);
    if (fresh === undefined) {
      this.#released = true;
      takeOff(this.#account);
      throw invalidState(
        'the runtime did not move the memory to a new buffer (was ArrayBuffer.prototype.transfer or structuredClone replaced before the package loaded?); the memory is gone',
      );
    }
    this.#buffer = remember(fresh);
    return fresh;
  }

  /**
   * Detaches the buffer and gives the memory up, once. An escaped block is given up as it is:
   * its memory is the receiver's. Always finishes; throws afterwards if the buffer could not be
   * detached (its views then reach memory nobody else is given: the block is never reused).
   */
  release(): void {
    if (this.isReleased()) return;
    const escaped = this.#escaped();
    if (escaped) this.#abandoned = true;
    else this.#released = true;
    reflectApply(registryUnregister, collected, [this.#account]);
    takeOff(this.#account);
    if (!escaped && move(this.#buffer, this.size) === undefined && !this.#escaped()) {
      throw invalidState('the runtime did not detach the buffer of a freed block');
    }
  }

  /** Where views start in every buffer of the block: 0. */
  get start(): number {
    return 0;
  }

  /** The block's start modulo 64 KiB, as the facade aligns: 0 (alignment is relative to it). */
  get misalignment(): number {
    return 0;
  }
}

function invalidState(message: string): Error & { code: ErrorCode } {
  return codedError('ERR_INVALID_STATE', message);
}

/** `{ handle, buffer, start, misalignment, size, backing }` for a block, as the binding's. */
export function parts<H>(
  handle: H,
  block: Block,
  buffer: ArrayBuffer,
): {
  handle: H;
  buffer: ArrayBuffer;
  start: number;
  misalignment: number;
  size: number;
  backing: 'native' | 'v8';
} {
  return {
    handle,
    buffer,
    start: block.start,
    misalignment: block.misalignment,
    size: block.size,
    // Not 'native': two buffers cannot share memory here, so scopes cut from shadows, as under
    // the V8-owned backing (`ts/scope-buffers.ts`). `memoryBacking()` says 'js'.
    backing: 'v8',
  };
}
