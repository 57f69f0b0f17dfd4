//! Refusals: how an export says no without trapping, and the numbers it takes.
//!
//! A refusal is a negative result, `-(1 + i)` for the code `ErrorCode::ALL[i]` (so the one list
//! of codes, `lightwatch-memory-codes`, is the binding's here too), and its message is the core's
//! `Display` text, left in this
//! module's memory for the caller to read (`message_ptr`, `message_len`) before its next call.

use std::cell::RefCell;
use std::fmt::Display;

use lightwatch_memory_codes::ErrorCode;

thread_local! {
    /// The last refusal's message (or `error_codes`' list), as UTF-8.
    static MESSAGE: RefCell<String> = const { RefCell::new(String::new()) };
}

/// A refusal: the code and the words the package throws.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refusal {
    pub(crate) code: ErrorCode,
    pub(crate) message: String,
}

impl Refusal {
    pub(crate) fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    /// The core's error, with the code it is thrown with and its words.
    pub(crate) fn from_core<E: Display>(error: &E) -> Self
    where
        for<'a> ErrorCode: From<&'a E>,
    {
        Self::new(ErrorCode::from(error), error.to_string())
    }
}

impl From<lightwatch_memory::AllocError> for Refusal {
    fn from(error: lightwatch_memory::AllocError) -> Self {
        Self::from_core(&error)
    }
}

impl From<lightwatch_memory::PlanError> for Refusal {
    fn from(error: lightwatch_memory::PlanError) -> Self {
        Self::from_core(&error)
    }
}

/// The number an export returns: the answer, or the refusal's code (its message kept).
pub(crate) fn answer(result: Result<f64, Refusal>) -> f64 {
    match result {
        Ok(value) => value,
        Err(refusal) => {
            let index = ErrorCode::ALL
                .iter()
                .position(|&code| code == refusal.code)
                .unwrap_or(ErrorCode::ALL.len() - 1);
            set_message(refusal.message);
            -(1.0 + index as f64)
        }
    }
}

fn set_message(text: String) {
    MESSAGE.with(|message| *message.borrow_mut() = text);
}

/// Where the last message is in this module's memory.
#[no_mangle]
pub extern "C" fn message_ptr() -> f64 {
    MESSAGE.with(|message| message.borrow().as_ptr() as usize as f64)
}

/// The last message's length in bytes.
#[no_mangle]
pub extern "C" fn message_len() -> f64 {
    MESSAGE.with(|message| message.borrow().len() as f64)
}

/// Leaves every code the package throws, with its class, in the message (`CODE Class` lines),
/// and returns how many there are: the one list, the binding's too.
#[no_mangle]
pub extern "C" fn error_codes() -> f64 {
    let mut text = String::new();
    for code in ErrorCode::ALL {
        text.push_str(code.as_str());
        text.push(' ');
        text.push_str(code.class().name());
        text.push('\n');
    }
    set_message(text);
    ErrorCode::ALL.len() as f64
}

/// Reads a number as a byte or element count: a non-negative safe integer, as the binding's
/// `to_usize` reads it. One that is valid but does not fit this target's `usize` (32 bits here)
/// is refused as too large to allocate: a block of the browser backend holds at most
/// `isize::MAX` bytes (2 GiB - 1), the most the core's rules compute with on wasm32.
pub(crate) fn to_usize(value: f64, what: &str) -> Result<usize, Refusal> {
    const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;
    if !(value.is_finite() && value.fract() == 0.0 && (0.0..=MAX_SAFE_INTEGER).contains(&value)) {
        return Err(Refusal::new(
            ErrorCode::OutOfRange,
            format!("{what} must be a non-negative safe integer; received number {value}"),
        ));
    }
    usize::try_from(value as u64).map_err(|_| too_large(value, what))
}

/// A count that is valid in JavaScript but past what this target computes with.
pub(crate) fn too_large(value: f64, what: &str) -> Refusal {
    Refusal::new(
        ErrorCode::OutOfRange,
        format!(
            "{what} {value} exceeds the largest size the WebAssembly core computes with ({} bytes)",
            isize::MAX
        ),
    )
}

/// Reads a number as an alignment, with the core's rule and words.
pub(crate) fn to_alignment(value: f64) -> Result<usize, Refusal> {
    let integer = value.fract() == 0.0 && (0.0..=65536.0).contains(&value);
    if integer {
        return Ok(lightwatch_memory::check_alignment(value as usize)?);
    }
    Err(Refusal::new(
        ErrorCode::InvalidAlignment,
        format!(
            "alignment must be a power of two from 1 to {}; received {value}",
            lightwatch_memory::MAX_ALIGNMENT
        ),
    ))
}

/// The message of the last refusal (for the layer's tests).
#[cfg(test)]
pub(crate) fn last_message() -> String {
    MESSAGE.with(|message| message.borrow().clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_is_its_code_index_negated_and_keeps_its_message() {
        let result = answer(Err(Refusal::new(ErrorCode::Busy, "no")));
        let index = ErrorCode::ALL
            .iter()
            .position(|&c| c == ErrorCode::Busy)
            .unwrap();
        assert_eq!(result, -(1.0 + index as f64));
        assert_eq!(last_message(), "no");
        assert_eq!(message_len(), 2.0);
    }

    #[test]
    fn counts_are_safe_integers() {
        assert_eq!(to_usize(12.0, "size"), Ok(12));
        for bad in [-1.0, 0.5, f64::NAN, f64::INFINITY, 2f64.powi(53)] {
            assert_eq!(
                to_usize(bad, "size").unwrap_err().code,
                ErrorCode::OutOfRange
            );
        }
    }

    #[test]
    fn alignments_follow_the_core() {
        assert_eq!(to_alignment(64.0), Ok(64));
        for bad in [0.0, 3.0, 131_072.0, -2.0, 1.5, f64::NAN] {
            assert_eq!(
                to_alignment(bad).unwrap_err().code,
                ErrorCode::InvalidAlignment
            );
        }
    }

    #[test]
    fn the_codes_are_the_one_list() {
        assert_eq!(error_codes(), ErrorCode::ALL.len() as f64);
        let text = last_message();
        assert!(text.starts_with("ERR_INVALID_ARG_TYPE TypeError\n"));
        assert_eq!(text.lines().count(), ErrorCode::ALL.len());
    }
}
