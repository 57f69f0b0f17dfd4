//! `Arena`: the bump rule over a real block, with what it hands out zeroed, aligned and kept.

use lightwatch_memory::{AllocError, Arena};

use crate::helpers::KIB;

#[test]
fn block_is_cache_line_aligned() {
    let arena = Arena::new(100).unwrap();
    assert_eq!(Arena::BLOCK_ALIGNMENT, 64);
    assert_eq!(arena.as_ptr() as usize % Arena::BLOCK_ALIGNMENT, 0);
}

#[test]
fn default_alignment_is_16() {
    assert_eq!(Arena::DEFAULT_ALIGNMENT, 16);
    let arena = Arena::new(256).unwrap();
    arena.allocate(1, 1).unwrap();
    let second = arena.allocate(1, Arena::DEFAULT_ALIGNMENT).unwrap();
    assert_eq!(second.as_ptr() as usize % 16, 0);
    assert_eq!(arena.used(), 17);
}

#[test]
fn fresh_memory_is_zeroed() {
    let arena = Arena::new(4 * KIB).unwrap();
    assert!(arena.allocate(4 * KIB, 1).unwrap().iter().all(|&b| b == 0));
}

#[test]
fn allocations_do_not_overlap_and_keep_their_data() {
    let arena = Arena::new(4 * KIB).unwrap();
    let a = arena.allocate(100, 8).unwrap();
    let b = arena.allocate(100, 8).unwrap();
    a.fill(1);
    b.fill(2);
    assert!(a.iter().all(|&x| x == 1));
    assert!(b.iter().all(|&x| x == 2));
    assert!(a.as_ptr() as usize + a.len() <= b.as_ptr() as usize);
}

#[test]
fn reset_keeps_the_old_bytes() {
    let mut arena = Arena::new(64).unwrap();
    arena.allocate(64, 1).unwrap().fill(7);
    arena.reset();
    assert!(arena.allocate(64, 1).unwrap().iter().all(|&b| b == 7));
}

#[test]
fn allocate_raw_and_offset_agree() {
    let arena = Arena::new(KIB).unwrap();
    let raw = arena.allocate_raw(10, 32).unwrap();
    let offset = arena.allocate_offset(10, 32).unwrap();
    assert_eq!(arena.offset_of(raw.as_ptr()), Some(0));
    assert_eq!(offset, 32);
    assert_eq!(arena.as_ptr() as usize + offset, raw.as_ptr() as usize + 32);
}

#[test]
fn zero_size_allocation_is_aligned_and_claims_only_padding() {
    let arena = Arena::new(64).unwrap();
    arena.allocate(3, 1).unwrap();
    let empty = arena.allocate(0, 16).unwrap();
    assert!(empty.is_empty());
    assert_eq!(empty.as_ptr() as usize % 16, 0);
    assert_eq!(arena.used(), 16);
}

#[test]
fn of_zero_capacity_serves_only_zero_sizes() {
    let arena = Arena::new(0).unwrap();
    assert_eq!(arena.capacity(), 0);
    assert_eq!(arena.allocate(0, 1).unwrap().len(), 0);
    assert_eq!(
        arena.allocate(1, 1).unwrap_err(),
        AllocError::Exhausted {
            requested: 1,
            alignment: 1,
            available: 0,
            capacity: 0,
            max_capacity: None
        }
    );
}

#[test]
fn exhausted_reports_requested_and_available_unchanged() {
    let arena = Arena::new(100).unwrap();
    arena.allocate(60, 1).unwrap();
    assert_eq!(
        arena.allocate(50, 1).unwrap_err(),
        AllocError::Exhausted {
            requested: 50,
            alignment: 1,
            available: 40,
            capacity: 100,
            max_capacity: None
        }
    );
    assert_eq!(arena.used(), 60);
    assert_eq!(arena.available(), 40);
    assert_eq!(
        arena.allocate_offset(40, 1),
        Ok(60),
        "the refused claim took nothing"
    );
}

#[test]
#[cfg_attr(
    miri,
    ignore = "Miri stops at an allocation it cannot serve instead of returning null"
)]
fn of_half_the_address_space_is_an_error_not_an_abort() {
    let error = Arena::new(usize::MAX / 2).unwrap_err();
    assert!(
        matches!(
            error,
            AllocError::SizeOverflow { .. } | AllocError::OutOfMemory { .. }
        ),
        "{error:?}"
    );
}

