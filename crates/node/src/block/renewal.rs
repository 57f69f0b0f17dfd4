//! Renewal: a buffer over a block ended and succeeded by a fresh one over the same memory, so
//! views cut from the old one can never reach the memory once it is reused. An arena's reset and
//! a pool's clear renew the base buffer; a scope gets a window of its own and its close ends it
//! (keeping one as the spare for the next scope). Where the runtime's `transfer()` keeps the
//! memory, the old buffer is moved rather than wrapped again, which is cheaper, and the outcome
//! is checked, as everything JavaScript could have touched; the facade's own moves come back
//! here through `adopt_moved`, checked the same way.

use std::cell::Cell;
use std::ptr;
use std::sync::Arc;

use napi::{sys, Env};

use super::{Backing, Block};
use crate::buffer::{detach, failure, is_detached, region_of};
use crate::epochs::Role;
use crate::error::invalid_state;
use crate::intrinsics;

thread_local! {
    /// Whether the captured `transfer()` moves an external buffer to a new one over the same
    /// memory (Node 21+, Bun, Deno), as learnt from the first try; `None` until then.
    static TRANSFER_KEEPS_EXTERNAL: Cell<Option<bool>> = const { Cell::new(None) };
}

impl Block {
    /// A buffer over the block for the scope at `depth` (native backing only: V8-owned memory
    /// cannot be shared): the spare window if there is one, else a new external buffer.
    pub(crate) fn open_window(
        self: &Arc<Self>,
        env: &Env,
        depth: u32,
    ) -> napi::Result<sys::napi_value> {
        if self.backing != Backing::Native {
            return Err(invalid_state(
                env,
                "only a block of native memory can have a second buffer",
            ));
        }
        self.check_usable(env)?;
        let mut epochs = self.lock();
        if epochs.recast(Role::Spare, Role::Window(depth)) {
            if let Some(window) = epochs.expose(env, Role::Window(depth)) {
                return Ok(window);
            }
        }
        drop(epochs);
        let window = self
            .external_buffer(env)
            .map_err(|status| failure(env, status, "napi_create_external_arraybuffer"))?;
        self.adopt(env, window, Role::Window(depth), true)?;
        Ok(window)
    }

    /// Ends the windows of the scopes at `depth` and deeper: one becomes the spare window where
    /// `transfer()` keeps the memory (the next scope then needs no new buffer), the others are
    /// detached. The caller checked the block with [`Block::check_usable`].
    pub(crate) fn close_windows(self: &Arc<Self>, env: &Env, depth: u32) -> napi::Result<()> {
        let closing = |role| matches!(role, Role::Window(d) if d >= depth);
        let mut epochs = self.lock();
        let has_spare = epochs.find(env, Role::Spare).is_some();
        let mut windows = epochs.take(env, closing);
        drop(epochs);
        // The one to keep as the spare goes last, once the others are detached: a moved buffer
        // is then checked against every buffer still attached over the memory.
        let keep = if has_spare { None } else { windows.pop() };
        let mut result = Ok(());
        for (window, _) in windows {
            if !is_detached(env, window) {
                result = result.and(detach(env, window));
            }
        }
        if let Some((window, _)) = keep {
            match self.move_memory(env, window) {
                Ok(Some(fresh)) => result = result.and(self.adopt(env, fresh, Role::Spare, false)),
                moved => {
                    if !is_detached(env, window) {
                        result = result.and(detach(env, window));
                    }
                    result = result.and(moved.map(|_| ()));
                }
            }
        }
        result
    }

    /// Ends every buffer over the block and returns a fresh base buffer over the same memory (a
    /// reset, a clear, or the close of a scope that entered the block): nothing cut before can
    /// reach the memory afterwards. `exposed`: JavaScript gets the fresh buffer now (else it
    /// waits, a shadow between scopes). The caller checked the block with
    /// [`Block::check_usable`].
    pub(crate) fn renew(
        self: &Arc<Self>,
        env: &Env,
        exposed: bool,
    ) -> napi::Result<sys::napi_value> {
        let mut epochs = self.lock();
        let old = epochs.take_one(env, Role::Base).unwrap_or(ptr::null_mut());
        // The others first: a moved base buffer is then checked against every buffer still
        // attached over the memory, and there is none.
        let detached = if epochs.is_empty() {
            Ok(())
        } else {
            epochs.detach(env, |_| true)
        };
        drop(epochs);
        let fresh = detached.and_then(|()| {
            if old.is_null() {
                return self.rewrap(env, old);
            }
            match self.move_memory(env, old)? {
                Some(fresh) => Ok(fresh),
                None => self.rewrap(env, old),
            }
        });
        match fresh {
            Ok(fresh) => {
                self.adopt(env, fresh, Role::Base, exposed)?;
                Ok(fresh)
            }
            Err(error) => {
                // Whatever failed, the old buffer ends: detached, or still tracked.
                if !old.is_null() && !is_detached(env, old) && detach(env, old).is_err() {
                    let _ = self.lock().track(env, old, Role::Base, true);
                }
                Err(error)
            }
        }
    }

