//! The planner's interpreter, shared by the fuzz target (`cargo fuzz run plan`) and the stable
//! long run: bytes become lifetimes (sometimes malformed) and planner options; the plan is
//! checked against an oracle that compares every pair of tensors, sums the live sizes step by
//! step and replays the naive layout on `Bump`. Offsets handed to `Plan::from_offsets` (the
//! plan's own, then perturbed ones) must be accepted exactly when the oracle finds them valid.

use arbitrary::{Arbitrary, Result, Unstructured};
use lightwatch_memory::{
    AllocError, Bump, Lifetime, Order, Plan, PlanError, PlanOptions, Techniques,
};

/// One tensor, decoded from fuzzer bytes: small steps so that lifetimes overlap often.
#[derive(Arbitrary, Debug)]
struct Tensor {
    size: u16,
    /// Power of two up to 2^12; 255 makes it 0 or not a power of two (refused).
    align_log2: u8,
    start: u8,
    length: u8,
    /// Once in a while a size that breaks the naive layout's limit.
    huge: bool,
}

/// The planner's options, then tensors until the bytes run out (at most 96: the oracle is
/// quadratic).
#[derive(Arbitrary, Debug)]
struct Input {
    seed: u64,
    search_passes: u8,
    /// The exact search's budget; 255 lets it run until it proves its plan optimal.
    exact_passes: u8,
    /// One bit per technique of the exact search (a clear bit turns it off).
    techniques: u8,
    all_orders: bool,
    /// Moves one offset in `from_offsets`' second check.
    nudge: (u8, u16),
}

fn lifetime(t: &Tensor) -> Lifetime {
    let alignment = match (t.align_log2, t.size % 3) {
        (255, 0) => 0,
        (255, 1) => 24,
        (255, _) => 3,
        (shift, _) => 1 << (shift % 13),
    };
    let size = if t.huge && t.size.is_multiple_of(1024) {
        isize::MAX as usize / 2 + usize::from(t.size)
    } else {
        usize::from(t.size)
    };
    // `length` 255 makes the lifetime end before it starts (refused).
    let start = usize::from(t.start % 64);
    let end = if t.length == 255 {
        start.wrapping_sub(1)
    } else {
        start + usize::from(t.length % 24)
    };
    Lifetime {
        size,
        alignment,
        start,
        end,
    }
}

/// The error the planner owes for `lifetimes`, if any: the first malformed tensor in input
/// order, else the first that overflows the naive layout.
fn expected_error(lifetimes: &[Lifetime]) -> Option<PlanError> {
    for (tensor, l) in lifetimes.iter().enumerate() {
        if !l.alignment.is_power_of_two() {
            return Some(PlanError::Alloc(AllocError::InvalidAlignment {
                alignment: l.alignment,
            }));
        }
        if l.start > l.end {
            return Some(PlanError::InvalidLifetime {
                tensor,
                start: l.start,
                end: l.end,
            });
        }
    }
    let mut bump = Bump::new(0, isize::MAX as usize).expect("bump");
    for (tensor, l) in lifetimes.iter().enumerate() {
        if bump.allocate(l.size, l.alignment).is_err() {
            return Some(PlanError::PlanOverflow {
                tensor,
                size: l.size,
                alignment: l.alignment,
                offset: bump.used().next_multiple_of(l.alignment),
            });
        }
    }
    None
}

/// Whether `offsets` keep every conflicting pair apart.
fn disjoint(lifetimes: &[Lifetime], offsets: &[usize]) -> bool {
    (0..lifetimes.len()).all(|i| {
        (i + 1..lifetimes.len()).all(|j| {
            let (a, b) = (&lifetimes[i], &lifetimes[j]);
            a.size == 0
                || b.size == 0
                || !a.conflicts_with(b)
                || offsets[i] + a.size <= offsets[j]
                || offsets[j] + b.size <= offsets[i]
        })
    })
}

fn lower_bound(lifetimes: &[Lifetime]) -> usize {
    (lifetimes.iter().map(|l| l.start))
        .map(|s| {
            (lifetimes.iter())
                .filter(|l| l.start <= s && s <= l.end)
                .map(|l| l.size)
                .sum()
        })
        .max()
        .unwrap_or(0)
}

