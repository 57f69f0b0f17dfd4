//! The two figures every plan is measured against: the lower bound (no plan needs less) and the
//! naive layout (what a bump arena needs for the pass; no plan should need more).

use super::{Lifetime, PlanError};
use crate::{AllocError, Bump};

/// The largest sum of sizes live at one step. Every tensor live at that step needs bytes of its
/// own, so no plan fits in fewer (alignment padding can only add to it). Callers have checked that
/// the naive layout fits in `isize::MAX`, so no sum here overflows.
pub(super) fn lower_bound(lifetimes: &[Lifetime]) -> usize {
    // (step, 0) adds a tensor, (step, 1) removes it: at one step additions come first, because a
    // tensor that ends at step s and one that starts at step s are both live at s.
    let mut events: Vec<(usize, u8, usize)> = Vec::with_capacity(2 * lifetimes.len());
    for l in lifetimes.iter().filter(|l| l.size > 0) {
        events.push((l.start, 0, l.size));
        events.push((l.end, 1, l.size));
    }
    events.sort_unstable();
    let (mut live, mut peak) = (0usize, 0usize);
    for (_, kind, size) in events {
        if kind == 0 {
            live += size;
            peak = peak.max(live);
        } else {
            live -= size;
        }
    }
    peak
}

/// Every tensor one after another in input order, padded to its alignment from offset 0: the
/// core's [`Bump`] rule, so this is exactly what an arena needs for the pass.
///
/// # Errors
/// [`PlanError::PlanOverflow`] if the layout would end past `isize::MAX` bytes.
pub(super) fn naive(lifetimes: &[Lifetime]) -> Result<(Vec<usize>, usize), PlanError> {
    // `isize::MAX` is the largest block a `Layout` describes.
    let mut bump = Bump::new(0, isize::MAX as usize)?;
    let mut offsets = Vec::with_capacity(lifetimes.len());
    for (tensor, l) in lifetimes.iter().enumerate() {
        match bump.allocate(l.size, l.alignment) {
            Ok(offset) => offsets.push(offset),
            Err(AllocError::Exhausted { .. }) => {
                return Err(PlanError::PlanOverflow {
                    tensor,
                    size: l.size,
                    alignment: l.alignment,
                    // `used <= isize::MAX` and `alignment <= 2^(usize::BITS - 1)`: no wrap.
                    offset: bump.used().next_multiple_of(l.alignment),
                });
            }
            Err(other) => return Err(other.into()),
        }
    }
    Ok((offsets, bump.used()))
}
