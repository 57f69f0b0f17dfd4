//! The spec's required tests (`cargo test phase_02`), then one test per behaviour of every public
//! item: what it returns, what it refuses (with the figures), and that a refusal changes nothing.

use std::cell::Cell;
use std::collections::HashSet;
use std::rc::Rc;

use lightwatch_memory::{
    aligned_alloc, aligned_alloc_zeroed, aligned_delete, aligned_free, aligned_new, layout,
    slot_stride, AlignedBlock, AllocError, Arena, Bump, Pool, AVX2_ALIGNMENT, AVX512_ALIGNMENT,
};

const KIB: usize = 1024;

/// Every power of two from 1 to 4096: the alignments a caller may reasonably ask for.
fn alignments() -> impl Iterator<Item = usize> {
    (0..=12).map(|shift| 1usize << shift)
}

/// Counts its drops in a shared cell, so a test can see when the pool drops a value.
struct Counted {
    value: u64,
    drops: Rc<Cell<usize>>,
}

impl Counted {
    fn new(value: u64, drops: &Rc<Cell<usize>>) -> Self {
        Self {
            value,
            drops: Rc::clone(drops),
        }
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.drops.set(self.drops.get() + 1);
    }
}

// ---------------------------------------------------------------------------------------------
// The spec's required tests.
// ---------------------------------------------------------------------------------------------

#[test]
fn test_phase_02_arena_basic() {
    let arena = Arena::new(8 * KIB).unwrap();
    let a = arena.allocate(KIB, Arena::DEFAULT_ALIGNMENT).unwrap();
    assert_eq!(a.len(), KIB);
    assert_eq!(arena.offset_of(a.as_ptr()), Some(0));
    let b = arena
        .allocate_offset(2 * KIB, Arena::DEFAULT_ALIGNMENT)
        .unwrap();
    assert_eq!(b, KIB);
    let c = arena.allocate(4 * KIB, Arena::DEFAULT_ALIGNMENT).unwrap();
    assert_eq!(arena.offset_of(c.as_ptr()), Some(3 * KIB));
    assert_eq!(arena.used(), 7 * KIB);
    assert_eq!(arena.available(), KIB);
    assert_eq!(arena.capacity(), 8 * KIB);
}

#[test]
fn test_phase_02_arena_reset() {
    let mut arena = Arena::new(8 * KIB).unwrap();
    let before: Vec<*mut u8> = [KIB, 2 * KIB, 4 * KIB]
        .iter()
        .map(|&size| arena.allocate(size, 16).unwrap().as_mut_ptr())
        .collect();
    arena.reset();
    assert_eq!(arena.used(), 0);
    let after: Vec<*mut u8> = [KIB, 2 * KIB, 4 * KIB]
        .iter()
        .map(|&size| arena.allocate(size, 16).unwrap().as_mut_ptr())
        .collect();
    assert_eq!(before, after);
    assert_eq!(arena.used(), 7 * KIB);
}

#[test]
fn test_phase_02_pool_alloc_dealloc() {
    let mut pool: Pool<u64> = Pool::new(100).unwrap();
    let slots: Vec<_> = (0..100).map(|i| pool.allocate(i).unwrap()).collect();
    assert_eq!(pool.size(), 100);
    assert_eq!(pool.capacity(), 100);
    let freed: HashSet<usize> = slots[..50]
        .iter()
        .map(|&slot| {
            let address = pool.as_ptr(slot).unwrap().as_ptr() as usize;
            assert_eq!(pool.deallocate(slot).unwrap(), slot.index() as u64);
            address
        })
        .collect();
    assert_eq!(pool.size(), 50);
    let reused: HashSet<usize> = (0..50)
        .map(|i| {
            let slot = pool.allocate(1000 + i).unwrap();
            pool.as_ptr(slot).unwrap().as_ptr() as usize
        })
        .collect();
    assert_eq!(
        reused, freed,
        "the 50 new values take exactly the 50 freed slots"
    );
    assert_eq!(pool.size(), 100);
    assert_eq!(
        pool.capacity(),
        100,
        "no growth: the freed slots were enough"
    );
    for (i, &slot) in slots[50..].iter().enumerate() {
        assert_eq!(*pool.get(slot).unwrap(), 50 + i as u64);
    }
}

#[test]
fn test_phase_02_aligned_64() {
    let ptr = aligned_alloc(1024, 64).unwrap();
    assert_eq!(ptr.as_ptr() as usize % 64, 0);
    // SAFETY: the 1024 bytes are ours; `ptr` came from `aligned_alloc` and is freed once.
    unsafe {
        ptr.as_ptr().write_bytes(0xAB, 1024);
        aligned_free(ptr);
    }
}

#[test]
fn test_phase_02_aligned_avx() {
    let ptr = aligned_alloc(256, 32).unwrap();
    assert_eq!(ptr.as_ptr() as usize % 32, 0);
    // SAFETY: the 256 bytes are ours; `ptr` came from `aligned_alloc` and is freed once.
    unsafe {
        ptr.as_ptr().write_bytes(0xCD, 256);
        aligned_free(ptr);
    }
}

// ---------------------------------------------------------------------------------------------
// AllocError
// ---------------------------------------------------------------------------------------------

#[test]
fn error_codes_are_the_stable_err_strings() {
    let cases = [
        (
            AllocError::InvalidAlignment { alignment: 3 },
            "ERR_INVALID_ALIGNMENT",
        ),
        (
            AllocError::SizeOverflow {
                size: 1,
                alignment: 2,
            },
            "ERR_OUT_OF_RANGE",
        ),
        (
            AllocError::Exhausted {
                requested: 1,
                available: 0,
            },
            "ERR_ARENA_EXHAUSTED",
        ),
        (
            AllocError::OutOfMemory {
                size: 1,
                alignment: 1,
            },
            "ERR_OUT_OF_MEMORY",
        ),
        (AllocError::DoubleFree { slot: 7 }, "ERR_DOUBLE_FREE"),
        (AllocError::Foreign { at: 7 }, "ERR_FOREIGN_VIEW"),
    ];
    for (error, code) in cases {
        assert_eq!(error.code(), code, "{error:?}");
    }
}

