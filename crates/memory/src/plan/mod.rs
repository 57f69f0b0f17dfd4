//! Memory plans: tensor lifetimes in, one offset per tensor and the block size out.
//!
//! A pass of an inference engine allocates its tensors in the same order every time, and each
//! lives from the step that produces it to the step that last reads it. A bump [`Arena`] holds
//! every tensor until `reset`, so it needs the *sum* of their sizes (the plan's
//! [`naive_bytes`](Plan::naive_bytes)); a plan lets tensors whose lifetimes do not intersect
//! share bytes, and needs little more than the *peak* of the sizes live at one step (its
//! [`lower_bound`](Plan::lower_bound), which no plan can beat). Finding the smallest plan is
//! NP-hard (it is dynamic storage allocation), so the planner combines fast heuristics:
//!
//! 1. **Greedy placement** (`greedy.rs`). Tensors are taken in some order; each goes into a gap
//!    between the already-placed tensors it conflicts with, or above the highest of them. The
//!    baseline is *greedy by size* with best-fit gaps: largest first, each in the smallest gap
//!    that holds it. It is TensorFlow Lite's arena planner and the offset-calculation planner of
//!    Pisarchyk & Lee, "Efficient Memory Management for Deep Neural Net Inference" (2020), and it
//!    reaches the lower bound on chain-like inference graphs. The same order with first-fit
//!    gaps (the lowest that holds the tensor) is always tried too: with long skip connections,
//!    best fit scatters the long-lived tensors into the small gaps high up, and first fit needs
//!    8-10% less on the benchmark's random sets.
//! 2. **Other orders** (`order.rs`, opt-in through [`PlanOptions::orders`]): size then lifetime
//!    length, lifetime length, size x length, most conflicts first (TVM's unified static memory
//!    planner, "greedy by conflicts"), the busiest step first (Pisarchyk & Lee's "greedy by
//!    breadth"), each with both gap rules. Each costs a pass, and on the benchmark's networks
//!    and random sets none beat greedy by size, so the default leaves them out.
//! 3. **Local search** (`search.rs`): TVM's hill climb over placement orders. A tensor that
//!    ends at the top of the block moves, in the order, to just before one of the tensors under
//!    it; the move stays if the block did not grow. A greedy offset depends only on the offsets
//!    of the conflicting tensors placed before, so a move re-places only the tensors whose
//!    placed neighbours changed, and stops as soon as one ends above the current size. Its
//!    effort is an explicit budget, in passes, and its moves come from a seeded generator: a
//!    plan is a function of the lifetimes and the options, never of the clock (unless a
//!    [`PlanOptions::time_limit`] is set).
//!
//! 4. **Exact search** (`exact.rs`, `minimise.rs`): M. D. Moffitt's MiniMalloc (ASPLOS 2023),
//!    a depth-first search over canonical plans with pruning, asked for smaller and smaller
//!    blocks from the best plan above; it ends on reaching the lower bound, or on proving that
//!    no smaller block fits ([`Plan::optimal`]), or when [`PlanOptions::exact_passes`] (work,
//!    deterministic), [`PlanOptions::time_limit`] or a cancel flag ([`Plan::with_cancel`]) stop
//!    it, with the best plan so far. By default it gets a budget as small as the local search's;
//!    with a time limit alone it solves MiniMalloc's hard instances in under a second.
//!
//! The result is the smallest of all candidates, the naive layout included, so
//! `lower_bound <= bytes <= naive_bytes` always holds and the plan is never larger than greedy
//! by size. The conflict graph (`conflicts.rs`) is built once, by a sweep over the steps.
//!
//! Offsets are relative to a block aligned to [`Plan::alignment`] (the largest tensor
//! alignment), so an offset that is a multiple of a tensor's alignment is an aligned address.
//!
//! ```
//! use lightwatch_memory::{Lifetime, Plan};
//! // a -> b -> c, each read by the next step only: a and c can share bytes.
//! let lifetimes = [Lifetime::new(1024, 0, 1), Lifetime::new(512, 1, 2), Lifetime::new(1024, 2, 3)];
//! let plan = Plan::new(&lifetimes)?;
//! assert_eq!(plan.lower_bound(), 1536);
//! assert_eq!(plan.bytes(), 1536);
//! assert_eq!(plan.naive_bytes(), 2560);
//! assert_eq!(plan.offsets()[0], plan.offsets()[2]);
//! # Ok::<(), lightwatch_memory::PlanError>(())
//! ```
//!
//! [`Arena`]: crate::Arena

