//! `Chain`, `next_block_size` and `ResetMode::retained`: the arena's rules as arithmetic on
//! addresses, over regions that no one allocated, so every address and size is exact.

use lightwatch_memory::{
    next_block_size, AllocError, ArenaOptions, Chain, Claim, Region, ResetMode, Retained, Step,
};

/// A growable arena that may hold at most `max` bytes.
const fn limited(max: usize) -> ArenaOptions {
    ArenaOptions {
        growable: true,
        max_capacity: Some(max),
    }
}

/// `(case, options, last, capacity, available, size, alignment, expected)`.
type Growth = (
    &'static str,
    ArenaOptions,
    usize,
    usize,
    usize,
    usize,
    usize,
    Result<usize, AllocError>,
);

fn exhausted(size: usize, alignment: usize, available: usize, capacity: usize) -> AllocError {
    AllocError::Exhausted {
        requested: size,
        alignment,
        available,
        capacity,
        max_capacity: None,
    }
}

#[rustfmt::skip] // a table: one case a line
fn growth_cases() -> Vec<Growth> {
    let g = ArenaOptions::GROWABLE;
    let max = isize::MAX as usize;
    let past = |max_capacity, size, alignment, available, capacity| {
        Err(AllocError::Exhausted { requested: size, alignment, available, capacity, max_capacity: Some(max_capacity) })
    };
    let overflow = |size, alignment| Err(AllocError::SizeOverflow { size, alignment });
    let bad = |alignment| Err(AllocError::InvalidAlignment { alignment });
    //   case                                         options         last  capacity avail size  alignment  expected
    vec![
        ("doubles the last block",                    g,              1024, 1024, 0, 16,   16,    Ok(2048)),
        ("doubles the last block, not the total",     g,              512,  1536, 8, 16,   16,    Ok(1024)),
        ("a request above double gets its own size",  g,              1024, 1024, 0, 5000, 16,    Ok(5000)),
        ("an alignment up to 64 needs no padding",    g,              1024, 1024, 0, 3000, 64,    Ok(3000)),
        ("an alignment above 64 adds its padding",    g,              1024, 1024, 0, 3000, 4096,  Ok(3000 + 4032)),
        ("a highly aligned small request",            g,              1024, 1024, 0, 1,    65536, Ok(65536 - 63)),
        ("after zero bytes, at least one",            g,              0,    0,    0, 0,    1,     Ok(1)),
        ("after zero bytes, the padded request",      g,              0,    0,    0, 0,    128,   Ok(64)),
        ("within max_capacity, unclamped",            limited(3072),  1024, 1024, 0, 16,   16,    Ok(2048)),
        ("clamped to what max_capacity leaves",       limited(3000),  1024, 1024, 0, 16,   16,    Ok(1976)),
        ("past max_capacity",                         limited(1100),  1024, 1024, 9, 100,  16,    past(1100, 100, 16, 9, 1024)),
        ("max_capacity reached, even for zero bytes", limited(1024),  1024, 1024, 0, 0,    1,     past(1024, 0, 1, 0, 1024)),
        ("the padding passes max_capacity",           limited(1224),  1024, 1024, 0, 100,  4096,  past(1224, 100, 4096, 0, 1024)),
        ("a fixed arena",                             ArenaOptions::FIXED, 64, 64, 3, 16,  16,    Err(exhausted(16, 16, 3, 64))),
        ("a bad alignment, fixed",                    ArenaOptions::FIXED, 64, 64, 3, 16,  3,     bad(3)),
        ("a bad alignment, growable",                 g,              64,   64,   3, 16,   1 << 17, bad(1 << 17)),
        ("a request past isize::MAX",                 g,              64,   64,   0, usize::MAX, 1, overflow(usize::MAX, 1)),
        ("padding past isize::MAX",                   g,              64,   64,   0, max - 10, 4096, overflow(max - 10, 4096)),
        ("isize::MAX itself",                         g,              64,   64,   0, max,  1,     Ok(max)),
        ("doubling clamped to isize::MAX",            g,              max / 2 + 1, max / 2 + 1, 0, 1, 1, Ok(max)),
    ]
}

