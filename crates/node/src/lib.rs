//! Node.js / Electron binding of `lightwatch-memory` (napi-rs).
//!
//! This layer hands whole blocks of native memory to JavaScript as `ArrayBuffer`s and decides
//! when each buffer ends: `block` (a block's memory and its buffers, the V8-owned fallback;
//! `block::renewal`, the buffers that succeed others over the same memory), `epochs` (every buffer over a block that JavaScript may hold), `intrinsics` (the builtins it
//! calls, captured at load), `regions` and `tags` (what memory and which buffers are ours), `object` (values
//! handed to JavaScript without running its setters), `cage` (the one call a memory cage
//! refuses, with a test seam that refuses it), then one file per concept (`arena`, `pool`,
//! `aligned`, `plan`), `stats` for `memoryStats()` and `error` for coded exceptions. With the
//! `test-exports` feature (the build the package's tests load, never the release one), `rules`
//! and `test_exports` add what only the tests call. The hot
//! paths (bump, free list) run in the TypeScript facade over those blocks, without crossing
//! N-API; JavaScript never hands a buffer back to be ended or freed.
//!
//! Every export is `catch_unwind`: a panic becomes a JavaScript exception, never an abort.

#![deny(unsafe_op_in_unsafe_fn)]
// napi-derive registers the exports only outside `cfg(test)`, so a test build (clippy
// --all-targets) sees them as unused. The binding is tested from JavaScript.
#![cfg_attr(test, allow(dead_code))]
#![warn(clippy::undocumented_unsafe_blocks)]

mod aligned;
mod arena;
mod block;
mod buffer;
mod cage;
mod epochs;
mod error;
mod intrinsics;
mod object;
mod plan;
mod pool;
mod regions;
#[cfg(feature = "test-exports")]
mod rules;
mod shared;
mod sizes;
mod stats;
mod tags;
#[cfg(feature = "test-exports")]
mod test_exports;

use std::ptr;

use lightwatch_memory_codes::ErrorCode;
use napi::bindgen_prelude::{BigInt, Unknown};
use napi::{sys, Env, JsValue};
use napi_derive::napi;

/// The alignment of arena claims whose caller names none: 16 bytes (SSE, NEON).
#[napi]
pub const DEFAULT_ALIGNMENT: u32 = lightwatch_memory::DEFAULT_ALIGNMENT as u32;
/// The largest alignment accepted anywhere: 64 KiB.
#[napi]
pub const MAX_ALIGNMENT: u32 = lightwatch_memory::MAX_ALIGNMENT as u32;
/// The slots of a pool's first chunk, and of each later one, when none is named: 1024.
#[napi]
pub const DEFAULT_CAPACITY: u32 = lightwatch_memory::DEFAULT_CAPACITY as u32;
/// AVX2's alignment: 32 bytes.
#[napi]
pub const AVX2_ALIGNMENT: u32 = lightwatch_memory::AVX2_ALIGNMENT as u32;
/// AVX-512's alignment, and a cache line: 64 bytes.
#[napi]
pub const AVX512_ALIGNMENT: u32 = lightwatch_memory::AVX512_ALIGNMENT as u32;

/// Runs when the addon registers in an environment (the main thread, each worker), before any
/// of its functions can be called: the builtins it needs are captured now (see `intrinsics`).
#[napi(module_exports)]
pub fn init(env: Env, _exports: napi::bindgen_prelude::Object<'_>) -> napi::Result<()> {
    intrinsics::capture(&env)
}

/// The backing new blocks get: `"native"` (external buffers over the core's memory) or `"v8"`
/// (V8-owned buffers: Electron's memory cage, or `LIGHTWATCH_MEMORY_BACKING=v8`).
#[napi(catch_unwind, ts_return_type = "'native' | 'v8'")]
pub fn memory_backing() -> &'static str {
    block::backing().name()
}

/// The native address of the first byte of an `ArrayBuffer`, typed array or `DataView`.
///
/// # Errors
/// `ERR_INVALID_ARG_TYPE` for anything else; `ERR_INVALID_STATE` for a detached buffer, or
/// one of zero bytes, which has no memory.
#[napi(
    catch_unwind,
    ts_args_type = "target: ArrayBufferLike | ArrayBufferView"
)]
pub fn address_of(env: &Env, target: Unknown<'_>) -> napi::Result<BigInt> {
    let raw = env.raw();
    let value = target.raw();
    let (mut is_buffer, mut is_typed, mut is_view) = (false, false, false);
    let mut data: *mut std::ffi::c_void = ptr::null_mut();
    let mut len = 0usize;
    // The ArrayBuffer under it: `value` itself, or a view's buffer.
    let mut buffer = value;
    // SAFETY: valid env and value; each info call runs only on the kind it was checked to be;
    // out-pointers are locals, and the ones the info calls allow to be null are null.
    unsafe {
        sys::napi_is_arraybuffer(raw, value, &mut is_buffer);
        if is_buffer {
            sys::napi_get_arraybuffer_info(raw, value, &mut data, &mut len);
        } else {
            sys::napi_is_typedarray(raw, value, &mut is_typed);
            if is_typed {
                let mut kind = 0;
                let mut offset = 0;
                sys::napi_get_typedarray_info(
                    raw,
                    value,
                    &mut kind,
                    &mut len,
                    &mut data,
                    &mut buffer,
                    &mut offset,
                );
            } else {
                sys::napi_is_dataview(raw, value, &mut is_view);
                if is_view {
                    let mut offset = 0;
                    sys::napi_get_dataview_info(
                        raw,
                        value,
                        &mut len,
                        &mut data,
                        &mut buffer,
                        &mut offset,
                    );
                }
            }
        }
    }
    if !(is_buffer || is_typed || is_view) {
        return Err(error::throw(
            env,
            ErrorCode::InvalidArgType,
            "target must be an ArrayBuffer or a view",
        ));
    }
    if data.is_null() {
        // V8 gives no memory to a buffer of zero bytes either: say which it is.
        let message = if buffer::is_detached(env, buffer) {
            "a detached buffer has no address"
        } else {
            "a buffer of zero bytes has no address (the runtime gives it no memory)"
        };
        return Err(error::invalid_state(env, message));
    }
    Ok(BigInt::from(data as usize as u64))
}
