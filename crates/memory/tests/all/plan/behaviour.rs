//! The planner, one behaviour per test.

use std::time::Duration;

use lightwatch_memory::{AllocError, Fit, Lifetime, Order, Plan, PlanError, PlanOptions, Planner};

use super::{check, fixture, random_skips, KIB};

#[test]
fn no_tensors_need_no_bytes() {
    let plan = Plan::new(&[]).unwrap();
    assert_eq!(
        (plan.bytes(), plan.lower_bound(), plan.naive_bytes()),
        (0, 0, 0)
    );
    assert_eq!(plan.alignment(), 1);
    assert!(plan.offsets().is_empty());
}

#[test]
fn tensors_that_are_never_live_together_share_bytes() {
    let lifetimes = [Lifetime::new(4 * KIB, 0, 1), Lifetime::new(4 * KIB, 2, 3)];
    let plan = Plan::new(&lifetimes).unwrap();
    assert_eq!(plan.offsets(), [0, 0]);
    assert_eq!(plan.bytes(), 4 * KIB);
    assert_eq!(plan.naive_bytes(), 8 * KIB);
}

#[test]
fn lifetimes_are_inclusive_so_a_tensor_ending_at_a_step_conflicts_with_one_starting_there() {
    let lifetimes = [Lifetime::new(KIB, 0, 3), Lifetime::new(KIB, 3, 5)];
    let plan = Plan::new(&lifetimes).unwrap();
    assert_eq!(plan.lower_bound(), 2 * KIB);
    assert_eq!(plan.bytes(), 2 * KIB);
    check(&lifetimes, &plan);
}

#[test]
fn a_chain_reaches_the_lower_bound() {
    // Each tensor read by the next op only: two live at a time.
    let lifetimes: Vec<Lifetime> = (0..50)
        .map(|i| Lifetime::new((1 + i % 7) * KIB, i, i + 1))
        .collect();
    let plan = Plan::new(&lifetimes).unwrap();
    assert_eq!(plan.bytes(), plan.lower_bound());
    check(&lifetimes, &plan);
}

#[test]
fn every_offset_is_a_multiple_of_its_tensors_alignment() {
    let lifetimes = [
        Lifetime::new(100, 0, 9).with_alignment(1),
        Lifetime::new(100, 0, 9).with_alignment(4096),
        Lifetime::new(3, 0, 9).with_alignment(8),
        Lifetime::new(100, 0, 9).with_alignment(256),
    ];
    let plan = Plan::new(&lifetimes).unwrap();
    check(&lifetimes, &plan);
    assert_eq!(plan.alignment(), 4096);
}

#[test]
fn zero_size_tensors_take_no_bytes_and_any_aligned_offset() {
    let lifetimes = [
        Lifetime::new(0, 0, 5).with_alignment(64),
        Lifetime::new(KIB, 0, 5),
        Lifetime::new(0, 2, 3),
    ];
    let plan = Plan::new(&lifetimes).unwrap();
    assert_eq!(plan.bytes(), KIB);
    assert_eq!(plan.lower_bound(), KIB);
    check(&lifetimes, &plan);
}

#[test]
fn naive_bytes_follow_the_bump_rule_in_input_order() {
    let lifetimes = [
        Lifetime::new(3, 0, 0).with_alignment(1),
        Lifetime::new(10, 5, 5).with_alignment(64),
        Lifetime::new(1, 9, 9),
    ];
    let plan = Plan::naive(&lifetimes).unwrap();
    assert_eq!(plan.offsets(), [0, 64, 80]);
    assert_eq!(plan.naive_bytes(), 81);
    assert_eq!(plan.planner(), Planner::Naive);
}

#[test]
fn greedy_by_size_places_the_largest_first_each_above_the_conflicts_it_cannot_fit_under() {
    let lifetimes = [
        Lifetime::new(4 * KIB, 0, 9),
        Lifetime::new(KIB, 0, 3),
        Lifetime::new(3 * KIB, 0, 9),
        Lifetime::new(2 * KIB, 6, 9),
    ];
    let plan = Plan::greedy_by_size(&lifetimes).unwrap();
    // 0 at 0, 2 above it, 3 above both; 1 too, sharing 3's bytes (they never meet).
    assert_eq!(plan.offsets(), [0, 7 * KIB, 4 * KIB, 7 * KIB]);
    assert_eq!(
        plan.planner(),
        Planner::Greedy {
            order: Order::Size,
            fit: Fit::Best
        }
    );
    check(&lifetimes, &plan);
}