#[test]
fn error_display_names_the_figures() {
    let cases = [
        (
            AllocError::InvalidAlignment { alignment: 3 },
            vec!["3", "power of two"],
        ),
        (
            AllocError::SizeOverflow {
                size: 12345,
                alignment: 64,
            },
            vec!["12345", "64"],
        ),
        (
            AllocError::Exhausted {
                requested: 50,
                available: 40,
            },
            vec!["50", "40", "exhausted"],
        ),
        (
            AllocError::OutOfMemory {
                size: 999,
                alignment: 32,
            },
            vec!["999", "32", "out of memory"],
        ),
        (
            AllocError::DoubleFree { slot: 17 },
            vec!["17", "double free"],
        ),
        (AllocError::Foreign { at: 0x2a }, vec!["0x2a"]),
    ];
    for (error, needles) in cases {
        let text = error.to_string();
        for needle in needles {
            assert!(text.contains(needle), "{text:?} should mention {needle:?}");
        }
    }
}

#[test]
fn error_is_a_std_error() {
    let error: Box<dyn std::error::Error> = Box::new(AllocError::DoubleFree { slot: 1 });
    assert!(error.source().is_none());
    assert_eq!(error.to_string(), "double free of pool slot 1");
}

// ---------------------------------------------------------------------------------------------
// Threads: every type can move to another thread; the arena cannot be shared (it bumps through
// `&self`), the others can.
// ---------------------------------------------------------------------------------------------

fn is_send<T: Send>() {}
fn is_sync<T: Sync>() {}

#[test]
fn every_type_is_send() {
    is_send::<AlignedBlock>();
    is_send::<Arena>();
    is_send::<Bump>();
    is_send::<Pool<[f32; 16]>>();
    is_send::<lightwatch_memory::Slot>();
    is_send::<AllocError>();
}

#[test]
fn every_type_but_the_arena_is_sync() {
    is_sync::<AlignedBlock>();
    is_sync::<Bump>();
    is_sync::<Pool<[f32; 16]>>();
    is_sync::<lightwatch_memory::Slot>();
    is_sync::<AllocError>();
}

// ---------------------------------------------------------------------------------------------
// layout, constants
// ---------------------------------------------------------------------------------------------

#[test]
fn layout_keeps_size_and_alignment() {
    let l = layout(100, 32).unwrap();
    assert_eq!((l.size(), l.align()), (100, 32));
}

#[test]
fn layout_rejects_non_power_of_two_alignment() {
    assert_eq!(
        layout(8, 3),
        Err(AllocError::InvalidAlignment { alignment: 3 })
    );
    assert_eq!(
        layout(8, 0),
        Err(AllocError::InvalidAlignment { alignment: 0 })
    );
}

#[test]
fn layout_rejects_sizes_past_isize_max() {
    assert_eq!(
        layout(usize::MAX, 1),
        Err(AllocError::SizeOverflow {
            size: usize::MAX,
            alignment: 1
        })
    );
    let max = isize::MAX as usize;
    assert_eq!(
        layout(max, 64),
        Err(AllocError::SizeOverflow {
            size: max,
            alignment: 64
        })
    );
}

#[test]
fn simd_alignment_constants_match_avx() {
    assert_eq!(AVX2_ALIGNMENT, 32);
    assert_eq!(AVX512_ALIGNMENT, 64);
}

// ---------------------------------------------------------------------------------------------
// AlignedBlock
// ---------------------------------------------------------------------------------------------

#[test]
fn aligned_block_is_aligned_for_every_power_of_two_up_to_4096() {
    for alignment in alignments() {
        let block = AlignedBlock::zeroed(100, alignment).unwrap();
        assert_eq!(
            block.as_ptr() as usize % alignment,
            0,
            "alignment {alignment}"
        );
        assert_eq!(block.alignment(), alignment);
        assert_eq!(block.as_non_null().as_ptr(), block.as_ptr());
    }
}

#[test]
fn aligned_block_zeroed_reads_as_zero() {
    let block = AlignedBlock::zeroed(4096, 64).unwrap();
    assert!(block.is_initialized());
    assert_eq!(block.len(), 4096);
    assert!(!block.is_empty());
    assert_eq!(block.layout(), layout(4096, 64).unwrap());
    assert!(block.as_slice().iter().all(|&b| b == 0));
}

#[test]
fn aligned_block_as_mut_slice_writes_through() {
    let mut block = AlignedBlock::zeroed(16, 16).unwrap();
    block.as_mut_slice().copy_from_slice(&[9; 16]);
    assert_eq!(block.as_slice(), &[9; 16]);
}

#[test]
fn aligned_block_uninit_is_not_initialized() {
    let block = AlignedBlock::uninit(64, 64).unwrap();
    assert!(!block.is_initialized());
    assert_eq!(block.len(), 64);
    assert_eq!(block.as_ptr() as usize % 64, 0);
}

#[test]
#[should_panic(expected = "uninitialised")]
fn aligned_block_uninit_panics_on_read_before_fill() {
    let block = AlignedBlock::uninit(64, 64).unwrap();
    let _ = block.as_slice();
}

#[test]
#[should_panic(expected = "uninitialised")]
fn aligned_block_uninit_panics_on_mut_slice_before_fill() {
    let mut block = AlignedBlock::uninit(64, 64).unwrap();
    let _ = block.as_mut_slice();
}

#[test]
fn aligned_block_fill_initialises_every_byte() {
    let mut block = AlignedBlock::uninit(300, 32).unwrap();
    block.fill(0x5A);
    assert!(block.is_initialized());
    assert!(block.as_slice().iter().all(|&b| b == 0x5A));
}

#[test]
fn aligned_block_assume_init_after_writing_every_byte() {
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
fn aligned_block_of_zero_bytes_is_aligned_and_empty() {
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
            assert_eq!(block.as_ptr() as usize % alignment, 0);
            assert!(block.as_slice().is_empty());
            assert!(block.as_uninit_mut().is_empty());
            block.fill(1);
        }
    }
}

