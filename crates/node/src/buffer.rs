//! `ArrayBuffer`s through N-API: reading one, detaching it, and turning a failed call into a
//! coded error. The blocks (`block.rs`) are made of these; the builtins that make and move them
//! are in `intrinsics.rs`.

use std::ptr;

use lightwatch_memory_codes::ErrorCode;
use napi::{sys, Env};

use crate::error;

pub(crate) fn check(env: &Env, status: sys::napi_status, what: &str) -> napi::Result<()> {
    if status == sys::Status::napi_ok {
        Ok(())
    } else {
        Err(failure(env, status, what))
    }
}

/// The error for a failed N-API call: the exception it left pending, or a coded one.
#[cold]
pub(crate) fn failure(env: &Env, status: sys::napi_status, what: &str) -> napi::Error {
    if status == sys::Status::napi_pending_exception {
        napi::Error::from_status(napi::Status::PendingException)
    } else {
        error::throw(
            env,
            ErrorCode::InvalidState,
            &format!("{what} failed (napi status {status})"),
        )
    }
}

/// Clears a pending exception, if any: the caller replaces it with a coded error or recovers.
pub(crate) fn clear_exception(env: &Env) {
    let mut pending = false;
    let mut exception = ptr::null_mut();
    // SAFETY: valid env and out-pointers to locals.
    unsafe {
        sys::napi_is_exception_pending(env.raw(), &mut pending);
        if pending {
            sys::napi_get_and_clear_last_exception(env.raw(), &mut exception);
        }
    }
}

/// Whether this thread is being stopped (a worker's termination): Node-API's preamble refuses a
/// call that could run JavaScript, with no exception pending.
fn stopping(env: &Env, value: sys::napi_value) -> bool {
    let mut same = false;
    // SAFETY: valid env and value; out-pointer to a local. Comparing a value with itself runs no
    // JavaScript.
    let status = unsafe { sys::napi_strict_equals(env.raw(), value, value, &mut same) };
    if status == sys::Status::napi_ok {
        return false;
    }
    let mut pending = false;
    // SAFETY: valid env; out-pointer to a local.
    unsafe { sys::napi_is_exception_pending(env.raw(), &mut pending) };
    !pending
}

/// Whether `value` is a detached `ArrayBuffer`.
pub(crate) fn is_detached(env: &Env, value: sys::napi_value) -> bool {
    let mut detached = false;
    // SAFETY: valid env and value; out-pointer to a local. A non-ArrayBuffer leaves it false.
    let status = unsafe { sys::napi_is_detached_arraybuffer(env.raw(), value, &mut detached) };
    status == sys::Status::napi_ok && detached
}

/// Detaches `buffer`, unless this thread may no longer run JavaScript.
///
/// A worker being terminated may not: V8's `Detach` then returns nothing and Node's
/// `napi_detach_arraybuffer` checks it with `Check()`, which aborts the process (seen: a worker
/// terminated while its arena reset, `FATAL ERROR: v8::FromJust Maybe value is Nothing`). So the
/// binding asks first with a call whose preamble tests whether JavaScript can run
/// (`napi_strict_equals`): where it says no, with no exception pending, the detach is refused
/// with an error and the caller changes nothing (the memory stays the owner's until the thread's
/// teardown frees it).
///
/// # Errors
/// A `napi::Error` if the thread is stopping or the detach fails.
pub(crate) fn detach(env: &Env, buffer: sys::napi_value) -> napi::Result<()> {
    if stopping(env, buffer) {
        return Err(napi::Error::new(
            napi::Status::PendingException,
            "this thread is stopping: nothing was detached".to_owned(),
        ));
    }
    check(
        env,
        // SAFETY: valid env; `buffer` was validated as this block's ArrayBuffer.
        unsafe { sys::napi_detach_arraybuffer(env.raw(), buffer) },
        "napi_detach_arraybuffer",
    )
}

/// The memory of `value` if it is an attached `ArrayBuffer` (not a `SharedArrayBuffer`, not
/// detached): its data pointer and length. `None` for anything else.
pub(crate) fn region_of(env: &Env, value: sys::napi_value) -> Option<lightwatch_memory::Region> {
    let mut is_buffer = false;
    // SAFETY: valid env and value; out-pointer to a local.
    let status = unsafe { sys::napi_is_arraybuffer(env.raw(), value, &mut is_buffer) };
    if status != sys::Status::napi_ok || !is_buffer || is_detached(env, value) {
        return None;
    }
    let mut data = ptr::null_mut();
    let mut len = 0;
    // SAFETY: valid env; `value` is an ArrayBuffer; out-pointers to locals.
    let status = unsafe { sys::napi_get_arraybuffer_info(env.raw(), value, &mut data, &mut len) };
    (status == sys::Status::napi_ok && !data.is_null()).then_some(lightwatch_memory::Region {
        address: data as usize,
        len,
    })
}
