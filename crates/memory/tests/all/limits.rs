//! Requests no memory can serve. A size no `Layout` can describe (past `isize::MAX`, by itself or
//! once rounded up to the alignment) is refused before anything is allocated, with the figures
//! the caller asked for; a valid but huge one comes back as `OutOfMemory`, never an abort.
//! Sizes derived from a count (`aligned_new`, `alloc_slice_*`, `Pool::new`) are in their own files.

use std::hint::black_box;

use lightwatch_memory::{
    aligned_alloc, aligned_alloc_zeroed, aligned_delete, aligned_free, aligned_new, layout,
    slot_stride, AlignedBlock, AllocError, Arena, Pool,
};

/// An entry point taking `(size, alignment)`, its outcome with the memory (if any) released.
type Sized = (&'static str, fn(usize, usize) -> Result<(), AllocError>);

const SIZED: &[Sized] = &[
    ("layout", |size, alignment| {
        layout(size, alignment).map(drop)
    }),
    ("slot_stride", |size, alignment| {
        slot_stride(size, alignment).map(drop)
    }),
    ("AlignedBlock::zeroed", |size, alignment| {
        AlignedBlock::zeroed(size, alignment).map(drop)
    }),
    ("AlignedBlock::uninit", |size, alignment| {
        AlignedBlock::uninit(size, alignment).map(drop)
    }),
    ("aligned_alloc", |size, alignment| {
        // SAFETY: from `aligned_alloc`, freed once (only if it wrongly succeeded).
        aligned_alloc(size, alignment).map(|ptr| unsafe { aligned_free(ptr) })
    }),
    ("aligned_alloc_zeroed", |size, alignment| {
        // SAFETY: from `aligned_alloc_zeroed`, freed once (only if it wrongly succeeded).
        aligned_alloc_zeroed(size, alignment).map(|ptr| unsafe { aligned_free(ptr) })
    }),
];

#[test]
fn a_size_past_isize_max_is_refused_with_the_callers_figures() {
    let max = isize::MAX as usize;
    // Past it by itself, at the smallest and a small alignment; or only once rounded up to 64.
    let requests = [(usize::MAX, 1), (usize::MAX, 2), (max + 1, 1), (max, 64)];
    for &(case, request) in SIZED {
        for (size, alignment) in requests {
            assert_eq!(
                request(size, alignment),
                Err(AllocError::SizeOverflow { size, alignment }),
                "{case}({size:#x}, {alignment})"
            );
        }
    }
}

/// 4 EiB: fits a `Layout`, but no x86-64 or arm64 address space.
const HUGE: usize = 1 << 62;

/// Drops what a request wrongly returned, after the optimiser has had to assume it is used: a
/// Rust allocation whose result is never looked at may be removed with its deallocation, and
/// then "succeeds" whatever its size (it did, in release builds, before these went through
/// `black_box`).
fn observed<T>(value: T) {
    drop(black_box(value));
}

/// A named request, its outcome with the memory (if any) released, and the error it must be.
type Huge = (&'static str, fn() -> Result<(), AllocError>, AllocError);

const HUGE_REQUESTS: &[Huge] = &[
    (
        "AlignedBlock::zeroed(2^62, 64)",
        || AlignedBlock::zeroed(HUGE, 64).map(observed),
        AllocError::OutOfMemory {
            size: HUGE,
            alignment: 64,
        },
    ),
    (
        "AlignedBlock::uninit(2^62, 64)",
        || AlignedBlock::uninit(HUGE, 64).map(observed),
        AllocError::OutOfMemory {
            size: HUGE,
            alignment: 64,
        },
    ),
    (
        "aligned_alloc(2^62, 32)",
        // SAFETY: from `aligned_alloc`, freed once (only if it wrongly succeeded).
        || aligned_alloc(HUGE, 32).map(|ptr| unsafe { aligned_free(black_box(ptr)) }),
        AllocError::OutOfMemory {
            size: HUGE,
            alignment: 32,
        },
    ),
    (
        "aligned_alloc_zeroed(2^62, 32)",
        // SAFETY: from `aligned_alloc_zeroed`, freed once (only if it wrongly succeeded).
        || aligned_alloc_zeroed(HUGE, 32).map(|ptr| unsafe { aligned_free(black_box(ptr)) }),
        AllocError::OutOfMemory {
            size: HUGE,
            alignment: 32,
        },
    ),
    (
        "aligned_new::<u64>(2^59, 64)",
        // SAFETY: from `aligned_new` with 2^59 elements, deleted once (only if it wrongly succeeded).
        || {
            aligned_new::<u64>(1 << 59, 64)
                .map(|ptr| unsafe { aligned_delete(black_box(ptr), 1 << 59) })
        },
        AllocError::OutOfMemory {
            size: HUGE,
            alignment: 64,
        },
    ),
    (
        "Arena::new(2^62)",
        || Arena::new(HUGE).map(observed),
        AllocError::OutOfMemory {
            size: HUGE,
            alignment: Arena::BLOCK_ALIGNMENT,
        },
    ),
    (
        // 2^24 slots of 16 MiB: 256 TiB, more than any x86-64 or arm64 address space.
        "Pool::<[u8; 2^24]>::new(2^24)",
        || Pool::<[u8; 1 << 24]>::new(1 << 24).map(observed),
        AllocError::OutOfMemory {
            size: 1 << 48,
            alignment: 64, // chunks sit on cache lines
        },
    ),
];

#[test]
#[cfg_attr(
    miri,
    ignore = "Miri stops at an allocation it cannot serve instead of returning null"
)]
fn a_huge_valid_request_is_out_of_memory_not_an_abort() {
    for &(case, request, expected) in HUGE_REQUESTS {
        assert_eq!(request(), Err(expected), "{case}");
    }
}
