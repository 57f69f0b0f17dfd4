//! A block: one region of memory that JavaScript sees through one `ArrayBuffer` at a time.
//!
//! Long because a block's epochs, its two backings and its finalizers are one state machine:
//! `renew`, `release` and the finalizers can come in any order and meet in the same fields.
//!
//! Each `ArrayBuffer` over a block is an *epoch*: `renew` (arena reset, pool clear) detaches the
//! current one and hands out a fresh one over the same memory, so views cut from the old epoch
//! read `byteLength === 0` and can never reach memory that now belongs to someone else.
//! `release` (dispose, free) detaches the current epoch and frees the memory at once.
//!
//! Lifetime: the handle object (`NativeArena`, `NativePool`, `NativeAligned`) and every epoch's
//! finalizer each hold an `Arc<Block>`; the memory goes at `release`, or when the last of them is
//! collected. Creating an `ArrayBuffer` costs ~1.5 us, so it happens per block and per epoch,
//! never per allocation: the facade cuts views from the epoch in JavaScript.
//!
//! Backing: by default the memory comes from the core crate (`AlignedBlock`) and is exposed with
//! `napi_create_external_arraybuffer`. Electron 21+ (V8's memory cage) refuses external buffers
//! with `napi_no_external_buffers_allowed`; napi-rs's helpers would then silently copy, so this
//! module calls `napi::sys` itself and switches to V8-owned memory (`napi_create_arraybuffer`,
//! over-allocated by `alignment - 1`, the aligned start computed on the address read back).
//! `LIGHTWATCH_MEMORY_BACKING=v8` forces that fallback, so both are tested everywhere.

use std::cell::Cell;
use std::ffi::c_void;
use std::ptr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use lightwatch_memory::{AlignedBlock, Region};
use napi::{sys, Env};

use crate::buffer::{
    check, clear_exception, construct_buffer, detach, failure, is_detached, transfer,
};
use crate::error::{alloc_error, invalid_state};
use crate::stats::{self, Kind};

/// Where blocks get their memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Backing {
    /// The core crate's aligned blocks, as external `ArrayBuffer`s.
    Native,
    /// `ArrayBuffer`s that V8 allocates (Electron's memory cage, or forced).
    V8,
}

impl Backing {
    pub(crate) const fn name(self) -> &'static str {
        match self {
            Self::Native => "native",
            Self::V8 => "v8",
        }
    }
}

/// Set once the runtime refuses an external buffer: every later block is V8-owned.
static EXTERNAL_REFUSED: AtomicBool = AtomicBool::new(false);

/// The backing new blocks get.
pub(crate) fn backing() -> Backing {
    static FORCED: OnceLock<bool> = OnceLock::new();
    let forced = *FORCED.get_or_init(|| {
        std::env::var("LIGHTWATCH_MEMORY_BACKING").is_ok_and(|v| v.eq_ignore_ascii_case("v8"))
    });
    if forced || EXTERNAL_REFUSED.load(Ordering::Relaxed) {
        Backing::V8
    } else {
        Backing::Native
    }
}

/// One region of memory and the facts JavaScript needs to cut aligned views from it.
pub(crate) struct Block {
    kind: Kind,
    backing: Backing,
    /// The core's block (native backing) until it is released; `None` when V8 owns the memory.
    memory: Mutex<Option<AlignedBlock>>,
    /// The memory of every epoch's `ArrayBuffer`: its data pointer and `byteLength`.
    buffer: Region,
    /// The aligned bytes JavaScript cuts views from, inside `buffer`.
    aligned: Region,
    /// Set once the memory is freed and off the counters.
    freed: AtomicBool,
    /// Set when dispose finds the current buffer transferred away (see `release`).
    abandoned: AtomicBool,
    /// The env that reported the memory to V8, to take the report back.
    env: sys::napi_env,
}

// SAFETY: `env` is only used on the JavaScript thread that owns it: every holder of a `Block`
// (handle objects and `ArrayBuffer` finalizers) lives and is finalized on that thread.
unsafe impl Send for Block {}
// SAFETY: as for `Send`; the mutable state is behind a `Mutex` and an atomic.
unsafe impl Sync for Block {}

