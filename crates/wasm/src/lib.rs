//! The core of `lightwatch-memory` for WebAssembly: a thin `extern "C"` layer over its rules and
//! its planner, which the package's browser backend (`ts/browser/`) loads.
//!
//! Memory is not here. Under the browser backend the blocks are JavaScript `ArrayBuffer`s, which
//! the backend makes, renews and detaches itself; what it asks this module is every *rule*: how
//! big a growing arena's next block is (`next_block_size`), what a reset keeps
//! (`ResetMode::retained`), a pool's stride and chunk size, which alignments exist, whether a
//! size can be allocated at all, and the planner. So the browser and the native addon decide
//! alike because they run the same functions.
//!
//! The interface is numbers: every export takes and returns `f64`s (what JavaScript has), checks
//! each before it reaches the core, and never traps on what it is given. A result `>= 0` is the
//! answer; a negative one is a refusal, `-(1 + i)` for the code `ErrorCode::ALL[i]`, whose message
//! waits in the exchange (`message_ptr`, `message_len`; see `refusal`). Arrays (the planner's
//! columns) travel through one buffer of this module's memory (see `plan`), and a pass is planned
//! in the largest power-of-two granule that divides its figures (see `granule`), so that 32-bit
//! sizes reach as far as they can.
//!
//! Why not napi-rs's own WebAssembly route (emnapi, `wasm32-wasip1-threads`): its external
//! buffers are copies, so a reset copies its block and memory written before a reset is gone
//! after it; it reserves shared memory at load and needs cross-origin isolation in a browser.
//! Rules need none of that: this module has no memory of the package's and one import, the
//! planner's clock (`lightwatch.now`, see the core's `plan/clock.rs`).

#![deny(unsafe_op_in_unsafe_fn)]
#![warn(clippy::undocumented_unsafe_blocks)]

mod granule;
mod plan;
mod refusal;
mod rules;

pub use plan::{columns, plan_check, plan_greedy_by_size, plan_lifetimes, plan_verify};
pub use refusal::{error_codes, message_len, message_ptr};
pub use rules::{
    arena_options, check_alignment, chunk_size, constant, layout, next_block_size, reset_retained,
    shadow_len, slot_stride,
};
