//! [`ErrorCode`]: the one list of the stable codes the JavaScript package throws.

use core::fmt;

use crate::ErrorClass;

/// Every stable `code` the JavaScript package throws, and the class it is thrown as.
///
/// This is the one list: the binding and the WebAssembly layer throw only these, and the
/// TypeScript facade's `ErrorCode` union and the README's table are checked against
/// [`ErrorCode::ALL`] by the package's tests. Some codes are thrown by the facade alone
/// (`ERR_BUSY`, `ERR_ABORTED`, ...): they are listed here so that the list is whole. Node's own
/// codes are used where they fit (`ERR_INVALID_ARG_TYPE`, `ERR_OUT_OF_RANGE`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// An argument of the wrong type: a non-number size, a non-view where a view is expected.
    InvalidArgType,
    /// An argument of the right type but an unacceptable value (an unknown option).
    InvalidArgValue,
    /// A number out of range: negative, fractional, unsafe, zero where at least 1 is needed.
    OutOfRange,
    /// An alignment that is not a power of two from 1 to
    /// [`MAX_ALIGNMENT`](lightwatch_memory::MAX_ALIGNMENT).
    InvalidAlignment,
    /// An arena has no room for a request and may not grow.
    ArenaExhausted,
    /// The system refused the memory.
    OutOfMemory,
    /// A pool slot or an aligned buffer freed twice.
    DoubleFree,
    /// A view or handle that the allocator did not hand out, or that no longer belongs to it.
    ForeignView,
    /// A use after `dispose()`.
    Disposed,
    /// A buffer that is not the block's current one (detached, transferred away).
    InvalidState,
    /// Memory that native work still uses (a pending hold) would be detached or freed.
    Busy,
    /// A replayed pass departs from its memory plan.
    PlanMismatch,
    /// Work the caller aborted (an `AbortSignal`): a plan planned in the background.
    Aborted,
    /// The native addon could not be loaded (thrown by the package's loader).
    NativeAddonNotLoaded,
}

impl ErrorCode {
    /// Every code, in the order the README lists them. The WebAssembly layer's refusals are
    /// indexes into this array (`-(1 + i)`), so the order is part of its interface with the
    /// browser backend, which reads the list from the module.
    pub const ALL: [Self; 14] = [
        Self::InvalidArgType,
        Self::InvalidArgValue,
        Self::OutOfRange,
        Self::InvalidAlignment,
        Self::ArenaExhausted,
        Self::OutOfMemory,
        Self::DoubleFree,
        Self::ForeignView,
        Self::Disposed,
        Self::InvalidState,
        Self::Busy,
        Self::PlanMismatch,
        Self::Aborted,
        Self::NativeAddonNotLoaded,
    ];

    /// The code as JavaScript sees it (`ERR_*`).
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::InvalidArgType => "ERR_INVALID_ARG_TYPE",
            Self::InvalidArgValue => "ERR_INVALID_ARG_VALUE",
            Self::OutOfRange => "ERR_OUT_OF_RANGE",
            Self::InvalidAlignment => "ERR_INVALID_ALIGNMENT",
            Self::ArenaExhausted => "ERR_ARENA_EXHAUSTED",
            Self::OutOfMemory => "ERR_OUT_OF_MEMORY",
            Self::DoubleFree => "ERR_DOUBLE_FREE",
            Self::ForeignView => "ERR_FOREIGN_VIEW",
            Self::Disposed => "ERR_DISPOSED",
            Self::InvalidState => "ERR_INVALID_STATE",
            Self::Busy => "ERR_BUSY",
            Self::PlanMismatch => "ERR_PLAN_MISMATCH",
            Self::Aborted => "ERR_ABORTED",
            Self::NativeAddonNotLoaded => "ERR_NATIVE_ADDON_NOT_LOADED",
        }
    }

    /// The class an error with this code is thrown as (Node's, for Node's own codes).
    #[must_use]
    pub const fn class(self) -> ErrorClass {
        match self {
            Self::InvalidArgType | Self::InvalidArgValue => ErrorClass::TypeError,
            Self::OutOfRange
            | Self::InvalidAlignment
            | Self::ArenaExhausted
            | Self::OutOfMemory => ErrorClass::RangeError,
            Self::DoubleFree
            | Self::ForeignView
            | Self::Disposed
            | Self::InvalidState
            | Self::Busy
            | Self::PlanMismatch
            | Self::Aborted
            | Self::NativeAddonNotLoaded => ErrorClass::Error,
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::ErrorCode;

    #[test]
    fn the_list_names_every_code_once() {
        // An exhaustive match: a new code does not compile until it has a place here, and this
        // test fails until it has that place in `ErrorCode::ALL`, which the package's tests
        // hold the facade and the README to.
        const fn position(code: ErrorCode) -> usize {
            match code {
                ErrorCode::InvalidArgType => 0,
                ErrorCode::InvalidArgValue => 1,
                ErrorCode::OutOfRange => 2,
                ErrorCode::InvalidAlignment => 3,
                ErrorCode::ArenaExhausted => 4,
                ErrorCode::OutOfMemory => 5,
                ErrorCode::DoubleFree => 6,
                ErrorCode::ForeignView => 7,
                ErrorCode::Disposed => 8,
                ErrorCode::InvalidState => 9,
                ErrorCode::Busy => 10,
                ErrorCode::PlanMismatch => 11,
                ErrorCode::Aborted => 12,
                ErrorCode::NativeAddonNotLoaded => 13,
            }
        }
        for (index, &code) in ErrorCode::ALL.iter().enumerate() {
            assert_eq!(position(code), index, "{code}");
        }
    }
}