thread_local! {
    /// The `hint` of the finalizer being registered right now on this thread, if any.
    static REGISTERING: Cell<*mut c_void> = const { Cell::new(ptr::null_mut()) };
}

/// Calls `register` (which hands `hint` to the runtime as a finalizer's hint) so that the `Arc`
/// in `hint` is dropped exactly once, whatever the runtime does on failure.
///
/// Why: on failure some runtimes run the finalizer at once, inside the call, and others never
/// do. Node 20 builds external buffers as `Buffer`s and, for one over 4 GiB, throws
/// ERR_BUFFER_TOO_LARGE *and* calls the finalizer; taking the `Arc` back afterwards as well
/// dropped it twice and freed a live block (heap corruption, caught by the bad-input matrix).
/// A finalizer that runs during registration therefore does nothing, and the caller takes the
/// `Arc` back on every failure.
fn register_finalizer(
    hint: *mut c_void,
    register: impl FnOnce() -> sys::napi_status,
) -> sys::napi_status {
    REGISTERING.with(|cell| cell.set(hint));
    let status = register();
    REGISTERING.with(|cell| cell.set(ptr::null_mut()));
    if status != sys::Status::napi_ok {
        // SAFETY: `hint` is an `Arc::into_raw` whose finalizer either was not registered or ran
        // inside `register` and left it alone (see `finalize_epoch`): this is its only drop.
        drop(unsafe { Arc::from_raw(hint.cast_const().cast::<Block>()) });
    }
    status
}

/// Drops the `Arc<Block>` that an epoch's `ArrayBuffer` held.
unsafe extern "C" fn finalize_epoch(_env: sys::napi_env, _data: *mut c_void, hint: *mut c_void) {
    if REGISTERING.with(Cell::get) == hint {
        // Called from inside a failing registration: `register_finalizer` drops the `Arc`.
        return;
    }
    // A panic must not unwind into the runtime; dropping a block does not panic, but be sure.
    let _ = std::panic::catch_unwind(|| {
        // SAFETY: `hint` is the `Arc::into_raw` made for this epoch, and the runtime calls each
        // finalizer once.
        drop(unsafe { Arc::from_raw(hint.cast_const().cast::<Block>()) });
    });
}

impl Block {
    /// Allocates `size` zeroed bytes aligned to `alignment` and returns the block with its first
    /// epoch's `ArrayBuffer`.
    pub(crate) fn allocate(
        env: &Env,
        size: usize,
        alignment: usize,
        kind: Kind,
    ) -> napi::Result<(Arc<Self>, sys::napi_value)> {
        // Checked here too, so no layout is ever built from an unchecked alignment.
        lightwatch_memory::layout(size, alignment).map_err(|e| alloc_error(env, e))?;
        if backing() == Backing::Native {
            // A zero-byte ArrayBuffer would have no address; one byte keeps every view's address real.
            let memory =
                AlignedBlock::zeroed(size.max(1), alignment).map_err(|e| alloc_error(env, e))?;
            let buffer = Region {
                address: memory.as_ptr() as usize,
                len: memory.len(),
            };
            let block = Arc::new(Self::new(
                env,
                kind,
                Backing::Native,
                Some(memory),
                buffer,
                buffer,
            ));
            match block.external_buffer(env) {
                Ok(buffer) => return Ok((block, buffer)),
                Err(status) if status == sys::Status::napi_no_external_buffers_allowed => {
                    EXTERNAL_REFUSED.store(true, Ordering::Relaxed);
                    // Dropping `block` frees the memory and takes back its counters.
                }
                Err(_) => {
                    // Refused for this block only: Node 20 builds external buffers as `Buffer`s,
                    // which stop at 4 GiB (it throws ERR_BUFFER_TOO_LARGE). V8's own buffers go
                    // further, so this block takes the fallback.
                    clear_exception(env);
                }
            }
            drop(block);
        }
        Self::allocate_v8(env, size, alignment, kind)
    }

