//! The standard traits: every type can move to another thread; every type but the arena can be
//! shared (the arena bumps through `&self`); `Debug` names the type and its figures.

use lightwatch_memory::{AlignedBlock, AllocError, Arena, Bump, Pool, Slot};

fn is_send<T: Send>() {}
fn is_sync<T: Sync>() {}

#[test]
fn every_type_is_send() {
    is_send::<AlignedBlock>();
    is_send::<Arena>();
    is_send::<Bump>();
    is_send::<Pool<[f32; 16]>>();
    is_send::<Slot>();
    is_send::<AllocError>();
}

#[test]
fn every_type_but_the_arena_is_sync() {
    is_sync::<AlignedBlock>();
    is_sync::<Bump>();
    is_sync::<Pool<[f32; 16]>>();
    is_sync::<Slot>();
    is_sync::<AllocError>();
}

#[test]
fn debug_names_the_type_and_its_figures() {
    let mut pool: Pool<u16> = Pool::new(8).unwrap();
    pool.allocate(1).unwrap();
    let cases: [(&str, String, &[&str]); 3] = [
        (
            "AlignedBlock::zeroed(48, 16)",
            format!("{:?}", AlignedBlock::zeroed(48, 16).unwrap()),
            &["AlignedBlock", "48", "16"],
        ),
        (
            "Arena::new(16)",
            format!("{:?}", Arena::new(16).unwrap()),
            &["Arena"],
        ),
        (
            "Pool::<u16>::new(8) holding one value",
            format!("{pool:?}"),
            &["size: 1", "capacity: 8"],
        ),
    ];
    for (case, text, needles) in cases {
        for needle in needles {
            assert!(
                text.contains(needle),
                "{case}: {text:?} should mention {needle:?}"
            );
        }
    }
}
