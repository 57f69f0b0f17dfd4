//! The size arithmetic: `layout`, `slot_stride`, and the SIMD alignment constants.
//! (What they refuse is in `alignment` and `limits`, with every other entry point.)

use lightwatch_memory::{layout, slot_stride, AVX2_ALIGNMENT, AVX512_ALIGNMENT};

#[test]
fn layout_keeps_size_and_alignment() {
    let l = layout(100, 32).unwrap();
    assert_eq!((l.size(), l.align()), (100, 32));
}

#[test]
fn simd_alignment_constants_match_avx() {
    assert_eq!(AVX2_ALIGNMENT, 32);
    assert_eq!(AVX512_ALIGNMENT, 64);
}

#[test]
fn slot_stride_rounds_size_up_to_alignment() {
    assert_eq!(slot_stride(64, 64), Ok(64));
    assert_eq!(slot_stride(65, 64), Ok(128));
    assert_eq!(slot_stride(3, 4), Ok(4));
    assert_eq!(slot_stride(12, 1), Ok(12));
}

#[test]
fn slot_stride_of_zero_size_is_at_least_one() {
    assert_eq!(slot_stride(0, 1), Ok(1));
    assert_eq!(slot_stride(0, 32), Ok(32));
}
