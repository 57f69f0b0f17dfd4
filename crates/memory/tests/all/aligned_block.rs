//! `AlignedBlock`: an owned, aligned byte block, zeroed or uninitialised, that refuses to be read
//! before every byte is written.

use lightwatch_memory::{layout, AlignedBlock};

use crate::helpers::alignments;

#[test]
fn zeroed_reads_as_zero() {
    let block = AlignedBlock::zeroed(4096, 64).unwrap();
    assert!(block.is_initialized());
    assert_eq!(block.len(), 4096);
    assert!(!block.is_empty());
    assert_eq!(block.layout(), layout(4096, 64).unwrap());
    assert!(block.as_slice().iter().all(|&b| b == 0));
}

#[test]
fn as_mut_slice_writes_through() {
    let mut block = AlignedBlock::zeroed(16, 16).unwrap();
    block.as_mut_slice().copy_from_slice(&[9; 16]);
    assert_eq!(block.as_slice(), &[9; 16]);
}

#[test]
fn uninit_is_not_initialized() {
    let block = AlignedBlock::uninit(64, 64).unwrap();
    assert!(!block.is_initialized());
    assert_eq!(block.len(), 64);
    assert_eq!(block.as_ptr() as usize % 64, 0);
}

#[test]
#[should_panic(expected = "uninitialised")]
fn uninit_panics_on_read_before_fill() {
    let block = AlignedBlock::uninit(64, 64).unwrap();
    let _ = block.as_slice();
}

#[test]
#[should_panic(expected = "uninitialised")]
fn uninit_panics_on_mut_slice_before_fill() {
    let mut block = AlignedBlock::uninit(64, 64).unwrap();
    let _ = block.as_mut_slice();
}

#[test]
fn fill_initialises_every_byte() {
    let mut block = AlignedBlock::uninit(300, 32).unwrap();
    block.fill(0x5A);
    assert!(block.is_initialized());
    assert!(block.as_slice().iter().all(|&b| b == 0x5A));
}

#[test]
fn assume_init_after_writing_every_byte() {
    let mut block = AlignedBlock::uninit(256, 64).unwrap();
    for (i, byte) in block.as_uninit_mut().iter_mut().enumerate() {
        byte.write(i as u8);
    }
    // SAFETY: every byte was written just above.
    unsafe { block.assume_init() };
    assert!(block.is_initialized());
    assert!(block
        .as_slice()
        .iter()
        .enumerate()
        .all(|(i, &b)| b == i as u8));
}

#[test]
fn of_zero_bytes_is_empty_and_initialised() {
    for alignment in alignments() {
        for mut block in [
            AlignedBlock::zeroed(0, alignment).unwrap(),
            AlignedBlock::uninit(0, alignment).unwrap(),
        ] {
            assert!(block.is_empty());
            assert_eq!(block.len(), 0);
            assert!(
                block.is_initialized(),
                "zero bytes are trivially initialised"
            );
            assert!(block.as_slice().is_empty());
            assert!(block.as_uninit_mut().is_empty());
            block.fill(1);
        }
    }
}

#[test]
fn large_zeroed_blocks_with_high_alignment_are_zero_aligned_and_freed() {
    // Above 64 KiB such blocks are over-allocated at the natural alignment and offset (calloc's
    // fresh pages instead of writing every byte); the guarantees must not change.
    // Miri reads every byte slowly: the smallest such block there, the same paths.
    let size = if cfg!(miri) { 64 * 1024 } else { 1 << 20 };
    for alignment in [32, 64, 4096, 65536] {
        let mut block = AlignedBlock::zeroed(size, alignment).unwrap();
        assert_eq!(block.as_ptr() as usize % alignment, 0);
        assert_eq!(block.len(), size);
        assert_eq!(block.alignment(), alignment);
        assert!(block.as_slice().iter().all(|&b| b == 0));
        block.as_mut_slice()[size - 1] = 1;
    }
}
