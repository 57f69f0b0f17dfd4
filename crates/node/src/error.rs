//! Turning failures into JavaScript exceptions with a stable `code`.
//!
//! Every code comes from the one list (`lightwatch_memory_codes::ErrorCode`, shared with the
//! WebAssembly layer), which also says the class each is thrown as and the code of each core
//! error, and every message of a core error is its `Display` text, the same
//! words the facade uses for the same error. Errors are thrown here with
//! `napi_throw_{type,range}_error`, which take a `code`, and returned to napi-rs as
//! `PendingException` so it does not throw a second, code-less error on top.

use std::ffi::CString;

use lightwatch_memory::{AllocError, PlanError};
use lightwatch_memory_codes::{ErrorClass, ErrorCode};
use napi::{sys, Env, Status};
use napi_derive::napi;

/// Throws an error with `code` (as the class the code calls for) and `message`, and returns the
/// error napi-rs should propagate.
#[cold]
pub(crate) fn throw(env: &Env, code: ErrorCode, message: &str) -> napi::Error {
    // Codes and messages are ours and never hold NUL; an interior NUL would only shorten them.
    let code_text = CString::new(code.as_str()).unwrap_or_default();
    let message = CString::new(message.replace('\0', " ")).unwrap_or_default();
    let raw = env.raw();
    // SAFETY: `raw` is the live env of the current call; both strings are NUL-terminated and
    // outlive the call.
    let status = unsafe {
        match code.class() {
            ErrorClass::Error => sys::napi_throw_error(raw, code_text.as_ptr(), message.as_ptr()),
            ErrorClass::TypeError => {
                sys::napi_throw_type_error(raw, code_text.as_ptr(), message.as_ptr())
            }
            ErrorClass::RangeError => {
                sys::napi_throw_range_error(raw, code_text.as_ptr(), message.as_ptr())
            }
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

/// Throws the core's error, with its code and its message.
#[cold]
pub(crate) fn alloc_error(env: &Env, error: AllocError) -> napi::Error {
    throw(env, ErrorCode::from(&error), &error.to_string())
}

/// Throws the planner's error, with its code and its message.
#[cold]
pub(crate) fn plan_error(env: &Env, error: PlanError) -> napi::Error {
    throw(env, ErrorCode::from(&error), &error.to_string())
}

/// Throws `ERR_INVALID_STATE`: the binding was handed something the facade never passes.
#[cold]
pub(crate) fn invalid_state(env: &Env, message: &str) -> napi::Error {
    throw(env, ErrorCode::InvalidState, message)
}

/// Throws `ERR_DISPOSED`, with the facade's words: "this arena has been disposed".
#[cold]
pub(crate) fn disposed(env: &Env, what: &str) -> napi::Error {
    throw(
        env,
        ErrorCode::Disposed,
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
        ErrorCode::OutOfRange,
        &format!("{what} must be a non-negative safe integer; received number {value}"),
    ))
}

/// Reads a JavaScript number as an alignment: the core's rule (a power of two up to
/// `MAX_ALIGNMENT`), refused with the core's error and words.
pub(crate) fn to_alignment(env: &Env, value: f64) -> napi::Result<usize> {
    let integer = value.is_finite() && value.fract() == 0.0 && value >= 0.0;
    match usize::try_from(value as u64) {
        Ok(alignment) if integer => {
            lightwatch_memory::check_alignment(alignment).map_err(|e| alloc_error(env, e))
        }
        _ => Err(throw(
            env,
            ErrorCode::InvalidAlignment,
            &format!(
                "alignment must be a power of two from 1 to {}; received {value}",
                lightwatch_memory::MAX_ALIGNMENT
            ),
        )),
    }
}

/// One entry of [`error_codes`].
#[napi(object)]
pub struct ErrorCodeEntry {
    /// The stable code, e.g. `ERR_ARENA_EXHAUSTED`.
    pub code: String,
    /// The class it is thrown as.
    #[napi(ts_type = "'Error' | 'TypeError' | 'RangeError'")]
    pub class: String,
}

/// Every error code the package throws, with the class it is thrown as: the one list,
/// which the facade's `ErrorCode` union and the README's table are checked against.
#[napi(catch_unwind)]
pub fn error_codes() -> Vec<ErrorCodeEntry> {
    ErrorCode::ALL
        .iter()
        .map(|code| ErrorCodeEntry {
            code: code.as_str().to_owned(),
            class: code.class().name().to_owned(),
        })
        .collect()
}
