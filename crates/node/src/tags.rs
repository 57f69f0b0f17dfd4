//! The tag every V8-owned buffer of ours carries (`napi_type_tag_object`).
//!
//! A V8-owned block is made with `new ArrayBuffer(len)`, through the constructor captured when the
//! addon loaded, which code that ran before may have replaced: it could return a live buffer of
//! another block, which would then be handed out twice. Native memory is recognised by address
//! (`regions.rs`), but V8 frees its own memory when it likes, and a collected buffer's addresses
//! can be handed out again before our finalizer runs: V8-owned buffers are recognised by identity
//! instead. Tagging adds a private property to the buffer (a few hundred nanoseconds), so only
//! V8-owned buffers carry it.

use napi::{sys, Env};

use crate::buffer::check;

const OURS: sys::napi_type_tag = sys::napi_type_tag {
    lower: 0x6c69_6768_7477_6174,
    upper: 0x6368_2d6d_656d_6f72,
};

/// Tags `buffer` as ours (once).
pub(crate) fn tag(env: &Env, buffer: sys::napi_value) -> napi::Result<()> {
    if is_ours(env, buffer) {
        return Ok(());
    }
    check(
        env,
        // SAFETY: valid env and object; the tag outlives the call.
        unsafe { sys::napi_type_tag_object(env.raw(), buffer, &OURS) },
        "napi_type_tag_object",
    )
}

/// Whether `value` is a V8-owned buffer this binding made or adopted.
pub(crate) fn is_ours(env: &Env, value: sys::napi_value) -> bool {
    let mut tagged = false;
    // SAFETY: valid env and value; the tag outlives the call; out-pointer to a local.
    let status = unsafe { sys::napi_check_object_type_tag(env.raw(), value, &OURS, &mut tagged) };
    status == sys::Status::napi_ok && tagged
}
