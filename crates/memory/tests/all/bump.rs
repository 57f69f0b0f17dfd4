//! `Bump`: the bump rule over a bare address range, including the ends of the address space.

use lightwatch_memory::{AllocError, Bump};

#[test]
fn aligns_on_the_absolute_address_of_an_unaligned_base() {
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
fn reset_starts_over() {
    let mut bump = Bump::new(0x2001, 100).unwrap();
    let first = bump.allocate(10, 16).unwrap();
    bump.allocate(20, 4).unwrap();
    bump.reset();
    assert_eq!(bump.used(), 0);
    assert_eq!(bump.available(), 100);
    assert_eq!(bump.allocate(10, 16).unwrap(), first);
}

#[test]
fn zero_size_claims_only_padding() {
    let mut bump = Bump::new(0x1001, 16).unwrap();
    assert_eq!(bump.allocate(0, 8).unwrap(), 7);
    assert_eq!(bump.used(), 7);
    assert_eq!(bump.allocate(0, 1).unwrap(), 7);
    assert_eq!(bump.used(), 7);
}

#[test]
fn zero_size_fits_at_the_very_end() {
    let mut bump = Bump::new(0x1000, 16).unwrap();
    bump.allocate(16, 1).unwrap();
    assert_eq!(bump.allocate(0, 1).unwrap(), 16);
    assert_eq!(bump.available(), 0);
}

#[test]
fn exhausted_reports_requested_and_available() {
    let mut bump = Bump::new(0x1000, 100).unwrap();
    bump.allocate(60, 1).unwrap();
    let before = bump;
    assert_eq!(
        bump.allocate(50, 1),
        Err(AllocError::Exhausted {
            requested: 50,
            alignment: 1,
            available: 40,
            capacity: 100,
            max_capacity: None
        })
    );
    assert_eq!(bump, before, "a refused claim changes nothing");
}

#[test]
fn exhausted_when_padding_pushes_past_the_end() {
    let mut bump = Bump::new(0x1001, 16).unwrap();
    let before = bump;
    // 16 bytes are available, but aligning to 16 costs 15 of them.
    assert_eq!(
        bump.allocate(2, 16),
        Err(AllocError::Exhausted {
            requested: 2,
            alignment: 16,
            available: 16,
            capacity: 16,
            max_capacity: None
        })
    );
    assert_eq!(bump, before);
}

#[test]
fn rejects_a_region_that_wraps_the_address_space() {
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
fn huge_size_is_exhausted_not_overflowed() {
    let mut bump = Bump::new(0x1000, 100).unwrap();
    bump.allocate(1, 1).unwrap();
    let before = bump;
    assert_eq!(
        bump.allocate(usize::MAX, 1),
        Err(AllocError::Exhausted {
            requested: usize::MAX,
            alignment: 1,
            available: 99,
            capacity: 100,
            max_capacity: None
        })
    );
    assert!(matches!(
        bump.allocate(usize::MAX - 1, 64),
        Err(AllocError::Exhausted { .. })
    ));
    assert_eq!(bump, before);
}

#[test]
fn at_the_top_of_the_address_space_is_exhausted_not_overflowed() {
    // A region from address 0 over the whole address space: aligning the last few addresses
    // up to 64 would wrap past usize::MAX.
    let mut bump = Bump::new(0, usize::MAX).unwrap();
    bump.allocate(usize::MAX - 5, 1).unwrap();
    let before = bump;
    assert_eq!(
        bump.allocate(0, 64),
        Err(AllocError::Exhausted {
            requested: 0,
            alignment: 64,
            available: 5,
            capacity: usize::MAX,
            max_capacity: None
        })
    );
    assert_eq!(bump, before);
    assert_eq!(bump.allocate(5, 1).unwrap(), usize::MAX - 5);
}

#[test]
fn near_the_top_of_the_address_space_is_exhausted_not_overflowed() {
    let base = usize::MAX - 100;
    let mut bump = Bump::new(base, 100).unwrap();
    bump.allocate(90, 1).unwrap();
    let before = bump;
    assert_eq!(
        bump.allocate(1, 1 << 16),
        Err(AllocError::Exhausted {
            requested: 1,
            alignment: 1 << 16,
            available: 10,
            capacity: 100,
            max_capacity: None
        })
    );
    assert_eq!(bump, before);
}
