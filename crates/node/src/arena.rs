//! The arena's native side: its chain of blocks, the buffers its scopes cut from, growth, scope
//! closes, resets and dispose.
//!
//! The bump itself runs in the facade (`ts/arena.ts`), in JavaScript: an N-API crossing costs as
//! much as cutting a view (docs/design.md), so crossing per allocation would double its cost.
//! The facade follows the core's `Chain` rule; this side makes every decision that allocates,
//! frees or ends a buffer, with the core's own functions (`next_block_size`,
//! `ResetMode::retained`). JavaScript hands it no buffer back: it names blocks by index and
//! scopes by depth, and the buffers a close or a reset ends are the ones this side made for
//! them (see `block.rs`).
//!
//! Buffers: every block has a *base* buffer. A scope that claims from a block that already holds
//! older views needs a buffer of its own there, so that closing it ends only its views: under
//! the native backing a *window*, a second external buffer over the same block; under the
//! V8-owned backing, where two buffers cannot share memory, a *shadow*: a block of its own that
//! the facade maps the scope's claims into, at the same addresses modulo 64 KiB. A scope that
//! *enters* a block (growth, or the walk to the next block with room) cuts from the block's base
//! buffer, which holds no older view, and its close renews that buffer.

use std::sync::Arc;

use lightwatch_memory::{
    next_block_size, ArenaOptions, ResetMode, Retained, BLOCK_ALIGNMENT, MAX_ALIGNMENT,
};
use lightwatch_memory_codes::ErrorCode;
use napi::bindgen_prelude::{ToNapiValue, Unknown};
use napi::{sys, Env, JsValue};
use napi_derive::napi;

use crate::block::{self, Block};
use crate::epochs::Role;
use crate::error::{self, alloc_error, to_alignment, to_usize};
use crate::object;
use crate::stats::{self, Kind};

/// A shadow block (V8-owned backing) and the depth of the scope using it (`None`: spare).
struct Shadow {
    block: Arc<Block>,
    depth: Option<u32>,
}

/// An arena's blocks and the buffers of its scopes. Made by `createArena`.
#[napi]
pub struct NativeArena {
    /// The chain, in order; the first has the initial capacity (or what a reset kept).
    blocks: Vec<Arc<Block>>,
    /// Shadows, kept for reuse until a `'release'` reset or dispose.
    shadows: Vec<Shadow>,
    /// Blocks entered by a scope (`(block, depth)`): their base buffers renew when it closes.
    entered: Vec<(usize, u32)>,
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

/// A scope depth from JavaScript: 1 for the outermost scope.
fn to_depth(env: &Env, depth: u32) -> napi::Result<u32> {
    if depth == 0 {
        return Err(error::invalid_state(env, "scope depths start at 1"));
    }
    Ok(depth)
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

    fn block(&self, env: &Env, index: u32) -> napi::Result<&Arc<Block>> {
        self.blocks
            .get(index as usize)
            .ok_or_else(|| error::invalid_state(env, &format!("the arena has no block {index}")))
    }

    /// Room for one more entered block, so that recording it cannot abort the process.
    fn reserve_entered(&mut self, env: &Env) -> napi::Result<()> {
        self.entered.try_reserve(1).map_err(|_| {
            alloc_error(
                env,
                lightwatch_memory::AllocError::OutOfMemory {
                    size: std::mem::size_of::<(usize, u32)>(),
                    alignment: 1,
                },
            )
        })
    }

    /// Checks everything the scopes at `depth` and deeper used, before anything changes.
    fn check_closing(&self, env: &Env, depth: u32) -> napi::Result<()> {
        // A block with a window of any scope may be among them: checking every block is
        // simpler than finding them, and a chain has few blocks.
        for block in &self.blocks {
            block.check_usable(env)?;
        }
        for shadow in &self.shadows {
            if shadow.depth.is_some_and(|d| d >= depth) {
                shadow.block.check_usable(env)?;
            }
        }
        Ok(())
    }

    /// Ends every buffer the scopes at `depth` and deeper cut from: their windows are detached
    /// (one per block kept as a spare), and the base buffers of the blocks they entered and
    /// their shadows are renewed. Returns the renewed base buffers by block. The caller checked
    /// with `check_closing`.
    fn end_scopes(&mut self, env: &Env, depth: u32) -> napi::Result<Vec<(usize, sys::napi_value)>> {
        let mut result = Ok(());
        let mut renewed = Vec::new();
        let entered: Vec<usize> = self
            .entered
            .iter()
            .filter(|&&(_, d)| d >= depth)
            .map(|&(block, _)| block)
            .collect();
        self.entered.retain(|&(_, d)| d < depth);
        for (index, block) in self.blocks.iter().enumerate() {
            if entered.contains(&index) {
                // Renewing ends its windows too.
                match block.renew(env, true) {
                    Ok(fresh) => renewed.push((index, fresh)),
                    Err(error) => result = result.and(Err(error)),
                }
            } else {
                result = result.and(block.close_windows(env, depth));
            }
        }
        for shadow in &mut self.shadows {
            if shadow.depth.is_some_and(|d| d >= depth) {
                // The facade gets the renewed buffer when a scope takes the shadow again.
                result = result.and(shadow.block.renew(env, false).map(|_| ()));
                shadow.depth = None;
            }
        }
        result.map(|()| renewed)
    }
}

#[napi]
impl NativeArena {
    /// Adds a block for a request of `size` bytes aligned to `alignment` that no block has room
    /// for (`available` bytes are left, for the error): its parts, its size given by the core's
    /// growth rule. With `depth` above 0 the scope at that depth enters it (see `enter`).
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
        depth: u32,
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
        self.reserve_entered(env)?;
        let (block, buffer) = Block::allocate(env, bytes, BLOCK_ALIGNMENT, Kind::ArenaBlock)?;
        self.blocks.push(Arc::clone(&block));
        if depth > 0 {
            self.entered.push((self.blocks.len() - 1, depth));
        }
        parts(env, &block, buffer)
    }