#[test]
fn greedy_by_size_takes_the_smallest_gap_that_holds_a_tensor_not_the_lowest() {
    // 1 and 3 end at step 2, leaving gaps of 3 KiB at 4 KiB and 2 KiB at 10 KiB between the
    // long-lived 0, 2 and 4. Tensor 5 (2 KiB, from step 5) fits both: best fit (TensorFlow
    // Lite's rule) takes the exact one.
    let lifetimes = [
        Lifetime::new(4 * KIB, 0, 9),
        Lifetime::new(3 * KIB, 0, 2),
        Lifetime::new(3 * KIB, 0, 9),
        Lifetime::new(2 * KIB, 0, 2),
        Lifetime::new(2 * KIB, 0, 9),
        Lifetime::new(2 * KIB, 5, 9),
    ];
    let plan = Plan::greedy_by_size(&lifetimes).unwrap();
    assert_eq!(
        plan.offsets(),
        [0, 4 * KIB, 7 * KIB, 10 * KIB, 12 * KIB, 10 * KIB]
    );
    check(&lifetimes, &plan);
}

#[test]
fn the_plan_is_never_larger_than_the_naive_layout_even_where_greedy_by_size_is() {
    // Largest first puts the 17-byte tensor at 0, and the 16-aligned one must then skip to 32;
    // in input order the aligned one goes first and the two fit in 33 bytes.
    let lifetimes = [
        Lifetime::new(16, 0, 1).with_alignment(16),
        Lifetime::new(17, 0, 1).with_alignment(1),
    ];
    let greedy = Plan::greedy_by_size(&lifetimes).unwrap();
    assert_eq!(greedy.bytes(), 48);
    let plan = Plan::new(&lifetimes).unwrap();
    assert_eq!(plan.bytes(), 33);
    assert_eq!(plan.naive_bytes(), 33);
    check(&lifetimes, &plan);
}

#[test]
fn the_same_input_and_options_give_the_same_plan() {
    let lifetimes = random_skips(400, 7);
    let options = PlanOptions {
        orders: &Order::ALL,
        search_passes: 3,
        seed: 42,
        ..PlanOptions::default()
    };
    let first = Plan::with_options(&lifetimes, &options).unwrap();
    let second = Plan::with_options(&lifetimes, &options).unwrap();
    assert_eq!(first, second);
    check(&lifetimes, &first);
}

#[test]
fn the_search_never_makes_the_plan_larger_than_greedy_by_size() {
    let lifetimes = random_skips(400, 11);
    let greedy = Plan::greedy_by_size(&lifetimes).unwrap();
    for seed in 0..4 {
        for search_passes in [0, 1, 4] {
            let options = PlanOptions {
                search_passes,
                seed,
                ..PlanOptions::default()
            };
            let plan = Plan::with_options(&lifetimes, &options).unwrap();
            assert!(plan.bytes() <= greedy.bytes());
            check(&lifetimes, &plan);
        }
    }
}

#[test]
fn without_search_the_plan_comes_from_a_greedy_candidate_or_the_naive_layout() {
    let lifetimes = random_skips(300, 3);
    let options = PlanOptions {
        search_passes: 0,
        ..PlanOptions::default()
    };
    let plan = Plan::with_options(&lifetimes, &options).unwrap();
    assert!(matches!(
        plan.planner(),
        Planner::Greedy { .. } | Planner::Naive
    ));
}

#[test]
fn a_time_limit_bounds_the_search_and_still_gives_a_valid_plan() {
    let lifetimes = random_skips(300, 5);
    let options = PlanOptions {
        search_passes: u32::MAX,
        time_limit: Some(Duration::from_millis(20)),
        ..PlanOptions::default()
    };
    let plan = Plan::with_options(&lifetimes, &options).unwrap();
    check(&lifetimes, &plan);
}

#[test]
fn a_lifetime_that_starts_after_it_ends_is_refused_with_its_index_and_steps() {
    let lifetimes = [Lifetime::new(16, 0, 1), Lifetime::new(16, 7, 5)];
    let error = Plan::new(&lifetimes).unwrap_err();
    assert_eq!(
        error,
        PlanError::InvalidLifetime {
            tensor: 1,
            start: 7,
            end: 5
        }
    );
    assert_eq!(
        error.to_string(),
        "tensor 1: its lifetime starts at step 7, after it ends at step 5"
    );
}