#[test]
fn aligned_block_rejects_alignment_3() {
    assert_eq!(
        AlignedBlock::zeroed(8, 3).unwrap_err(),
        AllocError::InvalidAlignment { alignment: 3 }
    );
    assert_eq!(
        AlignedBlock::uninit(8, 3).unwrap_err(),
        AllocError::InvalidAlignment { alignment: 3 }
    );
}

#[test]
fn aligned_block_rejects_sizes_past_isize_max() {
    assert_eq!(
        AlignedBlock::zeroed(usize::MAX / 2, 64).unwrap_err(),
        AllocError::SizeOverflow {
            size: usize::MAX / 2,
            alignment: 64
        }
    );
    assert_eq!(
        AlignedBlock::uninit(usize::MAX, 1).unwrap_err(),
        AllocError::SizeOverflow {
            size: usize::MAX,
            alignment: 1
        }
    );
}

#[test]
#[cfg_attr(
    miri,
    ignore = "Miri stops at an allocation it cannot serve instead of returning null"
)]
fn aligned_block_reports_out_of_memory_for_a_huge_valid_size() {
    // 4 EiB fits a Layout but no x86-64 or arm64 address space.
    let size = 1usize << 62;
    assert_eq!(
        AlignedBlock::zeroed(size, 64).unwrap_err(),
        AllocError::OutOfMemory {
            size,
            alignment: 64
        }
    );
    assert_eq!(
        AlignedBlock::uninit(size, 64).unwrap_err(),
        AllocError::OutOfMemory {
            size,
            alignment: 64
        }
    );
}

#[test]
fn aligned_block_debug_names_its_shape() {
    let text = format!("{:?}", AlignedBlock::zeroed(48, 16).unwrap());
    assert!(
        text.contains("AlignedBlock") && text.contains("48") && text.contains("16"),
        "{text}"
    );
}

// ---------------------------------------------------------------------------------------------
// aligned_alloc / aligned_free / aligned_new / aligned_delete
// ---------------------------------------------------------------------------------------------

#[test]
fn aligned_alloc_is_aligned_for_every_power_of_two_up_to_4096() {
    for alignment in alignments() {
        for size in [1, 7, 64, 1000] {
            let ptr = aligned_alloc(size, alignment).unwrap();
            assert_eq!(
                ptr.as_ptr() as usize % alignment,
                0,
                "size {size}, alignment {alignment}"
            );
            // SAFETY: the `size` bytes are ours; freed once.
            unsafe {
                ptr.as_ptr().write_bytes(0xFF, size);
                aligned_free(ptr);
            }
        }
    }
}

#[test]
fn aligned_alloc_zeroed_reads_as_zero() {
    let ptr = aligned_alloc_zeroed(512, 64).unwrap();
    assert_eq!(ptr.as_ptr() as usize % 64, 0);
    // SAFETY: 512 zeroed bytes from `aligned_alloc_zeroed`, freed once after the read.
    unsafe {
        assert!(core::slice::from_raw_parts(ptr.as_ptr(), 512)
            .iter()
            .all(|&b| b == 0));
        aligned_free(ptr);
    }
}

#[test]
fn aligned_alloc_of_zero_bytes_is_aligned_and_freeable() {
    for alignment in alignments() {
        let ptr = aligned_alloc(0, alignment).unwrap();
        assert_eq!(ptr.as_ptr() as usize % alignment, 0);
        // SAFETY: from `aligned_alloc`, freed once.
        unsafe { aligned_free(ptr) };
    }
}

#[test]
fn aligned_alloc_rejects_alignment_3() {
    assert_eq!(
        aligned_alloc(8, 3),
        Err(AllocError::InvalidAlignment { alignment: 3 })
    );
    assert_eq!(
        aligned_alloc_zeroed(8, 3),
        Err(AllocError::InvalidAlignment { alignment: 3 })
    );
}

#[test]
fn aligned_alloc_rejects_sizes_that_overflow_with_the_header() {
    let max = isize::MAX as usize;
    assert_eq!(
        aligned_alloc(usize::MAX / 2, 64),
        Err(AllocError::SizeOverflow {
            size: usize::MAX / 2,
            alignment: 64
        })
    );
    // Valid as a layout by itself; the header pushes it over.
    assert_eq!(
        aligned_alloc(max - 8, 1),
        Err(AllocError::SizeOverflow {
            size: max - 8,
            alignment: 1
        })
    );
}

#[test]
#[cfg_attr(
    miri,
    ignore = "Miri stops at an allocation it cannot serve instead of returning null"
)]
fn aligned_alloc_reports_out_of_memory_for_a_huge_valid_size() {
    let size = 1usize << 62;
    assert_eq!(
        aligned_alloc(size, 32),
        Err(AllocError::OutOfMemory {
            size,
            alignment: 32
        })
    );
    assert_eq!(
        aligned_alloc_zeroed(size, 32),
        Err(AllocError::OutOfMemory {
            size,
            alignment: 32
        })
    );
}

thread_local! {
    static DEFAULTS_DROPPED: Cell<usize> = const { Cell::new(0) };
}

/// A default-constructible value that counts its drops per thread (each test has its own thread).
#[derive(Debug, PartialEq)]
struct Element(u32);

impl Default for Element {
    fn default() -> Self {
        Self(0xE1E)
    }
}

impl Drop for Element {
    fn drop(&mut self) {
        DEFAULTS_DROPPED.with(|drops| drops.set(drops.get() + 1));
    }
}

#[test]
fn aligned_new_fills_with_default_and_aligned_delete_drops_each() {
    DEFAULTS_DROPPED.with(|drops| drops.set(0));
    let ptr = aligned_new::<Element>(10, 64).unwrap();
    assert_eq!(ptr.as_ptr() as usize % 64, 0);
    // SAFETY: `aligned_new` initialised 10 elements.
    let elements = unsafe { core::slice::from_raw_parts(ptr.as_ptr(), 10) };
    assert!(elements.iter().all(|e| *e == Element::default()));
    DEFAULTS_DROPPED.with(|drops| drops.set(0)); // the comparisons above dropped temporaries
                                                 // SAFETY: from `aligned_new` with 10 elements, deleted once.
    unsafe { aligned_delete(ptr, 10) };
    assert_eq!(DEFAULTS_DROPPED.with(Cell::get), 10);
}

