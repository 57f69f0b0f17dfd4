//! `AllocError`: a message with the figures, word for word what the binding throws. (The code and
//! class each variant is thrown with are tested in `crates/codes`.)

use lightwatch_memory::AllocError;

/// Every variant, with the message it must have.
fn cases() -> Vec<(AllocError, &'static str)> {
    vec![
        (
            AllocError::InvalidAlignment { alignment: 3 },
            "alignment must be a power of two from 1 to 65536; received 3",
        ),
        (
            AllocError::SizeOverflow {
                size: 12345,
                alignment: 64,
            },
            "12345 bytes aligned to 64 exceed the largest possible allocation (9223372036854775807 bytes)",
        ),
        (
            AllocError::Exhausted {
                requested: 50,
                alignment: 16,
                available: 40,
                capacity: 100,
                max_capacity: None,
            },
            "arena exhausted: requested 50 bytes aligned to 16, 40 of 100 bytes available",
        ),
        (
            AllocError::Exhausted {
                requested: 50,
                alignment: 16,
                available: 40,
                capacity: 100,
                max_capacity: Some(120),
            },
            "arena exhausted: requested 50 bytes aligned to 16, 40 of 100 bytes available, and growing would pass maxCapacity (120 bytes)",
        ),
        (
            AllocError::OutOfMemory {
                size: 999,
                alignment: 32,
            },
            "out of memory: the system refused 999 bytes aligned to 32",
        ),
        (
            AllocError::DoubleFree { slot: 17 },
            "double free: pool slot 17 is already free",
        ),
        (
            AllocError::Foreign { at: 0x2a },
            "0x2a was not handed out by this allocator (or no longer belongs to it)",
        ),
        (
            AllocError::MaxCapacityWithoutGrowth { max_capacity: 9 },
            "maxCapacity is only for a growable arena; received maxCapacity 9 without growable: true",
        ),
        (
            AllocError::MaxCapacityBelowCapacity {
                capacity: 10,
                max_capacity: 9,
            },
            "maxCapacity must be at least the capacity (10 bytes); received 9",
        ),
    ]
}

#[test]
fn every_variant_has_its_message() {
    for (error, message) in cases() {
        assert_eq!(error.to_string(), message, "{error:?}");
    }
}

#[test]
fn is_a_std_error() {
    fn takes(_: &dyn std::error::Error) {}
    takes(&AllocError::DoubleFree { slot: 1 });
}