#[test]
fn offset_of_accepts_the_block_and_one_past_it() {
    let arena = Arena::new(64).unwrap();
    let start = arena.as_ptr();
    assert_eq!(arena.offset_of(start), Some(0));
    assert_eq!(arena.offset_of(start.wrapping_add(63)), Some(63));
    assert_eq!(arena.offset_of(start.wrapping_add(64)), Some(64));
    assert_eq!(arena.offset_of(start.wrapping_add(65)), None);
    assert_eq!(arena.offset_of(start.wrapping_sub(1)), None);
    assert_eq!(arena.offset_of(core::ptr::null()), None);
}

#[test]
fn alloc_slice_fill_fills_and_aligns() {
    let arena = Arena::new(KIB).unwrap();
    arena.allocate(1, 1).unwrap();
    let values = arena.alloc_slice_fill(10, 2.5f64).unwrap();
    assert_eq!(values, &[2.5; 10]);
    assert_eq!(values.as_ptr() as usize % Arena::DEFAULT_ALIGNMENT, 0);
    assert_eq!(arena.used(), 16 + 80);
}

#[test]
fn alloc_slice_fill_aligns_to_a_type_above_16() {
    #[derive(Clone, Copy, PartialEq, Debug)]
    #[repr(align(64))]
    struct Line([u8; 64]);
    let arena = Arena::new(KIB).unwrap();
    arena.allocate(1, 1).unwrap();
    let lines = arena.alloc_slice_fill(2, Line([3; 64])).unwrap();
    assert_eq!(lines.as_ptr() as usize % 64, 0);
    assert_eq!(lines[1], Line([3; 64]));
}

#[test]
fn alloc_slice_copy_copies() {
    let arena = Arena::new(KIB).unwrap();
    let source = [1u32, 2, 3, 4, 5];
    let copy = arena.alloc_slice_copy(&source).unwrap();
    assert_eq!(copy, &source);
    copy[0] = 10;
    assert_eq!(source[0], 1);
    assert_eq!(arena.alloc_slice_copy::<u8>(&[]).unwrap().len(), 0);
}

#[test]
fn alloc_slice_rejects_a_length_whose_size_overflows_unchanged() {
    let arena = Arena::new(KIB).unwrap();
    arena.allocate(1, 1).unwrap();
    assert!(matches!(
        arena.alloc_slice_fill(usize::MAX / 2, 0u64),
        Err(AllocError::SizeOverflow { .. })
    ));
    assert_eq!(arena.used(), 1);
}

#[test]
fn alloc_slice_exhausted_unchanged() {
    let arena = Arena::new(64).unwrap();
    assert_eq!(
        arena.alloc_slice_fill(17, 0u32).unwrap_err(),
        AllocError::Exhausted {
            requested: 68,
            alignment: 16,
            available: 64,
            capacity: 64,
            max_capacity: None
        }
    );
    assert_eq!(arena.used(), 0);
}

#[test]
fn bytes_reused_after_typed_values_are_initialised() {
    // `(u8, u32)` has three padding bytes, which a typed write leaves uninitialised. Handing
    // them out again as `&mut [u8]` after a reset must not expose them (Miri checks this).
    let mut arena = Arena::new(256).unwrap();
    arena.alloc_slice_fill(16, (1u8, 2u32)).unwrap();
    arena.reset();
    let bytes = arena.allocate(256, 1).unwrap();
    assert!(
        bytes.iter().all(|&b| b == 0),
        "typed bytes come back zeroed"
    );
}

#[test]
fn bytes_reused_after_a_scrub_keep_what_was_written() {
    let mut arena = Arena::new(64).unwrap();
    arena.alloc_slice_fill(8, (1u8, 2u32)).unwrap();
    arena.reset();
    arena.allocate(64, 1).unwrap().fill(7);
    arena.reset();
    assert!(arena.allocate(64, 1).unwrap().iter().all(|&b| b == 7));
}

#[test]
fn raw_claims_after_typed_values_are_initialised() {
    let mut arena = Arena::new(64).unwrap();
    arena.alloc_slice_copy(&[(1u8, 2u16); 8]).unwrap();
    arena.reset();
    let offset = arena.allocate_offset(32, 1).unwrap();
    // SAFETY: the 32 bytes at `offset` were just claimed, and the raw API hands out initialised bytes.
    let bytes = unsafe { core::slice::from_raw_parts(arena.as_ptr().add(offset), 32) };
    assert!(bytes.iter().all(|&b| b == 0));
}
