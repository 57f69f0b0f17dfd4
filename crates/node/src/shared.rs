//! Shared blocks: aligned native memory behind a `SharedArrayBuffer`, which every thread it is
//! posted to sees as the same memory.
//!
//! A `SharedArrayBuffer` can never be detached, so the rule of the other blocks ("the binding
//! ends every buffer over memory before it frees it") cannot hold. The rule here is the other
//! way round: the memory is freed only when no thread can reach it, by the finalizer of the
//! external `SharedArrayBuffer` (`node_api_create_external_sharedarraybuffer`), which V8 runs
//! once, on any thread, after the last buffer over the memory is gone in every isolate. No owner
//! frees it: an arena's `dispose()` only drops the owner's buffers. So no sequence of calls in
//! any thread can leave a view over freed memory.
//!
//! That function is experimental in Node-API (Node 22.23, 24.16+, 26.1+, Bun; not Node 20, not
//! Deno), declared only under `NAPI_EXPERIMENTAL`. Linking it as a plain symbol makes the addon
//! fail to load where it is missing, so it is looked up at run time in the host process
//! (`dlsym` / `GetProcAddress`). Where it is missing, or a memory cage refuses external memory
//! (Electron), [`create_shared_block`] returns `null` and the facade makes a `SharedArrayBuffer`
//! of V8's (`ts/shared.ts`), whose memory V8 frees in the same way.
//!
//! [`NativeShared`] is what an owner of shared blocks (an arena, a pool, an aligned buffer)
//! holds: it counts the owner in `memoryStats()` until it is disposed or collected, and counts
//! the V8-owned blocks the owner holds (V8 tells nobody when the last thread drops those).

use std::ffi::{c_char, c_void};
use std::ptr;
use std::sync::OnceLock;

use lightwatch_memory::{AlignedBlock, Region};
use napi::bindgen_prelude::Unknown;
use napi::{sys, Env};
use napi_derive::napi;

use crate::block::{self, Backing};
use crate::buffer::{check, clear_exception};
use crate::cage;
use crate::error::{alloc_error, to_alignment, to_usize};
use crate::object;
use crate::regions;
use crate::stats::{self, Kind};

/// `node_api_noenv_finalize`: called once, from any thread, with no environment.
type NoEnvFinalize = unsafe extern "C" fn(data: *mut c_void, hint: *mut c_void);

/// `node_api_create_external_sharedarraybuffer` (js_native_api.h, under `NAPI_EXPERIMENTAL`).
type CreateExternalShared = unsafe extern "C" fn(
    env: sys::napi_env,
    external_data: *mut c_void,
    byte_length: usize,
    finalize_cb: Option<NoEnvFinalize>,
    finalize_hint: *mut c_void,
    result: *mut sys::napi_value,
) -> sys::napi_status;

const CREATE_EXTERNAL_SHARED: &[u8] = b"node_api_create_external_sharedarraybuffer\0";

#[cfg(unix)]
mod lookup {
    use std::ffi::{c_char, c_void};

    extern "C" {
        fn dlsym(handle: *mut c_void, symbol: *const c_char) -> *mut c_void;
    }

    /// `RTLD_DEFAULT`: the global scope, where the host executable's exports are.
    #[cfg(any(target_os = "macos", target_os = "ios"))]
    const DEFAULT: *mut c_void = -2_isize as *mut c_void;
    #[cfg(not(any(target_os = "macos", target_os = "ios")))]
    const DEFAULT: *mut c_void = std::ptr::null_mut();

    /// The address of `name` (NUL-terminated) in the process, or null.
    pub(super) fn symbol(name: *const c_char) -> *mut c_void {
        // SAFETY: `name` is a NUL-terminated string; `dlsym` only reads it.
        unsafe { dlsym(DEFAULT, name) }
    }
}

#[cfg(windows)]
mod lookup {
    use std::ffi::{c_char, c_void};

    #[link(name = "kernel32")]
    extern "system" {
        fn GetModuleHandleW(name: *const u16) -> *mut c_void;
        fn GetProcAddress(module: *mut c_void, name: *const c_char) -> *mut c_void;
    }

    /// The address of `name` (NUL-terminated) among the host executable's exports, or null.
    pub(super) fn symbol(name: *const c_char) -> *mut c_void {
        // SAFETY: a null name asks for the executable's own module, which lives as long as the
        // process; `name` is a NUL-terminated string that `GetProcAddress` only reads.
        unsafe {
            let host = GetModuleHandleW(std::ptr::null());
            if host.is_null() {
                return std::ptr::null_mut();
            }
            GetProcAddress(host, name)
        }
    }
}

