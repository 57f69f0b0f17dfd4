//! The list of codes, their classes, and the code every error of the core is thrown with.

use lightwatch_memory::{AllocError, PlanError};
use lightwatch_memory_codes::{ErrorClass, ErrorCode};

/// Every variant of `AllocError`, with the code and class it must be thrown as.
fn alloc_cases() -> Vec<(AllocError, ErrorCode, ErrorClass)> {
    let exhausted = |max_capacity| AllocError::Exhausted {
        requested: 50,
        alignment: 16,
        available: 40,
        capacity: 100,
        max_capacity,
    };
    vec![
        (
            AllocError::InvalidAlignment { alignment: 3 },
            ErrorCode::InvalidAlignment,
            ErrorClass::RangeError,
        ),
        (
            AllocError::SizeOverflow {
                size: 12345,
                alignment: 64,
            },
            ErrorCode::OutOfRange,
            ErrorClass::RangeError,
        ),
        (
            exhausted(None),
            ErrorCode::ArenaExhausted,
            ErrorClass::RangeError,
        ),
        (
            exhausted(Some(120)),
            ErrorCode::ArenaExhausted,
            ErrorClass::RangeError,
        ),
        (
            AllocError::OutOfMemory {
                size: 999,
                alignment: 32,
            },
            ErrorCode::OutOfMemory,
            ErrorClass::RangeError,
        ),
        (
            AllocError::DoubleFree { slot: 17 },
            ErrorCode::DoubleFree,
            ErrorClass::Error,
        ),
        (
            AllocError::Foreign { at: 0x2a },
            ErrorCode::ForeignView,
            ErrorClass::Error,
        ),
        (
            AllocError::MaxCapacityWithoutGrowth { max_capacity: 9 },
            ErrorCode::InvalidArgValue,
            ErrorClass::TypeError,
        ),
        (
            AllocError::MaxCapacityBelowCapacity {
                capacity: 10,
                max_capacity: 9,
            },
            ErrorCode::OutOfRange,
            ErrorClass::RangeError,
        ),
    ]
}

/// Every variant of `PlanError`, with the code it must be thrown as.
fn plan_cases() -> Vec<(PlanError, ErrorCode)> {
    vec![
        (
            PlanError::Alloc(AllocError::InvalidAlignment { alignment: 3 }),
            ErrorCode::InvalidAlignment,
        ),
        (
            PlanError::Alloc(AllocError::OutOfMemory {
                size: 8,
                alignment: 8,
            }),
            ErrorCode::OutOfMemory,
        ),
        (
            PlanError::InvalidLifetime {
                tensor: 1,
                start: 7,
                end: 5,
            },
            ErrorCode::InvalidArgValue,
        ),
        (
            PlanError::PlanOverflow {
                tensor: 2,
                size: 8,
                alignment: 1,
                offset: 0,
            },
            ErrorCode::OutOfRange,
        ),
        (
            PlanError::TooManyTensors {
                tensors: 5,
                limit: 4,
            },
            ErrorCode::OutOfRange,
        ),
        (
            PlanError::MisalignedOffset {
                tensor: 1,
                offset: 72,
                alignment: 16,
            },
            ErrorCode::InvalidArgValue,
        ),
        (
            PlanError::OverlappingTensors {
                tensor: 0,
                other: 2,
                step: 3,
            },
            ErrorCode::InvalidArgValue,
        ),
        (
            PlanError::OffsetCount {
                tensors: 2,
                offsets: 1,
            },
            ErrorCode::InvalidArgValue,
        ),
    ]
}

#[test]
fn every_alloc_error_has_its_code_and_class() {
    for (error, code, class) in alloc_cases() {
        assert_eq!(ErrorCode::from(&error), code, "{error:?}");
        assert_eq!(code.class(), class, "{error:?}");
        assert!(ErrorCode::ALL.contains(&code), "{error:?}");
    }
}

#[test]
fn every_plan_error_has_its_code() {
    for (error, code) in plan_cases() {
        assert_eq!(ErrorCode::from(&error), code, "{error:?}");
        assert!(ErrorCode::ALL.contains(&code), "{error:?}");
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
