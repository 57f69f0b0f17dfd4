//! A growable `Arena`: blocks of bumpalo's sizes, never past `max_capacity`, claims that never
//! move, and counters that add up at every step.

use lightwatch_memory::{AllocError, Arena, ArenaOptions};

use crate::helpers::KIB;

fn limited(capacity: usize, max_capacity: usize) -> Arena {
    Arena::with_options(
        capacity,
        ArenaOptions {
            growable: true,
            max_capacity: Some(max_capacity),
        },
    )
    .unwrap()
}

/// `used + available == capacity`, and the figures the test expects.
fn assert_figures(arena: &Arena, used: usize, capacity: usize, blocks: usize) {
    assert_eq!(arena.used() + arena.available(), arena.capacity());
    assert_eq!(
        (arena.used(), arena.capacity(), arena.blocks()),
        (used, capacity, blocks)
    );
}

#[test]
fn a_full_growable_arena_adds_a_block_of_twice_the_last() {
    let arena = Arena::growable(KIB).unwrap();
    arena.allocate(KIB, 16).unwrap();
    assert_figures(&arena, KIB, KIB, 1);
    arena.allocate(16, 16).unwrap();
    assert_figures(&arena, KIB + 16, 3 * KIB, 2);
}

#[test]
fn each_block_doubles_the_one_before() {
    let arena = Arena::growable(64).unwrap();
    let mut sizes = vec![64];
    for _ in 0..6 {
        let last = *sizes.last().unwrap();
        arena.allocate(arena.available(), 1).unwrap(); // fill what is left
        arena.allocate(1, 1).unwrap();
        sizes.push(last * 2);
        assert_eq!(arena.capacity(), sizes.iter().sum::<usize>());
    }
    assert_eq!(arena.blocks(), 7);
    assert_eq!(arena.initial_capacity(), 64);
}

#[test]
fn a_request_larger_than_twice_the_last_block_gets_a_block_of_its_size() {
    let arena = Arena::growable(64).unwrap();
    arena.allocate(1000, 16).unwrap();
    assert_figures(&arena, 64 + 1000, 64 + 1000, 2);
}

#[test]
fn a_highly_aligned_request_gets_a_block_with_room_for_its_padding() {
    let arena = Arena::growable(64).unwrap();
    arena.allocate(64, 1).unwrap();
    let line = arena.allocate(100, 4096).unwrap();
    assert_eq!(line.as_ptr() as usize % 4096, 0);
    // max(2 x 64, 100 + the most padding a 64-aligned block can need for 4096)
    assert_eq!(arena.capacity(), 64 + 100 + 4096 - 64);
}

#[test]
fn a_fixed_arena_never_grows() {
    let arena = Arena::new(64).unwrap();
    arena.allocate(60, 1).unwrap();
    assert_eq!(
        arena.allocate(10, 1).unwrap_err(),
        AllocError::Exhausted {
            requested: 10,
            alignment: 1,
            available: 4,
            capacity: 64,
            max_capacity: None
        }
    );
    assert_figures(&arena, 60, 64, 1);
}

#[test]
fn growth_stops_at_max_capacity_with_the_last_block_clamped() {
    let arena = limited(KIB, 2 * KIB + 512);
    arena.allocate(KIB, 1).unwrap();
    arena.allocate(1, 1).unwrap(); // 2 KiB would pass the limit: the block is what is left
    assert_figures(&arena, KIB + 1, 2 * KIB + 512, 2);
    arena.allocate(1535, 1).unwrap();
    assert_eq!(arena.available(), 0);
}

#[test]
fn past_max_capacity_is_exhausted_with_max_capacity_and_changes_nothing() {
    let arena = limited(KIB, 2 * KIB);
    arena.allocate(KIB - 10, 1).unwrap();
    let error = arena.allocate(KIB + 1, 16).unwrap_err();
    assert_eq!(
        error,
        AllocError::Exhausted {
            requested: KIB + 1,
            alignment: 16,
            available: 10,
            capacity: KIB,
            max_capacity: Some(2 * KIB)
        }
    );
    assert_eq!(
        error.to_string(),
        "arena exhausted: requested 1025 bytes aligned to 16, 10 of 1024 bytes available, \
         and growing would pass maxCapacity (2048 bytes)"
    );
    assert_figures(&arena, KIB - 10, KIB, 1);
    assert_eq!(
        arena.allocate_offset(KIB, 1),
        Ok(KIB),
        "the refused claim took nothing"
    );
}

