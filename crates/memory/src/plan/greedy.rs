//! Greedy placement: tensors taken in a given order, each put in a gap left between the tensors
//! already placed that conflict with it, or above the highest of them.
//!
//! This is the offset-calculation half of every greedy planner (TensorFlow Lite's arena planner,
//! Pisarchyk & Lee's "greedy by size", TVM's USMP algorithms): they differ in the order and in
//! which gap a tensor takes. A tensor's offset depends only on the tensors before it in the order
//! that conflict with it, which is what lets the local search re-place only what a move affects.

use std::sync::atomic::{AtomicBool, Ordering};

use super::conflicts::Conflicts;
use super::{Fit, Lifetime};

/// Where every tensor went, for one placement order.
#[derive(Debug, Clone)]
pub(super) struct Placement {
    /// Tensors of nonzero size, in the order they are placed.
    pub(super) order: Vec<u32>,
    /// Each tensor's position in `order` (`u32::MAX` for zero-size tensors: never placed).
    position: Vec<u32>,
    /// Each tensor's offset (zero-size tensors stay at 0, which every alignment divides).
    pub(super) offsets: Vec<usize>,
    /// The block size: the highest end of any tensor.
    pub(super) bytes: usize,
}

impl Placement {
    /// An empty placement of `order` over `tensors` tensors; [`Placer::place`] fills it.
    pub(super) fn new(tensors: usize, order: Vec<u32>) -> Self {
        let mut position = vec![u32::MAX; tensors];
        for (p, &t) in order.iter().enumerate() {
            position[t as usize] = p as u32;
        }
        Self {
            order,
            position,
            offsets: vec![0; tensors],
            bytes: 0,
        }
    }

    /// Moves the tensor at position `from` to position `to`, shifting the ones between (the
    /// offsets stay as they were: the caller re-places what the move affects).
    pub(super) fn move_tensor(&mut self, from: usize, to: usize) {
        if from > to {
            self.order[to..=from].rotate_right(1);
        } else {
            self.order[from..=to].rotate_left(1);
        }
        for p in from.min(to)..=from.max(to) {
            self.position[self.order[p] as usize] = p as u32;
        }
    }

    /// Each tensor's position in the order.
    #[inline]
    pub(super) fn position(&self, tensor: u32) -> usize {
        self.position[tensor as usize] as usize
    }
}

/// Places tensors greedily; holds the scratch space so a search allocates nothing per pass.
#[derive(Debug)]
pub(super) struct Placer<'a> {
    lifetimes: &'a [Lifetime],
    conflicts: &'a Conflicts,
    /// The byte ranges of the placed neighbours of the tensor being placed.
    below: Vec<(usize, usize)>,
    /// Neighbour visits so far: the unit of the search's effort budget, since a pass costs about
    /// as many of them as there are conflicts.
    pub(super) work: u64,
}

impl<'a> Placer<'a> {
    pub(super) fn new(lifetimes: &'a [Lifetime], conflicts: &'a Conflicts) -> Self {
        Self {
            lifetimes,
            conflicts,
            below: Vec::new(),
            work: 0,
        }
    }

    /// The size of `tensor`.
    #[inline]
    pub(super) fn size(&self, tensor: u32) -> usize {
        self.lifetimes[tensor as usize].size
    }

    /// The tensors that conflict with `tensor`.
    #[inline]
    pub(super) fn neighbours(&self, tensor: u32) -> &'a [u32] {
        self.conflicts.of(tensor)
    }

    /// Places every tensor in `placement`'s order and returns the block size. Stops at the
    /// first tensor that would end past `limit` (the caller only wants placements that fit in
    /// it) and returns it with the offset it would get; abandons the placement the same way once
    /// `cancel` is raised.
    pub(super) fn place(
        &mut self,
        placement: &mut Placement,
        fit: Fit,
        limit: usize,
        cancel: Option<&AtomicBool>,
    ) -> Result<usize, Exceeded> {
        let mut top = 0;
        for p in 0..placement.order.len() {
            let t = placement.order[p];
            // A placement of 10,000 tensors takes tens of milliseconds (seconds in a debug build
            // under emulation): a stop is looked at every 256 tensors, and abandons it.
            if p % 256 == 255 && cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
                return Err(Exceeded {
                    tensor: t,
                    offset: 0,
                });
            }
            let offset = self.offset_at(placement, p, fit);
            let end = offset.saturating_add(self.lifetimes[t as usize].size);
            if end > limit {
                return Err(Exceeded { tensor: t, offset });
            }
            placement.offsets[t as usize] = offset;
            top = top.max(end);
        }
        placement.bytes = top;
        Ok(top)
    }
}

impl Placer<'_> {
    /// Where `fit` puts the tensor at position `p`, given the offsets of the tensors before it.
    pub(super) fn offset_at(&mut self, placement: &Placement, p: usize, fit: Fit) -> usize {
        let t = placement.order[p];
        let position = &placement.position;
        self.offset_among(&placement.offsets, t, fit, |n| {
            (position[n as usize] as usize) < p
        })
    }

    /// Where `fit` puts `tensor` among the conflicting tensors that `placed` accepts.
    pub(super) fn offset_among(
        &mut self,
        offsets: &[usize],
        tensor: u32,
        fit: Fit,
        placed: impl Fn(u32) -> bool,
    ) -> usize {
        self.below.clear();
        let neighbours = self.conflicts.of(tensor);
        self.work += neighbours.len() as u64 + 1;
        for &n in neighbours {
            if placed(n) {
                let offset = offsets[n as usize];
                let end = offset.saturating_add(self.lifetimes[n as usize].size);
                self.below.push((offset, end));
            }
        }
        let l = &self.lifetimes[tensor as usize];
        gap(&mut self.below, l.size, l.alignment, fit)
    }
}

/// The tensor that stopped a placement, and where it would have gone.
#[derive(Debug, Clone, Copy)]
pub(super) struct Exceeded {
    pub(super) tensor: u32,
    pub(super) offset: usize,
}

/// The offset for a tensor of `size` bytes aligned to `alignment` among the byte ranges `below`
/// (unsorted, may overlap each other): the gap `fit` picks, else just above the highest.
///
/// Best fit takes the smallest gap that holds the tensor (TensorFlow Lite's rule: it leaves the
/// large gaps for the large tensors still to come); first fit takes the lowest.
fn gap(below: &mut [(usize, usize)], size: usize, alignment: usize, fit: Fit) -> usize {
    below.sort_unstable_by_key(|&(start, _)| start);
    let mut cursor = 0usize;
    let mut best: Option<(usize, usize)> = None;
    for &(start, end) in below.iter() {
        let at = align_up(cursor, alignment);
        if start >= at && start - at >= size {
            let room = start - cursor;
            match fit {
                Fit::First => return at,
                Fit::Best => {
                    if best.is_none_or(|(_, smallest)| room < smallest) {
                        best = Some((at, room));
                    }
                }
            }
        }
        cursor = cursor.max(end);
    }
    best.map_or_else(|| align_up(cursor, alignment), |(at, _)| at)
}

/// `x` rounded up to a multiple of `alignment` (a power of two), saturating: a placement that
/// saturates ends at `usize::MAX`, past the naive layout, so it is never chosen.
#[inline]
fn align_up(x: usize, alignment: usize) -> usize {
    x.checked_next_multiple_of(alignment).unwrap_or(usize::MAX)
}
