//! The planner's use of the exact search (`exact.rs`): from a decision ("does a plan fit in C
//! bytes?") to the smallest plan found within the budget, and a proof when there is one.

use super::exact::{height, Exact, Limits, Outcome, Rank};

/// The smallest plan the exact search finds below `best` bytes before `limits` stop it.
#[derive(Debug)]
pub(super) struct Minimised {
    /// The smallest plan found, if any was smaller than `best`.
    pub(super) offsets: Option<Vec<usize>>,
    /// Its height (`best` if none was found).
    pub(super) bytes: usize,
    /// Whether no plan needs fewer bytes (the search proved it, or the lower bound says so).
    pub(super) optimal: bool,
}

/// Asks for plans under smaller capacities until the best plan is proven optimal or `limits`
/// stop the search. Each question is asked in MiniMalloc's round robin: one search per static
/// order ([`Rank`]), each under the same node limit, the first answer wins.
///
/// Two kinds of question share the time, round after round:
/// - **the floor**, the smallest capacity not proven impossible (at first the lower bound): on
///   MiniMalloc's instances, and whenever the lower bound is reachable, it is the question that
///   ends the search. Its node limit doubles every round, as in MiniMalloc.
/// - **a ladder of probes** between the floor and the best plan, to improve the best plan when
///   the floor is out of reach (the lower bound below the optimum): halfway first; after a plan,
///   halfway down again (a search that succeeds tends to fill the capacity it was given, so the
///   probe decides the gain); after a miss, halfway up. A rung has a small node limit of its
///   own, doubled each time the ladder climbs back to the best; each round the ladder may spend
///   half the nodes the floor spent.
///
/// A capacity proven impossible (a search that ran out of candidates, not of nodes) raises the
/// floor: when it meets the best plan, that plan is optimal.
pub(super) fn minimise(
    exact: &mut Exact<'_>,
    best: usize,
    lower_bound: usize,
    limits: &Limits,
) -> Minimised {
    let mut result = Minimised {
        offsets: None,
        bytes: best,
        optimal: best <= lower_bound,
    };
    let tensors = exact
        .lifetimes()
        .iter()
        .filter(|l| l.size > 0)
        .count()
        .max(1) as u64;
    let mut floor = lower_bound;
    let mut nodes = 2 * tensors;
    let mut rung = RUNG * tensors;
    let mut probe = floor + (result.bytes - floor) / 2;
    while result.bytes > floor {
        let spent_before = exact.spent();
        let asked = floor;
        let outcome = ask(exact, asked, nodes, limits);
        if !take(exact, &mut result, &mut floor, asked, outcome) {
            break;
        }
        let budget = (exact.spent() - spent_before) / LADDER_SHARE;
        let ladder_before = exact.spent();
        while result.bytes > floor && exact.spent() - ladder_before < budget {
            if probe <= floor || probe >= result.bytes {
                probe = floor + (result.bytes - floor) / 2;
            }
            if probe <= floor {
                break;
            }
            let outcome = ask(exact, probe, rung, limits);
            let missed = outcome == Outcome::NodeLimit;
            let asked = probe;
            if !take(exact, &mut result, &mut floor, asked, outcome) {
                return finish(result, floor);
            }
            if missed {
                probe += (result.bytes - probe).div_ceil(2);
                if probe + 1 >= result.bytes {
                    // The ladder climbed back to the best plan: lower again, with more nodes.
                    probe = floor + (result.bytes - floor) / 2;
                    rung = rung.saturating_mul(2);
                }
            } else {
                probe = floor + (result.bytes.max(floor) - floor) / 2;
            }
        }
        nodes = nodes.saturating_mul(2);
    }
    finish(result, floor)
}

/// A probe's first node limit, per tensor: enough for a few descents to a leaf.
const RUNG: u64 = 6;

/// Each round, the ladder may spend this fraction (1/n) of the nodes the floor spent.
///
/// With `RUNG`, measured on MiniMalloc's challenging set (BENCHMARKS.md): a larger share or
/// rung delays the instances whose lower bound is reachable (F, 296 tensors, went past 1 s at
/// 1/2), a smaller one leaves D and J (lower bound below the optimum) above MiniMalloc's height.
const LADDER_SHARE: u64 = 3;

/// Applies one answer about `capacity`; false when the search must stop.
fn take(
    exact: &Exact<'_>,
    result: &mut Minimised,
    floor: &mut usize,
    capacity: usize,
    outcome: Outcome,
) -> bool {
    match outcome {
        Outcome::Found => {
            result.bytes = height(exact.lifetimes(), exact.solution());
            result.offsets = Some(exact.solution().to_vec());
        }
        Outcome::Infeasible => *floor = (*floor).max(capacity + 1),
        Outcome::NodeLimit => {}
        Outcome::Stopped => return false,
    }
    true
}

fn finish(mut result: Minimised, floor: usize) -> Minimised {
    result.optimal = result.bytes <= floor;
    result
}

/// One question in the round robin: each static order under `nodes` nodes, until one answers.
fn ask(exact: &mut Exact<'_>, capacity: usize, nodes: u64, limits: &Limits) -> Outcome {
    for rank in Rank::ALL {
        exact.set_rank(rank);
        let outcome = exact.decide(capacity, nodes, limits);
        if outcome != Outcome::NodeLimit {
            return outcome;
        }
    }
    Outcome::NodeLimit
}
