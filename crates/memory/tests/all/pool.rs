//! `Pool<T>`: slots that are aligned, reused, checked on every use, never moved by growth, and
//! whose values are dropped exactly once.

use std::cell::Cell;
use std::collections::HashSet;
use std::rc::Rc;

use lightwatch_memory::{AllocError, Pool};

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

#[test]
fn default_capacity_is_1024() {
    assert_eq!(Pool::<u8>::DEFAULT_CAPACITY, 1024);
    let pool: Pool<u8> = Pool::new(Pool::<u8>::DEFAULT_CAPACITY).unwrap();
    assert_eq!(pool.capacity(), 1024);
    assert_eq!(pool.size(), 0);
}

#[test]
fn of_zero_capacity_has_one_slot() {
    let pool: Pool<u8> = Pool::new(0).unwrap();
    assert_eq!(pool.capacity(), 1);
}

#[test]
fn allocate_get_get_mut_deallocate_round_trip() {
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
fn slots_are_distinct_and_in_ascending_order() {
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
fn slots_of_a_cache_line_sit_on_cache_lines() {
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
fn alignment_is_raised_to_the_types_own() {
    let pool: Pool<u64> = Pool::with_alignment(4, 1).unwrap();
    assert_eq!(pool.alignment(), core::mem::align_of::<u64>());
    let pool: Pool<u64> = Pool::new(4).unwrap();
    assert_eq!(pool.alignment(), core::mem::align_of::<u64>());
    assert_eq!(pool.stride(), 8);
}

#[test]
fn of_half_the_address_space_is_an_error_not_an_abort() {
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
fn double_free_is_an_error_unchanged() {
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
fn stale_handle_cannot_reach_the_slots_new_value() {
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
fn foreign_handle_is_an_error_unchanged() {
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
fn foreign_handle_beyond_capacity_is_an_error() {
    let small: Pool<u32> = Pool::new(1).unwrap();
    let mut big: Pool<u32> = Pool::new(100).unwrap();
    let far = (0..100).map(|i| big.allocate(i).unwrap()).last().unwrap();
    assert_eq!(small.get(far).unwrap_err(), AllocError::Foreign { at: 99 });
}

#[test]
fn clear_frees_every_slot_and_keeps_capacity() {
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
fn handle_is_foreign_after_clear() {
    // As a view from before `clear` is to the facade: the handle no longer belongs to the pool.
    let mut pool: Pool<u32> = Pool::new(4).unwrap();
    let slot = pool.allocate(1).unwrap();
    let freed = pool.allocate(3).unwrap();
    pool.deallocate(freed).unwrap();
    pool.clear();
    for handle in [slot, freed] {
        assert_eq!(
            pool.get(handle),
            Err(AllocError::Foreign { at: handle.index() })
        );
        assert_eq!(
            pool.deallocate(handle),
            Err(AllocError::Foreign { at: handle.index() })
        );
    }
    let again = pool.allocate(2).unwrap();
    assert_eq!(again.index(), slot.index());
    assert_eq!(
        pool.get(slot),
        Err(AllocError::Foreign { at: slot.index() })
    );
    assert_eq!(pool.deallocate(again), Ok(2));
}

#[test]
fn growth_adds_a_chunk_without_moving_live_slots() {
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
fn deallocate_returns_the_value_without_dropping_it() {
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
fn clear_drops_each_live_value_once() {
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
fn drop_drops_each_live_value_once() {
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
fn clear_survives_a_panicking_drop() {
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
    // As when a slice is dropped: the other values were still dropped, and every slot is free.
    assert_eq!(pool.size(), 0);
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
fn of_zero_sized_values_gives_each_slot_an_address() {
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
fn slot_index_names_the_slot() {
    let mut pool: Pool<u8> = Pool::new(3).unwrap();
    let indices: Vec<usize> = (0..3).map(|i| pool.allocate(i).unwrap().index()).collect();
    assert_eq!(indices, [0, 1, 2]);
}

#[test]
fn available_is_capacity_minus_size_through_growth_and_clear() {
    let mut pool: Pool<u32> = Pool::new(4).unwrap();
    let check = |pool: &Pool<u32>, size, capacity| {
        assert_eq!((pool.size(), pool.capacity()), (size, capacity));
        assert_eq!(pool.available(), capacity - size);
    };
    check(&pool, 0, 4);
    let slots: Vec<_> = (0..5).map(|i| pool.allocate(i).unwrap()).collect();
    check(&pool, 5, 8);
    pool.deallocate(slots[1]).unwrap();
    check(&pool, 4, 8);
    pool.clear();
    check(&pool, 0, 8);
}

#[test]
fn chunks_counts_each_growth_by_one_chunk() {
    let mut pool: Pool<u64> = Pool::new(3).unwrap();
    assert_eq!(pool.chunks(), 1);
    for i in 0..7 {
        pool.allocate(i).unwrap();
    }
    assert_eq!((pool.chunks(), pool.capacity()), (3, 9));
    pool.clear();
    assert_eq!(pool.chunks(), 3, "clear keeps every chunk");
}

#[test]
fn the_most_recently_freed_slot_is_taken_first_then_fresh_ones() {
    // The facade's order, which the package's differential test holds the two to.
    let mut pool: Pool<u32> = Pool::new(8).unwrap();
    let slots: Vec<_> = (0..4).map(|i| pool.allocate(i).unwrap()).collect();
    pool.deallocate(slots[1]).unwrap();
    pool.deallocate(slots[3]).unwrap();
    let order: Vec<usize> = (0..3).map(|i| pool.allocate(i).unwrap().index()).collect();
    assert_eq!(order, [3, 1, 4]);
}
