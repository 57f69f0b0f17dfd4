//! The allocators' error: [`AllocError`], whose every failure carries the figures that explain it.
//! (The planner's is [`PlanError`](crate::plan::PlanError); the stable codes the JavaScript
//! package throws for both live outside the core, in the bindings' `lightwatch-memory-codes`.)

use core::fmt;

use crate::address::MAX_ALIGNMENT;

/// Why an allocation or a free was refused (the planner's refusals are
/// [`PlanError`](crate::plan::PlanError)s).
///
/// Every variant carries the numbers a caller needs to understand the failure (what was asked,
/// what was available), and the `Display` text is the message the JavaScript package throws,
/// word for word (with the code its bindings map the variant to). Failures never abort the
/// process and never leave the allocator changed.
///
/// Not `#[non_exhaustive]`: the bindings map every variant to a code with an exhaustive match, so
/// that a new variant cannot ship without one (in 0.x a new variant is a breaking release anyway).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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