    /// A window: a buffer of its own over block `index` (native backing) for the scope at
    /// `depth`, which it cuts from until it closes.
    #[napi(catch_unwind, ts_return_type = "ArrayBuffer")]
    pub fn window<'env>(
        &self,
        env: &'env Env,
        index: u32,
        depth: u32,
    ) -> napi::Result<Unknown<'env>> {
        self.live(env)?;
        let depth = to_depth(env, depth)?;
        let window = self.block(env, index)?.open_window(env, depth)?;
        // SAFETY: `window` is a live value of this call's scope.
        Ok(unsafe { Unknown::from_raw_unchecked(env.raw(), window) })
    }

    /// Records that the scope at `depth` entered block `index` (growth, or the walk to the next
    /// block with room) and cuts from its base buffer: its close renews that buffer. Returns
    /// the base buffer.
    #[napi(catch_unwind, ts_return_type = "ArrayBuffer")]
    pub fn enter<'env>(
        &mut self,
        env: &'env Env,
        index: u32,
        depth: u32,
    ) -> napi::Result<Unknown<'env>> {
        self.live(env)?;
        let depth = to_depth(env, depth)?;
        let block = self.block(env, index)?;
        block.check_usable(env)?;
        let base = block.base(env)?;
        if !self
            .entered
            .iter()
            .any(|&(b, d)| b == index as usize && d <= depth)
        {
            self.reserve_entered(env)?;
            self.entered.push((index as usize, depth));
        }
        // SAFETY: `base` is a live value of this call's scope.
        Ok(unsafe { Unknown::from_raw_unchecked(env.raw(), base) })
    }

    /// A shadow block of at least `bytes` bytes for the scope at `depth` (V8-owned backing): a
    /// spare one with room at any shift, or a new one over-allocated by 64 KiB so the facade can
    /// start it at any address modulo 64 KiB. `{ buffer, start: 0, misalignment, size }`.
    #[napi(
        catch_unwind,
        ts_return_type = "{ handle: null; buffer: ArrayBuffer; start: number; misalignment: number; size: number; backing: 'native' | 'v8' }"
    )]
    pub fn shadow<'env>(
        &mut self,
        env: &'env Env,
        bytes: f64,
        depth: u32,
    ) -> napi::Result<Unknown<'env>> {
        self.live(env)?;
        let depth = to_depth(env, depth)?;
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
        let spare = self
            .shadows
            .iter()
            .position(|shadow| shadow.depth.is_none() && shadow.block.size() >= padded);
        let at = match spare {
            Some(at) => {
                self.shadows[at].block.check_usable(env)?;
                at
            }
            None => {
                self.shadows.try_reserve(1).map_err(|_| {
                    alloc_error(
                        env,
                        lightwatch_memory::AllocError::OutOfMemory {
                            size: padded,
                            alignment: 1,
                        },
                    )
                })?;
                let (block, _) = Block::allocate(env, padded, 1, Kind::ArenaBlock)?;
                self.shadows.push(Shadow { block, depth: None });
                self.shadows.len() - 1
            }
        };
        let shadow = &mut self.shadows[at];
        let buffer = shadow.block.base(env)?;
        shadow.depth = Some(depth);
        parts(env, &shadow.block, buffer)
    }

    /// Closes the scopes at `depth` and deeper: ends every buffer they cut from, so their views
    /// are detached and the older ones are not. Returns `[block, buffer, ...]`: the new base
    /// buffers of the blocks they entered, or null if there are none. Checks everything first:
    /// if a buffer it would end was transferred away, it throws and changes nothing.
    #[napi(catch_unwind, ts_return_type = "Array<number | ArrayBuffer> | null")]
    pub fn close<'env>(&mut self, env: &'env Env, depth: u32) -> napi::Result<Unknown<'env>> {
        self.live(env)?;
        let depth = to_depth(env, depth)?;
        self.check_closing(env, depth)?;
        let renewed = self.end_scopes(env, depth)?;
        let value = if renewed.is_empty() {
            let mut null = std::ptr::null_mut();
            // SAFETY: valid env; out-pointer to a local.
            unsafe { sys::napi_get_null(env.raw(), &mut null) };
            null
        } else {
            let mut values = Vec::with_capacity(2 * renewed.len());
            for (index, buffer) in renewed {
                values.push(object::number(env, index as f64)?);
                values.push(buffer);
            }
            object::array(env, &values)?
        };
        // SAFETY: `value` is a live value of this call's scope.
        Ok(unsafe { Unknown::from_raw_unchecked(env.raw(), value) })
    }

    /// A `'retain'` reset of an arena of one block (the common case, without lists): closes every
    /// scope and returns a new base buffer over the same memory. Every view is detached.
    #[napi(catch_unwind, ts_return_type = "ArrayBuffer")]
    pub fn renew_first<'env>(&mut self, env: &'env Env) -> napi::Result<Unknown<'env>> {
        self.live(env)?;
        if self.blocks.len() != 1 {
            return Err(error::invalid_state(
                env,
                "the arena has more than one block",
            ));
        }
        let block = &self.blocks[0];
        let scoped = !self.entered.is_empty()
            || self.shadows.iter().any(|shadow| shadow.depth.is_some())
            || !block.only_base();
        if scoped {
            self.check_closing(env, 1)?;
            self.end_scopes(env, 1)?;
        } else {
            // The common case: no scope left a buffer behind, so only the base is checked.
            self.blocks[0].check_usable(env)?;
        }
        let fresh = self.blocks[0].renew(env, true)?;
        // SAFETY: `fresh` is a live value of this call's scope.
        Ok(unsafe { Unknown::from_raw_unchecked(env.raw(), fresh) })
    }

    /// Takes in `buffer` for block `index`: the facade moved a buffer of that block into it with
    /// its own `transfer()` (a reset of one block, or the close of a scope whose window it keeps
    /// for the next scope; a fifth of the cost of a renewal here). `role`: -1 the base buffer, 0
    /// the spare window, a depth above 0 the window of the scope at that depth (also to tell
    /// that a spare the facade holds is now that scope's window). Checks everything (see
    /// `Block::adopt_moved`); `false`, and nothing changed, if it does not hold.
    #[napi(
        catch_unwind,
        ts_args_type = "index: number, role: number, buffer: ArrayBuffer"
    )]
    pub fn adopt(
        &mut self,
        env: &Env,
        index: u32,
        role: i32,
        buffer: Unknown<'_>,
    ) -> napi::Result<bool> {
        self.live(env)?;
        let role = match role {
            -1 => Role::Base,
            0 => Role::Spare,
            depth if depth > 0 => Role::Window(depth as u32),
            _ => return Err(error::invalid_state(env, &format!("no role {role}"))),
        };
        let block = Arc::clone(self.block(env, index)?);
        block.adopt_moved(env, role, buffer.raw())
    }

    /// Resets in `mode` (`'retain'`, `'release'`, or `'retainLimit'` with `limit`): closes every
    /// scope, and returns the blocks the arena keeps, as parts. Every view of every block is
    /// detached. `'release'` also frees the shadows. Checks everything first.
    #[napi(
        catch_unwind,
        ts_args_type = "mode: 'retain' | 'release' | 'retainLimit', limit?: number | undefined | null",
        ts_return_type = "Array<{ handle: null; buffer: ArrayBuffer; start: number; misalignment: number; size: number; backing: 'native' | 'v8' }>"
    )]
    pub fn reset<'env>(
        &mut self,
        env: &'env Env,
        mode: String,
        limit: Option<f64>,
    ) -> napi::Result<Unknown<'env>> {
        self.live(env)?;
        let mode = reset_mode(env, &mode, limit)?;
        self.check_closing(env, 1)?;
        for shadow in &self.shadows {
            shadow.block.check_usable(env)?;
        }
        self.end_scopes(env, 1)?;
        let retained = mode.retained(self.blocks[0].size(), self.capacity(), self.initial);
        let fresh = match retained {
            Retained::First => None,
            // If the system refuses the new block, the arena keeps the blocks it has: a reset
            // never fails for want of memory.
            Retained::New(bytes) => {
                let fresh = Block::allocate(env, bytes, BLOCK_ALIGNMENT, Kind::ArenaBlock);
                if fresh.is_err() {
                    crate::buffer::clear_exception(env);
                }
                fresh.ok()
            }
        };
        let keep = match (&fresh, retained) {
            (Some(_), _) => 0,
            (None, Retained::First) => 1,
            (None, Retained::New(_)) => self.blocks.len(),
        };
        let mut result = Ok(());
        for old in self.blocks.drain(keep..) {
            result = result.and(old.release(env));
        }
        let renewed = block::renew_all(env, &self.blocks)?;
        let mut out = Vec::with_capacity(renewed.len() + 1);
        for (block, buffer) in self.blocks.iter().zip(renewed) {
            out.push(block::parts(env, None, block, buffer)?);
        }
        if let Some((block, buffer)) = fresh {
            out.push(block::parts(env, None, &block, buffer)?);
            self.blocks.push(block);
        }
        if mode == ResetMode::Release {
            for shadow in self.shadows.drain(..) {
                result = result.and(shadow.block.release(env));
            }
        }
        result?;
        let list = object::array(env, &out)?;
        // SAFETY: `list` is a live value of this call's scope.
        Ok(unsafe { Unknown::from_raw_unchecked(env.raw(), list) })
    }

    /// Detaches every buffer over every block and frees the memory now. A block one of whose
    /// buffers was transferred away is given up, not freed (see `Block::release`). A second
    /// call does nothing.
    #[napi(catch_unwind)]
    pub fn dispose(&mut self, env: &Env) -> napi::Result<()> {
        if self.disposed {
            return Ok(());
        }
        self.disposed = true;
        stats::arena_closed();
        self.entered.clear();
        let mut result = Ok(());
        for block in self.blocks.drain(..) {
            result = result.and(block.release(env));
        }
        for shadow in self.shadows.drain(..) {
            result = result.and(shadow.block.release(env));
        }
        result
    }
}