#[test]
fn next_block_size_follows_bumpalos_rule_within_max_capacity() {
    for (case, options, last, capacity, available, size, alignment, expected) in growth_cases() {
        assert_eq!(
            next_block_size(options, last, capacity, available, size, alignment),
            expected,
            "{case}"
        );
    }
}

#[test]
fn retained_follows_zigs_reset_modes() {
    use ResetMode::{Release, Retain, RetainWithLimit};
    // `(mode, first block, capacity, initial capacity, what stays)`.
    let cases = [
        (Retain, 64, 64, 64, Retained::First),
        (Retain, 64, 448, 64, Retained::New(448)),
        (Retain, 448, 448, 64, Retained::First),
        (Release, 64, 448, 64, Retained::First),
        (Release, 448, 448, 64, Retained::New(64)),
        (RetainWithLimit(100), 64, 448, 64, Retained::New(100)),
        (RetainWithLimit(10), 64, 448, 64, Retained::First),
        (RetainWithLimit(1000), 64, 448, 64, Retained::New(448)),
        (RetainWithLimit(448), 448, 448, 64, Retained::First),
        (RetainWithLimit(100), 448, 448, 64, Retained::New(100)),
        (RetainWithLimit(0), 448, 448, 64, Retained::New(64)),
    ];
    for (mode, first, capacity, initial, expected) in cases {
        assert_eq!(
            mode.retained(first, capacity, initial),
            expected,
            "{mode:?} of {first} / {capacity} (initial {initial})"
        );
    }
}

#[test]
fn the_default_reset_mode_is_retain() {
    assert_eq!(ResetMode::default(), ResetMode::Retain);
    assert_eq!(ArenaOptions::default(), ArenaOptions::FIXED);
}

fn region(address: usize, len: usize) -> Region {
    Region { address, len }
}

/// A growable chain of blocks of 64, 128 and 256 bytes, at made-up addresses, rewound to its start.
fn three_blocks() -> Chain {
    let mut chain = Chain::new(region(0x1_0000, 64), ArenaOptions::GROWABLE).unwrap();
    let start = chain.checkpoint();
    for (size, block) in [(64, region(0x2_0000, 128)), (128, region(0x3_0000, 256))] {
        chain.allocate(size, 1).unwrap();
        assert_eq!(chain.allocate(size + 1, 1), Ok(Step::Grow(size * 2)));
        chain.push_block(block).unwrap();
    }
    chain.rewind(start);
    chain
}

#[test]
fn a_claim_that_does_not_fit_asks_for_a_block_and_changes_nothing() {
    let mut chain = Chain::new(region(0x1_0000, 64), ArenaOptions::GROWABLE).unwrap();
    chain.allocate(48, 16).unwrap();
    assert_eq!(chain.allocate(32, 16), Ok(Step::Grow(128)));
    assert_eq!(
        (chain.used(), chain.capacity(), chain.blocks().len()),
        (48, 64, 1)
    );
}

#[test]
fn a_pushed_block_takes_the_request_and_the_tail_before_it_counts_as_used() {
    let mut chain = Chain::new(region(0x1_0000, 64), ArenaOptions::GROWABLE).unwrap();
    chain.allocate(48, 16).unwrap();
    chain.push_block(region(0x2_0000, 128)).unwrap();
    assert_eq!(
        chain.allocate(32, 16),
        Ok(Step::Claimed(Claim {
            block: 1,
            offset: 0
        }))
    );
    assert_eq!((chain.used(), chain.available()), (64 + 32, 96));
}

#[test]
fn the_walk_skips_every_block_too_small_for_the_request() {
    let mut chain = three_blocks();
    let claim = chain.allocate(200, 1).unwrap();
    assert_eq!(
        claim,
        Step::Claimed(Claim {
            block: 2,
            offset: 0
        })
    );
    assert_eq!(chain.current_block(), 2);
    assert_eq!(chain.used(), 64 + 128 + 200);
}