mod bound;
mod clock;
mod conflicts;
mod error;
mod exact;
mod greedy;
mod lifetime;
mod minimise;
mod options;
mod order;
mod replay;
mod search;
mod sections;
mod verify;

use clock::Instant;
use std::sync::atomic::{AtomicBool, Ordering};

pub use error::PlanError;
pub use exact::Techniques;
pub use lifetime::Lifetime;
pub use options::{Fit, Order, PlanOptions, Planner};
pub use replay::replayed_lifetimes;

use crate::address::check_alignment;
use conflicts::Conflicts;
use greedy::{Placement, Placer};

/// Offsets for every tensor of a pass, and the figures that say how good they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    offsets: Vec<usize>,
    bytes: usize,
    lower_bound: usize,
    naive_bytes: usize,
    alignment: usize,
    planner: Planner,
    optimal: bool,
}

impl Plan {
    /// The planner with the default options.
    ///
    /// # Errors
    /// As [`Plan::with_options`].
    pub fn new(lifetimes: &[Lifetime]) -> Result<Self, PlanError> {
        Self::with_options(lifetimes, &PlanOptions::default())
    }

    /// The smallest plan the planner finds: every greedy candidate, then the local search, the
    /// naive layout kept as a candidate too (see the module documentation).
    ///
    /// # Errors
    /// [`AllocError::InvalidAlignment`](crate::AllocError::InvalidAlignment) (wrapped in
    /// [`PlanError::Alloc`]) if an alignment is not a power of two;
    /// [`PlanError::InvalidLifetime`] if a lifetime starts after it ends;
    /// [`PlanError::TooManyTensors`] past `u32::MAX` tensors; [`PlanError::PlanOverflow`] if
    /// the tensors one after another would end past `isize::MAX` bytes;
    /// [`AllocError::OutOfMemory`](crate::AllocError::OutOfMemory) (wrapped) if the conflict
    /// graph cannot be allocated.
    pub fn with_options(lifetimes: &[Lifetime], options: &PlanOptions) -> Result<Self, PlanError> {
        Self::with_cancel(lifetimes, options, &AtomicBool::new(false))
    }

