//! Which code each error of the core is thrown with: `ErrorCode::from(&AllocError)` and
//! `ErrorCode::from(&PlanError)`.
//!
//! The mapping is here, beside the list, and not in either binding: the N-API binding and the
//! WebAssembly layer must throw the same code for the same error, and one `From` both call keeps
//! them from drifting. Each match is exhaustive (the core's error enums are not
//! `#[non_exhaustive]` for this reason), so a new variant in the core does not compile until it
//! has a code here.

use lightwatch_memory::{AllocError, PlanError};

use crate::ErrorCode;

impl From<&AllocError> for ErrorCode {
    fn from(error: &AllocError) -> Self {
        match error {
            AllocError::InvalidAlignment { .. } => Self::InvalidAlignment,
            AllocError::SizeOverflow { .. } | AllocError::MaxCapacityBelowCapacity { .. } => {
                Self::OutOfRange
            }
            AllocError::Exhausted { .. } => Self::ArenaExhausted,
            AllocError::OutOfMemory { .. } => Self::OutOfMemory,
            AllocError::DoubleFree { .. } => Self::DoubleFree,
            AllocError::Foreign { .. } => Self::ForeignView,
            AllocError::MaxCapacityWithoutGrowth { .. } => Self::InvalidArgValue,
        }
    }
}

impl From<&PlanError> for ErrorCode {
    fn from(error: &PlanError) -> Self {
        match error {
            // The failures the planner shares with the allocators keep the allocators' code.
            PlanError::Alloc(error) => Self::from(error),
            PlanError::InvalidLifetime { .. }
            | PlanError::MisalignedOffset { .. }
            | PlanError::OverlappingTensors { .. }
            | PlanError::OffsetCount { .. } => Self::InvalidArgValue,
            PlanError::PlanOverflow { .. } | PlanError::TooManyTensors { .. } => Self::OutOfRange,
        }
    }
}
