//! Turning failures into JavaScript exceptions with a stable `code`.
//!
//! Errors are thrown here with `napi_throw_{type,range}_error`, which take a `code`, and returned
//! to napi-rs as `PendingException` so it does not throw a second, code-less error on top.

use std::ffi::CString;

use lightwatch_memory::AllocError;
use napi::{sys, Env, Status};

/// The JavaScript class of a thrown error.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Class {
    Error,
    TypeError,
    RangeError,
}

/// Throws `class` with `code` and `message`, and returns the error napi-rs should propagate.
#[cold]
pub(crate) fn throw(env: &Env, class: Class, code: &str, message: &str) -> napi::Error {
    // Codes and messages are ours and never hold NUL; an interior NUL would only shorten them.
    let code = CString::new(code).unwrap_or_default();
    let message = CString::new(message.replace('\0', " ")).unwrap_or_default();
    let raw = env.raw();
    // SAFETY: `raw` is the live env of the current call; both strings are NUL-terminated and
    // outlive the call.
    let status = unsafe {
        match class {
            Class::Error => sys::napi_throw_error(raw, code.as_ptr(), message.as_ptr()),
            Class::TypeError => sys::napi_throw_type_error(raw, code.as_ptr(), message.as_ptr()),
            Class::RangeError => sys::napi_throw_range_error(raw, code.as_ptr(), message.as_ptr()),
        }
    };
    if status == sys::Status::napi_ok {
        napi::Error::from_status(Status::PendingException)
    } else {
        // An exception was already pending: let napi-rs surface that one.
        napi::Error::new(
            Status::GenericFailure,
            message.to_string_lossy().into_owned(),
        )
    }
}

/// Throws the core's error as the class its code calls for.
#[cold]
pub(crate) fn alloc_error(env: &Env, error: AllocError) -> napi::Error {
    let class = match error {
        AllocError::DoubleFree { .. } | AllocError::Foreign { .. } => Class::Error,
        _ => Class::RangeError,
    };
    throw(env, class, error.code(), &error.to_string())
}

/// Throws `ERR_INVALID_STATE`: the binding was handed something the facade never passes.
#[cold]
pub(crate) fn invalid_state(env: &Env, message: &str) -> napi::Error {
    throw(env, Class::Error, "ERR_INVALID_STATE", message)
}

/// Throws `ERR_DISPOSED`.
#[cold]
pub(crate) fn disposed(env: &Env, what: &str) -> napi::Error {
    throw(
        env,
        Class::Error,
        "ERR_DISPOSED",
        &format!("this {what} has been disposed"),
    )
}

/// Reads a JavaScript number as a byte count or element count: a safe, non-negative integer.
pub(crate) fn to_usize(env: &Env, value: f64, what: &str) -> napi::Result<usize> {
    const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;
    if value.is_finite() && value.fract() == 0.0 && (0.0..=MAX_SAFE_INTEGER).contains(&value) {
        // A safe integer always fits a 64-bit usize; on 32-bit targets the cast could truncate.
        if let Ok(n) = usize::try_from(value as u64) {
            return Ok(n);
        }
    }
    Err(throw(
        env,
        Class::RangeError,
        "ERR_OUT_OF_RANGE",
        &format!("{what} must be a non-negative safe integer; received {value}"),
    ))
}
