//! Logical offsets: a claim's position in the arena's blocks laid end to end, the offset a
//! one-block arena reports, as `allocate_offset` returns it and `offset_of` finds it.

use lightwatch_memory::Arena;

/// An arena of blocks of 64, 128 and 256 bytes, each holding one claim, and those claims'
/// first bytes.
fn three_blocks() -> (Arena, [*const u8; 3]) {
    let arena = Arena::growable(64).unwrap();
    let first = arena.allocate(64, 1).unwrap().as_ptr();
    let second = arena.allocate(100, 1).unwrap().as_ptr();
    let third = arena.allocate(200, 1).unwrap().as_ptr();
    assert_eq!(arena.blocks(), 3);
    (arena, [first, second, third])
}

#[test]
fn allocate_offset_lays_the_blocks_end_to_end() {
    let arena = Arena::growable(64).unwrap();
    assert_eq!(arena.allocate_offset(40, 1), Ok(0));
    assert_eq!(
        arena.allocate_offset(40, 1),
        Ok(64),
        "the second block starts at 64"
    );
    assert_eq!(arena.allocate_offset(8, 16), Ok(64 + 48));
    assert_eq!(
        arena.allocate_offset(200, 1),
        Ok(64 + 128),
        "the third at 64 + 128"
    );
}

#[test]
fn offset_of_finds_a_claim_in_every_block() {
    let (arena, [first, second, third]) = three_blocks();
    assert_eq!(arena.offset_of(first), Some(0));
    assert_eq!(arena.offset_of(second), Some(64));
    assert_eq!(arena.offset_of(third), Some(64 + 128));
    assert_eq!(
        arena.offset_of(third.wrapping_add(199)),
        Some(64 + 128 + 199)
    );
}

#[test]
fn offset_of_agrees_with_allocate_offset_across_blocks() {
    let arena = Arena::growable(32).unwrap();
    for size in [10, 30, 50, 5, 200, 1, 300] {
        let offset = arena.allocate_offset(size, 8).unwrap();
        let ptr = arena.allocate_raw(size, 8).unwrap();
        let second = arena.offset_of(ptr.as_ptr()).unwrap();
        assert!(second >= offset + size, "claims move forward");
        assert_eq!(second + size, arena.used(), "{size} bytes end at `used`");
    }
}

#[test]
fn offset_of_a_pointer_outside_every_block_is_none() {
    let (arena, _) = three_blocks();
    let elsewhere = [0u8; 4];
    assert_eq!(arena.offset_of(elsewhere.as_ptr()), None);
    assert_eq!(arena.offset_of(core::ptr::null()), None);
}

#[test]
fn as_ptr_is_the_first_blocks_start() {
    let (arena, [first, ..]) = three_blocks();
    assert_eq!(arena.as_ptr(), first);
}
