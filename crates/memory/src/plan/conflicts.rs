//! The conflict graph: which tensors are live at a common step, as adjacency lists.
//!
//! Every placement strategy asks the same question again and again ("which tensors already placed
//! share a step with this one?"), so the answer is computed once, by a sweep over the steps, and
//! stored compactly (CSR: one `u32` per edge end). TensorFlow Lite's arena planner scans every
//! placed tensor instead, which is quadratic in the number of tensors per placement pass; the
//! graph makes a pass linear in the number of conflicts, which is what lets the local search run
//! hundreds of passes within the planning-time budget.
//!
//! Zero-size tensors are left out: they occupy no byte, so they conflict with nothing.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::atomic::{AtomicBool, Ordering};

use super::Lifetime;
use crate::AllocError;

/// Adjacency lists of the conflict graph (compressed sparse rows).
#[derive(Debug)]
pub(super) struct Conflicts {
    /// `neighbours[first[t]..first[t + 1]]` are the tensors that conflict with `t`.
    first: Vec<usize>,
    neighbours: Vec<u32>,
}

impl Conflicts {
    /// The graph of `lifetimes` (already validated: `start <= end`, at most `u32::MAX` tensors),
    /// or `None` if `cancel` was raised while it was built (about a second for 10,000 tensors in
    /// a debug build under emulation: a stop must not wait for it).
    ///
    /// # Errors
    /// [`AllocError::OutOfMemory`] if the adjacency lists cannot be allocated (a dense graph of
    /// many tensors has as many edges as pairs of them).
    pub(super) fn new(
        lifetimes: &[Lifetime],
        cancel: Option<&AtomicBool>,
    ) -> Result<Option<Self>, AllocError> {
        let by_start = by_start(lifetimes);
        let mut degree = vec![0usize; lifetimes.len()];
        let counted = sweep(lifetimes, &by_start, cancel, |a, b| {
            degree[a as usize] += 1;
            degree[b as usize] += 1;
        });
        if !counted {
            return Ok(None);
        }
        let mut first = Vec::with_capacity(lifetimes.len() + 1);
        let mut total = 0usize;
        first.push(0);
        for &d in &degree {
            total += d;
            first.push(total);
        }
        let mut neighbours: Vec<u32> = Vec::new();
        neighbours
            .try_reserve_exact(total)
            .map_err(|_| AllocError::OutOfMemory {
                size: total.saturating_mul(size_of::<u32>()),
                alignment: align_of::<u32>(),
            })?;
        neighbours.resize(total, 0);
        // `degree` becomes the fill cursor of each row.
        degree.copy_from_slice(&first[..lifetimes.len()]);
        let filled = sweep(lifetimes, &by_start, cancel, |a, b| {
            neighbours[degree[a as usize]] = b;
            degree[a as usize] += 1;
            neighbours[degree[b as usize]] = a;
            degree[b as usize] += 1;
        });
        Ok(filled.then_some(Self { first, neighbours }))
    }

    /// The tensors that conflict with `tensor`.
    #[inline]
    pub(super) fn of(&self, tensor: u32) -> &[u32] {
        let t = tensor as usize;
        &self.neighbours[self.first[t]..self.first[t + 1]]
    }

    /// The cost of one full greedy pass, in neighbour visits: one per tensor and one per end of
    /// every edge.
    pub(super) fn pass_work(&self) -> u64 {
        (self.first.len() - 1 + self.neighbours.len()) as u64
    }

    /// The number of tensors that conflict with `tensor`.
    #[inline]
    pub(super) fn degree(&self, tensor: u32) -> usize {
        let t = tensor as usize;
        self.first[t + 1] - self.first[t]
    }
}

/// The tensors of nonzero size, by the step they start at.
fn by_start(lifetimes: &[Lifetime]) -> Vec<u32> {
    let mut order: Vec<u32> = (0..lifetimes.len() as u32)
        .filter(|&t| lifetimes[t as usize].size > 0)
        .collect();
    order.sort_unstable_by_key(|&t| (lifetimes[t as usize].start, t));
    order
}

/// Calls `edge(a, b)` once for every pair of conflicting tensors, and returns `true`; or stops
/// and returns `false` once `cancel` is raised (looked at every 256 tensors). A tensor conflicts
/// with every tensor still live when it starts: the sweep keeps the live set, dropping a tensor
/// once a later one starts after its end.
fn sweep(
    lifetimes: &[Lifetime],
    by_start: &[u32],
    cancel: Option<&AtomicBool>,
    mut edge: impl FnMut(u32, u32),
) -> bool {
    let mut live: Vec<u32> = Vec::new();
    // Where each tensor sits in `live`, so it leaves in O(1).
    let mut slot = vec![0usize; lifetimes.len()];
    let mut ends = BinaryHeap::new();
    for (n, &t) in by_start.iter().enumerate() {
        if n % 256 == 255 && cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
            return false;
        }
        let start = lifetimes[t as usize].start;
        while let Some(&Reverse((end, gone))) = ends.peek() {
            if end >= start {
                break;
            }
            ends.pop();
            let at = slot[gone as usize];
            live.swap_remove(at);
            if let Some(&moved) = live.get(at) {
                slot[moved as usize] = at;
            }
        }
        for &other in &live {
            edge(t, other);
        }
        slot[t as usize] = live.len();
        live.push(t);
        ends.push(Reverse((lifetimes[t as usize].end, t)));
    }
    true
}