    /// Moves `buffer`'s memory to a new buffer with the captured `transfer()`, and checks the
    /// outcome: `buffer` detached, the new one an attached `ArrayBuffer` over exactly this
    /// block's memory that we do not know already. `None` if it did not happen that way (no
    /// `transfer`, a runtime that copies, or a builtin replaced before the package loaded); then
    /// `buffer` may or may not be detached, and the caller makes a buffer some other way.
    fn move_memory(
        self: &Arc<Self>,
        env: &Env,
        buffer: sys::napi_value,
    ) -> napi::Result<Option<sys::napi_value>> {
        let native = self.backing == Backing::Native;
        if native && TRANSFER_KEEPS_EXTERNAL.with(Cell::get) == Some(false) {
            return Ok(None);
        }
        // V8-owned memory can only be moved, so it may take `structuredClone` (Node 20).
        let Some(fresh) = intrinsics::transfer(env, buffer, !native)? else {
            return Ok(None);
        };
        let region = region_of(env, fresh);
        let moved = is_detached(env, buffer)
            && region == Some(self.buffer)
            && !self.lock().contains(env, fresh);
        if native {
            // An honest builtin that copies (a new buffer elsewhere) says this runtime never
            // keeps the memory; anything else says nothing about the runtime.
            if moved {
                TRANSFER_KEEPS_EXTERNAL.with(|cell| cell.set(Some(true)));
            } else if region.is_some_and(|r| r.address != self.buffer.address) {
                TRANSFER_KEEPS_EXTERNAL.with(|cell| cell.set(Some(false)));
            }
        }
        if !moved {
            return Ok(None);
        }
        if !native {
            // A V8-owned buffer's finalizer is on the object, not the memory: watch the new one.
            self.watch(env, fresh)?;
        }
        Ok(Some(fresh))
    }

    /// Takes in `buffer`, the successor of a buffer of ours that the facade moved with its own
    /// `transfer()` (a reset, or a scope's close that keeps its window for the next scope), in
    /// `role`. Checked first, as everything JavaScript hands over: a buffer of ours over the
    /// block, of a kind `role` may succeed (the base; a window or the spare), must be detached,
    /// and `buffer` must be an attached `ArrayBuffer` over exactly the block's memory that we do
    /// not know yet. If `buffer` is already ours (a spare the facade gives a scope, or takes
    /// back), only its role changes. `false`, and nothing changed, otherwise: the detached
    /// buffer then counts as moved away (the block is never handed out again, nor freed by us).
    pub(crate) fn adopt_moved(
        self: &Arc<Self>,
        env: &Env,
        role: Role,
        buffer: sys::napi_value,
    ) -> napi::Result<bool> {
        let succeeds = move |old: Role| match role {
            Role::Base => old == Role::Base,
            Role::Window(_) | Role::Spare => matches!(old, Role::Window(_) | Role::Spare),
        };
        let mut epochs = self.lock();
        if epochs.recast_buffer(env, buffer, role) {
            return Ok(true);
        }
        if self.is_released()
            || epochs.contains(env, buffer)
            || region_of(env, buffer) != Some(self.buffer)
        {
            return Ok(false);
        }
        if epochs.take_gone(env, succeeds).is_none() {
            return Ok(false);
        }
        drop(epochs);
        if self.backing == Backing::V8 {
            // A V8-owned buffer's finalizer is on the object, not the memory: watch the new one.
            self.watch(env, buffer)?;
        }
        self.adopt(env, buffer, role, true)?;
        Ok(true)
    }

    /// Detaches `old` (if it still is attached) and makes a new buffer over the memory. Native
    /// memory can always be wrapped again; V8-owned memory cannot (only a transfer moves it),
    /// so the block is lost: its memory went with `old`.
    fn rewrap(self: &Arc<Self>, env: &Env, old: sys::napi_value) -> napi::Result<sys::napi_value> {
        if !old.is_null() && !is_detached(env, old) {
            detach(env, old)?;
        }
        match self.backing {
            Backing::Native => self
                .external_buffer(env)
                .map_err(|status| failure(env, status, "napi_create_external_arraybuffer")),
            Backing::V8 => {
                self.free_now();
                Err(invalid_state(
                    env,
                    "the runtime did not move V8-owned memory to a new buffer (was \
                     ArrayBuffer.prototype.transfer or structuredClone replaced before the \
                     package loaded?); the memory is gone",
                ))
            }
        }
    }
}

/// Renews every block of a list at once (an arena's reset, a pool's clear), in order, and
/// returns their fresh base buffers. Checks them all first, so that one whose buffer was
/// transferred away refuses the whole call before any block changed.
pub(crate) fn renew_all(env: &Env, blocks: &[Arc<Block>]) -> napi::Result<Vec<sys::napi_value>> {
    for block in blocks {
        block.check_usable(env)?;
    }
    blocks.iter().map(|block| block.renew(env, true)).collect()
}
