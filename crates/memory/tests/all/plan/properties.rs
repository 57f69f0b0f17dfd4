//! The planner on random lifetimes: every promise, held against the oracle.

use proptest::prelude::*;
use proptest::test_runner::Config;

use lightwatch_memory::{Lifetime, Order, Plan, PlanError, PlanOptions};

use super::{check, check_valid};

fn config() -> Config {
    Config {
        failure_persistence: None,
        ..Config::default()
    }
}

/// Small, overlapping lifetimes with mixed sizes (zero included) and alignments.
fn lifetimes() -> impl Strategy<Value = Vec<Lifetime>> {
    let lifetime = (
        prop_oneof![1 => Just(0usize), 8 => 1usize..3000, 1 => 1usize..17],
        0u32..=12,
        0usize..40,
        0usize..12,
    )
        .prop_map(|(size, shift, start, length)| Lifetime {
            size,
            alignment: 1 << shift,
            start,
            end: start + length,
        });
    prop::collection::vec(lifetime, 0..48)
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn plans_of_random_lifetimes_keep_every_promise(
        lifetimes in lifetimes(),
        seed in any::<u64>(),
        search_passes in 0u32..6,
        all_orders in any::<bool>(),
    ) {
        let options = PlanOptions {
            orders: if all_orders { &Order::ALL } else { &[Order::Size] },
            search_passes,
            exact_passes: search_passes,
            seed,
            time_limit: None,
            ..PlanOptions::default()
        };
        let plan = Plan::with_options(&lifetimes, &options).unwrap();
        check(&lifetimes, &plan);
        let greedy = Plan::greedy_by_size(&lifetimes).unwrap();
        check_valid(&lifetimes, &greedy);
        prop_assert!(plan.bytes() <= greedy.bytes());
        prop_assert_eq!(Plan::with_options(&lifetimes, &options).unwrap(), plan.clone());
        let given = Plan::from_offsets(&lifetimes, plan.offsets().to_vec()).unwrap();
        prop_assert_eq!(given.bytes(), plan.bytes());
    }

    #[test]
    fn from_offsets_accepts_exactly_the_valid_plans(
        lifetimes in lifetimes(),
        slots in prop::collection::vec(0usize..8, 48),
    ) {
        // Offsets on a coarse grid, so that overlaps are common.
        let offsets: Vec<usize> = lifetimes
            .iter()
            .zip(&slots)
            .map(|(l, &slot)| (slot * 1024).next_multiple_of(l.alignment))
            .collect();
        let valid = (0..lifetimes.len()).all(|i| {
            (i + 1..lifetimes.len()).all(|j| {
                let (a, b) = (&lifetimes[i], &lifetimes[j]);
                a.size == 0 || b.size == 0 || !a.conflicts_with(b)
                    || offsets[i] + a.size <= offsets[j] || offsets[j] + b.size <= offsets[i]
            })
        });
        match Plan::from_offsets(&lifetimes, offsets) {
            Ok(plan) => {
                prop_assert!(valid);
                check_valid(&lifetimes, &plan);
            }
            Err(PlanError::OverlappingTensors { tensor, other, step }) => {
                prop_assert!(!valid);
                let (a, b) = (&lifetimes[tensor], &lifetimes[other]);
                prop_assert!(a.start <= step && step <= a.end && b.start <= step && step <= b.end);
            }
            Err(other) => prop_assert!(false, "unexpected {other:?}"),
        }
    }
}
