//! [`ErrorClass`]: the JavaScript class an error is thrown as.

/// The JavaScript class an error with a given [`ErrorCode`](crate::ErrorCode) is thrown as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorClass {
    /// `Error`: a state or lifetime error (double free, use after dispose).
    Error,
    /// `TypeError`: an argument of the wrong type or form.
    TypeError,
    /// `RangeError`: a number out of range, or memory that is not there.
    RangeError,
}

impl ErrorClass {
    /// The class's name in JavaScript.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Error => "Error",
            Self::TypeError => "TypeError",
            Self::RangeError => "RangeError",
        }
    }
}
