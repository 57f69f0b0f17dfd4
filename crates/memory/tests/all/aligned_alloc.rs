//! The raw functions: `aligned_alloc` / `aligned_alloc_zeroed` / `aligned_free` for bytes,
//! `aligned_new` / `aligned_delete` for default-constructed values.

use std::cell::Cell;

use lightwatch_memory::{
    aligned_alloc, aligned_alloc_zeroed, aligned_delete, aligned_free, aligned_new, AllocError,
};

#[test]
fn zeroed_reads_as_zero() {
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
fn rejects_a_size_the_header_pushes_past_isize_max() {
    // Valid as a layout by itself (the `limits` table has the sizes that are not); the header
    // in front of the caller's bytes pushes it over.
    let size = isize::MAX as usize - 8;
    let refused = AllocError::SizeOverflow { size, alignment: 1 };
    assert_eq!(aligned_alloc(size, 1), Err(refused), "aligned_alloc");
    assert_eq!(
        aligned_alloc_zeroed(size, 1),
        Err(refused),
        "aligned_alloc_zeroed"
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
fn new_fills_with_default_and_delete_drops_each() {
    DEFAULTS_DROPPED.with(|drops| drops.set(0));
    let ptr = aligned_new::<Element>(10, 64).unwrap();
    assert_eq!(ptr.as_ptr() as usize % 64, 0);
    // SAFETY: `aligned_new` initialised 10 elements.
    let elements = unsafe { core::slice::from_raw_parts(ptr.as_ptr(), 10) };
    assert!(elements.iter().all(|e| *e == Element::default()));
    // The comparisons above dropped temporaries: count from here.
    DEFAULTS_DROPPED.with(|drops| drops.set(0));
    // SAFETY: from `aligned_new` with 10 elements, deleted once.
    unsafe { aligned_delete(ptr, 10) };
    assert_eq!(DEFAULTS_DROPPED.with(Cell::get), 10);
}

#[test]
fn new_raises_alignment_to_the_types_own() {
    let ptr = aligned_new::<u128>(4, 1).unwrap();
    assert_eq!(ptr.as_ptr() as usize % core::mem::align_of::<u128>(), 0);
    // SAFETY: from `aligned_new` with 4 elements, deleted once.
    unsafe { aligned_delete(ptr, 4) };
}

#[test]
fn new_rejects_a_count_whose_size_overflows() {
    assert!(matches!(
        aligned_new::<u64>(usize::MAX / 2, 8),
        Err(AllocError::SizeOverflow { alignment: 8, .. })
    ));
}
