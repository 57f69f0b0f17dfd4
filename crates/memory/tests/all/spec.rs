//! The phase-02 spec's required tests (docs/design.md, "The upstream spec"), names kept:
//! `cargo test -p lightwatch-memory phase_02` runs them.

use std::collections::HashSet;

use lightwatch_memory::{aligned_alloc, aligned_free, Arena, Pool};

use crate::helpers::KIB;

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
