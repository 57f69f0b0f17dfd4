//! The JavaScript builtins the binding calls, captured when the addon loads.
//!
//! Two operations have no Node-API call of their own: making a V8-owned `ArrayBuffer` without
//! aborting on failure (`new ArrayBuffer(len)`; `napi_create_arraybuffer` aborts the process when
//! V8 cannot allocate), and moving a buffer's memory to a new `ArrayBuffer` at the same address
//! (`ArrayBuffer.prototype.transfer`, or `structuredClone` with a transfer list where there is no
//! `transfer`). Reading them from `globalThis` at each call let user code replace them: a fake
//! `structuredClone` left old views attached over a pool's next owner, a fake `ArrayBuffer` handed
//! a new arena another arena's live buffer. So they are read once, when the addon registers in
//! an environment (the facade loads it before any of its objects exist), and held by reference.
//!
//! Captured is not trusted: code that ran before the addon loaded may have replaced them, so
//! every result is checked by the caller before it is relied on (`block.rs`: the old buffer
//! detached, the new one over the same memory; `regions.rs`: a new buffer over no live block).

use std::cell::RefCell;
use std::ptr;

use napi::{sys, Env};

use crate::buffer::{check, clear_exception};
use crate::object::define;

/// The builtins of one environment (a main thread or a worker), as strong references.
struct Captured {
    env: sys::napi_env,
    array_buffer: sys::napi_ref,
    /// `ArrayBuffer.prototype.transfer`, where the runtime has it (Node 21+, Bun, Deno).
    transfer: Option<sys::napi_ref>,
    /// `structuredClone`, for V8-owned memory where `transfer` is missing (Node 20).
    structured_clone: Option<sys::napi_ref>,
}

thread_local! {
    // One environment per thread: Node, Bun and Deno run each worker on a thread of its own.
    static CAPTURED: RefCell<Option<Captured>> = const { RefCell::new(None) };
}

/// Reads the builtins from `globalThis`; called once, when the addon registers in `env`.
///
/// # Errors
/// If `ArrayBuffer` cannot be read (no JavaScript environment could run the package then).
pub(crate) fn capture(env: &Env) -> napi::Result<()> {
    let raw = env.raw();
    let mut global = ptr::null_mut();
    check(
        env,
        // SAFETY: valid env; out-pointer to a local.
        unsafe { sys::napi_get_global(raw, &mut global) },
        "napi_get_global",
    )?;
    let array_buffer =
        property(env, global, c"ArrayBuffer").ok_or_else(|| missing(env, "ArrayBuffer"))?;
    let prototype =
        property(env, array_buffer, c"prototype").ok_or_else(|| missing(env, "prototype"))?;
    let transfer = property(env, prototype, c"transfer").filter(|&f| is_function(env, f));
    let structured_clone =
        property(env, global, c"structuredClone").filter(|&f| is_function(env, f));
    let captured = Captured {
        env: raw,
        array_buffer: reference(env, array_buffer)?,
        transfer: transfer.map(|f| reference(env, f)).transpose()?,
        structured_clone: structured_clone.map(|f| reference(env, f)).transpose()?,
    };
    CAPTURED.with(|cell| *cell.borrow_mut() = Some(captured));
    check(
        env,
        // SAFETY: valid env; `release` takes the env as its argument, which outlives the hook.
        unsafe { sys::napi_add_env_cleanup_hook(raw, Some(release), raw.cast()) },
        "napi_add_env_cleanup_hook",
    )?;
    Ok(())
}

/// Deletes this environment's references when it is torn down: Node-API leaves a reference an
/// addon made to the addon, so without this every environment (the main thread, each worker)
/// leaked its captured builtins' references at exit (LeakSanitizer: 40 bytes each).
///
/// # Safety
/// Called by Node-API once, on the environment's own thread, with the `napi_env` it was
/// registered with.
unsafe extern "C" fn release(arg: *mut std::ffi::c_void) {
    let env: sys::napi_env = arg.cast();
    let captured = CAPTURED.with(|cell| cell.try_borrow_mut().ok().and_then(|mut c| c.take()));
    let Some(captured) = captured.filter(|c| c.env == env) else {
        return;
    };
    for reference in [
        Some(captured.array_buffer),
        captured.transfer,
        captured.structured_clone,
    ]
    .into_iter()
    .flatten()
    {
        // SAFETY: a reference of `env`, deleted once (the captured set was taken out above).
        unsafe { sys::napi_delete_reference(env, reference) };
    }
}

#[cold]
fn missing(env: &Env, what: &str) -> napi::Error {
    crate::error::invalid_state(env, &format!("the runtime has no {what} to capture"))
}

/// `object[name]`, or `None` (with no exception left pending) if reading it fails.
fn property(env: &Env, object: sys::napi_value, name: &std::ffi::CStr) -> Option<sys::napi_value> {
    let mut value = ptr::null_mut();
    // SAFETY: valid env and object; NUL-terminated name; out-pointer to a local.
    let status =
        unsafe { sys::napi_get_named_property(env.raw(), object, name.as_ptr(), &mut value) };
    if status == sys::Status::napi_ok {
        Some(value)
    } else {
        clear_exception(env);
        None
    }
}