impl Drop for NativeArena {
    fn drop(&mut self) {
        if !self.disposed {
            stats::arena_closed();
        }
        // Collected without dispose: the memory goes with the last buffer over it.
        for block in &self.blocks {
            block.forget();
        }
        for shadow in &self.shadows {
            shadow.block.forget();
        }
    }
}

/// `{ handle: null, buffer, start, misalignment, size, backing }` for a block of this arena.
fn parts<'env>(
    env: &'env Env,
    block: &Block,
    buffer: sys::napi_value,
) -> napi::Result<Unknown<'env>> {
    let parts = block::parts(env, None, block, buffer)?;
    // SAFETY: `parts` is a live value of this call's scope.
    Ok(unsafe { Unknown::from_raw_unchecked(env.raw(), parts) })
}

/// Allocates an arena of `capacity` zeroed bytes, growing as the options allow:
/// `{ handle, buffer, start, misalignment, size, backing }`.
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
        entered: Vec::new(),
        options,
        initial: capacity,
        disposed: false,
    };
    // SAFETY: valid env; napi-rs wraps the struct in a new instance of its class.
    let handle = unsafe { ToNapiValue::to_napi_value(env.raw(), handle) }?;
    let parts = block::parts(env, Some(handle), &block, buffer)?;
    // SAFETY: `parts` is a live value of this call's scope.
    Ok(unsafe { Unknown::from_raw_unchecked(env.raw(), parts) })
}
