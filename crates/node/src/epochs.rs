//! The `ArrayBuffer`s over one block that JavaScript can hold: every one the binding made (or
//! adopted from a transfer it made) and has not detached itself.
//!
//! This list is what makes the binding, and not JavaScript, decide what is detached. A reset,
//! a scope's close, a clear or a free detaches every buffer here that the operation ends, so no
//! view cut from one can outlive the memory's reuse, whatever JavaScript claims or forgets.
//!
//! A buffer can leave without us: `buffer.transfer()` in user code detaches it and moves the
//! memory to a buffer we never saw. A buffer found detached here was therefore detached by
//! someone else (we delete a reference as we detach its buffer), and the block has *escaped*:
//! it must never be handed out again or freed by us (see `Block`).
//!
//! Two strengths of reference, by whether JavaScript has seen the buffer:
//! - A buffer handed to JavaScript (*exposed*) is held weakly. The facade holds every such buffer
//!   for as long as it may ask anything of its block, so the evidence of an escape stays in
//!   sight; a strong reference would only add a collection to the chain by which an undisposed
//!   owner's memory goes (owner, then buffers, then their finalizers). A buffer collected unseen
//!   might have been moved first (the facade drops a buffer it renewed itself only once the
//!   binding has adopted its successor; a raw-binding caller can drop any): the block is then
//!   treated as escaped (`State::Unseen`): never handed out again, never freed by us.
//! - A buffer JavaScript has not seen (a spare window, a shadow between scopes) is held strongly,
//!   to be handed out later: it cannot have escaped. When the owner goes, it is detached.

use std::ptr;

use napi::{sys, Env};

use crate::buffer::{check, detach, is_detached};

/// What a buffer over a block is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    /// The block's own buffer: what is cut from outside scopes, renewed by a reset.
    Base,
    /// A second buffer over the block for the scope at this depth (1 is the outermost).
    Window(u32),
    /// A window from which nothing was cut, kept for the next scope (see `Block::close_windows`).
    Spare,
}

/// One buffer: a reference, its role, and whether JavaScript has seen it.
struct Epoch {
    reference: sys::napi_ref,
    role: Role,
    exposed: bool,
}

/// The buffers of one block. Every method runs on the block's JavaScript thread.
#[derive(Default)]
pub(crate) struct Epochs {
    list: Vec<Epoch>,
}

// SAFETY: the references are only touched on the thread of the env they belong to (see
// `Block`'s `Send`/`Sync`), always through the block's mutex.
unsafe impl Send for Epochs {}

/// What [`Epochs::inspect`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum State {
    /// Every buffer is attached and in sight (or there is none).
    Intact,
    /// An exposed buffer was collected unseen: it may have been moved away before.
    Unseen,
    /// A buffer was detached by someone else: its memory moved to a buffer we do not know.
    Escaped,
}

impl Epochs {
    /// Tracks `buffer` in `role`. `exposed`: JavaScript gets it now (a weak reference), or later
    /// if ever ([`Epochs::expose`]; a strong one until then).
    pub(crate) fn track(
        &mut self,
        env: &Env,
        buffer: sys::napi_value,
        role: Role,
        exposed: bool,
    ) -> napi::Result<()> {
        self.list.try_reserve(1).map_err(|_| {
            crate::error::alloc_error(
                env,
                lightwatch_memory::AllocError::OutOfMemory {
                    size: std::mem::size_of::<Epoch>(),
                    alignment: 1,
                },
            )
        })?;
        let count = u32::from(!exposed);
        let mut reference = ptr::null_mut();
        check(
            env,
            // SAFETY: valid env and value; out-pointer to a local.
            unsafe { sys::napi_create_reference(env.raw(), buffer, count, &mut reference) },
            "napi_create_reference",
        )?;
        self.list.push(Epoch {
            reference,
            role,
            exposed,
        });
        Ok(())
    }

    /// The buffer of the first epoch in `role`.
    pub(crate) fn find(&self, env: &Env, role: Role) -> Option<sys::napi_value> {
        self.list
            .iter()
            .find(|epoch| epoch.role == role)
            .and_then(|epoch| value(env, epoch.reference))
    }

    /// The buffer of the first epoch in `role`, about to be handed to JavaScript: its reference
    /// becomes weak (see the module documentation).
    pub(crate) fn expose(&mut self, env: &Env, role: Role) -> Option<sys::napi_value> {
        let epoch = self.list.iter_mut().find(|epoch| epoch.role == role)?;
        let buffer = value(env, epoch.reference)?;
        if !epoch.exposed {
            let mut count = 0;
            // SAFETY: valid env; a live strong reference of this env (count 1 -> 0).
            unsafe { sys::napi_reference_unref(env.raw(), epoch.reference, &mut count) };
            epoch.exposed = true;
        }
        Some(buffer)
    }

    /// Whether `buffer` is one of these (the same object).
    pub(crate) fn contains(&self, env: &Env, buffer: sys::napi_value) -> bool {
        self.list.iter().any(|epoch| {
            value(env, epoch.reference).is_some_and(|mine| strict_equals(env, mine, buffer))
        })
    }

