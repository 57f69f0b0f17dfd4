//! The pool's native side: chunks of slots, added on growth, renewed on clear, released on dispose.
//!
//! The free list runs in the facade (`ts/pool.ts`): allocate and deallocate are a stack pop and
//! push in JavaScript, with no N-API crossing (docs/design.md). This side owns the chunks, computes
//! the slot stride with the core's rule, and never reads a slot index from JavaScript.

use std::sync::Arc;

use lightwatch_memory::{chunk_size, slot_stride};
use napi::bindgen_prelude::Unknown;
use napi::{Env, JsValue};
use napi_derive::napi;

use crate::block::{self, Block};
use crate::buffer;
use crate::error::{self, alloc_error, to_alignment, to_usize};
use crate::stats::{self, Kind};

/// A pool's chunks.
#[napi]
pub struct NativePool {
    chunks: Vec<Arc<Block>>,
    stride: usize,
    alignment: usize,
    disposed: bool,
}

#[napi]
impl NativePool {
    /// A pool of slots of `slotBytes` bytes, each aligned to `alignment`; no chunk yet.
    #[napi(constructor, catch_unwind)]
    pub fn new(env: Env, slot_bytes: f64, alignment: f64) -> napi::Result<Self> {
        let slot_bytes = to_usize(&env, slot_bytes, "slot size")?;
        let alignment = to_alignment(&env, alignment)?;
        let stride = slot_stride(slot_bytes, alignment).map_err(|e| alloc_error(&env, e))?;
        stats::pool_opened();
        Ok(Self {
            chunks: Vec::new(),
            stride,
            alignment,
            disposed: false,
        })
    }

    /// Bytes from one slot's start to the next.
    #[napi(getter)]
    pub fn stride(&self) -> f64 {
        self.stride as f64
    }

    /// Adds a chunk of `slots` zeroed slots: `{ buffer, start }`, slot `i` at `start + i * stride`.
    #[napi(
        catch_unwind,
        ts_return_type = "{ handle: null; buffer: ArrayBuffer; start: number; misalignment: number; size: number; backing: 'native' | 'v8' }"
    )]
    pub fn add_chunk<'env>(&mut self, env: &'env Env, slots: f64) -> napi::Result<Unknown<'env>> {
        if self.disposed {
            return Err(error::disposed(env, "pool"));
        }
        let slots = to_usize(env, slots, "chunk slots")?;
        let bytes = chunk_size(slots, self.stride).map_err(|e| alloc_error(env, e))?;
        block::reserve_one(env, &mut self.chunks, bytes)?;
        let (block, buffer) = Block::allocate(env, bytes, self.alignment, Kind::PoolChunk)?;
        let mut null = std::ptr::null_mut();
        // SAFETY: valid env; out-pointer to a local.
        unsafe { napi::sys::napi_get_null(env.raw(), &mut null) };
        let parts = block::parts(env, null, &block, buffer)?;
        self.chunks.push(block);
        // SAFETY: `parts` is a live value of this call's scope.
        Ok(unsafe { Unknown::from_raw_unchecked(env.raw(), parts) })
    }

    /// Detaches every chunk's current buffer (`current[i]` for chunk `i`) and returns new ones
    /// over the same memory.
    #[napi(
        catch_unwind,
        ts_args_type = "current: ArrayBuffer[]",
        ts_return_type = "ArrayBuffer[]"
    )]
    pub fn clear<'env>(
        &self,
        env: &'env Env,
        current: Vec<Unknown<'env>>,
    ) -> napi::Result<Vec<Unknown<'env>>> {
        if self.disposed {
            return Err(error::disposed(env, "pool"));
        }
        self.check_all(env, &current)?;
        self.chunks
            .iter()
            .zip(&current)
            .map(|(chunk, buffer)| {
                let fresh = chunk.renew(env, buffer.raw())?;
                // SAFETY: `fresh` is a live value of this call's scope.
                Ok(unsafe { Unknown::from_raw_unchecked(env.raw(), fresh) })
            })
            .collect()
    }

    /// Detaches every chunk's current buffer and frees all chunks now. A second call does nothing.
    #[napi(catch_unwind, ts_args_type = "current: ArrayBuffer[]")]
    pub fn dispose(&mut self, env: &Env, current: Vec<Unknown<'_>>) -> napi::Result<()> {
        if self.disposed {
            return Ok(());
        }
        // A chunk whose buffer was transferred away is given up, not validated (see `release`).
        self.check_count(env, &current)?;
        for (chunk, buffer) in self.chunks.iter().zip(&current) {
            if !buffer::is_detached(env, buffer.raw()) {
                chunk.validate(env, buffer.raw())?;
            }
        }
        for (chunk, buffer) in self.chunks.iter().zip(&current) {
            chunk.release(env, buffer.raw())?;
        }
        self.chunks.clear();
        self.disposed = true;
        stats::pool_closed();
        Ok(())
    }

    /// Validates every buffer before touching any, so a bad list changes nothing.
    fn check_all(&self, env: &Env, current: &[Unknown<'_>]) -> napi::Result<()> {
        self.check_count(env, current)?;
        self.chunks
            .iter()
            .zip(current)
            .try_for_each(|(chunk, buffer)| chunk.validate(env, buffer.raw()))
    }

    fn check_count(&self, env: &Env, current: &[Unknown<'_>]) -> napi::Result<()> {
        if current.len() != self.chunks.len() {
            return Err(error::invalid_state(
                env,
                &format!(
                    "expected {} chunk buffers, received {}",
                    self.chunks.len(),
                    current.len()
                ),
            ));
        }
        Ok(())
    }
}

impl Drop for NativePool {
    fn drop(&mut self) {
        if !self.disposed {
            stats::pool_closed();
        }
    }
}