#[test]
fn a_claim_in_a_later_block_aligns_on_its_absolute_address() {
    let mut chain = Chain::new(region(0x1_0000, 64), ArenaOptions::GROWABLE).unwrap();
    chain.allocate(64, 1).unwrap();
    chain.push_block(region(0x2_0010, 256)).unwrap(); // 16 bytes past a 64-byte line
    assert_eq!(
        chain.allocate(8, 64),
        Ok(Step::Claimed(Claim {
            block: 1,
            offset: 48
        }))
    );
}

#[test]
fn logical_offsets_lay_the_blocks_end_to_end() {
    let chain = three_blocks();
    let claim = Claim {
        block: 2,
        offset: 5,
    };
    assert_eq!(chain.logical_offset(claim), 64 + 128 + 5);
}

#[test]
fn a_checkpoint_counts_the_tails_before_it() {
    let mut chain = three_blocks();
    chain.allocate(10, 1).unwrap();
    chain.allocate(100, 1).unwrap(); // block 1: the 54 bytes left of block 0 are given up
    assert_eq!(chain.checkpoint().used(), 64 + 100);
}

#[test]
fn rewind_to_an_earlier_block_restores_its_position() {
    let mut chain = three_blocks();
    chain.allocate(10, 1).unwrap();
    let mark = chain.checkpoint();
    chain.allocate(100, 1).unwrap();
    chain.allocate(200, 1).unwrap();
    assert_eq!(chain.current_block(), 2);
    chain.rewind(mark);
    assert_eq!((chain.current_block(), chain.used()), (0, 10));
    assert_eq!(
        chain.allocate(54, 1),
        Ok(Step::Claimed(Claim {
            block: 0,
            offset: 10
        }))
    );
}

#[test]
#[should_panic(expected = "not behind the current position")]
fn rewind_to_a_checkpoint_ahead_of_the_cursor_panics() {
    let mut chain = three_blocks();
    let start = chain.checkpoint();
    chain.allocate(100, 1).unwrap();
    let ahead = chain.checkpoint();
    chain.rewind(start);
    chain.rewind(ahead);
}

#[test]
#[should_panic(expected = "not behind the current position")]
fn rewind_to_a_checkpoint_from_before_a_restart_panics() {
    let mut chain = three_blocks();
    let before = chain.checkpoint();
    chain.rewind_all();
    chain.rewind(before);
}

#[test]
#[should_panic(expected = "not behind the current position")]
fn rewind_to_another_chains_checkpoint_with_a_cursor_past_the_block_panics() {
    let mut chain = three_blocks();
    chain.allocate(200, 1).unwrap(); // block 2
    let mut other = Chain::new(region(0x9_0000, 1024), ArenaOptions::FIXED).unwrap();
    other.allocate(100, 1).unwrap();
    // Block 0, cursor 100: behind this chain's position, but past its 64-byte first block.
    chain.rewind(other.checkpoint());
}

#[test]
#[should_panic(expected = "not behind the current position")]
fn rewind_to_another_chains_checkpoint_with_other_blocks_before_it_panics() {
    let mut chain = three_blocks();
    chain.allocate(200, 1).unwrap(); // block 2, after 64 + 128 bytes
    let mut other = Chain::new(region(0x9_0000, 32), ArenaOptions::GROWABLE).unwrap();
    other.allocate(32, 1).unwrap();
    other.push_block(region(0xA_0000, 64)).unwrap();
    other.allocate(10, 1).unwrap();
    // Block 1, cursor 10: fits this chain's block 1, but 32 bytes before it, not 64.
    chain.rewind(other.checkpoint());
}

#[test]
fn restart_keeps_one_block_and_rewind_all_keeps_them_all() {
    let mut chain = three_blocks();
    assert_eq!(chain.allocate(300, 1), Ok(Step::Grow(512))); // nothing changes
    chain.allocate(200, 1).unwrap();
    chain.rewind_all();
    assert_eq!(
        (chain.used(), chain.capacity(), chain.blocks().len()),
        (0, 448, 3)
    );
    chain.restart(region(0x5_0000, 448));
    assert_eq!(
        (chain.used(), chain.capacity(), chain.blocks().len()),
        (0, 448, 1)
    );
    assert_eq!(chain.blocks()[0], region(0x5_0000, 448));
    assert_eq!(
        chain.initial_capacity(),
        64,
        "a restart does not change the initial capacity"
    );
}
