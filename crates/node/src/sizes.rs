//! The core's size rules, for the handles the facade makes over shared blocks (`ts/shared.ts`):
//! whether an arena may be made, the block a growable arena adds, what a reset keeps, a pool's
//! slot stride and chunk size. The native arena and pool apply the same functions themselves;
//! these exports let a handle written in TypeScript apply them too, so the rules stay the core's.

use lightwatch_memory::{ArenaOptions, ResetMode, Retained};
use napi::Env;
use napi_derive::napi;

use crate::error::{alloc_error, to_alignment, to_usize};

fn options(env: &Env, growable: bool, max: Option<f64>) -> napi::Result<ArenaOptions> {
    Ok(ArenaOptions {
        growable,
        max_capacity: max
            .map(|max| to_usize(env, max, "maxCapacity"))
            .transpose()?,
    })
}

/// Checks an arena's options as `createArena` does (the core's `ArenaOptions::check`).
///
/// # Errors
/// As `createArena`: `ERR_INVALID_ARG_VALUE` for a `maxCapacity` without `growable`,
/// `ERR_OUT_OF_RANGE` for one below `capacity`.
#[napi(catch_unwind)]
pub fn check_arena_options(
    env: Env,
    capacity: f64,
    growable: bool,
    max_capacity: Option<f64>,
) -> napi::Result<()> {
    let capacity = to_usize(&env, capacity, "capacity")?;
    options(&env, growable, max_capacity)?
        .check(capacity)
        .map(|_| ())
        .map_err(|e| alloc_error(&env, e))
}

/// The size of the block a full growable arena adds for `size` bytes aligned to `alignment`
/// (the core's `next_block_size`), given its last block, capacity and bytes available.
///
/// # Errors
/// `ERR_ARENA_EXHAUSTED` if the arena may not grow, or not that far.
#[napi(catch_unwind)]
#[allow(clippy::too_many_arguments)]
pub fn next_block_size(
    env: Env,
    growable: bool,
    max_capacity: Option<f64>,
    last: f64,
    capacity: f64,
    available: f64,
    size: f64,
    alignment: f64,
) -> napi::Result<f64> {
    let bytes = lightwatch_memory::next_block_size(
        options(&env, growable, max_capacity)?,
        to_usize(&env, last, "last")?,
        to_usize(&env, capacity, "capacity")?,
        to_usize(&env, available, "available")?,
        to_usize(&env, size, "size")?,
        to_alignment(&env, alignment)?,
    )
    .map_err(|e| alloc_error(&env, e))?;
    Ok(bytes as f64)
}

/// What a reset keeps (the core's `ResetMode::retained`): 0 for the first block as it is, else
/// the size of the one new block. `limit` is `{ retainLimit }`'s, for that mode only.
#[napi(
    catch_unwind,
    ts_args_type = "mode: 'retain' | 'release' | 'retainLimit', limit: number | null, first: number, capacity: number, initial: number"
)]
pub fn reset_retained(
    env: Env,
    mode: String,
    limit: Option<f64>,
    first: f64,
    capacity: f64,
    initial: f64,
) -> napi::Result<f64> {
    let mode = match (mode.as_str(), limit) {
        ("retain", None) => ResetMode::Retain,
        ("release", None) => ResetMode::Release,
        ("retainLimit", Some(limit)) => {
            ResetMode::RetainWithLimit(to_usize(&env, limit, "retainLimit")?)
        }
        _ => {
            return Err(crate::error::throw(
                &env,
                lightwatch_memory_codes::ErrorCode::InvalidArgValue,
                &format!(
                    "mode must be 'retain', 'release' or {{ retainLimit: bytes }}; received {mode}"
                ),
            ))
        }
    };
    let retained = mode.retained(
        to_usize(&env, first, "first")?,
        to_usize(&env, capacity, "capacity")?,
        to_usize(&env, initial, "initial")?,
    );
    Ok(match retained {
        Retained::First => 0.0,
        Retained::New(bytes) => bytes as f64,
    })
}

/// Bytes from one pool slot's start to the next (the core's `slot_stride`).
///
/// # Errors
/// `ERR_INVALID_ALIGNMENT`, or `ERR_OUT_OF_RANGE` if the stride overflows.
#[napi(catch_unwind)]
pub fn slot_stride(env: Env, slot_bytes: f64, alignment: f64) -> napi::Result<f64> {
    let alignment = to_alignment(&env, alignment)?;
    let stride =
        lightwatch_memory::slot_stride(to_usize(&env, slot_bytes, "slot size")?, alignment)
            .map_err(|e| alloc_error(&env, e))?;
    Ok(stride as f64)
}

/// The bytes of a pool chunk of `slots` slots of `stride` bytes (the core's `chunk_size`).
///
/// # Errors
/// `ERR_OUT_OF_RANGE` if it overflows.
#[napi(catch_unwind)]
pub fn chunk_size(env: Env, slots: f64, stride: f64) -> napi::Result<f64> {
    let bytes = lightwatch_memory::chunk_size(
        to_usize(&env, slots, "chunk slots")?,
        to_usize(&env, stride, "stride")?,
    )
    .map_err(|e| alloc_error(&env, e))?;
    Ok(bytes as f64)
}
