//! `ArrayBuffer`s through N-API: making one, detaching it, transferring it, and turning a failed
//! call into a coded error. The blocks (`block.rs`) are made of these.

use std::ffi::CStr;
use std::ptr;

use lightwatch_memory::ErrorCode;
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

/// `globalThis` and `globalThis[name]`.
fn global_property(env: &Env, name: &CStr) -> napi::Result<(sys::napi_value, sys::napi_value)> {
    let raw = env.raw();
    let mut global = ptr::null_mut();
    let mut value = ptr::null_mut();
    // SAFETY: valid env, NUL-terminated name, out-pointers to locals.
    unsafe {
        check(
            env,
            sys::napi_get_global(raw, &mut global),
            "napi_get_global",
        )?;
        check(
            env,
            sys::napi_get_named_property(raw, global, name.as_ptr(), &mut value),
            "reading a global",
        )?;
    }
    Ok((global, value))
}

/// `new ArrayBuffer(len)`; `None` (with no exception left pending) if the constructor throws.
pub(crate) fn construct_buffer(env: &Env, len: usize) -> napi::Result<Option<sys::napi_value>> {
    let (_, constructor) = global_property(env, c"ArrayBuffer")?;
    let raw = env.raw();
    let mut length = ptr::null_mut();
    let mut buffer = ptr::null_mut();
    // SAFETY: valid env, values of this call's scope, out-pointers to locals.
    let status = unsafe {
        check(
            env,
            sys::napi_create_double(raw, len as f64, &mut length),
            "napi_create_double",
        )?;
        sys::napi_new_instance(raw, constructor, 1, &length, &mut buffer)
    };
    if status == sys::Status::napi_ok {
        return Ok(Some(buffer));
    }
    // The RangeError V8 threw is replaced by the caller's.
    clear_exception(env);
    Ok(None)
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

/// Whether `value` is a detached `ArrayBuffer`.
pub(crate) fn is_detached(env: &Env, value: sys::napi_value) -> bool {
    let mut detached = false;
    // SAFETY: valid env and value; out-pointer to a local. A non-ArrayBuffer leaves it false.
    let status = unsafe { sys::napi_is_detached_arraybuffer(env.raw(), value, &mut detached) };
    status == sys::Status::napi_ok && detached
}

pub(crate) fn detach(env: &Env, buffer: sys::napi_value) -> napi::Result<()> {
    // SAFETY: valid env; `buffer` was validated as this block's ArrayBuffer.
    check(
        env,
        unsafe { sys::napi_detach_arraybuffer(env.raw(), buffer) },
        "napi_detach_arraybuffer",
    )
}

/// `structuredClone(buffer, { transfer: [buffer] })`: moves a V8-owned backing store into a new
/// `ArrayBuffer` and detaches the old one, keeping the memory where it is.
pub(crate) fn transfer(env: &Env, buffer: sys::napi_value) -> napi::Result<sys::napi_value> {
    let (global, clone) = global_property(env, c"structuredClone")?;
    let raw = env.raw();
    let mut list = ptr::null_mut();
    let mut options = ptr::null_mut();
    let mut result = ptr::null_mut();
    // SAFETY: valid env, values from this call's scope, NUL-terminated names, out-pointers to locals.
    unsafe {
        check(
            env,
            sys::napi_create_array_with_length(raw, 1, &mut list),
            "napi_create_array",
        )?;
        check(
            env,
            sys::napi_set_element(raw, list, 0, buffer),
            "napi_set_element",
        )?;
        check(
            env,
            sys::napi_create_object(raw, &mut options),
            "napi_create_object",
        )?;
        check(
            env,
            sys::napi_set_named_property(raw, options, c"transfer".as_ptr(), list),
            "napi_set_named_property",
        )?;
        let args = [buffer, options];
        check(
            env,
            sys::napi_call_function(raw, global, clone, args.len(), args.as_ptr(), &mut result),
            "structuredClone",
        )?;
    }
    Ok(result)
}
