//! The rules the browser backend asks for: the core's own functions, behind checked numbers.
//!
//! The same functions the native binding calls (`crates/node/src/arena.rs`, `pool.rs`,
//! `block.rs`), so a growing arena, a reset, a pool and an alignment check decide alike in the
//! browser and in Node.

use lightwatch_memory::{ArenaOptions, ResetMode, Retained, MAX_ALIGNMENT};
use lightwatch_memory_codes::ErrorCode;

use crate::refusal::{answer, to_alignment, to_usize, Refusal};

/// The core's constants, by index: `DEFAULT_ALIGNMENT`, `MAX_ALIGNMENT`, `DEFAULT_CAPACITY`,
/// `AVX2_ALIGNMENT`, `AVX512_ALIGNMENT`, `BLOCK_ALIGNMENT`; -1 past them.
#[no_mangle]
pub extern "C" fn constant(index: f64) -> f64 {
    const VALUES: [usize; 6] = [
        lightwatch_memory::DEFAULT_ALIGNMENT,
        MAX_ALIGNMENT,
        lightwatch_memory::DEFAULT_CAPACITY,
        lightwatch_memory::AVX2_ALIGNMENT,
        lightwatch_memory::AVX512_ALIGNMENT,
        lightwatch_memory::BLOCK_ALIGNMENT,
    ];
    let at = index as usize;
    if index >= 0.0 && index.fract() == 0.0 && at < VALUES.len() {
        VALUES[at] as f64
    } else {
        -1.0
    }
}

/// `alignment` if it is a power of two from 1 to 65536 (the core's `check_alignment`).
#[no_mangle]
pub extern "C" fn check_alignment(alignment: f64) -> f64 {
    answer(to_alignment(alignment).map(|a| a as f64))
}

/// `size` if `size` bytes aligned to `alignment` can be asked of an allocator at all (the core's
/// `layout`: at most `isize::MAX` bytes once rounded).
#[no_mangle]
pub extern "C" fn layout(size: f64, alignment: f64) -> f64 {
    answer((|| {
        let alignment = to_alignment(alignment)?;
        let size = to_usize(size, "size")?;
        lightwatch_memory::layout(size, alignment)?;
        Ok(size as f64)
    })())
}

/// Reads an arena's options: `max` below 0 is none.
fn options(growable: f64, max: f64) -> Result<ArenaOptions, Refusal> {
    Ok(ArenaOptions {
        growable: growable != 0.0,
        max_capacity: if max < 0.0 {
            None
        } else {
            Some(to_usize(max, "maxCapacity")?)
        },
    })
}

/// `capacity` if an arena may be made with it and these options (`max` below 0: none): the
/// core's `ArenaOptions::check`, after the binding's own check of a capacity of 0.
#[no_mangle]
pub extern "C" fn arena_options(capacity: f64, growable: f64, max: f64) -> f64 {
    answer((|| {
        let capacity = to_usize(capacity, "capacity")?;
        if capacity == 0 {
            return Err(Refusal::new(
                ErrorCode::OutOfRange,
                "capacity must be at least 1; received 0",
            ));
        }
        options(growable, max)?.check(capacity)?;
        Ok(capacity as f64)
    })())
}

/// The size of the block a full growable arena adds (the core's `next_block_size`).
#[no_mangle]
pub extern "C" fn next_block_size(
    growable: f64,
    max: f64,
    last: f64,
    capacity: f64,
    available: f64,
    size: f64,
    alignment: f64,
) -> f64 {
    answer((|| {
        let bytes = lightwatch_memory::next_block_size(
            options(growable, max)?,
            to_usize(last, "last")?,
            to_usize(capacity, "capacity")?,
            to_usize(available, "available")?,
            to_usize(size, "size")?,
            to_alignment(alignment)?,
        )?;
        Ok(bytes as f64)
    })())
}

/// What a reset keeps (the core's `ResetMode::retained`): 0 for the first block as it is, else
/// the size of the one new block. `mode`: 0 `'retain'`, 1 `'release'`, 2 `{ retainLimit }`.
#[no_mangle]
pub extern "C" fn reset_retained(
    mode: f64,
    limit: f64,
    first: f64,
    capacity: f64,
    initial: f64,
) -> f64 {
    answer((|| {
        let mode = if mode == 0.0 {
            ResetMode::Retain
        } else if mode == 1.0 {
            ResetMode::Release
        } else if mode == 2.0 {
            ResetMode::RetainWithLimit(to_usize(limit, "retainLimit")?)
        } else {
            return Err(Refusal::new(
                ErrorCode::InvalidArgValue,
                "mode must be 'retain', 'release' or { retainLimit: bytes }",
            ));
        };
        let first = to_usize(first, "first")?;
        let capacity = to_usize(capacity, "capacity")?;
        let initial = to_usize(initial, "initial")?;
        Ok(match mode.retained(first, capacity, initial) {
            Retained::First => 0.0,
            Retained::New(bytes) => bytes as f64,
        })
    })())
}

