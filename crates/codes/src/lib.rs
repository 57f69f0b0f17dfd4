//! The JavaScript-facing list of errors of `@lightwatch/memory`: every stable `code` the package
//! throws ([`ErrorCode`]), the JavaScript class it is thrown as ([`ErrorClass`]), and the code each
//! error of the core (`AllocError`, `PlanError`) is thrown with (`ErrorCode::from`).
//!
//! Why a crate of its own: the core (`lightwatch-memory`) is a Rust allocator that knows nothing
//! of JavaScript, and two layers throw into JavaScript, the N-API binding (`crates/node`) and the
//! WebAssembly layer (`crates/wasm`, whose refusals are indexes into [`ErrorCode::ALL`]). Both
//! must throw the same code, as the same class, for the same error, so the list and the mapping
//! sit here once and both depend on it. The crate itself uses only `core`.

#![no_std]
#![warn(missing_docs)]

mod class;
mod code;
mod from_core;

pub use class::ErrorClass;
pub use code::ErrorCode;