    #[cold]
    fn allocate_v8(
        env: &Env,
        size: usize,
        alignment: usize,
        kind: Kind,
    ) -> napi::Result<(Arc<Self>, sys::napi_value)> {
        let len = Region::over_allocated_len(size, alignment).map_err(|e| alloc_error(env, e))?;
        // `new ArrayBuffer(len)` from JavaScript, not `napi_create_arraybuffer`: on failure the
        // constructor throws a RangeError, where the C++ `ArrayBuffer::New` behind
        // `napi_create_arraybuffer` aborts the process (measured: `createArena(2 ** 50)`).
        let buffer = construct_buffer(env, len)?.ok_or_else(|| {
            alloc_error(
                env,
                lightwatch_memory::AllocError::OutOfMemory { size, alignment },
            )
        })?;
        let mut data = ptr::null_mut();
        let mut byte_length = 0;
        // SAFETY: valid env; `buffer` is the ArrayBuffer just constructed; out-pointers to locals.
        unsafe { sys::napi_get_arraybuffer_info(env.raw(), buffer, &mut data, &mut byte_length) };
        if data.is_null() || byte_length != len {
            return Err(invalid_state(env, "new ArrayBuffer() returned no memory"));
        }
        let memory = Region {
            address: data as usize,
            len,
        };
        // An over-allocated region always holds the aligned bytes.
        let aligned = memory
            .aligned(size.max(1), alignment)
            .map_err(|e| alloc_error(env, e))?;
        let block = Arc::new(Self::new(env, kind, Backing::V8, None, memory, aligned));
        block.watch(env, buffer)?;
        Ok((block, buffer))
    }

    fn new(
        env: &Env,
        kind: Kind,
        backing: Backing,
        memory: Option<AlignedBlock>,
        buffer: Region,
        aligned: Region,
    ) -> Self {
        let block = Self {
            kind,
            backing,
            memory: Mutex::new(memory),
            buffer,
            aligned,
            freed: AtomicBool::new(false),
            abandoned: AtomicBool::new(false),
            env: env.raw(),
        };
        block.account(1);
        block
    }

    /// Adds (`sign` 1) or removes (`sign` -1) this block from the counters and V8's view of
    /// external memory.
    fn account(&self, sign: i64) {
        let len = self.buffer.len;
        if sign > 0 {
            stats::block_allocated(self.kind, len);
        } else {
            stats::block_freed(self.kind, len);
        }
        if self.backing == Backing::Native && len > 0 {
            let bytes = i64::try_from(len).unwrap_or(i64::MAX);
            let mut adjusted = 0;
            // SAFETY: `env` is the live env of this block's thread (see `unsafe impl Send`).
            // A failure only leaves V8's GC heuristic slightly off.
            unsafe { sys::napi_adjust_external_memory(self.env, sign * bytes, &mut adjusted) };
        }
    }

    /// A new external `ArrayBuffer` over the native memory, holding one `Arc` in its finalizer.
    fn external_buffer(self: &Arc<Self>, env: &Env) -> Result<sys::napi_value, sys::napi_status> {
        let hint = Arc::into_raw(Arc::clone(self)).cast_mut().cast::<c_void>();
        let mut buffer = ptr::null_mut();
        let status = register_finalizer(hint, || {
            // SAFETY: `data` is valid for `len` bytes until the block is released, and `release`
            // detaches every epoch before freeing; the finalizer gets back the `Arc` in `hint`.
            unsafe {
                crate::cage::create_external_arraybuffer(
                    env.raw(),
                    self.buffer.address as *mut c_void,
                    self.buffer.len,
                    Some(finalize_epoch),
                    hint,
                    &mut buffer,
                )
            }
        });
        if status == sys::Status::napi_ok {
            Ok(buffer)
        } else {
            Err(status)
        }
    }

    /// Ties one `Arc` to the lifetime of a V8-owned epoch.
    fn watch(self: &Arc<Self>, env: &Env, buffer: sys::napi_value) -> napi::Result<()> {
        let hint = Arc::into_raw(Arc::clone(self)).cast_mut().cast::<c_void>();
        let status = register_finalizer(hint, || {
            // SAFETY: valid env and object; the finalizer gets back the `Arc` in `hint`.
            unsafe {
                sys::napi_add_finalizer(
                    env.raw(),
                    buffer,
                    hint,
                    Some(finalize_epoch),
                    hint,
                    ptr::null_mut(),
                )
            }
        });
        check(env, status, "napi_add_finalizer")
    }