#[cfg(not(any(unix, windows)))]
mod lookup {
    use std::ffi::{c_char, c_void};

    pub(super) fn symbol(_name: *const c_char) -> *mut c_void {
        std::ptr::null_mut()
    }
}

/// The runtime's `node_api_create_external_sharedarraybuffer`, if it has one (looked up once).
fn create_external_shared() -> Option<CreateExternalShared> {
    static FOUND: OnceLock<Option<CreateExternalShared>> = OnceLock::new();
    *FOUND.get_or_init(|| {
        let address = lookup::symbol(CREATE_EXTERNAL_SHARED.as_ptr().cast::<c_char>());
        if address.is_null() {
            None
        } else {
            // SAFETY: the symbol is the Node-API function of this name, whose C signature is
            // `CreateExternalShared` in every runtime that exports it (js_native_api.h).
            Some(unsafe { std::mem::transmute::<*mut c_void, CreateExternalShared>(address) })
        }
    })
}

/// The memory behind one external `SharedArrayBuffer`, freed by its finalizer.
struct SharedMemory {
    memory: AlignedBlock,
    region: Region,
}

/// Frees a shared block's memory: V8 calls this once, when no isolate holds a buffer over it.
///
/// # Safety
/// `hint` is the `Box<SharedMemory>` leaked by [`create_shared_block`] for this buffer.
unsafe extern "C" fn finalize(_data: *mut c_void, hint: *mut c_void) {
    // Nothing may unwind into V8; a panic here would only leak the block.
    let _ = std::panic::catch_unwind(|| {
        // SAFETY: `hint` is the box leaked for this buffer, and V8 runs this finalizer once.
        let shared = unsafe { Box::from_raw(hint.cast::<SharedMemory>()) };
        regions::unregister(shared.region);
        stats::shared_freed(shared.memory.len());
        drop(shared);
    });
}

fn kind_named(env: &Env, kind: &str) -> napi::Result<Kind> {
    match kind {
        "arena" => Ok(Kind::ArenaBlock),
        "pool" => Ok(Kind::PoolChunk),
        "aligned" => Ok(Kind::Aligned),
        _ => Err(crate::error::throw(
            env,
            lightwatch_memory_codes::ErrorCode::InvalidArgValue,
            &format!("kind must be 'arena', 'pool' or 'aligned'; received {kind}"),
        )),
    }
}