    /// Whether every buffer here is attached and in sight.
    pub(crate) fn inspect(&self, env: &Env) -> State {
        let mut state = State::Intact;
        for epoch in &self.list {
            match value(env, epoch.reference) {
                Some(buffer) if is_detached(env, buffer) => return State::Escaped,
                Some(_) => {}
                None => state = State::Unseen,
            }
        }
        state
    }

    /// Changes the role of the first epoch in role `from` to `to`; `false` if there is none.
    pub(crate) fn recast(&mut self, from: Role, to: Role) -> bool {
        match self.list.iter_mut().find(|epoch| epoch.role == from) {
            Some(epoch) => {
                epoch.role = to;
                true
            }
            None => false,
        }
    }

    /// The first epoch whose buffer was detached by someone (or collected) and that `pick`
    /// chooses: its buffer is gone, and its reference deleted. Its role, if there was one.
    pub(crate) fn take_gone(&mut self, env: &Env, pick: impl Fn(Role) -> bool) -> Option<Role> {
        let at = self.list.iter().position(|epoch| {
            pick(epoch.role)
                && value(env, epoch.reference).is_none_or(|buffer| is_detached(env, buffer))
        })?;
        let epoch = self.list.swap_remove(at);
        delete(env, epoch.reference);
        Some(epoch.role)
    }

    /// Moves `buffer`, if it is one of these and a window or the spare, to `role` (a window or
    /// the spare too); `false` if it is not such a buffer of these.
    pub(crate) fn recast_buffer(&mut self, env: &Env, buffer: sys::napi_value, role: Role) -> bool {
        let scoped = |role| matches!(role, Role::Window(_) | Role::Spare);
        if !scoped(role) {
            return false;
        }
        for epoch in &mut self.list {
            if scoped(epoch.role)
                && value(env, epoch.reference).is_some_and(|mine| strict_equals(env, mine, buffer))
            {
                epoch.role = role;
                return true;
            }
        }
        false
    }

    /// Whether the base buffer is the only one (no scope has a window, and no spare waits).
    pub(crate) fn only_base(&self) -> bool {
        self.list.len() == 1 && self.list[0].role == Role::Base
    }

    /// Removes the first epoch in `role` and returns its buffer (unless it was collected).
    /// Its reference is deleted. No allocation: the common renewal goes through here.
    pub(crate) fn take_one(&mut self, env: &Env, role: Role) -> Option<sys::napi_value> {
        let at = self.list.iter().position(|epoch| epoch.role == role)?;
        let epoch = self.list.swap_remove(at);
        let buffer = value(env, epoch.reference);
        delete(env, epoch.reference);
        buffer
    }

    /// Whether no buffer is tracked.
    pub(crate) fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// Removes the epochs `pick` chooses and returns their buffers (still attached, or detached
    /// by someone else; collected ones are gone), for the caller to detach or renew. Their
    /// references are deleted.
    pub(crate) fn take(
        &mut self,
        env: &Env,
        pick: impl Fn(Role) -> bool,
    ) -> Vec<(sys::napi_value, Role)> {
        let mut out = Vec::new();
        self.list.retain(|epoch| {
            if !pick(epoch.role) {
                return true;
            }
            if let Some(buffer) = value(env, epoch.reference) {
                out.push((buffer, epoch.role));
            }
            delete(env, epoch.reference);
            false
        });
        out
    }

    /// Detaches the buffers `pick` chooses and forgets them. Buffers already detached (by
    /// someone else) or collected are skipped; the caller inspected the list before.
    pub(crate) fn detach(&mut self, env: &Env, pick: impl Fn(Role) -> bool) -> napi::Result<()> {
        for (buffer, _) in self.take(env, pick) {
            if !is_detached(env, buffer) {
                detach(env, buffer)?;
            }
        }
        Ok(())
    }

    /// The owner is gone (collected): deletes every reference. A buffer JavaScript never saw is
    /// detached first (no view of it exists), so its memory's reference goes at once; the
    /// others keep their memory until they are collected.
    pub(crate) fn forget(&mut self, env: &Env) {
        for epoch in self.list.drain(..) {
            if !epoch.exposed {
                if let Some(buffer) = value(env, epoch.reference) {
                    if !is_detached(env, buffer) {
                        let _ = detach(env, buffer);
                    }
                }
            }
            delete(env, epoch.reference);
        }
    }
}

fn value(env: &Env, reference: sys::napi_ref) -> Option<sys::napi_value> {
    let mut value = ptr::null_mut();
    // SAFETY: valid env; `reference` is a live reference of this env.
    let status = unsafe { sys::napi_get_reference_value(env.raw(), reference, &mut value) };
    (status == sys::Status::napi_ok && !value.is_null()).then_some(value)
}

fn delete(env: &Env, reference: sys::napi_ref) {
    // SAFETY: valid env; `reference` is a live reference of this env, deleted once (its epoch
    // leaves the list as this runs).
    unsafe { sys::napi_delete_reference(env.raw(), reference) };
}

pub(crate) fn strict_equals(env: &Env, a: sys::napi_value, b: sys::napi_value) -> bool {
    let mut equal = false;
    // SAFETY: valid env and values; out-pointer to a local.
    let status = unsafe { sys::napi_strict_equals(env.raw(), a, b, &mut equal) };
    status == sys::Status::napi_ok && equal
}