#[test]
fn an_alignment_that_is_not_a_power_of_two_is_refused() {
    for alignment in [0, 3, 24] {
        let lifetimes = [Lifetime::new(16, 0, 1).with_alignment(alignment)];
        let error = Plan::new(&lifetimes).unwrap_err();
        assert_eq!(
            error,
            PlanError::Alloc(AllocError::InvalidAlignment { alignment })
        );
        assert_eq!(Plan::greedy_by_size(&lifetimes).unwrap_err(), error);
        assert_eq!(Plan::naive(&lifetimes).unwrap_err(), error);
    }
}

#[test]
fn tensors_whose_naive_layout_exceeds_isize_max_are_refused_with_the_first_that_does_not_fit() {
    let half = isize::MAX as usize / 2 + 1;
    let lifetimes = [
        Lifetime::new(16, 0, 0),
        Lifetime::new(half, 1, 1).with_alignment(1),
        Lifetime::new(half, 2, 2).with_alignment(1),
    ];
    let error = Plan::new(&lifetimes).unwrap_err();
    assert_eq!(
        error,
        PlanError::PlanOverflow {
            tensor: 2,
            size: half,
            alignment: 1,
            offset: half + 16
        }
    );
    assert!(error.to_string().contains("tensor 2"));
}

#[test]
fn a_refused_call_leaves_nothing_behind() {
    let good = random_skips(200, 9);
    let before = Plan::new(&good).unwrap();
    let mut bad = good.clone();
    bad[150].start = bad[150].end + 1;
    assert!(matches!(
        Plan::new(&bad),
        Err(PlanError::InvalidLifetime { tensor: 150, .. })
    ));
    assert_eq!(Plan::new(&good).unwrap(), before);
}

#[test]
fn from_offsets_accepts_a_valid_plan_and_recomputes_its_figures() {
    let lifetimes = random_skips(300, 13);
    let plan = Plan::new(&lifetimes).unwrap();
    let given = Plan::from_offsets(&lifetimes, plan.offsets().to_vec()).unwrap();
    assert_eq!(given.bytes(), plan.bytes());
    assert_eq!(given.lower_bound(), plan.lower_bound());
    assert_eq!(given.naive_bytes(), plan.naive_bytes());
    assert_eq!(given.planner(), Planner::Given);
}

#[test]
fn from_offsets_refuses_overlapping_tensors_naming_both_and_a_common_step() {
    let lifetimes = [
        Lifetime::new(64, 0, 4),
        Lifetime::new(64, 6, 9),
        Lifetime::new(64, 3, 8),
    ];
    // 0 and 1 never meet, so sharing is fine; 2 meets both.
    let error = Plan::from_offsets(&lifetimes, vec![0, 0, 32]).unwrap_err();
    assert_eq!(
        error,
        PlanError::OverlappingTensors {
            tensor: 0,
            other: 2,
            step: 3
        }
    );
    assert!(Plan::from_offsets(&lifetimes, vec![0, 0, 64]).is_ok());
}

#[test]
fn from_offsets_refuses_a_misaligned_offset_or_a_wrong_count() {
    let lifetimes = [Lifetime::new(64, 0, 4), Lifetime::new(64, 0, 4)];
    let error = Plan::from_offsets(&lifetimes, vec![0, 72]).unwrap_err();
    assert_eq!(
        error,
        PlanError::MisalignedOffset {
            tensor: 1,
            offset: 72,
            alignment: 16
        }
    );
    let error = Plan::from_offsets(&lifetimes, vec![0]).unwrap_err();
    assert_eq!(
        error,
        PlanError::OffsetCount {
            tensors: 2,
            offsets: 1
        }
    );
}

#[test]
fn from_offsets_refuses_a_tensor_ending_past_isize_max() {
    let lifetimes = [Lifetime::new(64, 0, 4)];
    let offset = (isize::MAX as usize) & !15;
    let error = Plan::from_offsets(&lifetimes, vec![offset]).unwrap_err();
    assert!(matches!(error, PlanError::PlanOverflow { tensor: 0, .. }));
}

#[test]
fn every_real_network_plans_within_2_percent_of_its_lower_bound() {
    for set in fixture::load().iter().filter(|s| s.kind == "network") {
        let plan = Plan::new(&set.lifetimes).unwrap();
        let greedy = Plan::greedy_by_size(&set.lifetimes).unwrap();
        assert!(plan.bytes() <= greedy.bytes(), "{}", set.name);
        assert!(
            plan.bytes() as f64 <= 1.02 * plan.lower_bound() as f64,
            "{}: {} bytes, bound {}",
            set.name,
            plan.bytes(),
            plan.lower_bound()
        );
        check(&set.lifetimes, &plan);
    }
}
