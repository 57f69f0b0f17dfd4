//! A block: one region of memory, and every `ArrayBuffer` JavaScript sees it through.
//!
//! The binding decides what is detached, never JavaScript. A block keeps a strong reference to
//! every buffer it made over its memory and has not detached itself (`epochs.rs`): its *base*
//! buffer, the *windows* of scopes and a *spare* window. `renew` (arena reset, pool clear)
//! detaches them and hands out a fresh base buffer over the same memory, so views cut before can
//! never reach memory that now belongs to someone else; `release` (dispose, free) detaches them
//! all and frees the memory. JavaScript passes no buffer back to any of these: there is nothing
//! for it to get wrong, and nothing a hostile caller of the raw binding can name. Renewal, the
//! buffers that succeed others over the same memory, is `block/renewal.rs`.
//!
//! A buffer can still leave without us: `transfer()` in user code (or a structured-clone transfer
//! of a V8-owned buffer) detaches it and moves the memory into a buffer we never saw. A block
//! one of whose buffers was detached by someone else has *escaped*: it is never handed out again
//! (every operation that would refuses with `ERR_INVALID_STATE`, changing nothing), and `release`
//! gives it up instead of freeing it. Its memory goes when the last holder does: the receiver's
//! buffer carries the finalizer that holds our `Arc`.
//!
//! Lifetime: the handle object (`NativeArena`, `NativePool`, `NativeAligned`) and every buffer's
//! finalizer each hold an `Arc<Block>`; the memory goes at `release`, or when the last of them is
//! collected. Creating an `ArrayBuffer` costs ~1.5 us, so it happens per block, per reset and per
//! scope that claims, never per allocation: the facade cuts views in JavaScript.
//!
//! Backing: by default the memory comes from the core crate (`AlignedBlock`) and is exposed with
//! `napi_create_external_arraybuffer`. Electron 21+ (V8's memory cage) refuses external buffers
//! with `napi_no_external_buffers_allowed`; napi-rs's helpers would then silently copy, so this
//! module calls `napi::sys` itself and switches to V8-owned memory (`new ArrayBuffer`,
//! over-allocated by `alignment - 1`, the aligned start computed on the address read back).
//! `LIGHTWATCH_MEMORY_BACKING=v8` forces that fallback, so both are tested everywhere.

use std::cell::Cell;
use std::ffi::c_void;
use std::ptr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};

use lightwatch_memory::{AlignedBlock, Region};
use napi::{sys, Env};

use crate::buffer::{check, clear_exception, detach, is_detached, region_of};
use crate::epochs::{Epochs, Role, State};
use crate::error::{alloc_error, invalid_state};
use crate::stats::{self, Kind};
use crate::{intrinsics, object, regions, tags};

mod renewal;

pub(crate) use renewal::renew_all;

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

thread_local! {
    /// The `hint` of the finalizer being registered right now on this thread, if any.
    static REGISTERING: Cell<*mut c_void> = const { Cell::new(ptr::null_mut()) };
}

/// One region of memory and the facts JavaScript needs to cut aligned views from it.
pub(crate) struct Block {
    kind: Kind,
    backing: Backing,
    /// The core's block (native backing) until it is released; `None` when V8 owns the memory.
    memory: Mutex<Option<AlignedBlock>>,
    /// The memory of every buffer over the block: its data pointer and `byteLength`.
    buffer: Region,
    /// The aligned bytes JavaScript cuts views from, inside `buffer`.
    aligned: Region,
    /// Every buffer over the block that JavaScript may hold (see `epochs.rs`).
    epochs: Mutex<Epochs>,
    /// Set once the memory is freed and off the counters.
    freed: AtomicBool,
    /// Set when `release` finds a buffer detached by someone else: the block is given up.
    abandoned: AtomicBool,
    /// Whether `regions` lists the memory (native memory, until it is freed).
    registered: AtomicBool,
    /// The env that reported the memory to V8, to take the report back.
    env: sys::napi_env,
}

// SAFETY: `env` and the references in `epochs` are only used on the JavaScript thread that owns
// them: every holder of a `Block` (handle objects and `ArrayBuffer` finalizers) lives and is
// finalized on that thread.
unsafe impl Send for Block {}
// SAFETY: as for `Send`; the mutable state is behind mutexes and atomics.
unsafe impl Sync for Block {}

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

