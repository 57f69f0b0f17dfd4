//! `AllocError`: a stable code and a message with the figures for every variant.

use lightwatch_memory::AllocError;

#[test]
fn codes_are_the_stable_err_strings() {
    let cases = [
        (
            AllocError::InvalidAlignment { alignment: 3 },
            "ERR_INVALID_ALIGNMENT",
        ),
        (
            AllocError::SizeOverflow {
                size: 1,
                alignment: 2,
            },
            "ERR_OUT_OF_RANGE",
        ),
        (
            AllocError::Exhausted {
                requested: 1,
                available: 0,
            },
            "ERR_ARENA_EXHAUSTED",
        ),
        (
            AllocError::OutOfMemory {
                size: 1,
                alignment: 1,
            },
            "ERR_OUT_OF_MEMORY",
        ),
        (AllocError::DoubleFree { slot: 7 }, "ERR_DOUBLE_FREE"),
        (AllocError::Foreign { at: 7 }, "ERR_FOREIGN_VIEW"),
    ];
    for (error, code) in cases {
        assert_eq!(error.code(), code, "{error:?}");
    }
}

#[test]
fn display_names_the_figures() {
    let cases = [
        (
            AllocError::InvalidAlignment { alignment: 3 },
            vec!["3", "power of two"],
        ),
        (
            AllocError::SizeOverflow {
                size: 12345,
                alignment: 64,
            },
            vec!["12345", "64"],
        ),
        (
            AllocError::Exhausted {
                requested: 50,
                available: 40,
            },
            vec!["50", "40", "exhausted"],
        ),
        (
            AllocError::OutOfMemory {
                size: 999,
                alignment: 32,
            },
            vec!["999", "32", "out of memory"],
        ),
        (
            AllocError::DoubleFree { slot: 17 },
            vec!["17", "double free"],
        ),
        (AllocError::Foreign { at: 0x2a }, vec!["0x2a"]),
    ];
    for (error, needles) in cases {
        let text = error.to_string();
        for needle in needles {
            assert!(text.contains(needle), "{text:?} should mention {needle:?}");
        }
    }
}

#[test]
fn is_a_std_error() {
    let error: Box<dyn std::error::Error> = Box::new(AllocError::DoubleFree { slot: 1 });
    assert!(error.source().is_none());
    assert_eq!(error.to_string(), "double free of pool slot 1");
}
