//! The local search over placement orders: TVM's USMP hill climb, made incremental.
//!
//! A move takes a tensor that ends at the top of the block and moves it, in the placement order,
//! to just before one of the tensors under it that it conflicts with (it then chooses its gap
//! before them, and usually lands lower). A greedy placement is a function of the order in which
//! each tensor's conflicting neighbours come, so after a move only the tensors whose placed
//! neighbours changed need placing again: the moved tensor, the neighbours it jumped over, and,
//! transitively, the later neighbours of every tensor whose offset changed. They are re-placed
//! in order from a heap of positions. The move is kept if no re-placed tensor ends above the
//! current block size, and undone otherwise (as soon as one does). So the block size never grows,
//! moves that leave it equal are kept (the search walks plateaus), and a move costs what it
//! touches, not a full pass: thousands of moves fit in the time of a few passes.

use super::clock::Instant;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::atomic::{AtomicBool, Ordering};

use super::greedy::{Placement, Placer};
use super::Fit;

/// A seeded xorshift64* generator: the search is a function of its input and its seed.
#[derive(Debug, Clone)]
pub(super) struct Rng(u64);

impl Rng {
    pub(super) fn new(seed: u64) -> Self {
        // Zero is xorshift's fixed point.
        Self((seed ^ 0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Below `n` (> 0), near enough uniform for picking moves.
    pub(super) fn below(&mut self, n: usize) -> usize {
        (((self.next() >> 32) * n as u64) >> 32) as usize
    }
}

/// What bounds the search.
#[derive(Debug, Clone, Copy)]
pub(super) struct Budget<'s> {
    /// Neighbour visits the search may spend (the placer's `work`).
    pub(super) work: u64,
    /// A wall-clock deadline, if the caller asked for one.
    pub(super) deadline: Option<Instant>,
    /// Raised by another thread to stop the search.
    pub(super) cancel: &'s AtomicBool,
    /// No plan needs less: stop on reaching it.
    pub(super) lower_bound: usize,
}

/// The search's state beside the placement: which tensors sit at the top, and the scratch of a
/// move (what to re-place, what changed, to undo it).
struct Climb<'p, 'a> {
    placer: &'p mut Placer<'a>,
    placement: &'p mut Placement,
    fit: Fit,
    /// The tensors whose end is the block size.
    top: Vec<u32>,
    /// Positions waiting to be re-placed in this move.
    pending: BinaryHeap<Reverse<u32>>,
    queued: Vec<bool>,
    /// Tensors re-placed in this move, with their offsets before it.
    changed: Vec<(u32, usize)>,
    under: Vec<usize>,
}

/// Improves `placement` (complete, made with `fit`) in place; returns whether it got smaller.
pub(super) fn search(
    placer: &mut Placer<'_>,
    placement: &mut Placement,
    fit: Fit,
    budget: Budget<'_>,
    rng: &mut Rng,
) -> bool {
    let started = placement.bytes;
    let spent_before = placer.work;
    let tensors = placement.offsets.len();
    let mut climb = Climb {
        placer,
        placement,
        fit,
        top: Vec::new(),
        pending: BinaryHeap::new(),
        queued: vec![false; tensors],
        changed: Vec::new(),
        under: Vec::new(),
    };
    climb.find_top();
    while climb.placer.work - spent_before < budget.work
        && climb.placement.bytes > budget.lower_bound
        && budget.deadline.is_none_or(|d| Instant::now() < d)
        && !budget.cancel.load(Ordering::Relaxed)
    {
        climb.step(rng);
    }
    climb.placement.bytes < started
}

impl Climb<'_, '_> {
    fn end(&self, tensor: u32) -> usize {
        self.placement.offsets[tensor as usize].saturating_add(self.placer.size(tensor))
    }

    /// Recomputes the block size and the tensors at the top (after the top tensors all moved
    /// down: the block got smaller).
    fn find_top(&mut self) {
        let bytes = (self.placement.order.iter())
            .map(|&t| self.end(t))
            .max()
            .unwrap_or(0);
        self.placement.bytes = bytes;
        self.top.clear();
        for i in 0..self.placement.order.len() {
            let t = self.placement.order[i];
            if self.end(t) == bytes {
                self.top.push(t);
            }
        }
    }

    /// One move: kept if it does not grow the block, undone if it would.
    fn step(&mut self, rng: &mut Rng) {
        let Some(&tensor) = self.top.get(rng.below(self.top.len())) else {
            return;
        };
        let at = self.placement.position(tensor);
        self.under.clear();
        let neighbours = self.placer.neighbours(tensor);
        self.placer.work += neighbours.len() as u64 + 1;
        for &n in neighbours {
            let p = self.placement.position(n);
            if p < at {
                self.under.push(p);
            }
        }
        if self.under.is_empty() {
            // First among its conflicts and still at the top: it cannot go lower.
            return;
        }
        let to = self.under[rng.below(self.under.len())];
        self.placement.move_tensor(at, to);
        // The moved tensor lost neighbours before it; those it jumped over gained one.
        self.enqueue(tensor);
        for &n in neighbours {
            if (to..=at).contains(&self.placement.position(n)) {
                self.enqueue(n);
            }
        }
        if self.replace_pending() {
            self.commit();
        } else {
            self.undo(at, to);
        }
    }

    fn enqueue(&mut self, tensor: u32) {
        if !self.queued[tensor as usize] {
            self.queued[tensor as usize] = true;
            let p = self.placement.position(tensor) as u32;
            self.pending.push(Reverse(p));
        }
    }

    /// Re-places the pending tensors in order; false as soon as one ends above the block size.
    fn replace_pending(&mut self) -> bool {
        while let Some(Reverse(p)) = self.pending.pop() {
            let t = self.placement.order[p as usize];
            self.queued[t as usize] = false;
            let offset = self.placer.offset_at(self.placement, p as usize, self.fit);
            let old = self.placement.offsets[t as usize];
            if offset == old {
                continue;
            }
            self.changed.push((t, old));
            self.placement.offsets[t as usize] = offset;
            if self.end(t) > self.placement.bytes {
                return false;
            }
            let neighbours = self.placer.neighbours(t);
            self.placer.work += neighbours.len() as u64;
            for &n in neighbours {
                if self.placement.position(n) > p as usize {
                    self.enqueue(n);
                }
            }
        }
        true
    }

    /// Keeps the move: updates the tensors at the top.
    fn commit(&mut self) {
        let bytes = self.placement.bytes;
        for i in 0..self.changed.len() {
            let (t, old) = self.changed[i];
            let was_top = old.saturating_add(self.placer.size(t)) == bytes;
            let is_top = self.end(t) == bytes;
            if was_top && !is_top {
                self.top.retain(|&x| x != t);
            } else if is_top && !was_top {
                self.top.push(t);
            }
        }
        self.changed.clear();
        if self.top.is_empty() {
            self.find_top();
        }
    }

    /// Takes the move back: offsets, order, and the re-placements it had not reached.
    fn undo(&mut self, at: usize, to: usize) {
        while let Some((t, old)) = self.changed.pop() {
            self.placement.offsets[t as usize] = old;
        }
        while let Some(Reverse(p)) = self.pending.pop() {
            let t = self.placement.order[p as usize];
            self.queued[t as usize] = false;
        }
        self.placement.move_tensor(to, at);
    }
}