#[test]
fn max_capacity_equal_to_the_capacity_never_grows() {
    let arena = limited(64, 64);
    arena.allocate(64, 1).unwrap();
    arena.allocate(0, 16).unwrap(); // zero bytes still fit at the very end
    assert_eq!(
        arena.allocate(1, 1).unwrap_err(),
        AllocError::Exhausted {
            requested: 1,
            alignment: 1,
            available: 0,
            capacity: 64,
            max_capacity: Some(64)
        }
    );
    assert_eq!(arena.blocks(), 1);
}

#[test]
fn max_capacity_without_growth_is_refused() {
    let options = ArenaOptions {
        growable: false,
        max_capacity: Some(128),
    };
    let error = Arena::with_options(64, options).unwrap_err();
    assert_eq!(
        error,
        AllocError::MaxCapacityWithoutGrowth { max_capacity: 128 }
    );
}

#[test]
fn max_capacity_below_the_capacity_is_refused() {
    let options = ArenaOptions {
        growable: true,
        max_capacity: Some(63),
    };
    let error = Arena::with_options(64, options).unwrap_err();
    assert_eq!(
        error,
        AllocError::MaxCapacityBelowCapacity {
            capacity: 64,
            max_capacity: 63
        }
    );
}

#[test]
fn options_are_kept() {
    let options = ArenaOptions {
        growable: true,
        max_capacity: Some(4 * KIB),
    };
    assert_eq!(
        Arena::with_options(KIB, options).unwrap().options(),
        options
    );
    assert_eq!(Arena::new(KIB).unwrap().options(), ArenaOptions::FIXED);
    assert_eq!(
        Arena::growable(KIB).unwrap().options(),
        ArenaOptions::GROWABLE
    );
}

#[test]
fn of_zero_capacity_grows_from_the_first_request() {
    let arena = Arena::growable(0).unwrap();
    arena.allocate(0, 1).unwrap();
    assert_figures(&arena, 0, 0, 1);
    arena.allocate(1, 1).unwrap(); // max(2 x 0, 1)
    assert_figures(&arena, 1, 1, 2);
    arena.allocate(1, 1).unwrap(); // max(2 x 1, 1)
    assert_figures(&arena, 2, 3, 3);
}

#[test]
fn a_request_no_block_could_hold_is_a_size_overflow_and_changes_nothing() {
    let arena = Arena::growable(64).unwrap();
    arena.allocate(10, 1).unwrap();
    assert_eq!(
        arena.allocate(usize::MAX, 8).unwrap_err(),
        AllocError::SizeOverflow {
            size: usize::MAX,
            alignment: 8
        }
    );
    assert_figures(&arena, 10, 64, 1);
}

#[test]
fn live_claims_never_move_when_the_arena_grows() {
    let arena = Arena::growable(64).unwrap();
    let mut claims: Vec<(&mut [u8], *const u8, u8)> = Vec::new();
    for i in 0..40u8 {
        let claim = arena.allocate(usize::from(i) * 7 + 1, 8).unwrap();
        claim.fill(i);
        let address = claim.as_ptr();
        claims.push((claim, address, i));
    }
    assert!(arena.blocks() >= 5, "the arena grew several times");
    for (claim, address, fill) in &claims {
        assert_eq!(claim.as_ptr(), *address);
        assert!(claim.iter().all(|b| b == fill));
    }
}

#[test]
fn used_plus_available_is_capacity_at_every_step() {
    let arena = Arena::growable(100).unwrap();
    for (i, alignment) in (0..200).zip([1, 8, 16, 64, 256].into_iter().cycle()) {
        arena.allocate(i % 97, alignment).unwrap();
        assert_eq!(
            arena.used() + arena.available(),
            arena.capacity(),
            "step {i}"
        );
    }
}

#[test]
fn the_tail_of_a_block_given_up_for_a_request_counts_as_used() {
    let arena = Arena::growable(100).unwrap();
    arena.allocate(60, 1).unwrap();
    arena.allocate(50, 1).unwrap(); // does not fit the 40 left: a block of 200
    assert_figures(&arena, 100 + 50, 300, 2);
    arena.allocate(30, 1).unwrap(); // fits the 40 left in the first block, but claims never go back
    assert_figures(&arena, 100 + 80, 300, 2);
}

#[test]
fn a_request_that_fits_the_tail_stays_in_the_block() {
    let arena = Arena::growable(100).unwrap();
    arena.allocate(60, 1).unwrap();
    arena.allocate(40, 1).unwrap();
    assert_figures(&arena, 100, 100, 1);
}
