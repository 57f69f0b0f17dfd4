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
            Self::InvalidLifetime { .. }
            | Self::MisalignedOffset { .. }
            | Self::OverlappingTensors { .. }
            | Self::OffsetCount { .. } => "ERR_INVALID_ARG_VALUE",
            Self::PlanOverflow { .. } | Self::TooManyTensors { .. } => "ERR_OUT_OF_RANGE",
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
            Self::TooManyTensors { tensors, limit } => write!(
                f,
                "{tensors} tensors: the planner takes at most {limit}"
            ),
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

impl std::error::Error for AllocError {}
