//! The pool's native side: chunks of slots, added on growth, renewed on clear, released on dispose.
//!
//! The free list runs in the facade (`ts/pool.ts`): allocate and deallocate are a stack pop and
//! push in JavaScript, with no N-API crossing (docs/design.md). This side owns the chunks, computes
//! the slot stride with the core's rule, and never reads a slot index from JavaScript.

use std::sync::Arc;

use lightwatch_memory::{chunk_size, slot_stride};
use napi::bindgen_prelude::Unknown;
use napi::Env;
use napi_derive::napi;

use crate::block::{self, Block};
use crate::error::{self, alloc_error, to_alignment, to_usize};
use crate::object;
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

    /// Adds a chunk of `slots` zeroed slots: its parts, slot `i` at `start + i * stride`.
    #[napi(
        catch_unwind,
        ts_return_type = "{ handle: null; buffer: ArrayBuffer; start: number; misalignment: number; size: number; backing: 'native' | 'v8' }"
    )]
    pub fn add_chunk<'env>(&mut self, env: &'env Env, slots: f64) -> napi::Result<Unknown<'env>> {
        self.live(env)?;
        let slots = to_usize(env, slots, "chunk slots")?;
        let bytes = chunk_size(slots, self.stride).map_err(|e| alloc_error(env, e))?;
        block::reserve_one(env, &mut self.chunks, bytes)?;
        let (block, buffer) = Block::allocate(env, bytes, self.alignment, Kind::PoolChunk)?;
        let parts = block::parts(env, None, &block, buffer)?;
        self.chunks.push(block);
        // SAFETY: `parts` is a live value of this call's scope.
        Ok(unsafe { Unknown::from_raw_unchecked(env.raw(), parts) })
    }

    /// Ends every buffer over every chunk and returns a new one per chunk, over the same memory:
    /// every view handed out before is detached. Checks every chunk first: if a buffer was
    /// transferred away, it throws and changes nothing.
    #[napi(catch_unwind, ts_return_type = "ArrayBuffer[]")]
    pub fn clear<'env>(&self, env: &'env Env) -> napi::Result<Unknown<'env>> {
        self.live(env)?;
        let fresh = block::renew_all(env, &self.chunks)?;
        let list = object::array(env, &fresh)?;
        // SAFETY: `list` is a live value of this call's scope.
        Ok(unsafe { Unknown::from_raw_unchecked(env.raw(), list) })
    }

    /// Detaches every buffer over every chunk and frees them now (a chunk whose buffer was
    /// transferred away is given up, see `Block::release`). A second call does nothing.
    #[napi(catch_unwind)]
    pub fn dispose(&mut self, env: &Env) -> napi::Result<()> {
        if self.disposed {
            return Ok(());
        }
        self.disposed = true;
        stats::pool_closed();
        let mut result = Ok(());
        for chunk in self.chunks.drain(..) {
            result = result.and(chunk.release(env));
        }
        result
    }

    fn live(&self, env: &Env) -> napi::Result<()> {
        if self.disposed {
            Err(error::disposed(env, "pool"))
        } else {
            Ok(())
        }
    }
}

impl Drop for NativePool {
    fn drop(&mut self) {
        if !self.disposed {
            stats::pool_closed();
        }
        // Collected without dispose: the memory goes with the last buffer over it.
        for chunk in &self.chunks {
            chunk.forget();
        }
    }
}