#[test]
fn aligned_new_is_aligned_for_every_power_of_two_up_to_4096() {
    for alignment in alignments() {
        let ptr = aligned_new::<f32>(33, alignment).unwrap();
        assert_eq!(
            ptr.as_ptr() as usize % alignment,
            0,
            "alignment {alignment}"
        );
        // SAFETY: from `aligned_new` with 33 elements, deleted once.
        unsafe { aligned_delete(ptr, 33) };
    }
}

#[test]
fn aligned_new_raises_alignment_to_the_types_own() {
    let ptr = aligned_new::<u128>(4, 1).unwrap();
    assert_eq!(ptr.as_ptr() as usize % core::mem::align_of::<u128>(), 0);
    // SAFETY: from `aligned_new` with 4 elements, deleted once.
    unsafe { aligned_delete(ptr, 4) };
}

#[test]
fn aligned_new_of_zero_elements_is_aligned() {
    let ptr = aligned_new::<f64>(0, 64).unwrap();
    assert_eq!(ptr.as_ptr() as usize % 64, 0);
    // SAFETY: from `aligned_new` with 0 elements, deleted once.
    unsafe { aligned_delete(ptr, 0) };
}

#[test]
fn aligned_new_rejects_alignment_3() {
    assert_eq!(
        aligned_new::<u32>(4, 3),
        Err(AllocError::InvalidAlignment { alignment: 3 })
    );
}

#[test]
fn aligned_new_rejects_a_count_whose_size_overflows() {
    assert!(matches!(
        aligned_new::<u64>(usize::MAX / 2, 8),
        Err(AllocError::SizeOverflow { alignment: 8, .. })
    ));
}

#[test]
#[cfg_attr(
    miri,
    ignore = "Miri stops at an allocation it cannot serve instead of returning null"
)]
fn aligned_new_reports_out_of_memory_for_a_huge_valid_count() {
    assert_eq!(
        aligned_new::<u64>(1 << 59, 64),
        Err(AllocError::OutOfMemory {
            size: 1 << 62,
            alignment: 64
        })
    );
}

// ---------------------------------------------------------------------------------------------
// Bump
// ---------------------------------------------------------------------------------------------

#[test]
fn bump_aligns_on_the_absolute_address_of_an_unaligned_base() {
    let mut bump = Bump::new(0x1003, 64).unwrap();
    assert_eq!(bump.base(), 0x1003);
    assert_eq!(bump.allocate(1, 1).unwrap(), 0); // 0x1003
    assert_eq!(bump.allocate(4, 8).unwrap(), 5); // 0x1008
    assert_eq!(bump.allocate(2, 16).unwrap(), 13); // 0x1010
    assert_eq!(bump.used(), 15);
    assert_eq!(bump.available(), 49);
    assert_eq!(bump.capacity(), 64);
}

#[test]
fn bump_reset_starts_over() {
    let mut bump = Bump::new(0x2001, 100).unwrap();
    let first = bump.allocate(10, 16).unwrap();
    bump.allocate(20, 4).unwrap();
    bump.reset();
    assert_eq!(bump.used(), 0);
    assert_eq!(bump.available(), 100);
    assert_eq!(bump.allocate(10, 16).unwrap(), first);
}

#[test]
fn bump_zero_size_claims_only_padding() {
    let mut bump = Bump::new(0x1001, 16).unwrap();
    assert_eq!(bump.allocate(0, 8).unwrap(), 7);
    assert_eq!(bump.used(), 7);
    assert_eq!(bump.allocate(0, 1).unwrap(), 7);
    assert_eq!(bump.used(), 7);
}

#[test]
fn bump_zero_size_fits_at_the_very_end() {
    let mut bump = Bump::new(0x1000, 16).unwrap();
    bump.allocate(16, 1).unwrap();
    assert_eq!(bump.allocate(0, 1).unwrap(), 16);
    assert_eq!(bump.available(), 0);
}

#[test]
fn bump_exhausted_reports_requested_and_available() {
    let mut bump = Bump::new(0x1000, 100).unwrap();
    bump.allocate(60, 1).unwrap();
    let before = bump;
    assert_eq!(
        bump.allocate(50, 1),
        Err(AllocError::Exhausted {
            requested: 50,
            available: 40
        })
    );
    assert_eq!(bump, before, "a refused claim changes nothing");
}

#[test]
fn bump_exhausted_when_padding_pushes_past_the_end() {
    let mut bump = Bump::new(0x1001, 16).unwrap();
    let before = bump;
    // 16 bytes are available, but aligning to 16 costs 15 of them.
    assert_eq!(
        bump.allocate(2, 16),
        Err(AllocError::Exhausted {
            requested: 2,
            available: 16
        })
    );
    assert_eq!(bump, before);
}

#[test]
fn bump_rejects_alignment_3_unchanged() {
    let mut bump = Bump::new(0x1000, 100).unwrap();
    bump.allocate(5, 1).unwrap();
    let before = bump;
    assert_eq!(
        bump.allocate(1, 3),
        Err(AllocError::InvalidAlignment { alignment: 3 })
    );
    assert_eq!(
        bump.allocate(1, 0),
        Err(AllocError::InvalidAlignment { alignment: 0 })
    );
    assert_eq!(bump, before);
}

#[test]
fn bump_rejects_a_region_that_wraps_the_address_space() {
    assert_eq!(
        Bump::new(usize::MAX - 10, 11),
        Err(AllocError::SizeOverflow {
            size: 11,
            alignment: 1
        })
    );
    assert!(Bump::new(usize::MAX - 10, 10).is_ok());
}

#[test]
fn bump_huge_size_is_exhausted_not_overflowed() {
    let mut bump = Bump::new(0x1000, 100).unwrap();
    bump.allocate(1, 1).unwrap();
    let before = bump;
    assert_eq!(
        bump.allocate(usize::MAX, 1),
        Err(AllocError::Exhausted {
            requested: usize::MAX,
            available: 99
        })
    );
    assert_eq!(
        bump.allocate(usize::MAX - 1, 64).unwrap_err().code(),
        "ERR_ARENA_EXHAUSTED"
    );
    assert_eq!(bump, before);
}

