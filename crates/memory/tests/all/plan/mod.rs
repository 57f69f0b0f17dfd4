//! The memory planner (`lightwatch_memory::plan`): `behaviour` has one test per behaviour,
//! `properties` property tests on random lifetimes. Both are checked against the oracle here,
//! simple enough to be obviously right: every pair of tensors compared, the lower bound summed
//! step by step, the naive layout replayed on `Bump`.

mod behaviour;
mod exact;
mod properties;

use lightwatch_memory::{Bump, Lifetime, Plan};

#[path = "../../../benches/support/fixture.rs"]
#[allow(dead_code)]
mod fixture;

const KIB: usize = 1024;

/// Everything a plan promises, checked the slow way: valid, and no larger than the naive layout.
fn check(lifetimes: &[Lifetime], plan: &Plan) {
    check_valid(lifetimes, plan);
    assert!(
        plan.bytes() <= plan.naive_bytes(),
        "never above the naive layout"
    );
}

/// What any plan satisfies, even one given from outside or greedy by size alone (which may need
/// more than the naive layout: padding in another order).
fn check_valid(lifetimes: &[Lifetime], plan: &Plan) {
    let offsets = plan.offsets();
    assert_eq!(offsets.len(), lifetimes.len(), "one offset per tensor");
    for (i, (l, &o)) in lifetimes.iter().zip(offsets).enumerate() {
        assert_eq!(
            o % l.alignment,
            0,
            "tensor {i}: offset {o} not aligned to {}",
            l.alignment
        );
    }
    for i in 0..lifetimes.len() {
        for j in i + 1..lifetimes.len() {
            let (a, b) = (&lifetimes[i], &lifetimes[j]);
            if a.size == 0 || b.size == 0 || !a.conflicts_with(b) {
                continue;
            }
            let disjoint = offsets[i] + a.size <= offsets[j] || offsets[j] + b.size <= offsets[i];
            assert!(
                disjoint,
                "tensors {i} and {j} are live together and overlap"
            );
        }
    }
    let bytes = (lifetimes.iter().zip(offsets))
        .map(|(l, &o)| o + l.size)
        .max()
        .unwrap_or(0);
    assert_eq!(plan.bytes(), bytes, "bytes is the highest end");
    assert_eq!(plan.lower_bound(), lower_bound(lifetimes));
    assert_eq!(plan.naive_bytes(), naive(lifetimes));
    assert!(
        plan.lower_bound() <= plan.bytes(),
        "never below the lower bound"
    );
    let alignment = lifetimes.iter().map(|l| l.alignment).max().unwrap_or(1);
    assert_eq!(plan.alignment(), alignment);
}

/// The largest sum of sizes live at one step, step by step.
fn lower_bound(lifetimes: &[Lifetime]) -> usize {
    (lifetimes.iter().map(|l| l.start))
        .map(|step| {
            (lifetimes.iter())
                .filter(|l| l.start <= step && step <= l.end)
                .map(|l| l.size)
                .sum()
        })
        .max()
        .unwrap_or(0)
}

/// What a bump arena from offset 0 uses for the tensors in input order.
fn naive(lifetimes: &[Lifetime]) -> usize {
    let mut bump = Bump::new(0, isize::MAX as usize).unwrap();
    for l in lifetimes {
        bump.allocate(l.size, l.alignment).unwrap();
    }
    bump.used()
}

/// A chain with long skips, as the fixture's random sets (its own small generator).
fn random_skips(tensors: usize, seed: u64) -> Vec<Lifetime> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    (0..tensors)
        .map(|start| {
            let size = 16 * (1 + (next() % 4096) as usize);
            let end = if next() % 4 == 0 {
                start + 16 + (next() % 200) as usize
            } else {
                start + 1
            };
            Lifetime::new(size, start, end.min(tensors))
        })
        .collect()
}
