//! The one error type of the crate: every failure carries the figures that explain it.

use core::fmt;

/// Why an allocation or a free was refused.
///
/// Every variant carries the numbers a caller needs to understand the failure (what was asked,
/// what was available), and [`AllocError::code`] maps it to the stable code the JavaScript
/// binding throws. Failures never abort the process and never leave the allocator changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AllocError {
    /// The alignment is not a power of two.
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
    /// An arena has fewer bytes left than the request needs.
    Exhausted {
        /// The size that was asked for, in bytes.
        requested: usize,
        /// The bytes left in the arena before the request.
        available: usize,
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
}

impl AllocError {
    /// The stable code the JavaScript binding throws for this error (`ERR_*`).
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            Self::InvalidAlignment { .. } => "ERR_INVALID_ALIGNMENT",
            Self::SizeOverflow { .. } => "ERR_OUT_OF_RANGE",
            Self::Exhausted { .. } => "ERR_ARENA_EXHAUSTED",
            Self::OutOfMemory { .. } => "ERR_OUT_OF_MEMORY",
            Self::DoubleFree { .. } => "ERR_DOUBLE_FREE",
            Self::Foreign { .. } => "ERR_FOREIGN_VIEW",
        }
    }
}

impl fmt::Display for AllocError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::InvalidAlignment { alignment } => {
                write!(f, "alignment {alignment} is not a power of two")
            }
            Self::SizeOverflow { size, alignment } => write!(
                f,
                "{size} bytes aligned to {alignment} exceed the largest possible allocation ({} bytes)",
                isize::MAX
            ),
            Self::Exhausted {
                requested,
                available,
            } => write!(
                f,
                "arena exhausted: requested {requested} bytes, {available} bytes available"
            ),
            Self::OutOfMemory { size, alignment } => write!(
                f,
                "out of memory: the system refused {size} bytes aligned to {alignment}"
            ),
            Self::DoubleFree { slot } => write!(f, "double free of pool slot {slot}"),
            Self::Foreign { at } => write!(
                f,
                "{at:#x} was not handed out by this allocator (or no longer belongs to it)"
            ),
        }
    }
}

impl std::error::Error for AllocError {}
