//! Aligned buffers' native side: one block each, released on free.

use std::sync::Arc;

use lightwatch_memory_codes::ErrorCode;
use napi::bindgen_prelude::{ToNapiValue, Unknown};
use napi::Env;
use napi_derive::napi;

use crate::block::{self, Block};
use crate::error::{self, to_alignment, to_usize};
use crate::stats::Kind;

/// An aligned buffer's block. Made by `createAligned`.
#[napi]
pub struct NativeAligned {
    block: Arc<Block>,
}

#[napi]
impl NativeAligned {
    /// Whether the memory has been freed.
    #[napi(getter)]
    pub fn released(&self) -> bool {
        self.block.is_released()
    }

    /// Detaches every buffer over the block and frees the memory now (a block whose buffer was
    /// transferred away is given up, see `Block::release`).
    ///
    /// # Errors
    /// `ERR_DOUBLE_FREE` if already freed.
    #[napi(catch_unwind)]
    pub fn free(&self, env: &Env) -> napi::Result<()> {
        if self.block.is_released() {
            return Err(error::throw(
                env,
                ErrorCode::DoubleFree,
                "double free: this aligned buffer has already been freed",
            ));
        }
        self.block.release(env)
    }
}

impl Drop for NativeAligned {
    fn drop(&mut self) {
        // Collected without free: the memory goes with the last buffer over it.
        self.block.forget();
    }
}

/// Allocates `size` zeroed bytes whose first byte's address is a multiple of `alignment`:
/// `{ handle, buffer, start, misalignment, size, backing }`, the bytes being
/// `buffer[start .. start + size]`.
#[napi(
    catch_unwind,
    ts_return_type = "{ handle: NativeAligned; buffer: ArrayBuffer; start: number; misalignment: number; size: number; backing: 'native' | 'v8' }"
)]
pub fn create_aligned<'env>(
    env: &'env Env,
    size: f64,
    alignment: f64,
) -> napi::Result<Unknown<'env>> {
    let size = to_usize(env, size, "size")?;
    let alignment = to_alignment(env, alignment)?;
    let (block, buffer) = Block::allocate(env, size, alignment, Kind::Aligned)?;
    let handle = NativeAligned {
        block: Arc::clone(&block),
    };
    // SAFETY: valid env; napi-rs wraps the struct in a new instance of its class.
    let handle = unsafe { ToNapiValue::to_napi_value(env.raw(), handle) }?;
    let parts = block::parts(env, Some(handle), &block, buffer)?;
    // SAFETY: `parts` is a live value of this call's scope.
    Ok(unsafe { Unknown::from_raw_unchecked(env.raw(), parts) })
}
