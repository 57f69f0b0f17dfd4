//! The one call that V8's memory cage refuses, behind a test seam that can refuse it the same way.
//!
//! Electron 21+ builds V8 with its sandbox (the memory cage), where
//! `napi_create_external_arraybuffer` returns `napi_no_external_buffers_allowed` (status 22):
//! nothing is created and the finalizer is never called. `block` answers that by switching to
//! V8-owned memory for good. Electron cannot be installed everywhere the tests run (its install
//! downloads a binary from outside the npm registry), so with `LIGHTWATCH_MEMORY_SIMULATE_CAGE=1`
//! in the environment (test-only; read once, when the first block is made) this call returns that
//! status exactly as a sandboxed build does, and the real switch path runs under plain Node: the
//! whole test suite can run in that mode. An environment variable, like
//! `LIGHTWATCH_MEMORY_BACKING`, because ava runs every test file in a process of its own: only
//! the environment reaches all of them before their first block.
//!
//! `LIGHTWATCH_MEMORY_BACKING=v8` stays the way to *force* the fallback; this only simulates the
//! refusal, so the switch itself is what gets tested.

use std::ffi::c_void;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;

use napi::sys;

/// Calls refused by the simulation, for the tests: one means the switch happened at the first
/// block and nothing asked for an external buffer after it.
static REFUSED: AtomicU32 = AtomicU32::new(0);

/// Whether the simulated cage is on: it refuses external shared buffers too (`shared.rs`).
pub(crate) fn simulated() -> bool {
    static SIMULATED: OnceLock<bool> = OnceLock::new();
    *SIMULATED
        .get_or_init(|| std::env::var("LIGHTWATCH_MEMORY_SIMULATE_CAGE").is_ok_and(|v| v == "1"))
}

/// `napi_create_external_arraybuffer`, or its refusal under the simulated cage.
///
/// # Safety
/// As for `napi_create_external_arraybuffer`: a live `env` of this thread, `data` valid for `len`
/// bytes until `finalize` runs, and a writable `result`.
pub(crate) unsafe fn create_external_arraybuffer(
    env: sys::napi_env,
    data: *mut c_void,
    len: usize,
    finalize: sys::napi_finalize,
    hint: *mut c_void,
    result: *mut sys::napi_value,
) -> sys::napi_status {
    if simulated() {
        // What a sandboxed V8 does: refuse before creating anything or keeping the finalizer.
        REFUSED.fetch_add(1, Ordering::Relaxed);
        return sys::Status::napi_no_external_buffers_allowed;
    }
    // SAFETY: the caller's guarantees are this function's own.
    unsafe { sys::napi_create_external_arraybuffer(env, data, len, finalize, hint, result) }
}

/// How many external buffers the simulated cage refused in this process (0 when the simulation
/// is off): for the tests (`test_exports`).
#[cfg(feature = "test-exports")]
pub(crate) fn refusals() -> u32 {
    REFUSED.load(Ordering::Relaxed)
}
