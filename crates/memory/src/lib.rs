#![doc = include_str!("../README.md")]
//!
//! None of the types locks anything (single-threaded inference): each is `Send`, and only the
//! [`Arena`], which bumps through `&self`, is not `Sync`; the others change only through
//! `&mut self`.

#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs, clippy::undocumented_unsafe_blocks)]

pub mod address;
pub mod aligned;
pub mod arena;
pub mod bump;
pub mod chain;
pub mod claims;
pub mod error;
pub mod plan;
pub mod pool;
pub mod scope;
pub mod slot;

pub use address::{check_alignment, padding, Region, MAX_ALIGNMENT};
pub use aligned::{
    aligned_alloc, aligned_alloc_zeroed, aligned_delete, aligned_free, aligned_new, layout,
    AlignedBlock, AVX2_ALIGNMENT, AVX512_ALIGNMENT,
};
pub use arena::{Arena, DEFAULT_ALIGNMENT};
pub use bump::Bump;
pub use chain::{
    next_block_size, ArenaOptions, Chain, Checkpoint, Claim, ResetMode, Retained, Step,
    BLOCK_ALIGNMENT,
};
pub use claims::Claims;
pub use error::AllocError;
pub use plan::{
    replayed_lifetimes, Fit, Lifetime, Order, Plan, PlanError, PlanOptions, Planner, Techniques,
};
pub use pool::{Pool, DEFAULT_CAPACITY};
pub use scope::Scope;
pub use slot::{chunk_size, slot_stride, Slot};
