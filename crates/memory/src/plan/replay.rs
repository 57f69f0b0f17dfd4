//! What a replay keeps live: the lifetimes a plan must be checked against.
//!
//! A recorded pass frees some tensors (at the step of their `free`) and keeps the others to its
//! end. Its replay does the same: a tensor the pass never frees is never freed, so it stays live
//! until the run is over, whatever end was written down for it (a plan saved as JSON can say
//! anything). A plan is safe to replay exactly when no two tensors live together *in this sense*
//! share a byte, so this is the one rule every path that builds a replay checks against
//! (`MemoryPlan.fromJSON` and the instantiation of a planned pass, through the binding).

use super::Lifetime;

/// The lifetimes a replay gives `tensors` (each a lifetime and whether the pass frees it): as
/// given for a freed tensor; from its start to the pass's last step for one the pass keeps. The
/// last step is the latest start, or end of a freed tensor, of any of them.
///
/// ```
/// use lightwatch_memory::{replayed_lifetimes, Lifetime};
/// // Both kept to the end: they are live together, whatever their written ends say.
/// let kept = replayed_lifetimes(&[(Lifetime::new(64, 0, 0), false), (Lifetime::new(64, 1, 1), false)]);
/// assert!(kept[0].conflicts_with(&kept[1]));
/// ```
#[must_use]
pub fn replayed_lifetimes(tensors: &[(Lifetime, bool)]) -> Vec<Lifetime> {
    let last = tensors
        .iter()
        .map(|&(l, freed)| if freed { l.start.max(l.end) } else { l.start })
        .max()
        .unwrap_or(0);
    tensors
        .iter()
        .map(|&(l, freed)| {
            if freed {
                l
            } else {
                Lifetime { end: last, ..l }
            }
        })
        .collect()
}
