//! `AllocError` and `ErrorCode`: a stable code, the class it is thrown as in JavaScript, and a
//! message with the figures, word for word what the binding throws.

use lightwatch_memory::{AllocError, ErrorClass, ErrorCode};

/// Every variant, with the code, class and message it must have.
fn cases() -> Vec<(AllocError, ErrorCode, ErrorClass, &'static str)> {
    vec![
        (
            AllocError::InvalidAlignment { alignment: 3 },
            ErrorCode::InvalidAlignment,
            ErrorClass::RangeError,
            "alignment must be a power of two from 1 to 65536; received 3",
        ),
        (
            AllocError::SizeOverflow {
                size: 12345,
                alignment: 64,
            },
            ErrorCode::OutOfRange,
            ErrorClass::RangeError,
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
            ErrorCode::ArenaExhausted,
            ErrorClass::RangeError,
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
            ErrorCode::ArenaExhausted,
            ErrorClass::RangeError,
            "arena exhausted: requested 50 bytes aligned to 16, 40 of 100 bytes available, and growing would pass maxCapacity (120 bytes)",
        ),
        (
            AllocError::OutOfMemory {
                size: 999,
                alignment: 32,
            },
            ErrorCode::OutOfMemory,
            ErrorClass::RangeError,
            "out of memory: the system refused 999 bytes aligned to 32",
        ),
        (
            AllocError::DoubleFree { slot: 17 },
            ErrorCode::DoubleFree,
            ErrorClass::Error,
            "double free: pool slot 17 is already free",
        ),
        (
            AllocError::Foreign { at: 0x2a },
            ErrorCode::ForeignView,
            ErrorClass::Error,
            "0x2a was not handed out by this allocator (or no longer belongs to it)",
        ),
        (
            AllocError::MaxCapacityWithoutGrowth { max_capacity: 9 },
            ErrorCode::InvalidArgValue,
            ErrorClass::TypeError,
            "maxCapacity is only for a growable arena; received maxCapacity 9 without growable: true",
        ),
        (
            AllocError::MaxCapacityBelowCapacity {
                capacity: 10,
                max_capacity: 9,
            },
            ErrorCode::OutOfRange,
            ErrorClass::RangeError,
            "maxCapacity must be at least the capacity (10 bytes); received 9",
        ),
    ]
}

#[test]
fn every_variant_has_its_code_class_and_message() {
    for (error, code, class, message) in cases() {
        assert_eq!(error.code(), code, "{error:?}");
        assert_eq!(error.code().class(), class, "{error:?}");
        assert_eq!(error.to_string(), message, "{error:?}");
    }
}

#[test]
fn codes_are_the_stable_err_strings_listed_once() {
    let names: Vec<&str> = ErrorCode::ALL.iter().map(|code| code.as_str()).collect();
    assert_eq!(
        names,
        [
            "ERR_INVALID_ARG_TYPE",
            "ERR_INVALID_ARG_VALUE",
            "ERR_OUT_OF_RANGE",
            "ERR_INVALID_ALIGNMENT",
            "ERR_ARENA_EXHAUSTED",
            "ERR_OUT_OF_MEMORY",
            "ERR_DOUBLE_FREE",
            "ERR_FOREIGN_VIEW",
            "ERR_DISPOSED",
            "ERR_INVALID_STATE",
            "ERR_BUSY",
            "ERR_PLAN_MISMATCH",
            "ERR_ABORTED",
            "ERR_NATIVE_ADDON_NOT_LOADED",
        ]
    );
    for code in ErrorCode::ALL {
        assert_eq!(code.to_string(), code.as_str());
    }
    // Node's classes for Node's own codes.
    assert_eq!(ErrorCode::InvalidArgType.class(), ErrorClass::TypeError);
    assert_eq!(ErrorCode::InvalidArgValue.class(), ErrorClass::TypeError);
    assert_eq!(ErrorCode::OutOfRange.class(), ErrorClass::RangeError);
    assert_eq!(ErrorClass::TypeError.name(), "TypeError");
}

#[test]
fn every_variant_code_is_in_the_list() {
    for (error, ..) in cases() {
        assert!(ErrorCode::ALL.contains(&error.code()), "{error:?}");
    }
}

#[test]
fn is_a_std_error() {
    fn takes(_: &dyn std::error::Error) {}
    takes(&AllocError::DoubleFree { slot: 1 });
}
