//! Alignment, for every entry point that takes one: each power of two up to 4096 is honoured
//! (zero-sized requests included), and anything else is refused with the alignment asked for,
//! changing nothing. One table per rule, a row per entry point.

use lightwatch_memory::{
    aligned_alloc, aligned_alloc_zeroed, aligned_delete, aligned_free, aligned_new, layout,
    slot_stride, AlignedBlock, AllocError, Arena, Bump, Pool,
};

use crate::helpers::{alignments, KIB};

/// A named request at a given alignment, returning the addresses it was handed. The memory is
/// written and released inside, so what comes back is only numbers.
type Aligned = (&'static str, fn(usize) -> Vec<usize>);

const HONOURED: &[Aligned] = &[
    ("AlignedBlock::zeroed(100, _)", |alignment| {
        let block = AlignedBlock::zeroed(100, alignment).unwrap();
        assert_eq!(block.alignment(), alignment, "AlignedBlock::alignment()");
        assert_eq!(
            block.as_non_null().as_ptr(),
            block.as_ptr(),
            "AlignedBlock::as_non_null()"
        );
        vec![block.as_ptr() as usize]
    }),
    ("AlignedBlock::zeroed(0, _)", |alignment| {
        vec![AlignedBlock::zeroed(0, alignment).unwrap().as_ptr() as usize]
    }),
    ("AlignedBlock::uninit(0, _)", |alignment| {
        vec![AlignedBlock::uninit(0, alignment).unwrap().as_ptr() as usize]
    }),
    ("aligned_alloc(1 | 7 | 64 | 1000, _)", |alignment| {
        [1, 7, 64, 1000]
            .map(|size| {
                let ptr = aligned_alloc(size, alignment).unwrap();
                // SAFETY: the `size` bytes are ours; `ptr` is freed once.
                unsafe {
                    ptr.as_ptr().write_bytes(0xFF, size);
                    aligned_free(ptr);
                }
                ptr.as_ptr() as usize
            })
            .to_vec()
    }),
    ("aligned_alloc(0, _)", |alignment| {
        let ptr = aligned_alloc(0, alignment).unwrap();
        // SAFETY: from `aligned_alloc`, freed once.
        unsafe { aligned_free(ptr) };
        vec![ptr.as_ptr() as usize]
    }),
    ("aligned_new::<f32>(33, _)", |alignment| {
        let ptr = aligned_new::<f32>(33, alignment).unwrap();
        // SAFETY: from `aligned_new` with 33 elements, deleted once.
        unsafe { aligned_delete(ptr, 33) };
        vec![ptr.as_ptr() as usize]
    }),
    ("aligned_new::<f64>(0, _)", |alignment| {
        let ptr = aligned_new::<f64>(0, alignment).unwrap();
        // SAFETY: from `aligned_new` with 0 elements, deleted once.
        unsafe { aligned_delete(ptr, 0) };
        vec![ptr.as_ptr() as usize]
    }),
    (
        "Bump::allocate(3, _) from the unaligned base 0x1003",
        |alignment| {
            let mut bump = Bump::new(0x1003, 8 * KIB).unwrap();
            vec![bump.base() + bump.allocate(3, alignment).unwrap()]
        },
    ),
    (
        "Arena::allocate_raw(3, _) after a 1-byte claim",
        |alignment| {
            let arena = Arena::new(8 * KIB).unwrap();
            arena.allocate(1, 1).unwrap(); // knock the cursor off every alignment
            vec![arena.allocate_raw(3, alignment).unwrap().as_ptr() as usize]
        },
    ),
    ("Pool::<u8>::with_alignment(5, _), 12 slots", |alignment| {
        let mut pool: Pool<u8> = Pool::with_alignment(5, alignment).unwrap();
        assert_eq!(pool.alignment(), alignment, "Pool::alignment()");
        assert_eq!(pool.stride(), alignment, "Pool::stride()");
        let addresses = (0..12)
            .map(|i| {
                let slot = pool.allocate(i).unwrap();
                pool.as_ptr(slot).unwrap().as_ptr() as usize
            })
            .collect();
        assert_eq!(
            pool.capacity(),
            15,
            "Pool grew by two chunks, still aligned"
        );
        addresses
    }),
];

#[test]
fn every_power_of_two_up_to_4096_is_honoured() {
    for &(case, request) in HONOURED {
        for alignment in alignments() {
            for address in request(alignment) {
                assert_eq!(
                    address % alignment,
                    0,
                    "{case} at alignment {alignment}: {address:#x}"
                );
            }
        }
    }
}

/// A named request at a given alignment, its outcome with the memory (if any) released.
type Checked = (&'static str, fn(usize) -> Result<(), AllocError>);

/// A claim from an arena that already holds 5 bytes; a refusal must leave those 5 the only ones.
fn arena_claim(
    entry: &str,
    alignment: usize,
    claim: fn(&Arena, usize) -> Result<(), AllocError>,
) -> Result<(), AllocError> {
    let arena = Arena::new(100).unwrap();
    arena.allocate(5, 1).unwrap();
    let outcome = claim(&arena, alignment);
    if outcome.is_err() {
        assert_eq!(
            arena.used(),
            5,
            "{entry} at {alignment}: the refusal changed the arena"
        );
    }
    outcome
}

const REFUSED: &[Checked] = &[
    ("layout(8, _)", |alignment| layout(8, alignment).map(drop)),
    ("slot_stride(8, _)", |alignment| {
        slot_stride(8, alignment).map(drop)
    }),
    ("AlignedBlock::zeroed(8, _)", |alignment| {
        AlignedBlock::zeroed(8, alignment).map(drop)
    }),
    ("AlignedBlock::uninit(8, _)", |alignment| {
        AlignedBlock::uninit(8, alignment).map(drop)
    }),
    ("aligned_alloc(8, _)", |alignment| {
        // SAFETY: from `aligned_alloc`, freed once (only if it wrongly succeeded).
        aligned_alloc(8, alignment).map(|ptr| unsafe { aligned_free(ptr) })
    }),
    ("aligned_alloc_zeroed(8, _)", |alignment| {
        // SAFETY: from `aligned_alloc_zeroed`, freed once (only if it wrongly succeeded).
        aligned_alloc_zeroed(8, alignment).map(|ptr| unsafe { aligned_free(ptr) })
    }),
    ("aligned_new::<u32>(4, _)", |alignment| {
        // SAFETY: from `aligned_new` with 4 elements, deleted once (only if it wrongly succeeded).
        aligned_new::<u32>(4, alignment).map(|ptr| unsafe { aligned_delete(ptr, 4) })
    }),
    ("Pool::<u8>::with_alignment(4, _)", |alignment| {
        Pool::<u8>::with_alignment(4, alignment).map(drop)
    }),
    ("Bump::allocate(1, _) after a 5-byte claim", |alignment| {
        let mut bump = Bump::new(0x1000, 100).unwrap();
        bump.allocate(5, 1).unwrap();
        let before = bump;
        let outcome = bump.allocate(1, alignment).map(drop);
        if outcome.is_err() {
            assert_eq!(
                bump, before,
                "Bump::allocate at {alignment}: the refusal changed the bump"
            );
        }
        outcome
    }),
    ("Arena::allocate(8, _) after a 5-byte claim", |alignment| {
        arena_claim("Arena::allocate", alignment, |arena, alignment| {
            arena.allocate(8, alignment).map(drop)
        })
    }),
    (
        "Arena::allocate_raw(8, _) after a 5-byte claim",
        |alignment| {
            arena_claim("Arena::allocate_raw", alignment, |arena, alignment| {
                arena.allocate_raw(8, alignment).map(drop)
            })
        },
    ),
    (
        "Arena::allocate_offset(8, _) after a 5-byte claim",
        |alignment| {
            arena_claim("Arena::allocate_offset", alignment, |arena, alignment| {
                arena.allocate_offset(8, alignment).map(drop)
            })
        },
    ),
];

#[test]
fn anything_but_a_power_of_two_is_refused_unchanged() {
    // Zero, odd, even but not a power, and the largest (where `alignment - 1` tricks go wrong).
    for &(case, request) in REFUSED {
        for alignment in [0, 3, 48, usize::MAX] {
            assert_eq!(
                request(alignment),
                Err(AllocError::InvalidAlignment { alignment }),
                "{case} at alignment {alignment}"
            );
        }
    }
}
