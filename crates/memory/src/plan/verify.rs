//! Checking a plan someone else made (a plan saved with a model and loaded back): every offset
//! aligned, no two tensors live at a common step sharing a byte.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};

use super::Lifetime;
use super::PlanError;

/// The block size `offsets` need for `lifetimes`, if they are a valid plan.
///
/// A sweep over the steps keeps the byte ranges of the live tensors in an ordered map; since they
/// never overlap, a new tensor only has to be compared with its two neighbours there. Two tensors
/// that conflict are both live when the later one starts, so every conflict is seen. O(n log n).
///
/// # Errors
/// [`PlanError::OffsetCount`], [`PlanError::MisalignedOffset`], [`PlanError::PlanOverflow`]
/// (a tensor ending past `isize::MAX`), or [`PlanError::OverlappingTensors`] for the first
/// conflict met in step order.
pub(super) fn verify(lifetimes: &[Lifetime], offsets: &[usize]) -> Result<usize, PlanError> {
    if offsets.len() != lifetimes.len() {
        return Err(PlanError::OffsetCount {
            tensors: lifetimes.len(),
            offsets: offsets.len(),
        });
    }
    let mut bytes = 0usize;
    for (tensor, (l, &offset)) in lifetimes.iter().zip(offsets).enumerate() {
        if !offset.is_multiple_of(l.alignment) {
            return Err(PlanError::MisalignedOffset {
                tensor,
                offset,
                alignment: l.alignment,
            });
        }
        match offset.checked_add(l.size) {
            Some(end) if end <= isize::MAX as usize => bytes = bytes.max(end),
            _ => {
                return Err(PlanError::PlanOverflow {
                    tensor,
                    size: l.size,
                    alignment: l.alignment,
                    offset,
                })
            }
        }
    }
    let mut by_start: Vec<usize> = (0..lifetimes.len())
        .filter(|&t| lifetimes[t].size > 0)
        .collect();
    by_start.sort_unstable_by_key(|&t| (lifetimes[t].start, t));
    // Live tensors by offset: offset -> (end offset, tensor).
    let mut live: BTreeMap<usize, (usize, usize)> = BTreeMap::new();
    let mut ends = BinaryHeap::new();
    for t in by_start {
        let (l, offset) = (&lifetimes[t], offsets[t]);
        while let Some(&Reverse((end, gone))) = ends.peek() {
            if end >= l.start {
                break;
            }
            ends.pop();
            live.remove(&offsets[gone]);
        }
        let end = offset + l.size;
        let below = live.range(..=offset).next_back();
        let above = live.range(offset..).next();
        let clash = below
            .filter(|(_, &(below_end, _))| below_end > offset)
            .or_else(|| above.filter(|(&above_start, _)| above_start < end));
        if let Some((_, &(_, other))) = clash {
            return Err(PlanError::OverlappingTensors {
                tensor: other.min(t),
                other: other.max(t),
                step: l.start,
            });
        }
        live.insert(offset, (end, t));
        ends.push(Reverse((l.end, t)));
    }
    Ok(bytes)
}
