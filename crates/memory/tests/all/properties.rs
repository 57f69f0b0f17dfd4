//! Property tests: random sequences of operations over `Bump`, `Arena` (fixed and growable, with
//! scopes and reset modes) and `Pool`, each checked step by step against a model simple enough to
//! be obviously right (`cargo test properties`).
//!
//! Invariants checked after every step: live regions never overlap, every alignment holds, the
//! counters match the model, data written into a live region or slot survives everything else,
//! and a refused operation leaves the allocator exactly as it was. This file holds what they
//! share: the configuration, the request strategies and the bump rule's model.

mod arena;
mod bump;
mod chain;
mod claims;
mod growth;
mod pool;
mod scope;

use proptest::prelude::*;
use proptest::test_runner::Config;

use lightwatch_memory::AllocError;

/// Enough cases to find the corners, few enough that all of them run in a few seconds in debug;
/// a handful under Miri. `PROPTEST_CASES` overrides it (`scripts/rust-hardening.sh` sets it for
/// valgrind and Miri).
pub fn config() -> Config {
    Config {
        cases: if cfg!(miri) { 6 } else { 1024 },
        failure_persistence: None,
        ..Config::default()
    }
}

/// Mostly powers of two up to 4096, sometimes something that is not one.
pub fn alignment() -> impl Strategy<Value = usize> {
    prop_oneof![
        12 => (0u32..=12).prop_map(|shift| 1usize << shift),
        1 => Just(0usize),
        1 => (3usize..5000).prop_filter("not a power of two", |a| !a.is_power_of_two()),
    ]
}

/// Mostly small sizes, sometimes one that cannot fit anywhere.
pub fn size() -> impl Strategy<Value = usize> {
    prop_oneof![
        10 => 0usize..600,
        1 => any::<usize>(),
        1 => (0usize..64).prop_map(|back| usize::MAX - back),
    ]
}

/// The bump rule, recomputed in `u128` where nothing can overflow.
pub fn model_claim(
    base: usize,
    capacity: usize,
    cursor: usize,
    size: usize,
    alignment: usize,
) -> Option<usize> {
    let address = base as u128 + cursor as u128;
    let alignment = alignment as u128;
    let aligned = address.div_ceil(alignment) * alignment;
    let start = aligned - base as u128;
    (start + size as u128 <= capacity as u128).then_some(start as usize)
}

/// The error the model expects for a refused claim.
pub fn model_refusal(capacity: usize, cursor: usize, size: usize, alignment: usize) -> AllocError {
    if alignment.is_power_of_two() && alignment <= lightwatch_memory::MAX_ALIGNMENT {
        AllocError::Exhausted {
            requested: size,
            alignment,
            available: capacity - cursor,
            capacity,
            max_capacity: None,
        }
    } else {
        AllocError::InvalidAlignment { alignment }
    }
}

/// No two of the `(start, len)` regions share a byte.
pub fn assert_disjoint(regions: &[(usize, usize)]) -> Result<(), TestCaseError> {
    let mut sorted: Vec<_> = regions.iter().filter(|r| r.1 > 0).copied().collect();
    sorted.sort_unstable();
    for pair in sorted.windows(2) {
        prop_assert!(
            pair[0].0 + pair[0].1 <= pair[1].0,
            "{:?} overlaps {:?}",
            pair[0],
            pair[1]
        );
    }
    Ok(())
}