#[test]
fn bump_at_the_top_of_the_address_space_is_exhausted_not_overflowed() {
    // A region from address 0 over the whole address space: aligning the last few addresses
    // up to 64 would wrap past usize::MAX.
    let mut bump = Bump::new(0, usize::MAX).unwrap();
    bump.allocate(usize::MAX - 5, 1).unwrap();
    let before = bump;
    assert_eq!(
        bump.allocate(0, 64),
        Err(AllocError::Exhausted {
            requested: 0,
            available: 5
        })
    );
    assert_eq!(bump, before);
    assert_eq!(bump.allocate(5, 1).unwrap(), usize::MAX - 5);
}

#[test]
fn bump_near_the_top_of_the_address_space_is_exhausted_not_overflowed() {
    let base = usize::MAX - 100;
    let mut bump = Bump::new(base, 100).unwrap();
    bump.allocate(90, 1).unwrap();
    let before = bump;
    assert_eq!(
        bump.allocate(1, 1 << 20),
        Err(AllocError::Exhausted {
            requested: 1,
            available: 10
        })
    );
    assert_eq!(bump, before);
}

// ---------------------------------------------------------------------------------------------
// Arena
// ---------------------------------------------------------------------------------------------

#[test]
fn arena_block_is_cache_line_aligned() {
    let arena = Arena::new(100).unwrap();
    assert_eq!(Arena::BLOCK_ALIGNMENT, 64);
    assert_eq!(arena.as_ptr() as usize % Arena::BLOCK_ALIGNMENT, 0);
}

#[test]
fn arena_default_alignment_is_16() {
    assert_eq!(Arena::DEFAULT_ALIGNMENT, 16);
    let arena = Arena::new(256).unwrap();
    arena.allocate(1, 1).unwrap();
    let second = arena.allocate(1, Arena::DEFAULT_ALIGNMENT).unwrap();
    assert_eq!(second.as_ptr() as usize % 16, 0);
    assert_eq!(arena.used(), 17);
}

#[test]
fn arena_allocate_is_aligned_for_every_power_of_two_up_to_4096() {
    let arena = Arena::new(64 * KIB).unwrap();
    for alignment in alignments() {
        arena.allocate(1, 1).unwrap(); // knock the cursor off every alignment
        let ptr = arena.allocate_raw(3, alignment).unwrap();
        assert_eq!(
            ptr.as_ptr() as usize % alignment,
            0,
            "alignment {alignment}"
        );
    }
}

#[test]
fn arena_fresh_memory_is_zeroed() {
    let arena = Arena::new(4 * KIB).unwrap();
    assert!(arena.allocate(4 * KIB, 1).unwrap().iter().all(|&b| b == 0));
}

