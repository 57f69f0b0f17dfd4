//! The exact search: its proven optima against a brute force, its budgets, its techniques.

use lightwatch_memory::{Fit, Lifetime, Order, Plan, PlanOptions, Planner, Techniques};

use super::check;

/// The exact search with no budget but the proof.
fn exhaustive(techniques: Techniques) -> PlanOptions {
    PlanOptions {
        exact_passes: u32::MAX,
        techniques,
        ..PlanOptions::default()
    }
}

/// The smallest block any plan needs, by brute force: every order of placing the tensors, each
/// at the lowest aligned offset clear of the tensors placed before it that it conflicts with
/// (branch and bound over the orders). Placing the tensors of an optimal plan in the order of
/// its offsets this way puts each no higher than that plan does, so the best order is optimal.
fn brute_force(lifetimes: &[Lifetime]) -> usize {
    fn lowest_fit(lifetimes: &[Lifetime], offsets: &[Option<usize>], t: usize) -> usize {
        let l = &lifetimes[t];
        let mut below: Vec<(usize, usize)> = (0..lifetimes.len())
            .filter_map(|o| {
                let at = offsets[o]?;
                let other = &lifetimes[o];
                (other.size > 0 && l.conflicts_with(other)).then_some((at, at + other.size))
            })
            .collect();
        below.sort_unstable();
        let mut at = 0;
        loop {
            let clash = below.iter().find(|&&(s, e)| at < e && s < at + l.size);
            match clash {
                Some(&(_, e)) => at = e.next_multiple_of(l.alignment),
                None => return at,
            }
        }
    }
    fn go(
        lifetimes: &[Lifetime],
        offsets: &mut [Option<usize>],
        height: usize,
        (best, bound): (&mut usize, usize),
    ) {
        if height >= *best || *best == bound {
            return;
        }
        let Some(_) = offsets.iter().position(Option::is_none) else {
            *best = height;
            return;
        };
        for t in 0..lifetimes.len() {
            if offsets[t].is_none() {
                let at = lowest_fit(lifetimes, offsets, t);
                offsets[t] = Some(at);
                let height = height.max(at + lifetimes[t].size);
                go(lifetimes, offsets, height, (&mut *best, bound));
                offsets[t] = None;
            }
        }
    }
    let sized: Vec<Lifetime> = lifetimes.iter().copied().filter(|l| l.size > 0).collect();
    // Bounds only prune: no plan is below the lower bound, and the naive layout is a plan.
    let naive = Plan::naive(&sized).unwrap();
    let mut best = naive.bytes() + 1;
    go(
        &sized,
        &mut vec![None; sized.len()],
        0,
        (&mut best, naive.lower_bound()),
    );
    best
}

/// A small random set: up to `max` tensors over a few steps, so that most pairs conflict, with
/// mixed sizes and alignments (1, 4, 16, 64).
fn small_set(rng: &mut u64, max: usize) -> Vec<Lifetime> {
    let mut next = |n: u64| {
        *rng ^= *rng << 13;
        *rng ^= *rng >> 7;
        *rng ^= *rng << 17;
        (*rng % n) as usize
    };
    let count = 2 + next(max as u64 - 1);
    (0..count)
        .map(|_| {
            let shift = next(4) as u32;
            let units = 1 + next(11);
            let start = next(6);
            Lifetime {
                size: units * 8 + if shift == 0 { next(8) } else { 0 },
                alignment: 1 << (2 * shift),
                start,
                end: start + next(4),
            }
        })
        .collect()
}

/// Runs `f` on random small sets; returns how many needed more than the lower bound (the cases
/// where the search has something to prove), which the callers require to be many.
fn on_small_sets(seed: u64, sets: usize, mut f: impl FnMut(&[Lifetime], usize)) -> usize {
    let mut rng = seed | 1;
    let mut hard = 0;
    for _ in 0..sets {
        let lifetimes = small_set(&mut rng, 8);
        let optimum = brute_force(&lifetimes);
        if optimum > Plan::naive(&lifetimes).unwrap().lower_bound() {
            hard += 1;
        }
        f(&lifetimes, optimum);
    }
    hard
}

#[test]
fn the_proven_optimum_is_the_brute_force_optimum() {
    let mut beaten_greedy = 0;
    let hard = on_small_sets(0x5EED, 200, |lifetimes, optimum| {
        let plan = Plan::with_options(lifetimes, &exhaustive(Techniques::ALL)).unwrap();
        check(lifetimes, &plan);
        assert!(plan.optimal(), "{lifetimes:?}");
        assert_eq!(plan.bytes(), optimum, "{lifetimes:?}");
        if Plan::greedy_by_size(lifetimes).unwrap().bytes() > optimum {
            beaten_greedy += 1;
        }
    });
    assert!(hard >= 40, "only {hard} sets above their lower bound");
    assert!(
        beaten_greedy >= 5,
        "greedy by size missed the optimum only {beaten_greedy} times"
    );
}

#[test]
fn each_technique_off_alone_still_finds_the_optimum() {
    for off in 0..8 {
        let mut techniques = Techniques::ALL;
        let flag = [
            &mut techniques.canonical,
            &mut techniques.dominance,
            &mut techniques.section_inference,
            &mut techniques.waiting_floor,
            &mut techniques.monotonic_floor,
            &mut techniques.hatless_pruning,
            &mut techniques.decomposition,
            &mut techniques.dynamic_ordering,
        ];
        *flag.into_iter().nth(off).expect("eight flags") = false;
        on_small_sets(off as u64 + 1, 40, |lifetimes, optimum| {
            let plan = Plan::with_options(lifetimes, &exhaustive(techniques)).unwrap();
            check(lifetimes, &plan);
            assert!(plan.optimal(), "{techniques:?}: {lifetimes:?}");
            assert_eq!(plan.bytes(), optimum, "{techniques:?}: {lifetimes:?}");
        });
    }
}

