//! Why the planner refused its input: [`PlanError`], the planner's own error type.
//!
//! The planner's failures are about tensors and offsets, not about memory an allocator hands
//! out, so they live here and not in [`AllocError`]; the two failures the planner shares with the
//! allocators (an alignment that is not a power of two, memory the system refused) stay
//! [`AllocError`]s, wrapped, so that they keep one message (and one code) everywhere.

use core::fmt;

use crate::AllocError;

/// Why a plan was refused.
///
/// As with [`AllocError`], every variant carries the figures that explain it, and the `Display`
/// text is the message the JavaScript package throws, word for word. A refused call plans nothing
/// and changes nothing. Not `#[non_exhaustive]`, for the reason [`AllocError`] is not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PlanError {
    /// A failure shared with the allocators: [`AllocError::InvalidAlignment`] (a tensor's
    /// alignment is not a power of two up to the largest alignment) or
    /// [`AllocError::OutOfMemory`] (the planner's working memory was refused).
    Alloc(AllocError),
    /// A tensor lifetime that starts after it ends (steps are inclusive: `start <= end`).
    InvalidLifetime {
        /// The tensor's index in the input.
        tensor: usize,
        /// The step its lifetime starts at.
        start: usize,
        /// The step its lifetime ends at.
        end: usize,
    },
    /// A tensor of a plan would end past `isize::MAX` bytes (no block that large can be
    /// allocated): laid out after the tensors before it (the naive layout, which every plan is
    /// compared with), or at the offset a given plan puts it.
    PlanOverflow {
        /// The tensor's index.
        tensor: usize,
        /// Its size, in bytes.
        size: usize,
        /// Its alignment.
        alignment: usize,
        /// The offset it would start at.
        offset: usize,
    },
    /// More tensors than the planner indexes (it numbers them with 32 bits).
    TooManyTensors {
        /// The number of tensors given.
        tensors: usize,
        /// The most the planner takes.
        limit: usize,
    },
    /// A plan gives a tensor an offset that is not a multiple of its alignment.
    MisalignedOffset {
        /// The tensor's index.
        tensor: usize,
        /// The offset it was given.
        offset: usize,
        /// Its alignment.
        alignment: usize,
    },
    /// A plan gives two tensors that are live at the same step overlapping bytes.
    OverlappingTensors {
        /// One tensor's index.
        tensor: usize,
        /// The other's.
        other: usize,
        /// A step at which both are live.
        step: usize,
    },
    /// A plan has a different number of offsets than tensors.
    OffsetCount {
        /// The number of tensors.
        tensors: usize,
        /// The number of offsets.
        offsets: usize,
    },
}

impl From<AllocError> for PlanError {
    fn from(error: AllocError) -> Self {
        Self::Alloc(error)
    }
}

impl fmt::Display for PlanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::Alloc(error) => error.fmt(f),
            Self::InvalidLifetime { tensor, start, end } => write!(
                f,
                "tensor {tensor}: its lifetime starts at step {start}, after it ends at step {end}"
            ),
            Self::PlanOverflow {
                tensor,
                size,
                alignment,
                offset,
            } => write!(
                f,
                "tensor {tensor} ({size} bytes aligned to {alignment}) at offset {offset} would \
                 end past the largest possible block ({} bytes)",
                isize::MAX
            ),
            Self::TooManyTensors { tensors, limit } => {
                write!(f, "{tensors} tensors: the planner takes at most {limit}")
            }
            Self::MisalignedOffset {
                tensor,
                offset,
                alignment,
            } => write!(
                f,
                "tensor {tensor}: offset {offset} is not a multiple of its alignment {alignment}"
            ),
            Self::OverlappingTensors {
                tensor,
                other,
                step,
            } => write!(
                f,
                "tensors {tensor} and {other} are both live at step {step} and their bytes overlap"
            ),
            Self::OffsetCount { tensors, offsets } => write!(
                f,
                "{offsets} offsets for {tensors} tensors: a plan has one offset per tensor"
            ),
        }
    }
}

impl std::error::Error for PlanError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Alloc(error) => Some(error),
            _ => None,
        }
    }
}
