//! The arena's native side: its chain of blocks, the buffers scopes cut from, growth and reset.
//!
//! Long because every native entry point of the arena (blocks, windows, shadows, growth, reset,
//! dispose) checks the buffers it is handed against the same chain.
//!
//! The bump itself runs in the facade (`ts/arena.ts`), in JavaScript: an N-API crossing costs as
//! much as cutting a view (docs/design.md), so crossing per allocation would double its cost.
//! The facade follows the core's `Chain` rule; this side makes every decision that allocates or
//! frees memory with the core's own functions (`next_block_size`, `ResetMode::retained`), and
//! never uses an offset computed in JavaScript as a pointer: it only hands out and takes back
//! whole buffers, each checked against the blocks it owns.
//!
//! Buffers: every block has a *base* buffer (renewed by reset, and by a scope's close for a block
//! the scope entered). A scope that claims from a block that already holds older views needs a
//! buffer of its own there, so that closing it detaches only its views: under the native backing
//! a *window*, a second external buffer over the same block; under the V8-owned backing, where two
//! buffers cannot share memory, a *shadow*: a block of its own that the facade maps the scope's
//! claims into, at the same addresses modulo 64 KiB so that every alignment still holds.

use std::sync::Arc;

use lightwatch_memory::{
    next_block_size, ArenaOptions, ErrorCode, ResetMode, Retained, BLOCK_ALIGNMENT, MAX_ALIGNMENT,
};
use napi::bindgen_prelude::{Array, ToNapiValue, Unknown};
use napi::{sys, Env, JsValue};
use napi_derive::napi;

use crate::block::{self, Block};
use crate::buffer;
use crate::error::{self, alloc_error, to_alignment, to_usize};
use crate::stats::{self, Kind};

/// An arena's blocks. Made by `createArena`.
#[napi]
pub struct NativeArena {
    /// The chain, in order; the first has the initial capacity (or what a reset kept).
    blocks: Vec<Arc<Block>>,
    /// Shadow blocks for scopes under the V8-owned backing, kept for reuse until dispose.
    shadows: Vec<Arc<Block>>,
    options: ArenaOptions,
    initial: usize,
    disposed: bool,
}

/// Reads a reset mode: `'retain'`, `'release'`, or a retain limit in bytes.
fn reset_mode(env: &Env, mode: &str, limit: Option<f64>) -> napi::Result<ResetMode> {
    match (mode, limit) {
        ("retain", None) => Ok(ResetMode::Retain),
        ("release", None) => Ok(ResetMode::Release),
        ("retainLimit", Some(limit)) => Ok(ResetMode::RetainWithLimit(to_usize(
            env,
            limit,
            "retainLimit",
        )?)),
        _ => Err(error::throw(
            env,
            ErrorCode::InvalidArgValue,
            &format!(
                "mode must be 'retain', 'release' or {{ retainLimit: bytes }}; received {mode}"
            ),
        )),
    }
}

impl NativeArena {
    fn live(&self, env: &Env) -> napi::Result<()> {
        if self.disposed {
            Err(error::disposed(env, "arena"))
        } else {
            Ok(())
        }
    }

    fn capacity(&self) -> usize {
        self.blocks.iter().map(|block| block.size()).sum()
    }

    /// The block or shadow whose buffer `buffer` is (checked, as everything JavaScript passes).
    fn owner(&self, env: &Env, buffer: &Unknown<'_>) -> napi::Result<&Arc<Block>> {
        self.blocks
            .iter()
            .chain(&self.shadows)
            .find(|block| block.matches(env, buffer.raw()))
            .ok_or_else(|| {
                error::invalid_state(
                    env,
                    "the ArrayBuffer is not a current buffer of this arena (was it transferred or detached?)",
                )
            })
    }

    /// Every buffer's owner, all checked before anything is touched, so a bad list changes nothing.
    fn owners<'a>(
        &'a self,
        env: &Env,
        buffers: &[Unknown<'_>],
    ) -> napi::Result<Vec<&'a Arc<Block>>> {
        buffers
            .iter()
            .map(|buffer| self.owner(env, buffer))
            .collect()
    }
}

