//! How the planner is asked to work, and what it reports it did.

use std::time::Duration;

use super::Techniques;

/// The order in which a greedy placement takes the tensors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Order {
    /// Largest first, then earliest start (TensorFlow Lite; Pisarchyk & Lee's greedy by size).
    Size,
    /// Largest first, then longest lived.
    SizeThenLength,
    /// Longest lived first, then largest.
    Length,
    /// Largest size x lifetime length first.
    Area,
    /// Most conflicts first, then largest (TVM's greedy by conflicts).
    Conflicts,
    /// Tensors of the busiest step first (Pisarchyk & Lee's greedy by breadth).
    Breadth,
}

impl Order {
    /// Every order, in the order the planner tries them.
    pub const ALL: [Self; 6] = [
        Self::Size,
        Self::SizeThenLength,
        Self::Length,
        Self::Area,
        Self::Conflicts,
        Self::Breadth,
    ];
}

/// Which gap a tensor takes among those that hold it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fit {
    /// The smallest (TensorFlow Lite): the large gaps stay for the large tensors.
    Best,
    /// The lowest.
    First,
}

/// Where a plan's offsets came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Planner {
    /// Every tensor after the one before, as a bump arena lays them out.
    Naive,
    /// One greedy placement.
    Greedy {
        /// The order the tensors were placed in.
        order: Order,
        /// The gap rule.
        fit: Fit,
    },
    /// The local search, started from a greedy placement.
    Search {
        /// The order the search started from.
        order: Order,
        /// The gap rule.
        fit: Fit,
    },
    /// The exact search, started from the best of the others.
    Exact,
    /// Offsets given by the caller ([`Plan::from_offsets`](super::Plan::from_offsets)).
    Given,
}

/// How hard the planner tries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlanOptions {
    /// The orders of the greedy candidates, each tried with both gap rules; the search starts
    /// from the best of them. [`Order::Size`] alone by default ([`Order::ALL`] tries them all);
    /// greedy by size with best-fit gaps is always among the candidates.
    pub orders: &'static [Order],
    /// The local search's budget, in full greedy passes over the tensors (a pass costs about one
    /// visit per conflict; the search stops after that many visits). 0 turns the search off.
    pub search_passes: u32,
    /// The exact search's budget, in full greedy passes' worth of work (its unit is the local
    /// search's: a visit of a tensor, a neighbour or a section entry). It starts from the best
    /// plan of the greedy placements and the local search, and stops on reaching the lower bound
    /// or proving that no smaller plan exists. 0 turns it off; `u32::MAX` leaves only the time
    /// limit (if any) to stop it.
    pub exact_passes: u32,
    /// The exact search's techniques (all on by default), each switchable to measure it.
    pub techniques: Techniques,
    /// The seed of the search's moves.
    pub seed: u64,
    /// A wall-clock limit on both searches, from the start of planning, on top of
    /// `search_passes` and `exact_passes`. With one, the plan depends on the machine's speed;
    /// without (the default), only on the lifetimes and the options.
    pub time_limit: Option<Duration>,
}

impl PlanOptions {
    /// The default search budget: with the default orders it keeps planning 1,000 tensors with
    /// long skips well under 10 ms and 10,000 well under 0.5 s on a small machine (see
    /// BENCHMARKS.md).
    pub const DEFAULT_SEARCH_PASSES: u32 = 2;

    /// The default budget of the exact search, in passes: small enough to keep the default
    /// planning times of [`PlanOptions::DEFAULT_SEARCH_PASSES`] (see BENCHMARKS.md).
    pub const DEFAULT_EXACT_PASSES: u32 = 2;
}

impl Default for PlanOptions {
    fn default() -> Self {
        Self {
            orders: &[Order::Size],
            search_passes: Self::DEFAULT_SEARCH_PASSES,
            exact_passes: Self::DEFAULT_EXACT_PASSES,
            techniques: Techniques::ALL,
            seed: 0,
            time_limit: None,
        }
    }
}