/// A hard set: long skips, where no greedy placement reaches the lower bound.
fn hard() -> Vec<Lifetime> {
    super::random_skips(400, 3)
}

#[test]
fn a_tiny_budget_returns_a_valid_plan_not_an_error() {
    let lifetimes = hard();
    for exact_passes in [0, 1, 2] {
        let options = PlanOptions {
            exact_passes,
            ..PlanOptions::default()
        };
        let plan = Plan::with_options(&lifetimes, &options).unwrap();
        check(&lifetimes, &plan);
        assert!(plan.bytes() <= Plan::greedy_by_size(&lifetimes).unwrap().bytes());
    }
    let options = PlanOptions {
        exact_passes: u32::MAX,
        time_limit: Some(std::time::Duration::ZERO),
        ..PlanOptions::default()
    };
    check(
        &lifetimes,
        &Plan::with_options(&lifetimes, &options).unwrap(),
    );
}

#[test]
fn the_same_effort_gives_the_same_plan() {
    let lifetimes = hard();
    let options = PlanOptions {
        exact_passes: 20,
        ..PlanOptions::default()
    };
    let plan = Plan::with_options(&lifetimes, &options).unwrap();
    assert_eq!(Plan::with_options(&lifetimes, &options).unwrap(), plan);
    check(&lifetimes, &plan);
}

#[test]
fn more_effort_never_gives_a_larger_plan() {
    let lifetimes = hard();
    let mut last = usize::MAX;
    for exact_passes in [0, 4, 16] {
        let options = PlanOptions {
            exact_passes,
            ..PlanOptions::default()
        };
        let plan = Plan::with_options(&lifetimes, &options).unwrap();
        check(&lifetimes, &plan);
        assert!(
            plan.bytes() <= last,
            "{exact_passes} passes: {} > {last}",
            plan.bytes()
        );
        last = plan.bytes();
    }
}

#[test]
fn a_raised_cancel_flag_stops_the_search_with_a_valid_plan() {
    let lifetimes = hard();
    let options = PlanOptions {
        exact_passes: u32::MAX,
        ..PlanOptions::default()
    };
    let cancel = std::sync::atomic::AtomicBool::new(true);
    let plan = Plan::with_cancel(&lifetimes, &options, &cancel).unwrap();
    check(&lifetimes, &plan);
    assert!(!plan.optimal() || plan.bytes() == plan.lower_bound());
}

#[test]
fn a_raised_cancel_flag_stops_the_greedy_too() {
    // The greedy's candidates take hundreds of milliseconds on 10,000 tensors (seconds in a debug
    // build under emulation): a stop ends them as well, and the plan is the naive one.
    let lifetimes = hard();
    let cancel = std::sync::atomic::AtomicBool::new(true);
    let stopped = Plan::with_cancel(&lifetimes, &PlanOptions::default(), &cancel).unwrap();
    check(&lifetimes, &stopped);
    assert_eq!(stopped.planner(), Planner::Naive);
    // A time limit already passed still gives the greedy by size's first fit (a plan to return).
    let passed = PlanOptions {
        time_limit: Some(std::time::Duration::ZERO),
        ..PlanOptions::default()
    };
    let limited = Plan::with_options(&lifetimes, &passed).unwrap();
    check(&lifetimes, &limited);
    assert_eq!(
        limited.planner(),
        Planner::Greedy {
            order: Order::Size,
            fit: Fit::Best
        }
    );
}

#[test]
fn the_exact_search_keeps_mixed_alignments() {
    // Alignments from 1 to 4096 on tensors that all meet: canonical offsets are aligned ones.
    let lifetimes: Vec<Lifetime> = (0..8)
        .map(|i| Lifetime::new(100 + 37 * i, i % 3, 5 + i % 4).with_alignment(1 << (i % 13)))
        .collect();
    let plan = Plan::with_options(&lifetimes, &exhaustive(Techniques::ALL)).unwrap();
    check(&lifetimes, &plan);
    assert!(plan.optimal());
    assert_eq!(plan.bytes(), brute_force(&lifetimes));
}

#[test]
#[cfg(target_pointer_width = "64")]
fn sizes_past_32_bits_find_the_same_optima_scaled() {
    // The search keeps 32-bit copies of the section totals when the capacity allows; past it,
    // the full-width ones. Scaling a problem scales its optimum.
    const SCALE: usize = 1 << 33;
    on_small_sets(0xB16, 40, |lifetimes, optimum| {
        let scaled: Vec<Lifetime> = lifetimes
            .iter()
            .map(|l| Lifetime {
                size: l.size * SCALE,
                ..*l
            })
            .collect();
        let plan = Plan::with_options(&scaled, &exhaustive(Techniques::ALL)).unwrap();
        check(&scaled, &plan);
        assert!(plan.optimal());
        // Offsets only move in multiples of the scale once every size is one.
        let unaligned_optimum = brute_force(&scaled);
        assert_eq!(plan.bytes(), unaligned_optimum, "{lifetimes:?}");
        assert!(plan.bytes() <= optimum * SCALE);
    });
}
