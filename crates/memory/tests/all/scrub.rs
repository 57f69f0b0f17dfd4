//! The typed-claim watermark: typed values leave their padding bytes uninitialised, so before
//! the byte API hands that memory out again the arena zeroes it, in whichever block it is.
//! `(u8, u16)` has one padding byte in four; under Miri, reading an unscrubbed one is an error.

use lightwatch_memory::{Arena, ResetMode};

/// A value with a padding byte.
type Padded = (u8, u16);

#[test]
fn bytes_reused_after_typed_claims_in_several_blocks_are_zero() {
    let mut arena = Arena::growable(64).unwrap();
    let start = arena.checkpoint();
    arena.alloc_slice_fill(16, (1u8, 2u16) as Padded).unwrap(); // block 0, full
    arena.alloc_slice_fill(32, (3u8, 4u16) as Padded).unwrap(); // block 1
    assert_eq!(arena.blocks(), 2);
    arena.rewind(start);
    let first = arena.allocate(64, 1).unwrap();
    assert!(first.iter().all(|&b| b == 0), "block 0 scrubbed");
    let second = arena.allocate(128, 1).unwrap();
    assert!(second.iter().all(|&b| b == 0), "block 1 scrubbed");
}

#[test]
fn bytes_claimed_after_a_rewind_into_a_typed_region_are_zero() {
    let mut arena = Arena::growable(64).unwrap();
    arena.allocate(64, 1).unwrap().fill(9);
    let mark = arena.checkpoint(); // at the end of block 0
    arena.alloc_slice_fill(30, (5u8, 6u16) as Padded).unwrap(); // grows: block 1
    arena.rewind(mark);
    let bytes = arena.allocate(100, 1).unwrap(); // block 1 again
    assert!(bytes.iter().all(|&b| b == 0));
}

#[test]
fn raw_and_offset_claims_after_typed_claims_are_initialised_too() {
    let mut arena = Arena::growable(32).unwrap();
    let start = arena.checkpoint();
    arena.alloc_slice_fill(8, (1u8, 1u16) as Padded).unwrap();
    arena.alloc_slice_fill(40, (1u8, 1u16) as Padded).unwrap(); // block 1
    arena.rewind(start);
    let raw = arena.allocate_raw(32, 1).unwrap();
    // SAFETY: 32 bytes just claimed; the raw API hands out initialised bytes.
    assert!(unsafe { core::slice::from_raw_parts(raw.as_ptr(), 32) }
        .iter()
        .all(|&b| b == 0));
    let offset = arena.allocate_offset(64, 1).unwrap();
    assert_eq!(offset, 32, "the second block");
    let ptr = arena.allocate_raw(0, 1).unwrap().as_ptr().wrapping_sub(64);
    // SAFETY: the 64 bytes before the zero-sized claim are the offset claim, initialised.
    assert!(unsafe { core::slice::from_raw_parts(ptr, 64) }
        .iter()
        .all(|&b| b == 0));
}

#[test]
fn bytes_after_typed_claims_in_a_scope_are_zero_in_the_next_scope() {
    let mut arena = Arena::growable(64).unwrap();
    arena.scoped(|scope| {
        scope.alloc_slice_fill(100, (7u8, 8u16) as Padded).unwrap();
    });
    arena.scoped(|scope| {
        let bytes = scope.allocate(400, 1).unwrap();
        assert!(bytes.iter().all(|&b| b == 0));
    });
}

#[test]
fn a_release_reset_that_keeps_the_first_block_still_scrubs_it() {
    let mut arena = Arena::growable(64).unwrap();
    arena.alloc_slice_fill(16, (1u8, 2u16) as Padded).unwrap(); // block 0
    arena.alloc_slice_fill(40, (3u8, 4u16) as Padded).unwrap(); // block 1
    arena.reset_with(ResetMode::Release); // block 0 is the initial one: kept as it is
    assert_eq!(arena.blocks(), 1);
    assert!(arena.allocate(64, 1).unwrap().iter().all(|&b| b == 0));
    let grown = arena.allocate(128, 1).unwrap(); // a fresh block
    assert!(grown.iter().all(|&b| b == 0));
}

#[test]
fn bytes_written_as_bytes_after_a_scrub_are_kept_across_blocks() {
    let mut arena = Arena::growable(64).unwrap();
    let start = arena.checkpoint();
    arena.alloc_slice_fill(16, (1u8, 2u16) as Padded).unwrap();
    arena.alloc_slice_fill(32, (1u8, 2u16) as Padded).unwrap();
    arena.rewind(start);
    arena.allocate(64, 1).unwrap().fill(4);
    arena.allocate(128, 1).unwrap().fill(5);
    arena.rewind(start);
    assert!(arena.allocate(64, 1).unwrap().iter().all(|&b| b == 4));
    assert!(arena.allocate(128, 1).unwrap().iter().all(|&b| b == 5));
}