/// A block of `size` zeroed bytes aligned to `alignment`, behind an external
/// `SharedArrayBuffer`: `{ buffer, start: 0, misalignment, size, backing: 'native' }`; or `null`
/// where the runtime has no external `SharedArrayBuffer` (or a cage refuses external memory).
/// `kind` (`'arena'`, `'pool'`, `'aligned'`) says what it is for (checked; the owner's
/// `NativeShared` is what `memoryStats()` counts by kind).
#[napi(
    catch_unwind,
    ts_args_type = "size: number, alignment: number, kind: 'arena' | 'pool' | 'aligned'",
    ts_return_type = "{ buffer: SharedArrayBuffer; start: number; misalignment: number; size: number; backing: 'native' } | null"
)]
pub fn create_shared_block<'env>(
    env: &'env Env,
    size: f64,
    alignment: f64,
    kind: String,
) -> napi::Result<Unknown<'env>> {
    let size = to_usize(env, size, "size")?;
    let alignment = to_alignment(env, alignment)?;
    kind_named(env, &kind)?;
    let mut result = ptr::null_mut();
    // Under a memory cage (real: the first external buffer was refused; simulated; or the
    // V8-owned backing forced) external memory is out of bounds: the facade takes V8's.
    let caged = block::backing() == Backing::V8 || cage::simulated();
    if let Some(create) = create_external_shared().filter(|_| !caged) {
        // A zero-byte buffer would have no address; one byte keeps every view's address real.
        let memory =
            AlignedBlock::zeroed(size.max(1), alignment).map_err(|e| alloc_error(env, e))?;
        let region = Region {
            address: memory.as_ptr() as usize,
            len: memory.len(),
        };
        let data = memory.as_ptr().cast::<c_void>();
        let len = memory.len();
        regions::register(region);
        stats::shared_allocated(len);
        let hint = Box::into_raw(Box::new(SharedMemory { memory, region }));
        let mut buffer = ptr::null_mut();
        // SAFETY: valid env; `data` points to `len` bytes that live until `finalize` frees
        // them, which V8 calls once when no buffer over them is left; `hint` is its argument.
        let status = unsafe {
            create(
                env.raw(),
                data,
                len,
                Some(finalize),
                hint.cast::<c_void>(),
                &mut buffer,
            )
        };
        if status == sys::Status::napi_ok {
            let parts = object::object(
                env,
                &[
                    (c"buffer", buffer),
                    (c"start", object::number(env, 0.0)?),
                    (
                        c"misalignment",
                        object::number(
                            env,
                            (region.address % lightwatch_memory::MAX_ALIGNMENT) as f64,
                        )?,
                    ),
                    (c"size", object::number(env, size as f64)?),
                    (c"backing", object::string(env, "native")?),
                ],
            )?;
            // SAFETY: `parts` is a live value of this call's scope.
            return Ok(unsafe { Unknown::from_raw_unchecked(env.raw(), parts) });
        }
        // Refused (a memory cage, or no memory for the buffer object): the memory is ours again.
        // SAFETY: `hint` was leaked above and V8 did not take it.
        let shared = unsafe { Box::from_raw(hint) };
        regions::unregister(shared.region);
        stats::shared_freed(shared.memory.len());
        drop(shared);
        clear_exception(env);
    }
    check(
        env,
        // SAFETY: valid env; out-pointer to a local.
        unsafe { sys::napi_get_null(env.raw(), &mut result) },
        "napi_get_null",
    )?;
    // SAFETY: `result` is a live value of this call's scope.
    Ok(unsafe { Unknown::from_raw_unchecked(env.raw(), result) })
}

/// What one owner of shared blocks (an arena, a pool, an aligned buffer) holds, for
/// `memoryStats()`: the owner itself until it is disposed or collected, and the V8-owned blocks
/// it holds (`hold`/`drop`), which V8 frees when it likes. External blocks count themselves.
#[napi]
pub struct NativeShared {
    kind: Kind,
    /// Bytes and blocks of the V8-owned blocks the owner holds.
    bytes: usize,
    blocks: usize,
    disposed: bool,
}

#[napi]
impl NativeShared {
    /// An owner of `kind` (`'arena'`, `'pool'`, `'aligned'`), counted until disposed or
    /// collected.
    #[napi(
        constructor,
        catch_unwind,
        ts_args_type = "kind: 'arena' | 'pool' | 'aligned'"
    )]
    pub fn new(env: Env, kind: String) -> napi::Result<Self> {
        let kind = kind_named(&env, &kind)?;
        stats::owner_opened(kind);
        Ok(Self {
            kind,
            bytes: 0,
            blocks: 0,
            disposed: false,
        })
    }

    /// Counts a V8-owned shared block of `bytes` the owner now holds.
    #[napi(catch_unwind)]
    pub fn hold(&mut self, env: Env, bytes: f64) -> napi::Result<()> {
        let bytes = to_usize(&env, bytes, "bytes")?;
        if !self.disposed {
            self.bytes += bytes;
            self.blocks += 1;
            stats::shared_v8_held(bytes as i64, 1);
        }
        Ok(())
    }

    /// Stops counting a V8-owned shared block of `bytes` the owner let go of.
    #[napi(catch_unwind)]
    pub fn drop_block(&mut self, env: Env, bytes: f64) -> napi::Result<()> {
        let bytes = to_usize(&env, bytes, "bytes")?.min(self.bytes);
        if !self.disposed && self.blocks > 0 {
            self.bytes -= bytes;
            self.blocks -= 1;
            stats::shared_v8_held(-(bytes as i64), -1);
        }
        Ok(())
    }

    /// The owner gives up its blocks: it stops being counted. A second call does nothing.
    #[napi(catch_unwind)]
    pub fn dispose(&mut self) {
        self.close();
    }

    fn close(&mut self) {
        if self.disposed {
            return;
        }
        self.disposed = true;
        stats::owner_closed(self.kind);
        stats::shared_v8_held(-(self.bytes as i64), -(self.blocks as i64));
        self.bytes = 0;
        self.blocks = 0;
    }
}

impl Drop for NativeShared {
    fn drop(&mut self) {
        self.close();
    }
}