fn is_function(env: &Env, value: sys::napi_value) -> bool {
    let mut kind = 0;
    // SAFETY: valid env and value; out-pointer to a local.
    let status = unsafe { sys::napi_typeof(env.raw(), value, &mut kind) };
    status == sys::Status::napi_ok && kind == sys::ValueType::napi_function
}

fn reference(env: &Env, value: sys::napi_value) -> napi::Result<sys::napi_ref> {
    let mut out = ptr::null_mut();
    check(
        env,
        // SAFETY: valid env and value; out-pointer to a local. A count of 1 keeps it alive.
        unsafe { sys::napi_create_reference(env.raw(), value, 1, &mut out) },
        "napi_create_reference",
    )?;
    Ok(out)
}

/// The captured builtin `pick` chooses, if this environment captured one.
fn get(
    env: &Env,
    pick: impl FnOnce(&Captured) -> Option<sys::napi_ref>,
) -> Option<sys::napi_value> {
    let reference = CAPTURED.with(|cell| {
        cell.borrow()
            .as_ref()
            .filter(|captured| captured.env == env.raw())
            .and_then(pick)
    })?;
    let mut value = ptr::null_mut();
    // SAFETY: valid env; `reference` is a strong reference of this env.
    let status = unsafe { sys::napi_get_reference_value(env.raw(), reference, &mut value) };
    (status == sys::Status::napi_ok && !value.is_null()).then_some(value)
}

/// Calls `function` with `this` and `args`; `None` (no exception left pending) if it throws.
fn call(
    env: &Env,
    function: sys::napi_value,
    this: sys::napi_value,
    args: &[sys::napi_value],
) -> Option<sys::napi_value> {
    let mut result = ptr::null_mut();
    // SAFETY: valid env; values of this call's scope; `args` outlives the call.
    let status = unsafe {
        sys::napi_call_function(
            env.raw(),
            this,
            function,
            args.len(),
            args.as_ptr(),
            &mut result,
        )
    };
    if status == sys::Status::napi_ok {
        Some(result)
    } else {
        clear_exception(env);
        None
    }
}

/// `new ArrayBuffer(len)` with the captured constructor: `None` (no exception left pending) if it
/// throws (V8 could not allocate). The caller checks what came back.
pub(crate) fn construct_buffer(env: &Env, len: usize) -> napi::Result<Option<sys::napi_value>> {
    let constructor = get(env, |c| Some(c.array_buffer))
        .ok_or_else(|| crate::error::invalid_state(env, "the addon has not been initialised"))?;
    let raw = env.raw();
    let mut length = ptr::null_mut();
    check(
        env,
        // SAFETY: valid env; out-pointer to a local.
        unsafe { sys::napi_create_double(raw, len as f64, &mut length) },
        "napi_create_double",
    )?;
    let mut buffer = ptr::null_mut();
    // SAFETY: valid env, values of this call's scope, out-pointer to a local.
    let status = unsafe { sys::napi_new_instance(raw, constructor, 1, &length, &mut buffer) };
    if status == sys::Status::napi_ok {
        Ok(Some(buffer))
    } else {
        clear_exception(env);
        Ok(None)
    }
}

/// Moves `buffer`'s memory to a new `ArrayBuffer` with the captured `transfer` (or, if `clone`
/// is allowed and there is none, `structuredClone` with a transfer list). `None` if there is no
/// such builtin or it threw. The caller checks the outcome: nothing here is trusted.
pub(crate) fn transfer(
    env: &Env,
    buffer: sys::napi_value,
    clone: bool,
) -> napi::Result<Option<sys::napi_value>> {
    if let Some(transfer) = get(env, |c| c.transfer) {
        return Ok(call(env, transfer, buffer, &[]));
    }
    if !clone {
        return Ok(None);
    }
    let Some(structured_clone) = get(env, |c| c.structured_clone) else {
        return Ok(None);
    };
    let raw = env.raw();
    let mut list = ptr::null_mut();
    let mut options = ptr::null_mut();
    let mut undefined = ptr::null_mut();
    // SAFETY: valid env, values of this call's scope, NUL-terminated names, out-pointers to
    // locals. Properties are defined, not set, so no setter user code put on `Array.prototype`
    // or `Object.prototype` runs (or sees the buffer).
    unsafe {
        check(
            env,
            sys::napi_create_array(raw, &mut list),
            "napi_create_array",
        )?;
        define(env, list, c"0", buffer)?;
        check(
            env,
            sys::napi_create_object(raw, &mut options),
            "napi_create_object",
        )?;
        define(env, options, c"transfer", list)?;
        check(
            env,
            sys::napi_get_undefined(raw, &mut undefined),
            "napi_get_undefined",
        )?;
    }
    Ok(call(env, structured_clone, undefined, &[buffer, options]))
}