    /// As [`Plan::with_options`], and the searches stop early once `cancel` is set (by another
    /// thread): the plan is then the best found so far, as when a time limit runs out.
    ///
    /// # Errors
    /// As [`Plan::with_options`].
    pub fn with_cancel(
        lifetimes: &[Lifetime],
        options: &PlanOptions,
        cancel: &AtomicBool,
    ) -> Result<Self, PlanError> {
        let deadline = options.time_limit.map(|limit| Instant::now() + limit);
        let mut plan = Self::naive(lifetimes)?;
        if plan.bytes == plan.lower_bound {
            return Ok(plan);
        }
        let Some(conflicts) = Conflicts::new(lifetimes, Some(cancel))? else {
            return Ok(plan); // stopped while the graph was built: the naive plan
        };
        let mut placer = Placer::new(lifetimes, &conflicts);
        let mut best: Option<(Placement, Order, Fit)> = None;
        let mut best_bytes = plan.bytes;
        // Greedy by size with best-fit gaps first: it is the baseline, and never beaten below.
        let orders = core::iter::once(Order::Size)
            .chain((options.orders.iter().copied()).filter(|&o| o != Order::Size));
        'candidates: for order in orders {
            // A stop ends the greedy too (on 10,000 tensors the candidates take hundreds of
            // milliseconds): the plan is then the best so far, the naive one at worst; so does
            // the deadline, once there is a greedy plan to return.
            if stopped(best.is_some(), deadline, cancel) {
                break;
            }
            let sequence = order::order(lifetimes, &conflicts, order);
            for fit in [Fit::Best, Fit::First] {
                if stopped(best.is_some(), deadline, cancel) {
                    break 'candidates;
                }
                let mut placement = Placement::new(lifetimes.len(), sequence.clone());
                // A candidate is abandoned as soon as it is no better than the best so far.
                if let Ok(bytes) = placer.place(&mut placement, fit, best_bytes, Some(cancel)) {
                    if best.is_none() || bytes < best_bytes {
                        best_bytes = bytes;
                        best = Some((placement, order, fit));
                        if bytes == plan.lower_bound {
                            break 'candidates;
                        }
                    }
                }
            }
        }
        let Some((mut placement, order, fit)) = best else {
            plan.exact(lifetimes, &conflicts, options, deadline, cancel);
            return Ok(plan);
        };
        let mut planner = Planner::Greedy { order, fit };
        if best_bytes > plan.lower_bound && options.search_passes > 0 {
            let budget = search::Budget {
                work: conflicts
                    .pass_work()
                    .saturating_mul(u64::from(options.search_passes)),
                deadline,
                cancel,
                lower_bound: plan.lower_bound,
            };
            let mut rng = search::Rng::new(options.seed);
            let improved = search::search(&mut placer, &mut placement, fit, budget, &mut rng);
            if improved {
                planner = Planner::Search { order, fit };
            }
        }
        if placement.bytes < plan.bytes {
            plan.bytes = placement.bytes;
            plan.offsets = placement.offsets;
            plan.planner = planner;
        }
        plan.optimal = plan.bytes == plan.lower_bound;
        plan.exact(lifetimes, &conflicts, options, deadline, cancel);
        Ok(plan)
    }

    /// The exact search from this plan down, within the options' budget; keeps what it finds.
    fn exact(
        &mut self,
        lifetimes: &[Lifetime],
        conflicts: &Conflicts,
        options: &PlanOptions,
        deadline: Option<Instant>,
        cancel: &AtomicBool,
    ) {
        if self.bytes == self.lower_bound {
            self.optimal = true;
            return;
        }
        if options.exact_passes == 0 {
            return;
        }
        let mut search = exact::Exact::new(lifetimes, conflicts, options.techniques);
        let limits = exact::Limits {
            work: conflicts
                .pass_work()
                .saturating_mul(u64::from(options.exact_passes)),
            deadline,
            cancel,
        };
        let found = minimise::minimise(&mut search, self.bytes, self.lower_bound, &limits);
        if let Some(offsets) = found.offsets {
            self.offsets = offsets;
            self.bytes = found.bytes;
            self.planner = Planner::Exact;
        }
        self.optimal = found.optimal;
    }

    /// Greedy by size with best-fit gaps alone (TensorFlow Lite's planner): the baseline the
    /// planner is compared with. Unlike [`Plan::new`] it may need more than the naive layout
    /// (alignment padding in another order).
    ///
    /// # Errors
    /// As [`Plan::with_options`]; also [`PlanError::PlanOverflow`] if its own layout would end
    /// past `isize::MAX` bytes.
    pub fn greedy_by_size(lifetimes: &[Lifetime]) -> Result<Self, PlanError> {
        let mut plan = Self::naive(lifetimes)?;
        // Without a cancel flag the graph is always built.
        let Some(conflicts) = Conflicts::new(lifetimes, None)? else {
            return Ok(plan);
        };
        let mut placer = Placer::new(lifetimes, &conflicts);
        let sequence = order::order(lifetimes, &conflicts, Order::Size);
        let mut placement = Placement::new(lifetimes.len(), sequence);
        let bytes = placer
            .place(&mut placement, Fit::Best, isize::MAX as usize, None)
            .map_err(|stop| {
                let l = &lifetimes[stop.tensor as usize];
                PlanError::PlanOverflow {
                    tensor: stop.tensor as usize,
                    size: l.size,
                    alignment: l.alignment,
                    offset: stop.offset,
                }
            })?;
        plan.bytes = bytes;
        plan.offsets = placement.offsets;
        plan.planner = Planner::Greedy {
            order: Order::Size,
            fit: Fit::Best,
        };
        plan.optimal = plan.bytes == plan.lower_bound;
        Ok(plan)
    }

    /// Every tensor after the one before, in input order, as a bump arena lays them out.
    ///
    /// # Errors
    /// As [`Plan::with_options`] (but builds no conflict graph, so never `OutOfMemory`).
    pub fn naive(lifetimes: &[Lifetime]) -> Result<Self, PlanError> {
        validate(lifetimes)?;
        let (offsets, bytes) = bound::naive(lifetimes)?;
        Ok(Self {
            offsets,
            bytes,
            lower_bound: bound::lower_bound(lifetimes),
            naive_bytes: bytes,
            alignment: block_alignment(lifetimes),
            planner: Planner::Naive,
            optimal: false,
        }
        .with_optimal())
    }

    /// A plan from offsets made elsewhere (a plan saved with a model), checked: each offset a
    /// multiple of its tensor's alignment, no two conflicting tensors sharing a byte.
    ///
    /// # Errors
    /// As [`Plan::naive`]; [`PlanError::OffsetCount`] if there is not one offset per tensor;
    /// [`PlanError::MisalignedOffset`]; [`PlanError::OverlappingTensors`] naming two tensors
    /// and a step they are both live at; [`PlanError::PlanOverflow`] if a tensor ends past
    /// `isize::MAX`.
    pub fn from_offsets(lifetimes: &[Lifetime], offsets: Vec<usize>) -> Result<Self, PlanError> {
        let mut plan = Self::naive(lifetimes)?;
        plan.bytes = verify::verify(lifetimes, &offsets)?;
        plan.offsets = offsets;
        plan.planner = Planner::Given;
        plan.optimal = plan.bytes == plan.lower_bound;
        Ok(plan)
    }

    /// Each tensor's byte offset in the block, in input order.
    #[must_use]
    pub fn offsets(&self) -> &[usize] {
        &self.offsets
    }

    /// The offsets, by value.
    #[must_use]
    pub fn into_offsets(self) -> Vec<usize> {
        self.offsets
    }

    /// The block size the plan needs: the highest end of any tensor.
    #[must_use]
    pub const fn bytes(&self) -> usize {
        self.bytes
    }

    /// The largest sum of sizes live at one step: no plan needs less.
    #[must_use]
    pub const fn lower_bound(&self) -> usize {
        self.lower_bound
    }

    /// What a bump arena needs for the pass: every tensor after the one before, padded.
    #[must_use]
    pub const fn naive_bytes(&self) -> usize {
        self.naive_bytes
    }

    /// The alignment the block needs (the largest tensor alignment; 1 with no tensors), so that
    /// aligned offsets are aligned addresses.
    #[must_use]
    pub const fn alignment(&self) -> usize {
        self.alignment
    }

    /// Whether no plan of these lifetimes needs fewer bytes: the plan reaches the lower bound,
    /// or the exact search proved that nothing smaller fits. A plan that is not proven optimal
    /// may still be (the search ran out of budget before proving it).
    #[must_use]
    pub const fn optimal(&self) -> bool {
        self.optimal
    }

    /// Marks the plan optimal when it reaches the lower bound.
    fn with_optimal(mut self) -> Self {
        self.optimal = self.bytes == self.lower_bound;
        self
    }

    /// Which candidate the offsets came from.
    #[must_use]
    pub const fn planner(&self) -> Planner {
        self.planner
    }
}

/// Refuses what the planner cannot take, before any work: nothing is half done on error.
/// Whether the greedy stops before its next candidate: another thread asked the planner to
/// stop, or the caller's deadline has passed and a greedy plan is in hand.
fn stopped(have_one: bool, deadline: Option<Instant>, cancel: &AtomicBool) -> bool {
    cancel.load(Ordering::Relaxed) || (have_one && deadline.is_some_and(|d| Instant::now() >= d))
}

fn validate(lifetimes: &[Lifetime]) -> Result<(), PlanError> {
    let limit = u32::MAX as usize;
    if lifetimes.len() > limit {
        return Err(PlanError::TooManyTensors {
            tensors: lifetimes.len(),
            limit,
        });
    }
    for (tensor, l) in lifetimes.iter().enumerate() {
        check_alignment(l.alignment)?;
        if l.start > l.end {
            return Err(PlanError::InvalidLifetime {
                tensor,
                start: l.start,
                end: l.end,
            });
        }
    }
    Ok(())
}

fn block_alignment(lifetimes: &[Lifetime]) -> usize {
    lifetimes.iter().map(|l| l.alignment).max().unwrap_or(1)
}
