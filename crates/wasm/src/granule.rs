//! Planning in granules: the planner's arithmetic is a homothety, so a pass whose sizes,
//! alignments (and offsets, to verify) are all multiples of a power of two `g` is planned as the
//! same pass divided by `g`, and its plan multiplied back.
//!
//! Why: on wasm32 `usize` is 32 bits, and the core refuses a pass whose naive layout passes
//! `isize::MAX` (2 GiB - 1): the benchmark fixture's random-10k (2.49 GB naive, every size a
//! multiple of 16) would be refused here and planned natively. Divided by its granule it fits,
//! and it plans to the native addon's offsets: every step of the planner (greedy orders by size,
//! best-fit gaps, padding `(-x) & (a - 1)` with `x` and `a` multiples of `g`, the lower bound,
//! the local search's comparisons, the exact search's lowest offsets; budgets count visits, not
//! bytes) commutes with multiplying every byte figure by a power of two that divides them all.
//! The browser suite holds the claim to the native planner on the whole fixture.
//!
//! A refused pass is planned again as it is, so a refusal names the caller's figures.

use lightwatch_memory::{Lifetime, Plan, PlanError};

use crate::refusal::Refusal;

/// The largest power of two dividing every size, alignment and offset (at most the smallest
/// alignment, which is a power of two whenever the pass is valid); 1 if there is nothing.
fn granule(lifetimes: &[Lifetime], offsets: &[usize]) -> usize {
    let mut bits = 0usize;
    for lifetime in lifetimes {
        bits |= lifetime.size | lifetime.alignment;
    }
    for &offset in offsets {
        bits |= offset;
    }
    // The lowest set bit (the largest power of two dividing every figure); 1 when every figure
    // is 0 (no granule to take).
    if bits == 0 {
        1
    } else {
        1 << bits.trailing_zeros()
    }
}

/// A plan of the pass divided by `granule`: its figures in bytes of the pass.
pub(crate) struct Scaled {
    plan: Plan,
    granule: usize,
}

impl Scaled {
    fn bytes(&self, value: usize) -> f64 {
        // Exact: every figure of a plan is below 2^53 bytes once multiplied (f64 products of
        // integers below 2^32 and a power of two).
        value as f64 * self.granule as f64
    }

    pub(crate) fn offsets(&self) -> impl Iterator<Item = f64> + '_ {
        self.plan.offsets().iter().map(|&offset| self.bytes(offset))
    }

    /// Bytes, lower bound, naive bytes, optimal (1 or 0).
    pub(crate) fn figures(&self) -> [f64; 4] {
        [
            self.bytes(self.plan.bytes()),
            self.bytes(self.plan.lower_bound()),
            self.bytes(self.plan.naive_bytes()),
            f64::from(u8::from(self.plan.optimal())),
        ]
    }
}

/// Runs `planner` on the pass divided by its granule, and on the pass as it is if that fails
/// (or there is no granule): the plan, or the refusal with the caller's figures.
pub(crate) fn plan_in_granules(
    lifetimes: &[Lifetime],
    offsets: &[usize],
    planner: impl Fn(&[Lifetime], Vec<usize>) -> Result<Plan, PlanError>,
) -> Result<Scaled, Refusal> {
    let granule = granule(lifetimes, offsets);
    if granule > 1 {
        let scaled: Vec<Lifetime> = lifetimes
            .iter()
            .map(|l| Lifetime {
                size: l.size / granule,
                alignment: l.alignment / granule,
                start: l.start,
                end: l.end,
            })
            .collect();
        let offsets = offsets.iter().map(|&o| o / granule).collect();
        if let Ok(plan) = planner(&scaled, offsets) {
            return Ok(Scaled { plan, granule });
        }
    }
    let plan = planner(lifetimes, offsets.to_vec())?;
    Ok(Scaled { plan, granule: 1 })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lifetime(size: usize, alignment: usize, start: usize, end: usize) -> Lifetime {
        Lifetime {
            size,
            alignment,
            start,
            end,
        }
    }

    #[test]
    fn the_granule_is_the_lowest_common_power_of_two() {
        let pass = [lifetime(96, 16, 0, 1), lifetime(64, 64, 1, 2)];
        assert_eq!(granule(&pass, &[]), 16);
        assert_eq!(granule(&pass, &[8]), 8);
        assert_eq!(granule(&[lifetime(3, 1, 0, 0)], &[]), 1);
    }

    #[test]
    fn a_plan_in_granules_is_the_plan_multiplied_back() {
        // Sizes that are multiples of 32, alignments of 16 and 64, lifetimes that overlap.
        let pass: Vec<Lifetime> = (0..40)
            .map(|i| {
                lifetime(
                    32 * (1 + (i * 7) % 13),
                    if i % 3 == 0 { 64 } else { 16 },
                    i / 2,
                    i / 2 + (i % 5),
                )
            })
            .collect();
        let direct = Plan::new(&pass).unwrap();
        let scaled = plan_in_granules(&pass, &[], |l, _| Plan::new(l)).unwrap();
        assert_eq!(scaled.granule, 16);
        let offsets: Vec<f64> = direct.offsets().iter().map(|&o| o as f64).collect();
        assert_eq!(scaled.offsets().collect::<Vec<_>>(), offsets);
        assert_eq!(scaled.figures()[0], direct.bytes() as f64);
        assert_eq!(scaled.figures()[1], direct.lower_bound() as f64);
        assert_eq!(scaled.figures()[2], direct.naive_bytes() as f64);
    }

    #[test]
    fn a_refusal_names_the_callers_figures() {
        let pass = [lifetime(64, 16, 2, 1)];
        let refused = plan_in_granules(&pass, &[], |l, _| Plan::new(l))
            .err()
            .unwrap();
        assert!(refused.message.contains("step 2"), "{}", refused.message);
    }
}
