//! The arena's native side: one block, renewed on reset, released on dispose.
//!
//! The bump itself runs in the facade (`ts/arena.ts`), in JavaScript: an N-API crossing costs as
//! much as cutting a view (DESIGN.md), so crossing per allocation would double its cost. The facade
//! follows the core's `Bump` rule (alignment on the absolute address); this side only ever hands
//! out whole blocks, so no offset computed in JavaScript is ever used as a pointer here.

use std::sync::Arc;

use lightwatch_memory::Arena;
use napi::bindgen_prelude::{ToNapiValue, Unknown};
use napi::{Env, JsValue};
use napi_derive::napi;

use crate::block::{self, Block};
use crate::error::{self, to_usize, Class};
use crate::stats::Kind;

/// An arena's block. Made by `createArena`.
#[napi]
pub struct NativeArena {
    block: Arc<Block>,
}

#[napi]
impl NativeArena {
    /// Detaches `current` (every view cut from it) and returns a new buffer over the same memory.
    #[napi(catch_unwind, ts_return_type = "ArrayBuffer")]
    pub fn reset<'env>(
        &self,
        env: &'env Env,
        current: Unknown<'env>,
    ) -> napi::Result<Unknown<'env>> {
        if self.block.is_released() {
            return Err(error::disposed(env, "arena"));
        }
        let fresh = self.block.renew(env, current.raw())?;
        // SAFETY: `fresh` is a live value of this call's scope.
        Ok(unsafe { Unknown::from_raw_unchecked(env.raw(), fresh) })
    }

    /// Detaches `current` and frees the memory now. A second call does nothing.
    #[napi(catch_unwind)]
    pub fn dispose(&self, env: &Env, current: Unknown<'_>) -> napi::Result<()> {
        if self.block.is_released() {
            return Ok(());
        }
        self.block.release(env, current.raw())
    }
}

/// Allocates an arena of `capacity` zeroed bytes: `{ handle, buffer, start, misalignment }`.
#[napi(
    catch_unwind,
    ts_return_type = "{ handle: NativeArena; buffer: ArrayBuffer; start: number; misalignment: number }"
)]
pub fn create_arena<'env>(env: &'env Env, capacity: f64) -> napi::Result<Unknown<'env>> {
    let capacity = to_usize(env, capacity, "capacity")?;
    if capacity == 0 {
        return Err(error::throw(
            env,
            Class::RangeError,
            "ERR_OUT_OF_RANGE",
            "capacity must be at least 1 byte; received 0",
        ));
    }
    let (block, buffer) = Block::allocate(env, capacity, Arena::BLOCK_ALIGNMENT, Kind::Arena)?;
    let handle = NativeArena {
        block: Arc::clone(&block),
    };
    // SAFETY: valid env; napi-rs wraps the struct in a new instance of its class.
    let handle = unsafe { ToNapiValue::to_napi_value(env.raw(), handle) }?;
    let parts = block::parts(env, handle, &block, buffer)?;
    // SAFETY: `parts` is a live value of this call's scope.
    Ok(unsafe { Unknown::from_raw_unchecked(env.raw(), parts) })
}