#[napi]
impl NativeArena {
    /// Adds a block for a request of `size` bytes aligned to `alignment` that no block has room
    /// for (`available` bytes are left, for the error): `{ buffer, start, misalignment, size }`,
    /// its size given by the core's growth rule.
    #[napi(
        catch_unwind,
        ts_return_type = "{ handle: null; buffer: ArrayBuffer; start: number; misalignment: number; size: number; backing: 'native' | 'v8' }"
    )]
    pub fn grow<'env>(
        &mut self,
        env: &'env Env,
        size: f64,
        alignment: f64,
        available: f64,
    ) -> napi::Result<Unknown<'env>> {
        self.live(env)?;
        let size = to_usize(env, size, "size")?;
        let alignment = to_alignment(env, alignment)?;
        let available = to_usize(env, available, "available")?;
        let last = self.blocks.last().map_or(0, |block| block.size());
        let bytes = next_block_size(
            self.options,
            last,
            self.capacity(),
            available,
            size,
            alignment,
        )
        .map_err(|e| alloc_error(env, e))?;
        block::reserve_one(env, &mut self.blocks, bytes)?;
        let (block, buffer) = Block::allocate(env, bytes, BLOCK_ALIGNMENT, Kind::ArenaBlock)?;
        self.blocks.push(Arc::clone(&block));
        parts(env, &block, buffer)
    }

    /// A window: a second buffer over block `index` (native backing), for a scope.
    #[napi(catch_unwind, ts_return_type = "ArrayBuffer")]
    pub fn window<'env>(&self, env: &'env Env, index: u32) -> napi::Result<Unknown<'env>> {
        self.live(env)?;
        let block = self
            .blocks
            .get(index as usize)
            .ok_or_else(|| error::invalid_state(env, &format!("the arena has no block {index}")))?;
        let buffer = block.window(env)?;
        // SAFETY: `buffer` is a live value of this call's scope.
        Ok(unsafe { Unknown::from_raw_unchecked(env.raw(), buffer) })
    }

    /// A shadow block of at least `bytes` bytes for a scope (V8-owned backing), over-allocated by
    /// 64 KiB so the facade can start it at any address modulo 64 KiB:
    /// `{ buffer, start: 0, misalignment, size }`.
    #[napi(
        catch_unwind,
        ts_return_type = "{ handle: null; buffer: ArrayBuffer; start: number; misalignment: number; size: number; backing: 'native' | 'v8' }"
    )]
    pub fn shadow<'env>(&mut self, env: &'env Env, bytes: f64) -> napi::Result<Unknown<'env>> {
        self.live(env)?;
        let bytes = to_usize(env, bytes, "bytes")?;
        let padded = bytes.checked_add(MAX_ALIGNMENT - 1).ok_or_else(|| {
            alloc_error(
                env,
                lightwatch_memory::AllocError::SizeOverflow {
                    size: bytes,
                    alignment: MAX_ALIGNMENT,
                },
            )
        })?;
        block::reserve_one(env, &mut self.shadows, padded)?;
        let (block, buffer) = Block::allocate(env, padded, 1, Kind::ArenaBlock)?;
        self.shadows.push(Arc::clone(&block));
        parts(env, &block, buffer)
    }

    /// Detaches windows (a scope's close); the memory stays. Every buffer is checked first.
    #[napi(catch_unwind, ts_args_type = "buffers: ArrayBuffer[]")]
    pub fn detach(&self, env: &Env, buffers: Vec<Unknown<'_>>) -> napi::Result<()> {
        self.live(env)?;
        let owners = self.owners(env, &buffers)?;
        for (owner, buffer) in owners.iter().zip(&buffers) {
            owner.detach(env, buffer.raw())?;
        }
        Ok(())
    }

    /// Detaches base buffers or shadows (a scope's close) and returns new ones over the same
    /// memory, in order. Every buffer is checked first.
    #[napi(
        catch_unwind,
        ts_args_type = "buffers: ArrayBuffer[]",
        ts_return_type = "ArrayBuffer[]"
    )]
    pub fn renew<'env>(
        &self,
        env: &'env Env,
        buffers: Vec<Unknown<'env>>,
    ) -> napi::Result<Vec<Unknown<'env>>> {
        self.live(env)?;
        let owners = self.owners(env, &buffers)?;
        owners
            .iter()
            .zip(&buffers)
            .map(|(owner, buffer)| {
                let fresh = owner.renew(env, buffer.raw())?;
                // SAFETY: `fresh` is a live value of this call's scope.
                Ok(unsafe { Unknown::from_raw_unchecked(env.raw(), fresh) })
            })
            .collect()
    }

    /// A `'retain'` reset of an arena of one block (the common case, without lists): detaches
    /// `current`, its base buffer, and returns a new one over the same memory.
    #[napi(catch_unwind, ts_return_type = "ArrayBuffer")]
    pub fn renew_first<'env>(
        &self,
        env: &'env Env,
        current: Unknown<'env>,
    ) -> napi::Result<Unknown<'env>> {
        self.live(env)?;
        let [block] = self.blocks.as_slice() else {
            return Err(error::invalid_state(
                env,
                "the arena has more than one block",
            ));
        };
        let fresh = block.renew(env, current.raw())?;
        // SAFETY: `fresh` is a live value of this call's scope.
        Ok(unsafe { Unknown::from_raw_unchecked(env.raw(), fresh) })
    }

    /// Resets in `mode` (`'retain'`, `'release'`, or `'retainLimit'` with `limit`): `current` is
    /// every block's base buffer, in order (the facade has closed its scopes, detaching their
    /// buffers); returns the blocks the arena keeps, as parts. Every view of every block is
    /// detached. `'release'` also frees the shadows, whose buffers are `shadows`.
    #[napi(
        catch_unwind,
        ts_args_type = "mode: 'retain' | 'release' | 'retainLimit', limit: number | undefined | null, current: ArrayBuffer[], shadows: ArrayBuffer[]",
        ts_return_type = "Array<{ handle: null; buffer: ArrayBuffer; start: number; misalignment: number; size: number; backing: 'native' | 'v8' }>"
    )]
    pub fn reset<'env>(
        &mut self,
        env: &'env Env,
        mode: String,
        limit: Option<f64>,
        current: Vec<Unknown<'env>>,
        shadows: Vec<Unknown<'env>>,
    ) -> napi::Result<Array<'env>> {
        self.live(env)?;
        let mode = reset_mode(env, &mode, limit)?;
        self.check_list(env, &self.blocks, &current)?;
        if mode == ResetMode::Release {
            self.check_list(env, &self.shadows, &shadows)?;
        }
        let retained = mode.retained(self.blocks[0].size(), self.capacity(), self.initial);
        let fresh = match retained {
            Retained::First => None,
            // If the system refuses the new block, the arena keeps the blocks it has: a reset
            // never fails for want of memory.
            Retained::New(bytes) => {
                let fresh = Block::allocate(env, bytes, BLOCK_ALIGNMENT, Kind::ArenaBlock);
                if fresh.is_err() {
                    buffer::clear_exception(env);
                }
                fresh.ok()
            }
        };
        let keep = match (&fresh, retained) {
            (Some(_), _) => 0,
            (None, Retained::First) => 1,
            (None, Retained::New(_)) => self.blocks.len(),
        };
        for (old, buffer) in self.blocks.iter().zip(&current).skip(keep) {
            old.release(env, buffer.raw())?;
        }
        self.blocks.truncate(keep);
        let mut out = Vec::new();
        for (block, buffer) in self.blocks.iter().zip(&current) {
            let renewed = block.renew(env, buffer.raw())?;
            out.push(parts(env, block, renewed)?);
        }
        if let Some((block, buffer)) = fresh {
            out.push(parts(env, &block, buffer)?);
            self.blocks.push(block);
        }
        if mode == ResetMode::Release {
            for (shadow, buffer) in self.shadows.iter().zip(&shadows) {
                shadow.release(env, buffer.raw())?;
            }
            self.shadows.clear();
        }
        let mut list = env.create_array(out.len() as u32)?;
        for (index, value) in out.into_iter().enumerate() {
            list.set(index as u32, value)?;
        }
        Ok(list)
    }

    /// Detaches every buffer in `current` and frees the memory now; `owners[i]` says whose
    /// `current[i]` is: a block's index, or the number of blocks plus a shadow's index. A block
    /// one of whose buffers was transferred away is given up, not freed (see `Block::release`).
    /// A second call does nothing.
    #[napi(
        catch_unwind,
        ts_args_type = "current: ArrayBuffer[], owners: number[]"
    )]
    pub fn dispose(
        &mut self,
        env: &Env,
        current: Vec<Unknown<'_>>,
        owners: Vec<u32>,
    ) -> napi::Result<()> {
        if self.disposed {
            return Ok(());
        }
        let all: Vec<&Arc<Block>> = self.blocks.iter().chain(&self.shadows).collect();
        let mut each: Vec<Vec<sys::napi_value>> = vec![Vec::new(); all.len()];
        if owners.len() != current.len() {
            return Err(error::invalid_state(env, "one owner per buffer is needed"));
        }
        for (buffer, &owner) in current.iter().zip(&owners) {
            let Some(block) = all.get(owner as usize) else {
                return Err(error::invalid_state(
                    env,
                    &format!("the arena has no block {owner}"),
                ));
            };
            if !buffer::is_detached(env, buffer.raw()) {
                block.validate(env, buffer.raw())?;
            }
            each[owner as usize].push(buffer.raw());
        }
        for (block, buffers) in all.iter().zip(&each) {
            block.release_all(env, buffers)?;
        }
        self.blocks.clear();
        self.shadows.clear();
        self.disposed = true;
        stats::arena_closed();
        Ok(())
    }

    /// Checks one buffer per block of `blocks`, in order, before anything is touched.
    fn check_list(
        &self,
        env: &Env,
        blocks: &[Arc<Block>],
        current: &[Unknown<'_>],
    ) -> napi::Result<()> {
        if current.len() != blocks.len() {
            return Err(error::invalid_state(
                env,
                &format!(
                    "expected {} buffers, received {}",
                    blocks.len(),
                    current.len()
                ),
            ));
        }
        blocks
            .iter()
            .zip(current)
            .try_for_each(|(block, buffer)| block.validate(env, buffer.raw()))
    }
}
impl Drop for NativeArena {
    fn drop(&mut self) {
        if !self.disposed {
            stats::arena_closed();
        }
    }
}