/// Drops the `Arc<Block>` that a buffer held.
unsafe extern "C" fn finalize_epoch(_env: sys::napi_env, _data: *mut c_void, hint: *mut c_void) {
    if REGISTERING.with(Cell::get) == hint {
        // Called from inside a failing registration: `register_finalizer` drops the `Arc`.
        return;
    }
    // A panic must not unwind into the runtime; dropping a block does not panic, but be sure.
    let _ = std::panic::catch_unwind(|| {
        // SAFETY: `hint` is the `Arc::into_raw` made for this buffer, and the runtime calls each
        // finalizer once.
        drop(unsafe { Arc::from_raw(hint.cast_const().cast::<Block>()) });
    });
}

impl Block {
    /// Allocates `size` zeroed bytes aligned to `alignment`: the block and its base buffer.
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
                Ok(buffer) => {
                    block.adopt(env, buffer, Role::Base, true)?;
                    return Ok((block, buffer));
                }
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
        // `new ArrayBuffer(len)`, not `napi_create_arraybuffer`: on failure the constructor
        // throws a RangeError, where the C++ `ArrayBuffer::New` behind `napi_create_arraybuffer`
        // aborts the process (measured: `createArena(2 ** 50)`).
        let buffer = intrinsics::construct_buffer(env, len)?.ok_or_else(|| {
            alloc_error(
                env,
                lightwatch_memory::AllocError::OutOfMemory { size, alignment },
            )
        })?;
        // The constructor is the one captured at load, which code that ran before may have
        // replaced: what it returned must be an attached buffer of that length, none of ours
        // (a live block's buffer would then be handed out twice): not over native memory we
        // hold (the registry), and not a V8-owned buffer we made (the tag).
        let memory = region_of(env, buffer)
            .filter(|region| {
                region.len == len && !regions::is_live(*region) && !tags::is_ours(env, buffer)
            })
            .ok_or_else(|| invalid_state(env, "new ArrayBuffer() returned no buffer of its own"))?;
        // An over-allocated region always holds the aligned bytes.
        let aligned = memory
            .aligned(size.max(1), alignment)
            .map_err(|e| alloc_error(env, e))?;
        let block = Arc::new(Self::new(env, kind, Backing::V8, None, memory, aligned));
        block.watch(env, buffer)?;
        block.adopt(env, buffer, Role::Base, true)?;
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
        // Native memory is ours to free, so the registry knows exactly when it is live; V8 frees
        // its memory when it likes (a collected buffer's memory can be handed out again before
        // our finalizer runs), so V8-owned buffers are recognised by a tag instead (`tags.rs`).
        let registered = backing == Backing::Native && regions::register(buffer);
        let block = Self {
            kind,
            backing,
            memory: Mutex::new(memory),
            buffer,
            aligned,
            epochs: Mutex::new(Epochs::default()),
            freed: AtomicBool::new(false),
            abandoned: AtomicBool::new(false),
            registered: AtomicBool::new(registered),
            env: env.raw(),
        };
        block.account(1);
        block
    }

    fn lock(&self) -> MutexGuard<'_, Epochs> {
        self.epochs.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Tracks `buffer` in `role` (`exposed`: JavaScript gets it now; see `epochs.rs`); if that
    /// fails, detaches it: no buffer over the block is ever left attached without the block
    /// knowing it.
    fn adopt(
        &self,
        env: &Env,
        buffer: sys::napi_value,
        role: Role,
        exposed: bool,
    ) -> napi::Result<()> {
        let tracked = if self.backing == Backing::V8 {
            tags::tag(env, buffer).and_then(|()| self.lock().track(env, buffer, role, exposed))
        } else {
            self.lock().track(env, buffer, role, exposed)
        };
        if tracked.is_err() && !is_detached(env, buffer) {
            // Best effort: an external buffer we made is always detachable.
            let _ = detach(env, buffer);
        }
        tracked
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
            // detaches every buffer over it first; the finalizer gets back the `Arc` in `hint`.
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

    /// Ties one `Arc` to the lifetime of a V8-owned buffer.
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

    /// The base buffer, to be handed to JavaScript: what is cut from outside scopes.
    pub(crate) fn base(&self, env: &Env) -> napi::Result<sys::napi_value> {
        self.lock()
            .expose(env, Role::Base)
            .ok_or_else(|| invalid_state(env, "the block has no buffer (it was released)"))
    }

    /// Whether the base buffer is the only buffer over the block (no window, no spare).
    pub(crate) fn only_base(&self) -> bool {
        self.lock().only_base()
    }

    /// Refuses (`ERR_INVALID_STATE`) a block that was released or whose memory a buffer moved
    /// away: nothing may be cut from it again. Changes nothing.
    pub(crate) fn check_usable(&self, env: &Env) -> napi::Result<()> {
        if self.is_released() {
            return Err(invalid_state(env, "the block has been released"));
        }
        // A buffer collected unseen counts as moved away too: it may have been moved before it
        // went (the facade drops a buffer it renewed itself only once the binding has adopted
        // the successor, so in its hands this means a successor was lost).
        if self.lock().inspect(env) != State::Intact {
            return Err(invalid_state(
                env,
                "a buffer of this memory was transferred away (ArrayBuffer.prototype.transfer, or \
                 a structured-clone transfer); it cannot be reused: dispose its owner",
            ));
        }
        Ok(())
    }

    /// Detaches every buffer over the block and frees the memory now, once. If one was
    /// detached by someone else, its memory moved to a buffer we do not know, which may still
    /// be used: the block is given up, never freed here (it goes when the last holder does).
    /// V8-owned memory is then V8's and the receiver's alone, so it leaves the counters now;
    /// native memory stays counted until the receiver's buffer is collected and drops the last
    /// `Arc`. Always finishes: dispose must.
    pub(crate) fn release(&self, env: &Env) -> napi::Result<()> {
        if self.is_released() {
            return Ok(());
        }
        let mut epochs = self.lock();
        // Escaped, or unseen (maybe moved before it was collected): the memory is not ours to
        // free now; it goes with the last finalizer.
        let escaped = epochs.inspect(env) != State::Intact;
        let detached = epochs.detach(env, |_| true);
        drop(epochs);
        if escaped {
            self.abandoned.store(true, Ordering::Release);
            if self.backing == Backing::V8 {
                // Frees nothing (`memory` is `None`): only the counters change.
                self.take_off_counters();
            }
        } else {
            self.free_now();
        }
        detached
    }

    /// Deletes the references to the buffers without detaching them: the owner was collected,
    /// so nothing will reuse or free the memory but the buffers' finalizers.
    pub(crate) fn forget(&self) {
        // `env` is the live env of this block's thread (see `unsafe impl Send`): only handle
        // finalizers call this, on that thread.
        let env = Env::from_raw(self.env);
        self.lock().forget(&env);
    }

    /// Frees the memory (native) and takes the block off the counters, once. The caller has
    /// detached every buffer over it (or no buffer can reach it any more).
    fn free_now(&self) {
        drop(
            self.memory
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take(),
        );
        self.unregister();
        self.take_off_counters();
    }

    fn unregister(&self) {
        if self.registered.swap(false, Ordering::AcqRel) {
            regions::unregister(self.buffer);
        }
    }

    fn take_off_counters(&self) {
        if !self.freed.swap(true, Ordering::AcqRel) {
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

    /// Offset of the first aligned byte in every buffer over the block.
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
        // Every buffer that held an `Arc` is gone, and the handle forgot its references: no
        // JavaScript can reach the memory now, whatever was transferred.
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
/// from a new block (`handle` is null for a block of an existing handle).
pub(crate) fn parts(
    env: &Env,
    handle: Option<sys::napi_value>,
    block: &Block,
    buffer: sys::napi_value,
) -> napi::Result<sys::napi_value> {
    let handle = match handle {
        Some(handle) => handle,
        None => {
            let mut null = ptr::null_mut();
            check(
                env,
                // SAFETY: valid env; out-pointer to a local.
                unsafe { sys::napi_get_null(env.raw(), &mut null) },
                "napi_get_null",
            )?;
            null
        }
    };
    object::object(
        env,
        &[
            (c"handle", handle),
            (c"buffer", buffer),
            (c"start", object::number(env, block.start() as f64)?),
            (
                c"misalignment",
                object::number(env, block.misalignment() as f64)?,
            ),
            (c"size", object::number(env, block.size() as f64)?),
            (c"backing", object::string(env, block.backing.name())?),
        ],
    )
}