    /// Checks that `buffer` is this block's current epoch: never trust what JavaScript passes.
    pub(crate) fn validate(&self, env: &Env, buffer: sys::napi_value) -> napi::Result<()> {
        if self.matches(env, buffer) {
            Ok(())
        } else {
            Err(invalid_state(
                env,
                "the ArrayBuffer is not the current buffer of this block (was it transferred or detached?)",
            ))
        }
    }

    /// Whether `buffer` is one of this block's live buffers (its memory is the block's). Throws
    /// nothing, so callers can look a buffer's block up among several.
    pub(crate) fn matches(&self, env: &Env, buffer: sys::napi_value) -> bool {
        let mut is_buffer = false;
        let mut data = ptr::null_mut();
        let mut len = 0;
        // SAFETY: valid env and out-pointers; `get_arraybuffer_info` runs only on an ArrayBuffer.
        unsafe {
            sys::napi_is_arraybuffer(env.raw(), buffer, &mut is_buffer);
            if is_buffer {
                sys::napi_get_arraybuffer_info(env.raw(), buffer, &mut data, &mut len);
            }
        }
        let presented = Region {
            address: data as usize,
            len,
        };
        is_buffer && presented == self.buffer && !self.is_released()
    }

    /// A second `ArrayBuffer` over the same memory, beside the current one (native backing
    /// only: V8-owned memory cannot be shared), for a scope whose views must be detachable apart
    /// from the views cut before it.
    pub(crate) fn window(self: &Arc<Self>, env: &Env) -> napi::Result<sys::napi_value> {
        if self.backing != Backing::Native || self.is_released() {
            return Err(invalid_state(
                env,
                "only a live block of native memory can have a second buffer",
            ));
        }
        self.external_buffer(env)
            .map_err(|status| failure(env, status, "napi_create_external_arraybuffer"))
    }

    /// Detaches `buffer`, one of this block's buffers, and keeps the memory (a scope's close).
    pub(crate) fn detach(&self, env: &Env, buffer: sys::napi_value) -> napi::Result<()> {
        self.validate(env, buffer)?;
        detach(env, buffer)
    }

    /// Detaches `current` and returns a new epoch over the same memory.
    pub(crate) fn renew(
        self: &Arc<Self>,
        env: &Env,
        current: sys::napi_value,
    ) -> napi::Result<sys::napi_value> {
        self.validate(env, current)?;
        match self.backing {
            Backing::Native => {
                let fresh = self
                    .external_buffer(env)
                    .map_err(|status| failure(env, status, "napi_create_external_arraybuffer"))?;
                detach(env, current)?;
                Ok(fresh)
            }
            Backing::V8 => {
                let fresh = transfer(env, current)?;
                // The transfer moves V8's backing store, so the memory (and its alignment) stays.
                self.validate(env, fresh)?;
                self.watch(env, fresh)?;
                Ok(fresh)
            }
        }
    }

    /// Detaches `current` and frees the memory now.
    ///
    /// If `current` is already detached, its memory was transferred away (a `postMessage` or
    /// `structuredClone` transfer of a V8-owned buffer, `ArrayBuffer.prototype.transfer`): whoever
    /// holds it now may still use it, so the block is only given up, never freed here; the
    /// memory goes when the last holder does. Dispose must always be able to finish. V8-owned
    /// memory is then V8's and the receiver's alone, so it leaves the counters now; native memory
    /// stays counted until the receiver's buffer is collected and drops the last `Arc`.
    pub(crate) fn release(&self, env: &Env, current: sys::napi_value) -> napi::Result<()> {
        self.release_all(env, &[current])
    }