/// `{ handle: null, buffer, start, misalignment, size }` for a block of this arena.
fn parts<'env>(
    env: &'env Env,
    block: &Block,
    buffer: sys::napi_value,
) -> napi::Result<Unknown<'env>> {
    let mut null = std::ptr::null_mut();
    // SAFETY: valid env; out-pointer to a local.
    unsafe { sys::napi_get_null(env.raw(), &mut null) };
    let parts = block::parts(env, null, block, buffer)?;
    // SAFETY: `parts` is a live value of this call's scope.
    Ok(unsafe { Unknown::from_raw_unchecked(env.raw(), parts) })
}

/// Allocates an arena of `capacity` zeroed bytes, growing as the options allow:
/// `{ handle, buffer, start, misalignment, size }`.
///
/// # Errors
/// `ERR_OUT_OF_RANGE` for a capacity of 0 or a `maxCapacity` below it, `ERR_INVALID_ARG_VALUE`
/// for a `maxCapacity` without `growable`, `ERR_OUT_OF_MEMORY`.
#[napi(
    catch_unwind,
    ts_return_type = "{ handle: NativeArena; buffer: ArrayBuffer; start: number; misalignment: number; size: number; backing: 'native' | 'v8' }"
)]
pub fn create_arena<'env>(
    env: &'env Env,
    capacity: f64,
    growable: Option<bool>,
    max_capacity: Option<f64>,
) -> napi::Result<Unknown<'env>> {
    let capacity = to_usize(env, capacity, "capacity")?;
    if capacity == 0 {
        return Err(error::throw(
            env,
            ErrorCode::OutOfRange,
            "capacity must be at least 1; received 0",
        ));
    }
    let options = ArenaOptions {
        growable: growable.unwrap_or(false),
        max_capacity: max_capacity
            .map(|max| to_usize(env, max, "maxCapacity"))
            .transpose()?,
    }
    .check(capacity)
    .map_err(|e| alloc_error(env, e))?;
    let (block, buffer) = Block::allocate(env, capacity, BLOCK_ALIGNMENT, Kind::ArenaBlock)?;
    stats::arena_opened();
    let handle = NativeArena {
        blocks: vec![Arc::clone(&block)],
        shadows: Vec::new(),
        options,
        initial: capacity,
        disposed: false,
    };
    // SAFETY: valid env; napi-rs wraps the struct in a new instance of its class.
    let handle = unsafe { ToNapiValue::to_napi_value(env.raw(), handle) }?;
    let parts = block::parts(env, handle, &block, buffer)?;
    // SAFETY: `parts` is a live value of this call's scope.
    Ok(unsafe { Unknown::from_raw_unchecked(env.raw(), parts) })
}
