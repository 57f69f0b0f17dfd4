//! The core's behaviour tests: one test binary (`cargo test -p lightwatch-memory --test all`),
//! one file per topic, laid out like bumpalo's `tests/all/`.
//!
//! `spec` holds the phase-02 spec's required tests (docs/design.md, "The upstream spec";
//! `cargo test phase_02`). The cross-type files (`alignment`, `limits`) hold the rules every
//! allocating entry point shares, as tables of named cases; the per-type files hold what only
//! that type does. `properties` checks random operation sequences against a model; `plan` holds
//! the planner's tests and their oracle. `tests/oom.rs` stays a binary of its own: it installs a
//! failing global allocator, which would apply to every test in this one.

mod helpers;

mod alignment;
mod limits;
mod spec;

mod aligned_alloc;
mod aligned_block;
mod arena;
mod bump;
mod chain;
mod checkpoint;
mod error;
mod growth;
mod layout;
mod offsets;
mod plan;
mod pool;
mod reset;
mod scope;
mod scrub;
mod traits;

mod properties;
