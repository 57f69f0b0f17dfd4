//! # lightwatch-memory
//!
//! The memory discipline of an inference engine: an [`Arena`] (bump pointer, O(1) reset), a
//! [`Pool`] (fixed slots, O(1) free list) and aligned allocation ([`AlignedBlock`],
//! [`aligned_alloc`], [`aligned_new`]: 32 bytes for AVX2, 64 for AVX-512).
//!
//! Everything comes from `std::alloc` with an explicit [`core::alloc::Layout`]. A failed
//! allocation is an [`AllocError`], never an abort or a panic, and a refused call leaves the
//! allocator as it was. None of the types locks anything (single-threaded inference): each is
//! `Send`, and only the [`Arena`], which bumps through `&self`, is not `Sync`; the others change
//! only through `&mut self`.
//!
//! ```
//! use lightwatch_memory::{Arena, Pool, AlignedBlock};
//! let mut scratch = Arena::new(1 << 20)?;
//! let hidden = scratch.alloc_slice_fill(512, 0.0f32)?;
//! hidden[0] = 1.0;
//! scratch.reset();
//!
//! let mut nodes: Pool<u64> = Pool::new(Pool::<u64>::DEFAULT_CAPACITY)?;
//! let node = nodes.allocate(42)?;
//! assert_eq!(nodes.deallocate(node)?, 42);
//!
//! let weights = AlignedBlock::zeroed(4096, 64)?;
//! assert_eq!(weights.as_ptr() as usize % 64, 0);
//! # Ok::<(), lightwatch_memory::AllocError>(())
//! ```

#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs, clippy::undocumented_unsafe_blocks)]

pub mod aligned;
pub mod arena;
pub mod error;
pub mod plan;
pub mod pool;

pub use aligned::{
    aligned_alloc, aligned_alloc_zeroed, aligned_delete, aligned_free, aligned_new, layout,
    AlignedBlock, AVX2_ALIGNMENT, AVX512_ALIGNMENT,
};
pub use arena::{Arena, Bump};
pub use error::AllocError;
pub use plan::{Fit, Lifetime, Order, Plan, PlanOptions, Planner};
pub use pool::{slot_stride, Pool, Slot};