#[test]
fn arena_allocations_do_not_overlap_and_keep_their_data() {
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
fn arena_reset_keeps_the_old_bytes() {
    let mut arena = Arena::new(64).unwrap();
    arena.allocate(64, 1).unwrap().fill(7);
    arena.reset();
    assert!(arena.allocate(64, 1).unwrap().iter().all(|&b| b == 7));
}

#[test]
fn arena_allocate_raw_and_offset_agree() {
    let arena = Arena::new(KIB).unwrap();
    let raw = arena.allocate_raw(10, 32).unwrap();
    let offset = arena.allocate_offset(10, 32).unwrap();
    assert_eq!(arena.offset_of(raw.as_ptr()), Some(0));
    assert_eq!(offset, 32);
    assert_eq!(arena.as_ptr() as usize + offset, raw.as_ptr() as usize + 32);
}

#[test]
fn arena_zero_size_allocation_is_aligned_and_claims_only_padding() {
    let arena = Arena::new(64).unwrap();
    arena.allocate(3, 1).unwrap();
    let empty = arena.allocate(0, 16).unwrap();
    assert!(empty.is_empty());
    assert_eq!(empty.as_ptr() as usize % 16, 0);
    assert_eq!(arena.used(), 16);
}

#[test]
fn arena_of_zero_capacity_serves_only_zero_sizes() {
    let arena = Arena::new(0).unwrap();
    assert_eq!(arena.capacity(), 0);
    assert_eq!(arena.allocate(0, 1).unwrap().len(), 0);
    assert_eq!(
        arena.allocate(1, 1).unwrap_err(),
        AllocError::Exhausted {
            requested: 1,
            available: 0
        }
    );
}

#[test]
fn arena_exhausted_reports_requested_and_available_unchanged() {
    let arena = Arena::new(100).unwrap();
    arena.allocate(60, 1).unwrap();
    assert_eq!(
        arena.allocate(50, 1).unwrap_err(),
        AllocError::Exhausted {
            requested: 50,
            available: 40
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
fn arena_rejects_alignment_3_unchanged() {
    let arena = Arena::new(100).unwrap();
    arena.allocate(5, 1).unwrap();
    assert_eq!(
        arena.allocate(8, 3).unwrap_err(),
        AllocError::InvalidAlignment { alignment: 3 }
    );
    assert_eq!(
        arena.allocate_raw(8, 3).unwrap_err(),
        AllocError::InvalidAlignment { alignment: 3 }
    );
    assert_eq!(
        arena.allocate_offset(8, 3),
        Err(AllocError::InvalidAlignment { alignment: 3 })
    );
    assert_eq!(arena.used(), 5);
}

#[test]
#[cfg_attr(
    miri,
    ignore = "Miri stops at an allocation it cannot serve instead of returning null"
)]
fn arena_of_half_the_address_space_is_an_error_not_an_abort() {
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
#[cfg_attr(
    miri,
    ignore = "Miri stops at an allocation it cannot serve instead of returning null"
)]
fn arena_reports_out_of_memory_for_a_huge_valid_capacity() {
    let size = 1usize << 62;
    assert_eq!(
        Arena::new(size).unwrap_err(),
        AllocError::OutOfMemory {
            size,
            alignment: Arena::BLOCK_ALIGNMENT
        }
    );
}

#[test]
fn arena_offset_of_accepts_the_block_and_one_past_it() {
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
fn arena_alloc_slice_fill_fills_and_aligns() {
    let arena = Arena::new(KIB).unwrap();
    arena.allocate(1, 1).unwrap();
    let values = arena.alloc_slice_fill(10, 2.5f64).unwrap();
    assert_eq!(values, &[2.5; 10]);
    assert_eq!(values.as_ptr() as usize % Arena::DEFAULT_ALIGNMENT, 0);
    assert_eq!(arena.used(), 16 + 80);
}

#[test]
fn arena_alloc_slice_fill_aligns_to_a_type_above_16() {
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
fn arena_alloc_slice_copy_copies() {
    let arena = Arena::new(KIB).unwrap();
    let source = [1u32, 2, 3, 4, 5];
    let copy = arena.alloc_slice_copy(&source).unwrap();
    assert_eq!(copy, &source);
    copy[0] = 10;
    assert_eq!(source[0], 1);
    assert_eq!(arena.alloc_slice_copy::<u8>(&[]).unwrap().len(), 0);
}

#[test]
fn arena_alloc_slice_rejects_a_length_whose_size_overflows_unchanged() {
    let arena = Arena::new(KIB).unwrap();
    arena.allocate(1, 1).unwrap();
    assert!(matches!(
        arena.alloc_slice_fill(usize::MAX / 2, 0u64),
        Err(AllocError::SizeOverflow { .. })
    ));
    assert_eq!(arena.used(), 1);
}

#[test]
fn arena_alloc_slice_exhausted_unchanged() {
    let arena = Arena::new(64).unwrap();
    assert_eq!(
        arena.alloc_slice_fill(17, 0u32).unwrap_err(),
        AllocError::Exhausted {
            requested: 68,
            available: 64
        }
    );
    assert_eq!(arena.used(), 0);
}

#[test]
fn arena_bytes_reused_after_typed_values_are_initialised() {
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
fn arena_bytes_reused_after_a_scrub_keep_what_was_written() {
    let mut arena = Arena::new(64).unwrap();
    arena.alloc_slice_fill(8, (1u8, 2u32)).unwrap();
    arena.reset();
    arena.allocate(64, 1).unwrap().fill(7);
    arena.reset();
    assert!(arena.allocate(64, 1).unwrap().iter().all(|&b| b == 7));
}

#[test]
fn arena_raw_claims_after_typed_values_are_initialised() {
    let mut arena = Arena::new(64).unwrap();
    arena.alloc_slice_copy(&[(1u8, 2u16); 8]).unwrap();
    arena.reset();
    let offset = arena.allocate_offset(32, 1).unwrap();
    // SAFETY: the 32 bytes at `offset` were just claimed, and the raw API hands out initialised bytes.
    let bytes = unsafe { core::slice::from_raw_parts(arena.as_ptr().add(offset), 32) };
    assert!(bytes.iter().all(|&b| b == 0));
}

#[test]
fn arena_debug_is_printable() {
    let text = format!("{:?}", Arena::new(16).unwrap());
    assert!(text.contains("Arena"), "{text}");
}

// ---------------------------------------------------------------------------------------------
// slot_stride
// ---------------------------------------------------------------------------------------------

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

#[test]
fn slot_stride_rejects_alignment_3() {
    assert_eq!(
        slot_stride(8, 3),
        Err(AllocError::InvalidAlignment { alignment: 3 })
    );
}

#[test]
fn slot_stride_rejects_overflow() {
    assert_eq!(
        slot_stride(usize::MAX, 2),
        Err(AllocError::SizeOverflow {
            size: usize::MAX,
            alignment: 2
        })
    );
    assert_eq!(
        slot_stride(isize::MAX as usize + 1, 1),
        Err(AllocError::SizeOverflow {
            size: isize::MAX as usize + 1,
            alignment: 1
        })
    );
}

// ---------------------------------------------------------------------------------------------
// Pool
// ---------------------------------------------------------------------------------------------

#[test]
fn pool_default_capacity_is_1024() {
    assert_eq!(Pool::<u8>::DEFAULT_CAPACITY, 1024);
    let pool: Pool<u8> = Pool::new(Pool::<u8>::DEFAULT_CAPACITY).unwrap();
    assert_eq!(pool.capacity(), 1024);
    assert_eq!(pool.size(), 0);
}

#[test]
fn pool_of_zero_capacity_has_one_slot() {
    let pool: Pool<u8> = Pool::new(0).unwrap();
    assert_eq!(pool.capacity(), 1);
}

#[test]
fn pool_allocate_get_get_mut_deallocate_round_trip() {
    let mut pool: Pool<[f32; 16]> = Pool::new(4).unwrap();
    let slot = pool.allocate([1.0; 16]).unwrap();
    assert_eq!(pool.get(slot).unwrap()[0], 1.0);
    pool.get_mut(slot).unwrap()[15] = 9.0;
    // SAFETY: the slot is live and nothing else borrows the pool.
    assert_eq!(unsafe { pool.as_ptr(slot).unwrap().as_ref() }[15], 9.0);
    let value = pool.deallocate(slot).unwrap();
    assert_eq!((value[0], value[15]), (1.0, 9.0));
    assert_eq!(pool.size(), 0);
}

#[test]
fn pool_slots_are_distinct_and_in_ascending_order() {
    let mut pool: Pool<u32> = Pool::new(8).unwrap();
    let slots: Vec<_> = (0..8).map(|i| pool.allocate(i).unwrap()).collect();
    let indices: Vec<usize> = slots.iter().map(|s| s.index()).collect();
    assert_eq!(indices, (0..8).collect::<Vec<_>>());
    let addresses: Vec<usize> = slots
        .iter()
        .map(|&s| pool.as_ptr(s).unwrap().as_ptr() as usize)
        .collect();
    assert!(addresses.windows(2).all(|w| w[1] - w[0] == pool.stride()));
}

#[test]
fn pool_slots_are_aligned_for_every_power_of_two_up_to_4096() {
    for alignment in alignments() {
        let mut pool: Pool<u8> = Pool::with_alignment(5, alignment).unwrap();
        assert_eq!(pool.alignment(), alignment);
        assert_eq!(pool.stride(), alignment);
        for i in 0..12 {
            let slot = pool.allocate(i).unwrap();
            let address = pool.as_ptr(slot).unwrap().as_ptr() as usize;
            assert_eq!(
                address % alignment,
                0,
                "alignment {alignment}, slot {}",
                slot.index()
            );
        }
        assert_eq!(pool.capacity(), 15, "grew by two chunks, still aligned");
    }
}

#[test]
fn pool_slots_of_a_cache_line_sit_on_cache_lines() {
    let mut pool: Pool<[f32; 16]> = Pool::new(3).unwrap();
    assert_eq!(
        pool.alignment(),
        4,
        "the promise is the type's alignment..."
    );
    for i in 0..7 {
        let slot = pool.allocate([i as f32; 16]).unwrap();
        let address = pool.as_ptr(slot).unwrap().as_ptr() as usize;
        assert_eq!(
            address % 64,
            0,
            "...but no 64-byte slot straddles two lines"
        );
    }
}

#[test]
fn pool_alignment_is_raised_to_the_types_own() {
    let pool: Pool<u64> = Pool::with_alignment(4, 1).unwrap();
    assert_eq!(pool.alignment(), core::mem::align_of::<u64>());
    let pool: Pool<u64> = Pool::new(4).unwrap();
    assert_eq!(pool.alignment(), core::mem::align_of::<u64>());
    assert_eq!(pool.stride(), 8);
}

#[test]
fn pool_rejects_alignment_3() {
    assert_eq!(
        Pool::<u8>::with_alignment(4, 3).unwrap_err(),
        AllocError::InvalidAlignment { alignment: 3 }
    );
}

#[test]
fn pool_of_half_the_address_space_is_an_error_not_an_abort() {
    let error = Pool::<u8>::new(usize::MAX / 2).unwrap_err();
    assert!(
        matches!(error, AllocError::SizeOverflow { .. }),
        "{error:?}"
    );
    let error = Pool::<[u8; 4096]>::new(usize::MAX / 2).unwrap_err();
    assert!(
        matches!(error, AllocError::SizeOverflow { .. }),
        "{error:?}"
    );
}

#[test]
#[cfg_attr(
    miri,
    ignore = "Miri stops at an allocation it cannot serve instead of returning null"
)]
fn pool_reports_out_of_memory_for_a_huge_valid_chunk() {
    // 2^24 slots of 16 MiB: 256 TiB, more than any x86-64 or arm64 address space.
    const SLOT: usize = 1 << 24;
    assert_eq!(
        Pool::<[u8; SLOT]>::new(1 << 24).unwrap_err(),
        AllocError::OutOfMemory {
            size: 1 << 48,
            alignment: 64 // chunks sit on cache lines
        }
    );
}

#[test]
fn pool_double_free_is_an_error_unchanged() {
    let mut pool: Pool<u32> = Pool::new(4).unwrap();
    let a = pool.allocate(1).unwrap();
    let b = pool.allocate(2).unwrap();
    pool.deallocate(a).unwrap();
    assert_eq!(
        pool.deallocate(a),
        Err(AllocError::DoubleFree { slot: a.index() })
    );
    assert_eq!(pool.size(), 1);
    assert_eq!(pool.capacity(), 4);
    assert_eq!(*pool.get(b).unwrap(), 2);
    // The freed slot is handed out once, not twice.
    let c = pool.allocate(3).unwrap();
    let d = pool.allocate(4).unwrap();
    assert_ne!(c.index(), d.index());
}

#[test]
fn pool_stale_handle_cannot_reach_the_slots_new_value() {
    let mut pool: Pool<u32> = Pool::new(1).unwrap();
    let old = pool.allocate(1).unwrap();
    pool.deallocate(old).unwrap();
    let new = pool.allocate(2).unwrap();
    assert_eq!(old.index(), new.index(), "same slot, reused");
    let stale = AllocError::DoubleFree { slot: old.index() };
    assert_eq!(pool.get(old).unwrap_err(), stale);
    assert_eq!(pool.get_mut(old).unwrap_err(), stale);
    assert_eq!(pool.as_ptr(old).unwrap_err(), stale);
    assert_eq!(pool.deallocate(old).unwrap_err(), stale);
    assert_eq!(*pool.get(new).unwrap(), 2);
    assert_eq!(pool.size(), 1);
}

#[test]
fn pool_foreign_handle_is_an_error_unchanged() {
    let mut mine: Pool<u32> = Pool::new(4).unwrap();
    let mut theirs: Pool<u32> = Pool::new(4).unwrap();
    let own = mine.allocate(1).unwrap();
    let foreign = theirs.allocate(2).unwrap();
    assert_eq!(
        own.index(),
        foreign.index(),
        "the same index exists in both pools"
    );
    let error = AllocError::Foreign {
        at: foreign.index(),
    };
    assert_eq!(mine.deallocate(foreign), Err(error));
    assert_eq!(mine.get(foreign).unwrap_err(), error);
    assert_eq!(mine.get_mut(foreign).unwrap_err(), error);
    assert_eq!(mine.as_ptr(foreign).unwrap_err(), error);
    assert_eq!(mine.size(), 1);
    assert_eq!(*mine.get(own).unwrap(), 1);
    assert_eq!(theirs.deallocate(foreign), Ok(2));
}

#[test]
fn pool_foreign_handle_beyond_capacity_is_an_error() {
    let small: Pool<u32> = Pool::new(1).unwrap();
    let mut big: Pool<u32> = Pool::new(100).unwrap();
    let far = (0..100).map(|i| big.allocate(i).unwrap()).last().unwrap();
    assert_eq!(small.get(far).unwrap_err(), AllocError::Foreign { at: 99 });
}

#[test]
fn pool_clear_frees_every_slot_and_keeps_capacity() {
    let mut pool: Pool<u32> = Pool::new(4).unwrap();
    for i in 0..6 {
        pool.allocate(i).unwrap();
    }
    assert_eq!(pool.capacity(), 8);
    pool.clear();
    assert_eq!(pool.size(), 0);
    assert_eq!(pool.capacity(), 8);
    for i in 0..8 {
        assert_eq!(
            pool.allocate(i).unwrap().index(),
            i as usize,
            "lowest slots first again"
        );
    }
    assert_eq!(pool.capacity(), 8);
}

#[test]
fn pool_handle_is_stale_after_clear() {
    let mut pool: Pool<u32> = Pool::new(4).unwrap();
    let slot = pool.allocate(1).unwrap();
    pool.clear();
    assert_eq!(
        pool.get(slot),
        Err(AllocError::DoubleFree { slot: slot.index() })
    );
    assert_eq!(
        pool.deallocate(slot),
        Err(AllocError::DoubleFree { slot: slot.index() })
    );
    let again = pool.allocate(2).unwrap();
    assert_eq!(again.index(), slot.index());
    assert_eq!(
        pool.get(slot),
        Err(AllocError::DoubleFree { slot: slot.index() })
    );
    assert_eq!(pool.deallocate(again), Ok(2));
}

#[test]
fn pool_growth_adds_a_chunk_without_moving_live_slots() {
    let mut pool: Pool<[u64; 4]> = Pool::new(3).unwrap();
    let first: Vec<_> = (0..3).map(|i| pool.allocate([i; 4]).unwrap()).collect();
    let addresses: Vec<_> = first.iter().map(|&s| pool.as_ptr(s).unwrap()).collect();
    assert_eq!(pool.capacity(), 3);
    let fourth = pool.allocate([3; 4]).unwrap();
    assert_eq!(
        pool.capacity(),
        6,
        "one chunk of the initial size was added"
    );
    assert_eq!(fourth.index(), 3);
    for (i, (&slot, &address)) in first.iter().zip(&addresses).enumerate() {
        assert_eq!(pool.as_ptr(slot).unwrap(), address, "slot {i} did not move");
        assert_eq!(*pool.get(slot).unwrap(), [i as u64; 4]);
    }
}

#[test]
fn pool_deallocate_returns_the_value_without_dropping_it() {
    let drops = Rc::new(Cell::new(0));
    let mut pool = Pool::new(2).unwrap();
    let slot = pool.allocate(Counted::new(7, &drops)).unwrap();
    let value = pool.deallocate(slot).unwrap();
    assert_eq!(value.value, 7);
    assert_eq!(drops.get(), 0);
    drop(value);
    assert_eq!(drops.get(), 1);
}

#[test]
fn pool_clear_drops_each_live_value_once() {
    let drops = Rc::new(Cell::new(0));
    let mut pool = Pool::new(4).unwrap();
    let slots: Vec<_> = (0..7)
        .map(|i| pool.allocate(Counted::new(i, &drops)).unwrap())
        .collect();
    drop(pool.deallocate(slots[2]).unwrap());
    assert_eq!(drops.get(), 1);
    pool.clear();
    assert_eq!(drops.get(), 7);
    pool.clear();
    assert_eq!(drops.get(), 7, "a second clear drops nothing");
}

#[test]
fn pool_drop_drops_each_live_value_once() {
    let drops = Rc::new(Cell::new(0));
    let mut pool = Pool::new(2).unwrap();
    let slots: Vec<_> = (0..5)
        .map(|i| pool.allocate(Counted::new(i, &drops)).unwrap())
        .collect();
    drop(pool.deallocate(slots[0]).unwrap());
    drop(pool.deallocate(slots[4]).unwrap());
    assert_eq!(drops.get(), 2);
    drop(pool);
    assert_eq!(drops.get(), 5);
}

#[test]
fn pool_clear_survives_a_panicking_drop() {
    struct Grenade(bool);
    impl Drop for Grenade {
        fn drop(&mut self) {
            if self.0 {
                panic!("boom");
            }
        }
    }
    let mut pool = Pool::new(4).unwrap();
    for i in 0..4 {
        pool.allocate(Grenade(i == 2)).unwrap();
    }
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| pool.clear()));
    assert!(outcome.is_err());
    // Slots 3 and 2 are free (2 even though its drop panicked); 1 and 0 are still live.
    assert_eq!(pool.size(), 2);
    pool.clear();
    assert_eq!(pool.size(), 0);
    assert_eq!(pool.capacity(), 4);
    let slots: HashSet<usize> = (0..4)
        .map(|_| pool.allocate(Grenade(false)).unwrap().index())
        .collect();
    assert_eq!(slots.len(), 4);
    assert_eq!(pool.capacity(), 4);
}

