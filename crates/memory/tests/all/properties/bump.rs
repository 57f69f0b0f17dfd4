//! `Bump`: the bump rule's arithmetic over any base, including the ends of the address space.

use proptest::prelude::*;

use lightwatch_memory::{AllocError, Bump};

use super::{alignment, assert_disjoint, config, model_claim, model_refusal, size};

#[derive(Debug, Clone)]
enum BumpOp {
    Allocate { size: usize, alignment: usize },
    Reset,
}

fn bump_op() -> impl Strategy<Value = BumpOp> {
    prop_oneof![
        12 => (size(), alignment()).prop_map(|(size, alignment)| BumpOp::Allocate { size, alignment }),
        1 => Just(BumpOp::Reset),
    ]
}

/// A region that fits in the address space: small or huge, anywhere, often at its very ends.
fn region() -> impl Strategy<Value = (usize, usize)> {
    let capacity = prop_oneof![
        6 => 0usize..5000,
        1 => any::<usize>(),
        1 => Just(usize::MAX),
    ];
    (capacity, any::<usize>(), 0u8..4).prop_map(|(capacity, raw, place)| {
        let room = usize::MAX - capacity; // the largest base that fits
        let base = match place {
            0 => 0,
            1 => room,
            2 => raw % 64 + room.saturating_sub(63).min(room), // near the top, often unaligned
            _ => raw.checked_rem(room.wrapping_add(1)).unwrap_or(raw),
        };
        (base.min(room), capacity)
    })
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn new_refuses_exactly_the_regions_that_wrap(base in any::<usize>(), capacity in any::<usize>()) {
        match Bump::new(base, capacity) {
            Ok(bump) => {
                prop_assert!(base.checked_add(capacity).is_some());
                prop_assert_eq!((bump.base(), bump.capacity(), bump.used()), (base, capacity, 0));
            }
            Err(error) => {
                prop_assert!(base.checked_add(capacity).is_none());
                prop_assert_eq!(error, AllocError::SizeOverflow { size: capacity, alignment: 1 });
            }
        }
    }

    #[test]
    fn follows_the_model_over_any_base(
        (base, capacity) in region(),
        ops in prop::collection::vec(bump_op(), 1..64),
    ) {
        let mut bump = Bump::new(base, capacity).unwrap();
        let mut cursor = 0usize;
        let mut live: Vec<(usize, usize)> = Vec::new();
        for op in ops {
            match op {
                BumpOp::Allocate { size, alignment } => {
                    let before = bump;
                    let expected = if alignment.is_power_of_two() {
                        model_claim(base, capacity, cursor, size, alignment)
                    } else {
                        None
                    };
                    match (bump.allocate(size, alignment), expected) {
                        (Ok(start), Some(model)) => {
                            prop_assert_eq!(start, model);
                            prop_assert_eq!((base as u128 + start as u128) % alignment as u128, 0);
                            prop_assert!(start >= cursor);
                            cursor = start + size;
                            live.push((start, size));
                        }
                        (Err(error), None) => {
                            prop_assert_eq!(error, model_refusal(capacity, cursor, size, alignment));
                            prop_assert_eq!(bump, before);
                        }
                        (actual, model) => prop_assert!(false, "got {:?}, model says {:?}", actual, model),
                    }
                }
                BumpOp::Reset => {
                    bump.reset();
                    cursor = 0;
                    live.clear();
                }
            }
            prop_assert_eq!(bump.used(), cursor);
            prop_assert_eq!(bump.available(), capacity - cursor);
            prop_assert_eq!((bump.base(), bump.capacity()), (base, capacity));
            assert_disjoint(&live)?;
        }
    }
}
