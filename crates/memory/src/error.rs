//! The crate's errors: [`AllocError`], whose every failure carries the figures that explain it,
//! and [`ErrorCode`], the one list of the stable codes that the JavaScript package throws.

use core::fmt;

use crate::address::MAX_ALIGNMENT;

/// The JavaScript class an error with a given [`ErrorCode`] is thrown as.
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

/// Every stable `code` the JavaScript package throws, and the class it throws it as.
///
/// This is the one list: the binding throws only these, the TypeScript facade's `ErrorCode`
/// union and the README's table are checked against [`ErrorCode::ALL`] by the package's tests.
/// Node's own codes are used where they fit (`ERR_INVALID_ARG_TYPE`, `ERR_OUT_OF_RANGE`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorCode {
    /// An argument of the wrong type: a non-number size, a non-view where a view is expected.
    InvalidArgType,
    /// An argument of the right type but an unacceptable value (an unknown option).
    InvalidArgValue,
    /// A number out of range: negative, fractional, unsafe, zero where at least 1 is needed.
    OutOfRange,
    /// An alignment that is not a power of two from 1 to [`MAX_ALIGNMENT`].
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
    /// Every code, in the order the README lists them.
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

/// Why an allocation or a free was refused (the planner's refusals are
/// [`PlanError`](crate::plan::PlanError)s).
///
/// Every variant carries the numbers a caller needs to understand the failure (what was asked,
/// what was available), and [`AllocError::code`] maps it to the stable code the JavaScript
/// binding throws; the `Display` text is the message it throws, word for word. Failures never
/// abort the process and never leave the allocator changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AllocError {
    /// The alignment is not a power of two from 1 to [`MAX_ALIGNMENT`].
    InvalidAlignment {
        /// The alignment that was asked for.
        alignment: usize,
    },
    /// The size, rounded up to the alignment (plus any bookkeeping), does not fit in `isize::MAX`.
    SizeOverflow {
        /// The size that was asked for, in bytes.
        size: usize,
        /// The alignment that was asked for.
        alignment: usize,
    },
    /// An arena has fewer bytes left than the request needs, and may not grow.
    Exhausted {
        /// The size that was asked for, in bytes.
        requested: usize,
        /// The alignment that was asked for.
        alignment: usize,
        /// The bytes the arena could still hand out without growing, before the request.
        available: usize,
        /// The arena's capacity: the bytes of all its blocks.
        capacity: usize,
        /// The most bytes a growable arena may hold, if it has a limit (`None` for an arena
        /// that does not grow).
        max_capacity: Option<usize>,
    },
    /// The system allocator refused the memory.
    OutOfMemory {
        /// The size that was asked for, in bytes.
        size: usize,
        /// The alignment that was asked for.
        alignment: usize,
    },
    /// A pool slot was freed a second time (its handle is older than the slot's current use).
    DoubleFree {
        /// The slot's index in its pool.
        slot: usize,
    },
    /// A handle or pointer that this allocator did not hand out.
    Foreign {
        /// The slot index, or address, that was presented.
        at: usize,
    },
    /// A `max_capacity` for an arena that does not grow.
    MaxCapacityWithoutGrowth {
        /// The `max_capacity` that was given.
        max_capacity: usize,
    },
    /// A `max_capacity` below the arena's initial capacity.
    MaxCapacityBelowCapacity {
        /// The initial capacity.
        capacity: usize,
        /// The `max_capacity` that was given.
        max_capacity: usize,
    },
}

impl AllocError {
    /// The stable code the JavaScript binding throws for this error.
    #[must_use]
    pub const fn code(&self) -> ErrorCode {
        match self {
            Self::InvalidAlignment { .. } => ErrorCode::InvalidAlignment,
            Self::SizeOverflow { .. } => ErrorCode::OutOfRange,
            Self::Exhausted { .. } => ErrorCode::ArenaExhausted,
            Self::OutOfMemory { .. } => ErrorCode::OutOfMemory,
            Self::DoubleFree { .. } => ErrorCode::DoubleFree,
            Self::Foreign { .. } => ErrorCode::ForeignView,
            Self::MaxCapacityWithoutGrowth { .. } => ErrorCode::InvalidArgValue,
            Self::MaxCapacityBelowCapacity { .. } => ErrorCode::OutOfRange,
        }
    }
}

impl fmt::Display for AllocError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::InvalidAlignment { alignment } => write!(
                f,
                "alignment must be a power of two from 1 to {MAX_ALIGNMENT}; received {alignment}"
            ),
            Self::SizeOverflow { size, alignment } => write!(
                f,
                "{size} bytes aligned to {alignment} exceed the largest possible allocation ({} bytes)",
                isize::MAX
            ),
            Self::Exhausted {
                requested,
                alignment,
                available,
                capacity,
                max_capacity,
            } => {
                write!(
                    f,
                    "arena exhausted: requested {requested} bytes aligned to {alignment}, \
                     {available} of {capacity} bytes available"
                )?;
                match max_capacity {
                    Some(max) => write!(f, ", and growing would pass maxCapacity ({max} bytes)"),
                    None => Ok(()),
                }
            }
            Self::OutOfMemory { size, alignment } => write!(
                f,
                "out of memory: the system refused {size} bytes aligned to {alignment}"
            ),
            Self::DoubleFree { slot } => {
                write!(f, "double free: pool slot {slot} is already free")
            }
            Self::Foreign { at } => write!(
                f,
                "{at:#x} was not handed out by this allocator (or no longer belongs to it)"
            ),
            Self::MaxCapacityWithoutGrowth { max_capacity } => write!(
                f,
                "maxCapacity is only for a growable arena; received maxCapacity {max_capacity} without growable: true"
            ),
            Self::MaxCapacityBelowCapacity {
                capacity,
                max_capacity,
            } => write!(
                f,
                "maxCapacity must be at least the capacity ({capacity} bytes); received {max_capacity}"
            ),
        }
    }
}

impl std::error::Error for AllocError {}

#[cfg(test)]
mod tests {
    use super::ErrorCode;

    #[test]
    fn the_list_names_every_code_once() {
        // An exhaustive match (inside the crate, where `non_exhaustive` does not apply): a new
        // code does not compile until it has a place here, and this test fails until it has
        // that place in `ErrorCode::ALL`, which the package's tests hold the facade and the
        // README to.
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