#[test]
fn pool_of_zero_sized_values_gives_each_slot_an_address() {
    let mut pool: Pool<()> = Pool::new(4).unwrap();
    assert_eq!(pool.stride(), 1);
    let addresses: HashSet<usize> = (0..4)
        .map(|_| {
            let slot = pool.allocate(()).unwrap();
            pool.as_ptr(slot).unwrap().as_ptr() as usize
        })
        .collect();
    assert_eq!(addresses.len(), 4);
}

#[test]
fn pool_slot_index_names_the_slot() {
    let mut pool: Pool<u8> = Pool::new(3).unwrap();
    let indices: Vec<usize> = (0..3).map(|i| pool.allocate(i).unwrap().index()).collect();
    assert_eq!(indices, [0, 1, 2]);
}

#[test]
fn pool_debug_shows_size_and_capacity() {
    let mut pool: Pool<u16> = Pool::new(8).unwrap();
    pool.allocate(1).unwrap();
    let text = format!("{pool:?}");
    assert!(
        text.contains("size: 1") && text.contains("capacity: 8"),
        "{text}"
    );
}

#[test]
fn large_zeroed_blocks_with_high_alignment_are_zero_aligned_and_freed() {
    // Above 64 KiB such blocks are over-allocated at the natural alignment and offset (calloc's
    // fresh pages instead of writing every byte); the guarantees must not change.
    // Miri reads every byte slowly: the smallest such block there, the same paths.
    let size = if cfg!(miri) { 64 * 1024 } else { 1 << 20 };
    for alignment in [32, 64, 4096, 65536] {
        let mut block = lightwatch_memory::AlignedBlock::zeroed(size, alignment).unwrap();
        assert_eq!(block.as_ptr() as usize % alignment, 0);
        assert_eq!(block.len(), size);
        assert_eq!(block.alignment(), alignment);
        assert!(block.as_slice().iter().all(|&b| b == 0));
        block.as_mut_slice()[size - 1] = 1;
    }
}
