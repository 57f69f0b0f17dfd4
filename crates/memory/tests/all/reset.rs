//! `Arena::reset_with`: Zig's reset modes. Every mode frees everything; they differ in what
//! memory stays. (What happens when the block a mode asks for is refused is in `tests/oom.rs`.)

use lightwatch_memory::{Arena, ArenaOptions, ResetMode};

use crate::helpers::KIB;

/// A growable arena of 1 KiB that has grown to blocks of 1, 2 and 4 KiB (7 KiB in all).
fn grown() -> Arena {
    let arena = Arena::growable(KIB).unwrap();
    fill_to(&arena, 7 * KIB);
    assert_eq!((arena.blocks(), arena.capacity()), (3, 7 * KIB));
    arena
}

/// Claims 64-byte values until `used` reaches `bytes`.
fn fill_to(arena: &Arena, bytes: usize) {
    while arena.used() < bytes {
        arena.allocate(64, 64).unwrap().fill(1);
    }
}

#[test]
fn retain_of_one_block_keeps_the_same_memory() {
    let mut arena = Arena::growable(KIB).unwrap();
    let before = arena.allocate(100, 16).unwrap().as_ptr();
    arena.reset_with(ResetMode::Retain);
    assert_eq!(
        (arena.used(), arena.capacity(), arena.blocks()),
        (0, KIB, 1)
    );
    assert_eq!(
        arena.allocate(100, 16).unwrap().as_ptr(),
        before,
        "the same addresses"
    );
}

#[test]
fn reset_is_retain() {
    let mut arena = grown();
    arena.reset();
    assert_eq!(
        (arena.used(), arena.capacity(), arena.blocks()),
        (0, 7 * KIB, 1)
    );
}

#[test]
fn retain_of_several_blocks_makes_one_block_of_the_total() {
    let mut arena = grown();
    arena.reset_with(ResetMode::Retain);
    assert_eq!(
        (arena.used(), arena.capacity(), arena.blocks()),
        (0, 7 * KIB, 1)
    );
    assert_eq!(arena.available(), 7 * KIB);
}

#[test]
fn after_retain_the_same_work_needs_no_growth() {
    let mut arena = grown();
    arena.reset_with(ResetMode::Retain);
    let first = arena.as_ptr();
    for _ in 0..3 {
        fill_to(&arena, 7 * KIB);
        assert_eq!((arena.blocks(), arena.capacity()), (1, 7 * KIB));
        arena.reset_with(ResetMode::Retain);
        assert_eq!(
            arena.as_ptr(),
            first,
            "one block now: the same memory every cycle"
        );
    }
}

#[test]
fn release_goes_back_to_the_initial_block() {
    let mut arena = grown();
    let first = arena.as_ptr();
    arena.reset_with(ResetMode::Release);
    assert_eq!(
        (arena.used(), arena.capacity(), arena.blocks()),
        (0, KIB, 1)
    );
    assert_eq!(
        arena.as_ptr(),
        first,
        "the first block is the initial one: it is kept"
    );
}

#[test]
fn release_after_a_merge_makes_a_block_of_the_initial_capacity() {
    let mut arena = grown();
    arena.reset_with(ResetMode::Retain);
    arena.reset_with(ResetMode::Release);
    assert_eq!((arena.capacity(), arena.blocks()), (KIB, 1));
    assert_eq!(arena.initial_capacity(), KIB);
}

#[test]
fn release_of_an_arena_that_never_grew_keeps_its_block() {
    let mut arena = Arena::new(KIB).unwrap();
    let first = arena.allocate(10, 1).unwrap().as_ptr();
    arena.reset_with(ResetMode::Release);
    assert_eq!(arena.allocate(10, 1).unwrap().as_ptr(), first);
}

#[test]
fn retain_with_limit_keeps_at_most_the_limit() {
    let mut arena = grown();
    arena.reset_with(ResetMode::RetainWithLimit(3 * KIB));
    assert_eq!(
        (arena.used(), arena.capacity(), arena.blocks()),
        (0, 3 * KIB, 1)
    );
}

#[test]
fn retain_with_a_limit_below_the_initial_capacity_keeps_the_initial_capacity() {
    let mut arena = grown();
    let first = arena.as_ptr();
    arena.reset_with(ResetMode::RetainWithLimit(10));
    assert_eq!((arena.capacity(), arena.blocks()), (KIB, 1));
    assert_eq!(arena.as_ptr(), first);
}

#[test]
fn retain_with_a_limit_above_the_capacity_keeps_the_capacity() {
    let mut arena = grown();
    arena.reset_with(ResetMode::RetainWithLimit(100 * KIB));
    assert_eq!((arena.capacity(), arena.blocks()), (7 * KIB, 1));
}

#[test]
fn every_mode_frees_everything_and_the_arena_carries_on() {
    for mode in [
        ResetMode::Retain,
        ResetMode::Release,
        ResetMode::RetainWithLimit(0),
        ResetMode::RetainWithLimit(2 * KIB),
    ] {
        let mut arena = grown();
        arena.reset_with(mode);
        assert_eq!(arena.used(), 0, "{mode:?}");
        assert_eq!(arena.available(), arena.capacity(), "{mode:?}");
        fill_to(&arena, 10 * KIB);
        assert_eq!(
            arena.used() + arena.available(),
            arena.capacity(),
            "{mode:?}"
        );
    }
}

#[test]
fn a_merged_block_stays_within_max_capacity() {
    let options = ArenaOptions {
        growable: true,
        max_capacity: Some(5 * KIB),
    };
    let mut arena = Arena::with_options(KIB, options).unwrap();
    fill_to(&arena, 5 * KIB);
    assert_eq!(arena.capacity(), 5 * KIB);
    arena.reset();
    assert_eq!((arena.capacity(), arena.blocks()), (5 * KIB, 1));
    fill_to(&arena, 5 * KIB);
    assert!(arena.allocate(1, 1).is_err(), "still at its limit");
}
