//! Objects and arrays handed to JavaScript, built with *defined* properties.
//!
//! `napi_set_named_property` and `napi_set_element` assign, and an assignment to a property an
//! object does not have yet runs any setter user code put on `Object.prototype` or
//! `Array.prototype` for that name: the setter would see the value (a block's buffer) and the
//! property would stay missing, so the facade's later read would reach a getter of the user's
//! and could be handed any buffer. Defining an own property runs no user code.

use std::ffi::CStr;
use std::ptr;

use napi::{sys, Env};

use crate::buffer::check;

/// Defines `object[name] = value` as an own, writable, enumerable, configurable data property.
pub(crate) fn define(
    env: &Env,
    object: sys::napi_value,
    name: &CStr,
    value: sys::napi_value,
) -> napi::Result<()> {
    let descriptor = sys::napi_property_descriptor {
        utf8name: name.as_ptr(),
        name: ptr::null_mut(),
        method: None,
        getter: None,
        setter: None,
        value,
        attributes: sys::PropertyAttributes::writable
            | sys::PropertyAttributes::enumerable
            | sys::PropertyAttributes::configurable,
        data: ptr::null_mut(),
    };
    check(
        env,
        // SAFETY: valid env and values; one descriptor whose name outlives the call.
        unsafe { sys::napi_define_properties(env.raw(), object, 1, &descriptor) },
        "napi_define_properties",
    )
}

/// A new plain object with `fields` defined on it.
pub(crate) fn object(
    env: &Env,
    fields: &[(&CStr, sys::napi_value)],
) -> napi::Result<sys::napi_value> {
    let mut object = ptr::null_mut();
    check(
        env,
        // SAFETY: valid env; out-pointer to a local.
        unsafe { sys::napi_create_object(env.raw(), &mut object) },
        "napi_create_object",
    )?;
    for &(name, value) in fields {
        define(env, object, name, value)?;
    }
    Ok(object)
}

/// A new array of `values`, each element defined.
pub(crate) fn array(env: &Env, values: &[sys::napi_value]) -> napi::Result<sys::napi_value> {
    let mut array = ptr::null_mut();
    check(
        env,
        // SAFETY: valid env; out-pointer to a local.
        unsafe { sys::napi_create_array(env.raw(), &mut array) },
        "napi_create_array",
    )?;
    for (index, &value) in values.iter().enumerate() {
        // Property names are strings (a number is not a `Name` to `napi_define_properties`).
        let name = std::ffi::CString::new(index.to_string()).unwrap_or_default();
        define(env, array, &name, value)?;
    }
    Ok(array)
}

/// A JavaScript number.
pub(crate) fn number(env: &Env, value: f64) -> napi::Result<sys::napi_value> {
    let mut out = ptr::null_mut();
    check(
        env,
        // SAFETY: valid env; out-pointer to a local.
        unsafe { sys::napi_create_double(env.raw(), value, &mut out) },
        "napi_create_double",
    )?;
    Ok(out)
}

/// A JavaScript string.
pub(crate) fn string(env: &Env, value: &str) -> napi::Result<sys::napi_value> {
    let mut out = ptr::null_mut();
    check(
        env,
        // SAFETY: valid env; the bytes outlive the call; out-pointer to a local.
        unsafe {
            sys::napi_create_string_utf8(
                env.raw(),
                value.as_ptr().cast(),
                value.len() as isize,
                &mut out,
            )
        },
        "napi_create_string_utf8",
    )?;
    Ok(out)
}