fn check(lifetimes: &[Lifetime], plan: &Plan, naive: usize) {
    let offsets = plan.offsets();
    assert_eq!(offsets.len(), lifetimes.len());
    for (l, &o) in lifetimes.iter().zip(offsets) {
        assert_eq!(o % l.alignment, 0, "misaligned offset");
    }
    assert!(disjoint(lifetimes, offsets), "conflicting tensors overlap");
    let bytes = (lifetimes.iter().zip(offsets))
        .map(|(l, &o)| o + l.size)
        .max()
        .unwrap_or(0);
    assert_eq!(plan.bytes(), bytes);
    assert_eq!(plan.lower_bound(), lower_bound(lifetimes));
    assert_eq!(plan.naive_bytes(), naive);
    assert!(plan.lower_bound() <= plan.bytes() && plan.bytes() <= naive);
}

/// Decodes `data` and checks one planning; returns the number of tensors planned.
pub fn run(data: &[u8]) -> u64 {
    let mut bytes = Unstructured::new(data);
    let decoded: Result<Input> = bytes.arbitrary();
    let Ok(input) = decoded else {
        return 0;
    };
    let mut lifetimes = Vec::new();
    while !bytes.is_empty() && lifetimes.len() < 96 {
        let Ok(tensor) = bytes.arbitrary::<Tensor>() else {
            break;
        };
        lifetimes.push(lifetime(&tensor));
    }
    let options = PlanOptions {
        orders: if input.all_orders {
            &Order::ALL
        } else {
            &[Order::Size]
        },
        search_passes: u32::from(input.search_passes % 8),
        exact_passes: if input.exact_passes == 255 && lifetimes.len() <= 12 {
            u32::MAX
        } else {
            u32::from(input.exact_passes % 8)
        },
        techniques: techniques(input.techniques),
        seed: input.seed,
        time_limit: None,
    };
    let result = Plan::with_options(&lifetimes, &options);
    match (expected_error(&lifetimes), result) {
        (Some(expected), Err(error)) => {
            assert_eq!(error, expected);
            assert_eq!(Plan::greedy_by_size(&lifetimes).unwrap_err(), expected);
            return 0;
        }
        (Some(expected), Ok(_)) => panic!("planned what should be refused: {expected:?}"),
        (None, Err(error)) => panic!("refused a valid input: {error:?}"),
        (None, Ok(plan)) => {
            let naive = Plan::naive(&lifetimes).expect("naive").bytes();
            check(&lifetimes, &plan, naive);
            let again = Plan::with_options(&lifetimes, &options).expect("plan");
            assert_eq!(again, plan, "planning is deterministic");
            if plan.optimal() {
                // Proven: no budget finds less.
                let exhaustive = PlanOptions {
                    exact_passes: u32::MAX,
                    ..options
                };
                if lifetimes.len() <= 12 {
                    let best = Plan::with_options(&lifetimes, &exhaustive).expect("plan");
                    assert_eq!(best.bytes(), plan.bytes(), "a proven optimum beaten");
                }
            }
            let greedy = Plan::greedy_by_size(&lifetimes).expect("greedy");
            assert!(disjoint(&lifetimes, greedy.offsets()));
            assert!(plan.bytes() <= greedy.bytes(), "worse than greedy by size");
            let given = Plan::from_offsets(&lifetimes, plan.offsets().to_vec()).expect("own");
            assert_eq!(given.bytes(), plan.bytes());
            from_offsets_agrees(&lifetimes, plan.offsets(), input.nudge);
        }
    }
    lifetimes.len() as u64
}

/// The exact search's techniques from one bit each.
fn techniques(bits: u8) -> Techniques {
    let on = |bit: u8| bits & (1 << bit) != 0;
    Techniques {
        canonical: on(0),
        dominance: on(1),
        section_inference: on(2),
        waiting_floor: on(3),
        monotonic_floor: on(4),
        hatless_pruning: on(5),
        decomposition: on(6),
        dynamic_ordering: on(7),
    }
}

/// Moves one tensor onto another's bytes: `from_offsets` accepts it iff the oracle does.
fn from_offsets_agrees(lifetimes: &[Lifetime], offsets: &[usize], (pick, slot): (u8, u16)) {
    if lifetimes.is_empty() {
        return;
    }
    let mut offsets = offsets.to_vec();
    let t = usize::from(pick) % lifetimes.len();
    offsets[t] = (usize::from(slot) * 16).next_multiple_of(lifetimes[t].alignment);
    let valid = disjoint(lifetimes, &offsets);
    match Plan::from_offsets(lifetimes, offsets) {
        Ok(_) => assert!(valid, "accepted overlapping offsets"),
        Err(PlanError::OverlappingTensors {
            tensor,
            other,
            step,
        }) => {
            assert!(!valid, "refused valid offsets");
            let (a, b) = (&lifetimes[tensor], &lifetimes[other]);
            assert!(a.start <= step && step <= a.end && b.start <= step && step <= b.end);
        }
        Err(other) => panic!("unexpected {other:?}"),
    }
}