/// Bytes from one pool slot's start to the next (the core's `slot_stride`).
#[no_mangle]
pub extern "C" fn slot_stride(size: f64, alignment: f64) -> f64 {
    answer((|| {
        let alignment = to_alignment(alignment)?;
        let stride = lightwatch_memory::slot_stride(to_usize(size, "slot size")?, alignment)?;
        Ok(stride as f64)
    })())
}

/// The bytes of a pool chunk of `slots` slots (the core's `chunk_size`).
#[no_mangle]
pub extern "C" fn chunk_size(slots: f64, stride: f64) -> f64 {
    answer((|| {
        let bytes = lightwatch_memory::chunk_size(
            to_usize(slots, "chunk slots")?,
            to_usize(stride, "stride")?,
        )?;
        Ok(bytes as f64)
    })())
}

/// The bytes of a shadow block for `bytes` bytes that may start at any address modulo 64 KiB:
/// `bytes + MAX_ALIGNMENT - 1`, checked (as the binding's `NativeArena::shadow`).
#[no_mangle]
pub extern "C" fn shadow_len(bytes: f64) -> f64 {
    answer((|| {
        let bytes = to_usize(bytes, "bytes")?;
        let padded = bytes
            .checked_add(MAX_ALIGNMENT - 1)
            .filter(|&padded| padded <= isize::MAX as usize)
            .ok_or(lightwatch_memory::AllocError::SizeOverflow {
                size: bytes,
                alignment: MAX_ALIGNMENT,
            })?;
        Ok(padded as f64)
    })())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::refusal::last_message;

    fn code_of(result: f64) -> ErrorCode {
        assert!(result < 0.0, "{result} is not a refusal");
        ErrorCode::ALL[(-result) as usize - 1]
    }

    #[test]
    fn growth_is_the_core_rule() {
        // max(2 x 64, 32 + 0) = 128.
        assert_eq!(
            next_block_size(1.0, -1.0, 64.0, 64.0, 0.0, 32.0, 16.0),
            128.0
        );
        let fixed = next_block_size(0.0, -1.0, 64.0, 64.0, 16.0, 32.0, 16.0);
        assert_eq!(code_of(fixed), ErrorCode::ArenaExhausted);
        assert!(last_message().starts_with("arena exhausted: requested 32 bytes"));
        let capped = next_block_size(1.0, 100.0, 64.0, 64.0, 0.0, 32.0, 16.0);
        assert_eq!(capped, 36.0);
    }

    #[test]
    fn options_are_checked_by_the_core() {
        assert_eq!(arena_options(64.0, 1.0, 128.0), 64.0);
        assert_eq!(
            code_of(arena_options(64.0, 0.0, 128.0)),
            ErrorCode::InvalidArgValue
        );
        assert_eq!(
            code_of(arena_options(64.0, 1.0, 32.0)),
            ErrorCode::OutOfRange
        );
        assert_eq!(
            code_of(arena_options(0.0, 0.0, -1.0)),
            ErrorCode::OutOfRange
        );
    }

    #[test]
    fn resets_keep_what_the_core_says() {
        assert_eq!(reset_retained(0.0, 0.0, 64.0, 64.0, 64.0), 0.0);
        assert_eq!(reset_retained(0.0, 0.0, 64.0, 192.0, 64.0), 192.0);
        assert_eq!(reset_retained(1.0, 0.0, 64.0, 192.0, 64.0), 0.0);
        assert_eq!(reset_retained(2.0, 100.0, 64.0, 192.0, 64.0), 100.0);
        assert_eq!(
            code_of(reset_retained(3.0, 0.0, 1.0, 1.0, 1.0)),
            ErrorCode::InvalidArgValue
        );
    }

    #[test]
    fn slots_chunks_shadows_and_layouts() {
        assert_eq!(slot_stride(12.0, 16.0), 16.0);
        assert_eq!(slot_stride(0.0, 4.0), 4.0);
        assert_eq!(chunk_size(3.0, 16.0), 48.0);
        assert_eq!(shadow_len(1.0), 65536.0);
        assert_eq!(layout(10.0, 64.0), 10.0);
        assert_eq!(code_of(layout(10.0, 3.0)), ErrorCode::InvalidAlignment);
        assert_eq!(code_of(check_alignment(0.0)), ErrorCode::InvalidAlignment);
        assert_eq!(constant(0.0), 16.0);
        assert_eq!(constant(6.0), -1.0);
    }
}