    /// As [`Block::release`], for a block JavaScript sees through several buffers (an arena
    /// block and its scopes' windows): all are checked, then all detached. If one was
    /// transferred away, the others are still detached, and the block is given up.
    pub(crate) fn release_all(&self, env: &Env, buffers: &[sys::napi_value]) -> napi::Result<()> {
        let (gone, live): (Vec<_>, Vec<_>) = buffers
            .iter()
            .copied()
            .partition(|&buffer| is_detached(env, buffer));
        for &buffer in &live {
            self.validate(env, buffer)?;
        }
        for &buffer in &live {
            detach(env, buffer)?;
        }
        if gone.is_empty() {
            self.free_now();
        } else {
            self.abandoned.store(true, Ordering::Release);
            if self.backing == Backing::V8 {
                // Frees nothing (`memory` is `None`): only the counters change.
                self.free_now();
            }
        }
        Ok(())
    }

    /// Frees the memory (native) and takes the block off the counters, once. The caller has
    /// detached every buffer over it (or no buffer can reach it any more).
    pub(crate) fn free_now(&self) {
        if !self.freed.swap(true, Ordering::AcqRel) {
            drop(
                self.memory
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .take(),
            );
            self.account(-1);
        }
    }

    /// Whether JavaScript may no longer use the block: freed, or given up after a transfer.
    pub(crate) fn is_released(&self) -> bool {
        self.freed.load(Ordering::Acquire) || self.abandoned.load(Ordering::Acquire)
    }

    /// The aligned bytes' length: what JavaScript may cut views from.
    pub(crate) const fn size(&self) -> usize {
        self.aligned.len
    }

    /// Offset of the first aligned byte in every epoch's `ArrayBuffer`.
    pub(crate) const fn start(&self) -> usize {
        self.aligned.address - self.buffer.address
    }

    /// The aligned bytes' address modulo `MAX_ALIGNMENT`, so that JavaScript can align on
    /// absolute addresses with plain number arithmetic.
    pub(crate) const fn misalignment(&self) -> usize {
        self.aligned.misalignment()
    }
}

impl Drop for Block {
    fn drop(&mut self) {
        self.free_now();
    }
}

/// Room for one more block in `list` before the block is allocated, so that keeping it cannot
/// abort the process (a `Vec::push` that fails to grow aborts).
pub(crate) fn reserve_one(env: &Env, list: &mut Vec<Arc<Block>>, bytes: usize) -> napi::Result<()> {
    list.try_reserve(1).map_err(|_| {
        alloc_error(
            env,
            lightwatch_memory::AllocError::OutOfMemory {
                size: bytes,
                alignment: 1,
            },
        )
    })
}

/// `{ handle, buffer, start, misalignment, size, backing }`: what the facade needs to cut views
/// from a new block.
pub(crate) fn parts(
    env: &Env,
    handle: sys::napi_value,
    block: &Block,
    buffer: sys::napi_value,
) -> napi::Result<sys::napi_value> {
    let raw = env.raw();
    let mut object = ptr::null_mut();
    let mut start = ptr::null_mut();
    let mut misalignment = ptr::null_mut();
    let mut size = ptr::null_mut();
    let mut backing = ptr::null_mut();
    let name = block.backing.name();
    // SAFETY: valid env and values; NUL-terminated names; out-pointers to locals.
    unsafe {
        check(
            env,
            sys::napi_create_object(raw, &mut object),
            "napi_create_object",
        )?;
        check(
            env,
            sys::napi_create_double(raw, block.start() as f64, &mut start),
            "napi_create_double",
        )?;
        check(
            env,
            sys::napi_create_uint32(raw, block.misalignment() as u32, &mut misalignment),
            "napi_create_uint32",
        )?;
        check(
            env,
            sys::napi_create_double(raw, block.size() as f64, &mut size),
            "napi_create_double",
        )?;
        check(
            env,
            sys::napi_create_string_utf8(
                raw,
                name.as_ptr().cast(),
                name.len() as isize,
                &mut backing,
            ),
            "napi_create_string_utf8",
        )?;
        for (name, value) in [
            (c"handle", handle),
            (c"buffer", buffer),
            (c"start", start),
            (c"misalignment", misalignment),
            (c"size", size),
            (c"backing", backing),
        ] {
            check(
                env,
                sys::napi_set_named_property(raw, object, name.as_ptr(), value),
                "napi_set_named_property",
            )?;
        }
    }
    Ok(object)
}
