//! The exact search: does a plan fit in `capacity` bytes? A depth-first search over *canonical*
//! plans, after M. D. Moffitt, "MiniMalloc: A Lightweight Memory Allocator for
//! Hardware-Accelerated Machine Learning" (ASPLOS 2023). Written from the paper's ideas, not its
//! code; the planner (`mod.rs`) asks it for smaller and smaller capacities.
//!
//! **Canonical plans.** Take any plan and drop every tensor, lowest first, to the lowest offset
//! it can take (a multiple of its alignment, clear of every tensor it conflicts with) until none
//! can drop: the block never grows. In such a plan each tensor sits at the lowest aligned offset
//! above the tensors it conflicts with that lie below it; so listing the tensors by offset, each
//! is at its *lowest offset* given the ones listed before it. The search builds plans in exactly
//! that form: bottom up, each step places a waiting tensor at its lowest offset, never below the
//! offset of the step before (ties broken by a fixed rank). Every plan it could need is among
//! those, and it meets each one once instead of once per order of placing it.
//!
//! **Dominance.** If some waiting tensor would fit entirely below the offset a step is about to
//! use (its lowest offset plus its size is at most that offset), that branch only leads to plans
//! where the tensor could still drop: not canonical, skipped.
//!
//! **Inference over sections** (`sections.rs`). The tensors of one section are stacked in every
//! plan, so the section needs at least the lowest offset any of its waiting tensors can take (or
//! the offset of the current step: later steps never go lower), plus the sum of their sizes. A
//! step after which some section needs more than the capacity fails at once, instead of after
//! placing every tensor under it.
//!
//! The inference keeps, per section, a *witness*: a waiting tensor whose lowest offset leaves
//! room for the section's total above it. The section fits exactly when one exists; since the
//! capacity is fixed and totals only fall, a witness stands until it is raised or placed, and
//! only then is another looked for. That is the same test as comparing the lowest offset of the
//! section's waiting tensors with the room, at a fraction of the cost of keeping that lowest
//! offset (measured: the search ran twice as fast on MiniMalloc's instances).
//!
//! **Alignment.** A tensor's lowest offset is rounded up to its alignment, so a dropped tensor
//! lands on an aligned offset: the canonical argument and every inference above hold as they
//! are (MiniMalloc's instances have no alignments; the tests mix them).
//!
//! **Hatless tensors.** A tensor with no waiting tensor conflicting with it constrains nobody: if
//! the search fails after placing it, placing another first fails too. Its siblings are skipped.
//!
//! **Decomposition.** When no waiting tensor is live across some boundary between two sections,
//! the waiting tensors on each side never meet again: each side is searched on its own, and a
//! failure on one side is not retried against every plan of the other.
//!
//! Each technique is a flag of [`Techniques`], so its effect can be measured, and tested, alone.
//! One file because a step and its undo change the same state (offsets, sections, witnesses,
//! cuts, parts) and are one job; the schedule of questions that uses the search is `minimise.rs`.
//! The search is iterative (an explicit stack, not recursion): its depth is the number of
//! tensors, which would overflow a thread's stack on large inputs.

use super::clock::Instant;
use std::sync::atomic::{AtomicBool, Ordering};

use super::conflicts::Conflicts;
use super::sections::Sections;
use super::Lifetime;

/// The exact search's techniques, each of which can be turned off to measure what it brings
/// (all on by default). Turning one off never makes a plan wrong, only the search slower.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(clippy::struct_excessive_bools)] // Independent switches, as MiniMalloc's flags.
pub struct Techniques {
    /// Canonical plans only: each step at or above the offset of the step before.
    pub canonical: bool,
    /// Skip a step that leaves room below it for a waiting tensor (a dominated plan).
    pub dominance: bool,
    /// Fail a step after which a section's waiting tensors cannot fit (inference over sections).
    pub section_inference: bool,
    /// In that inference, a section's floor is the lowest offset its waiting tensors can take
    /// (else only the tops of its placed tensors).
    pub waiting_floor: bool,
    /// In that inference, no section's floor is below the current step's offset.
    pub monotonic_floor: bool,
    /// After a failed step that placed a hatless tensor, skip the step's siblings.
    pub hatless_pruning: bool,
    /// Search the independent parts left after a step one after the other.
    pub decomposition: bool,
    /// Try the waiting tensors lowest offset first (else in rank order alone).
    pub dynamic_ordering: bool,
}

impl Techniques {
    /// Every technique on.
    pub const ALL: Self = Self {
        canonical: true,
        dominance: true,
        section_inference: true,
        waiting_floor: true,
        monotonic_floor: true,
        hatless_pruning: true,
        decomposition: true,
        dynamic_ordering: true,
    };
}

impl Default for Techniques {
    fn default() -> Self {
        Self::ALL
    }
}

/// The static orders of the tensors that break ties in the search (MiniMalloc's preorderings):
/// each a sequence of keys, every key largest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Rank {
    /// Lifetime length, then area (size x length), then the busiest section's total.
    LengthAreaTotal,
    /// The busiest section's total, then area, then length.
    TotalAreaLength,
    /// The busiest section's total, then length, then area.
    TotalLengthArea,
}

impl Rank {
    /// The round robin's order. MiniMalloc tries length first; here the busiest section and
    /// then length go first, the order that answered 6 of the 9 instances of MiniMalloc's
    /// challenging set that reach their lower bound (BENCHMARKS.md).
    pub(super) const ALL: [Self; 3] = [
        Self::TotalLengthArea,
        Self::TotalAreaLength,
        Self::LengthAreaTotal,
    ];
}

/// What ends a search early: a work budget (deterministic), a deadline, a flag another thread
/// may raise.
#[derive(Debug, Clone, Copy)]
pub(super) struct Limits<'s> {
    /// Work units (tensors scanned, neighbours and section entries visited) the search may
    /// spend in all; `u64::MAX` for no limit.
    pub(super) work: u64,
    pub(super) deadline: Option<Instant>,
    pub(super) cancel: &'s AtomicBool,
}

/// How a search ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Outcome {
    /// A plan within the capacity: [`Exact::solution`].
    Found,
    /// No plan fits: proven (the whole space was searched).
    Infeasible,
    /// The node limit of this attempt ran out: nothing is proven.
    NodeLimit,
    /// The work budget, the deadline or the cancel flag stopped it.
    Stopped,
}

/// A part of the problem searched on its own: its tensors and its sections (`lo..hi`).
#[derive(Debug)]
struct Part {
    tensors: Vec<u32>,
    lo: usize,
    hi: usize,
}

/// One open step of the search (the explicit stack's frame).
#[derive(Debug)]
enum Frame {
    /// A node: choosing the next tensor of `part` to place.
    Node {
        part: u32,
        /// An upper bound on the largest total of the part's sections (totals only fall as the
        /// search goes down, so a parent's bound holds for its children).
        busiest: usize,
        /// This node's candidates are `candidates[base..]`; `next` is the next to try.
        base: usize,
        next: usize,
        /// The step whose subtree is being searched.
        child: Option<Placed>,
    },
    /// Independent parts, searched in turn: `parts[next..end]` are still to do, and the frame
    /// owns `parts[first..end]`.
    Parts {
        first: u32,
        next: u32,
        end: u32,
        /// The rank log's length before the parts were ranked.
        ranks: usize,
    },
}

/// A step to undo: the tensor, the undo logs' lengths before it, whether it was hatless,
/// whether it lowered the cuts and whether that freed a boundary (decomposition).
#[derive(Debug, Clone, Copy)]
#[allow(clippy::struct_excessive_bools)]
struct Placed {
    tensor: u32,
    /// The busiest-section bound for the node below this step.
    busiest: usize,
    lowered: usize,
    floors: usize,
    hatless: bool,
    cuts: bool,
    split: bool,
}

/// The search's state: the problem (read-only) and one decision run's assignment.
#[derive(Debug)]
pub(super) struct Exact<'a> {
    lifetimes: &'a [Lifetime],
    conflicts: &'a Conflicts,
    sections: Sections,
    techniques: Techniques,
    /// Each tensor's place in the current static order (ties in the search).
    rank: Vec<u32>,
    /// Each tensor's busiest section (the sum of sizes live there), for the static orders.
    busiest: Vec<usize>,
    /// The static order in use.
    order: Rank,
    /// Undo log of the ranks that decomposition changed: (tensor, rank before).
    ranks: Vec<(u32, u32)>,

    capacity: usize,
    placed: Vec<bool>,
    offsets: Vec<usize>,
    /// Each waiting tensor's lowest offset: aligned, above every placed tensor it conflicts
    /// with.
    lowest: Vec<usize>,
    /// Per section: the sizes of its waiting tensors, summed.
    total: Vec<usize>,
    /// The same totals as `i32`, when every section's total fits (the capacity does): the
    /// busiest-section scan over them vectorises four to a register where `usize` takes two,
    /// with no native 64-bit compare in x86-64's baseline (SSE2). Empty otherwise.
    narrow: Vec<i32>,
    /// Per section, with `waiting_floor`: a *witness*, a waiting tensor whose lowest offset
    /// leaves room above it for the section's total (`lowest + total <= capacity`), or
    /// [`NONE`] when nothing waits there. The section's waiting tensors fit above their lowest
    /// offset exactly when one exists; the capacity is fixed and totals only fall, so a
    /// witness stays one until it is raised or placed, and only then is another looked for (a
    /// scan that stops at the first that qualifies). This is the inference of the exact floor
    /// (the lowest offset of the section's waiting tensors) without ever computing it.
    witness: Vec<u32>,
    /// Per section, without `waiting_floor`: the top of its highest placed tensor.
    floor: Vec<usize>,
    /// Per boundary `s | s + 1`: the waiting tensors live on both sides.
    cuts: Vec<u32>,
    /// Undo logs: (tensor, lowest offset before), (section, witness or floor before).
    lowered: Vec<(u32, usize)>,
    floors: Vec<(u32, usize)>,
    /// Sections whose witness a step moved (marked with the step's epoch).
    stamp: Vec<u32>,
    epoch: u32,
    dirty: Vec<u32>,
    /// The candidates of every open node, stacked: (lowest offset, rank, tensor).
    candidates: Vec<(usize, u32, u32)>,
    parts: Vec<Part>,
    frames: Vec<Frame>,
    scratch: Vec<u32>,
    solution: Vec<usize>,

    /// Work spent so far, over every run: the budget's unit.
    pub(super) work: u64,
    nodes: u64,
    node_limit: u64,
    /// Nodes visited over every run (the schedule's measure of what a question cost).
    spent: u64,
}

impl<'a> Exact<'a> {
    pub(super) fn new(
        lifetimes: &'a [Lifetime],
        conflicts: &'a Conflicts,
        techniques: Techniques,
    ) -> Self {
        let sections = Sections::new(lifetimes);
        let n = lifetimes.len();
        let s = sections.len();
        let mut total = vec![0usize; s];
        for (t, l) in lifetimes.iter().enumerate() {
            for x in sections.span(t as u32) {
                total[x] += l.size;
            }
        }
        let busiest = (0..n as u32)
            .map(|t| sections.span(t).map(|x| total[x]).max().unwrap_or(0))
            .collect();
        let work = (n + s + sections.entries()) as u64;
        Self {
            lifetimes,
            conflicts,
            techniques,
            rank: (0..n as u32).collect(),
            busiest,
            order: Rank::LengthAreaTotal,
            ranks: Vec::new(),
            capacity: 0,
            placed: vec![false; n],
            offsets: vec![0; n],
            lowest: vec![0; n],
            total,
            narrow: Vec::new(),
            witness: vec![NONE; s],
            floor: vec![0; s],
            cuts: vec![0; s.saturating_sub(1)],
            lowered: Vec::new(),
            floors: Vec::new(),
            stamp: vec![0; s],
            epoch: 0,
            dirty: Vec::new(),
            candidates: Vec::new(),
            parts: Vec::new(),
            frames: Vec::new(),
            scratch: Vec::new(),
            solution: vec![0; n],
            sections,
            work,
            nodes: 0,
            node_limit: u64::MAX,
            spent: 0,
        }
    }

    /// The lifetimes searched.
    pub(super) fn lifetimes(&self) -> &'a [Lifetime] {
        self.lifetimes
    }

    /// Nodes visited over every run so far: what the schedule measures questions by.
    pub(super) fn spent(&self) -> u64 {
        self.spent
    }

    /// The plan of the last [`Outcome::Found`]: an offset per tensor.
    pub(super) fn solution(&self) -> &[usize] {
        &self.solution
    }

    /// Sets the static order that breaks ties.
    pub(super) fn set_rank(&mut self, rank: Rank) {
        self.order = rank;
        let busiest = &self.busiest;
        let mut order: Vec<u32> = (0..self.lifetimes.len() as u32).collect();
        sort_by_rank(self.lifetimes, rank, &mut order, |t| busiest[t as usize]);
        for (r, &t) in order.iter().enumerate() {
            self.rank[t as usize] = r as u32;
        }
        self.work += order.len() as u64;
    }

    /// Ranks the tensors of each new part afresh, in the current order but with the sections'
    /// totals of now (MiniMalloc's preordering of a subproblem): what is busiest has changed
    /// since the start. Logged, to be undone with the parts.
    fn rank_parts(&mut self, first: usize, end: usize) {
        let mut tensors = core::mem::take(&mut self.scratch);
        for p in first..end {
            tensors.clear();
            tensors.extend_from_slice(&self.parts[p].tensors);
            let (sections, total) = (&self.sections, &self.total);
            let busiest = |t: u32| sections.span(t).map(|s| total[s]).max().unwrap_or(0);
            sort_by_rank(self.lifetimes, self.order, &mut tensors, busiest);
            for (r, &t) in tensors.iter().enumerate() {
                self.ranks.push((t, self.rank[t as usize]));
                self.rank[t as usize] = r as u32;
            }
            self.work += tensors.len() as u64 * 4;
        }
        self.scratch = tensors;
    }

    /// Searches for a plan that fits in `capacity` bytes, visiting at most `node_limit` nodes
    /// (then it answers [`Outcome::NodeLimit`]).
    pub(super) fn decide(&mut self, capacity: usize, node_limit: u64, limits: &Limits) -> Outcome {
        self.node_limit = node_limit;
        self.reset(capacity);
        self.nodes = 0;
        if self.total.iter().any(|&total| total > capacity) {
            // Some step needs more than the capacity: below the lower bound.
            return Outcome::Infeasible;
        }
        let all: Vec<u32> = (0..self.lifetimes.len() as u32)
            .filter(|&t| self.lifetimes[t as usize].size > 0)
            .collect();
        let end = self.split(&all, 0, self.sections.len());
        self.frames.push(Frame::Parts {
            first: 0,
            next: 0,
            end,
            ranks: self.ranks.len(),
        });
        let outcome = self.run(limits);
        self.frames.clear();
        self.parts.clear();
        self.candidates.clear();
        outcome
    }

    /// Every tensor waiting at its lowest offset 0, the sections' figures to match.
    fn reset(&mut self, capacity: usize) {
        self.capacity = capacity;
        self.lowest.fill(0);
        self.lowered.clear();
        self.floors.clear();
        self.parts.clear();
        self.cuts.fill(0);
        self.total.fill(0);
        self.floor.fill(0);
        self.witness.fill(NONE);
        for t in 0..self.lifetimes.len() {
            let size = self.lifetimes[t].size;
            // A tensor of no bytes is never placed: offset 0, which every alignment divides.
            self.placed[t] = size == 0;
            self.offsets[t] = 0;
            self.solution[t] = 0;
            let span = self.sections.span(t as u32);
            for s in span.clone() {
                self.total[s] += size;
                // Everything waits at offset 0: any tensor witnesses for its sections.
                self.witness[s] = t as u32;
            }
            for s in span.start..span.end.saturating_sub(1) {
                self.cuts[s] += 1;
            }
        }
        self.narrow.clear();
        if i32::try_from(capacity).is_ok() {
            // Totals above the capacity fail at once (`decide`): all of them fit.
            self.narrow.extend(self.total.iter().map(|&t| t as i32));
        }
        self.work += (self.lifetimes.len() + self.sections.entries()) as u64;
    }

    /// Pushes the parts of the waiting tensors among `tensors`, cut at the boundaries of
    /// sections `lo..hi` that no waiting tensor crosses; returns the arena's new length.
    fn split(&mut self, tensors: &[u32], lo: usize, hi: usize) -> u32 {
        let first = self.parts.len();
        let mut start = lo;
        for s in lo..hi {
            if s + 1 == hi || self.cuts[s] == 0 {
                self.parts.push(Part {
                    tensors: Vec::new(),
                    lo: start,
                    hi: s + 1,
                });
                start = s + 1;
            }
        }
        for &t in tensors {
            if !self.placed[t as usize] {
                let span = self.sections.span(t);
                let at = self.parts[first..].partition_point(|p| p.hi <= span.start);
                self.parts[first + at].tensors.push(t);
            }
        }
        let mut kept = first;
        for i in first..self.parts.len() {
            if !self.parts[i].tensors.is_empty() {
                self.parts.swap(kept, i);
                kept += 1;
            }
        }
        self.parts.truncate(kept);
        self.work += (tensors.len() + (hi - lo)) as u64;
        kept as u32
    }

    fn stopped(&self, limits: &Limits) -> bool {
        if self.work >= limits.work || limits.cancel.load(Ordering::Relaxed) {
            return true;
        }
        // Reading the clock costs about as much as a node: every 64 nodes is enough.
        self.nodes & 63 == 0 && limits.deadline.is_some_and(|d| Instant::now() >= d)
    }

    /// Runs the explicit stack until the root answers.
    fn run(&mut self, limits: &Limits) -> Outcome {
        // What the frame just closed answered (`None` while descending).
        let mut answer: Option<Outcome> = None;
        loop {
            let hatless_pruning = self.techniques.hatless_pruning;
            match self.frames.last_mut() {
                None => return answer.unwrap_or(Outcome::Found),
                Some(Frame::Parts {
                    first,
                    next,
                    end,
                    ranks,
                }) => {
                    let done = match answer.take() {
                        Some(outcome) if outcome != Outcome::Found => Some(outcome),
                        _ if *next == *end => Some(Outcome::Found),
                        _ => None,
                    };
                    if let Some(outcome) = done {
                        let (first, ranks) = (*first as usize, *ranks);
                        self.frames.pop();
                        self.parts.truncate(first);
                        while self.ranks.len() > ranks {
                            let (t, r) = self.ranks.pop().expect("a logged rank");
                            self.rank[t as usize] = r;
                        }
                        answer = Some(outcome);
                        continue;
                    }
                    let part = *next;
                    *next += 1;
                    answer = self.enter(part, 0, 0, usize::MAX, limits);
                }
                Some(Frame::Node { child, .. }) => {
                    if let Some(outcome) = answer.take() {
                        let step = child.take().expect("a child answered");
                        self.undo(step);
                        let pruned = step.hatless && hatless_pruning;
                        if outcome != Outcome::Infeasible || pruned {
                            answer = Some(self.close_node(outcome));
                            continue;
                        }
                    }
                    answer = self.next_child();
                    if answer.is_none() {
                        // A child step was taken: open its node (or its parts).
                        answer = self.open_child(limits);
                    }
                }
            }
        }
    }

    fn close_node(&mut self, outcome: Outcome) -> Outcome {
        if let Some(Frame::Node { base, .. }) = self.frames.pop() {
            self.candidates.truncate(base);
        }
        outcome
    }

    /// Opens a node of `part` after a step at `offset` of the tensor ranked `rank`: pushes it
    /// with its candidates, or answers at once (a leaf, a limit).
    fn enter(
        &mut self,
        part: u32,
        offset: usize,
        rank: u32,
        busiest: usize,
        limits: &Limits,
    ) -> Option<Outcome> {
        self.nodes += 1;
        self.spent += 1;
        if self.stopped(limits) {
            return Some(Outcome::Stopped);
        }
        if self.nodes > self.node_limit {
            return Some(Outcome::NodeLimit);
        }
        let p = &self.parts[part as usize];
        self.work += p.tensors.len() as u64;
        // The lowest top any waiting tensor can have: no step may start at or above it.
        let mut lowest_top = usize::MAX;
        let mut waiting = false;
        for &t in &p.tensors {
            if !self.placed[t as usize] {
                waiting = true;
                let top = self.lowest[t as usize] + self.lifetimes[t as usize].size;
                lowest_top = lowest_top.min(top);
            }
        }
        if !waiting {
            for &t in &p.tensors {
                self.solution[t as usize] = self.offsets[t as usize];
            }
            return Some(Outcome::Found);
        }
        let base = self.candidates.len();
        let techniques = self.techniques;
        for &t in &p.tensors {
            if self.placed[t as usize] {
                continue;
            }
            let (low, r) = (self.lowest[t as usize], self.rank[t as usize]);
            if techniques.canonical && (low < offset || (low == offset && r < rank)) {
                continue;
            }
            if techniques.dominance && low >= lowest_top {
                continue;
            }
            self.candidates.push((low, r, t));
        }
        let mine = &mut self.candidates[base..];
        if techniques.dynamic_ordering {
            mine.sort_unstable_by_key(|&(low, r, _)| (low, r));
        } else {
            mine.sort_unstable_by_key(|&(_, r, _)| r);
        }
        self.frames.push(Frame::Node {
            part,
            busiest,
            base,
            next: base,
            child: None,
        });
        None
    }

    /// Takes the top node's next step that passes the checks (recorded as its child); answers
    /// when none is left.
    fn next_child(&mut self) -> Option<Outcome> {
        let Some(&Frame::Node {
            part,
            next,
            busiest,
            ..
        }) = self.frames.last()
        else {
            unreachable!("the top frame is a node");
        };
        let mut next = next;
        let end = self.candidates.len();
        while next < end {
            let (_, _, t) = self.candidates[next];
            next += 1;
            let (ok, step) = self.place(part, t, busiest);
            if ok {
                if let Some(Frame::Node { next: n, child, .. }) = self.frames.last_mut() {
                    *n = next;
                    *child = Some(step);
                }
                return None;
            }
            self.undo(step);
            if step.hatless && self.techniques.hatless_pruning {
                break;
            }
        }
        Some(self.close_node(Outcome::Infeasible))
    }

    /// Opens the search below the top node's child step: the same part, or the independent
    /// parts the step left.
    fn open_child(&mut self, limits: &Limits) -> Option<Outcome> {
        let Some(&Frame::Node {
            part,
            child: Some(step),
            ..
        }) = self.frames.last()
        else {
            unreachable!("the top frame is a node with a child");
        };
        let t = step.tensor;
        let offset = self.offsets[t as usize];
        let rank = self.rank[t as usize];
        if !step.split {
            return self.enter(part, offset, rank, step.busiest, limits);
        }
        // The step freed some boundary of every waiting tensor: record the part's placed
        // tensors (its parts' leaves record only theirs), then search each side alone.
        let p = &self.parts[part as usize];
        let (lo, hi) = (p.lo, p.hi);
        let mut tensors = core::mem::take(&mut self.scratch);
        tensors.clear();
        tensors.extend_from_slice(&p.tensors);
        for &x in &tensors {
            if self.placed[x as usize] {
                self.solution[x as usize] = self.offsets[x as usize];
            }
        }
        let first = self.parts.len() as u32;
        let end = self.split(&tensors, lo, hi);
        self.scratch = tensors;
        if end == first + 1 {
            // One side holds every waiting tensor: go on in it, in the same canonical order.
            return self.enter(first, offset, rank, step.busiest, limits);
        }
        let ranks = self.ranks.len();
        self.rank_parts(first as usize, end as usize);
        self.frames.push(Frame::Parts {
            first,
            next: first,
            end,
            ranks,
        });
        None
    }

    /// Places waiting tensor `t` of `part` at its lowest offset and updates what follows from
    /// it; the flag says whether the checks passed. Either way, [`Exact::undo`] takes it back.
    fn place(&mut self, part: u32, t: u32, busiest: usize) -> (bool, Placed) {
        let techniques = self.techniques;
        let inference = techniques.section_inference;
        let waiting_floor = inference && techniques.waiting_floor;
        let size = self.lifetimes[t as usize].size;
        let at = self.lowest[t as usize];
        let top = at + size;
        self.placed[t as usize] = true;
        self.sections.leave(t);
        self.offsets[t as usize] = at;
        let mut step = Placed {
            tensor: t,
            busiest,
            lowered: self.lowered.len(),
            floors: self.floors.len(),
            hatless: true,
            cuts: false,
            split: false,
        };
        self.epoch = self.epoch.wrapping_add(1);
        if self.epoch == 0 {
            self.stamp.fill(0);
            self.epoch = 1;
        }
        self.dirty.clear();
        let span = self.sections.span(t);
        self.work += span.len() as u64;
        for s in span.clone() {
            self.total[s] -= size;
            if let Some(narrow) = self.narrow.get_mut(s) {
                *narrow -= size as i32;
            }
            if waiting_floor {
                if self.witness[s] == t {
                    self.move_witness(s);
                }
            } else if inference {
                self.floors.push((s as u32, self.floor[s]));
                self.floor[s] = top;
            }
        }
        let mut ok = true;
        let neighbours = self.conflicts.of(t);
        self.work += neighbours.len() as u64;
        for &n in neighbours {
            if self.placed[n as usize] {
                continue;
            }
            step.hatless = false;
            let l = &self.lifetimes[n as usize];
            // A power of two: a mask, not a division (this is the search's hottest line).
            let raised = (top + l.alignment - 1) & !(l.alignment - 1);
            let old = self.lowest[n as usize];
            if old >= raised {
                continue;
            }
            self.lowered.push((n, old));
            self.lowest[n as usize] = raised;
            if raised + l.size > self.capacity {
                ok = false;
                break;
            }
            if waiting_floor {
                let span = self.sections.span(n);
                self.work += span.len() as u64;
                for s in span {
                    if self.witness[s] == n {
                        self.move_witness(s);
                    }
                }
            }
        }
        if ok && inference {
            ok = self.infer(part, t, at, &mut step.busiest);
        }
        if ok && techniques.decomposition {
            // A boundary no waiting tensor crosses any more splits the part there.
            let span = self.sections.span(t);
            step.cuts = true;
            for s in span.start..span.end.saturating_sub(1) {
                self.cuts[s] -= 1;
                step.split |= self.cuts[s] == 0;
            }
        }
        (ok, step)
    }

    /// Section `s`'s witness was raised or placed: it needs another (found in
    /// [`Exact::infer`]). Logged once per step and section, for the undo.
    fn move_witness(&mut self, s: usize) {
        if self.stamp[s] != self.epoch {
            self.stamp[s] = self.epoch;
            self.floors.push((s as u32, self.witness[s] as usize));
            self.dirty.push(s as u32);
        }
    }

    /// The inference over sections after placing `t` at `at`: false if some section's waiting
    /// tensors can no longer fit under the capacity.
    fn infer(&mut self, part: u32, t: u32, at: usize, busiest: &mut usize) -> bool {
        let capacity = self.capacity;
        if self.techniques.waiting_floor {
            // Only the sections whose witness moved can have run out of room; elsewhere the
            // witness still stands (it did not move, and the totals only fell).
            for i in 0..self.dirty.len() {
                let s = self.dirty[i] as usize;
                let total = self.total[s];
                let waiting = self.sections.waiting(s);
                let found = if total == 0 {
                    Some(NONE)
                } else {
                    let room = capacity - total;
                    let at = waiting
                        .iter()
                        .position(|&m| self.lowest[m as usize] <= room);
                    self.work += at.map_or(waiting.len(), |i| i + 1) as u64;
                    at.map(|i| waiting[i])
                };
                match found {
                    Some(witness) => self.witness[s] = witness,
                    None => return false,
                }
            }
        } else {
            for s in self.sections.span(t) {
                if self.floor[s] + self.total[s] > capacity {
                    return false;
                }
            }
        }
        if self.techniques.monotonic_floor && at.saturating_add(*busiest) > capacity {
            // No later step starts below `at`: every section's waiting tensors fit above it.
            // The bound from above says they may not: find the busiest section of now.
            let p = &self.parts[part as usize];
            self.work += (p.hi - p.lo) as u64;
            *busiest = if self.narrow.is_empty() {
                self.total[p.lo..p.hi].iter().copied().max().unwrap_or(0)
            } else {
                self.narrow[p.lo..p.hi].iter().copied().max().unwrap_or(0) as usize
            };
            if *busiest > 0 && at + *busiest > capacity {
                return false;
            }
        }
        true
    }

    /// Takes a step back: the offsets it raised, the floors, the totals, the cuts.
    fn undo(&mut self, step: Placed) {
        let waiting_floor = self.techniques.waiting_floor;
        while self.floors.len() > step.floors {
            let (s, before) = self.floors.pop().expect("a logged witness or floor");
            if waiting_floor {
                self.witness[s as usize] = before as u32;
            } else {
                self.floor[s as usize] = before;
            }
        }
        while self.lowered.len() > step.lowered {
            let (n, low) = self.lowered.pop().expect("a logged offset");
            self.lowest[n as usize] = low;
        }
        let t = step.tensor;
        let size = self.lifetimes[t as usize].size;
        let span = self.sections.span(t);
        for s in span.clone() {
            self.total[s] += size;
            if let Some(narrow) = self.narrow.get_mut(s) {
                *narrow += size as i32;
            }
        }
        if step.cuts {
            for s in span.start..span.end.saturating_sub(1) {
                self.cuts[s] += 1;
            }
        }
        self.placed[t as usize] = false;
        self.sections.rejoin(t);
    }
}

/// No tensor: a section where nothing waits has no witness.
const NONE: u32 = u32::MAX;

/// Sorts `tensors` by `rank`'s keys, each largest first, then by index; `busiest` gives a
/// tensor's busiest section total.
fn sort_by_rank(
    lifetimes: &[Lifetime],
    rank: Rank,
    tensors: &mut [u32],
    busiest: impl Fn(u32) -> usize,
) {
    let length = |t: u32| (lifetimes[t as usize].end - lifetimes[t as usize].start) as u128 + 1;
    let area = |t: u32| lifetimes[t as usize].size as u128 * length(t);
    tensors.sort_by_cached_key(|&t| {
        let total = busiest(t) as u128;
        let key = match rank {
            Rank::LengthAreaTotal => (length(t), area(t), total),
            Rank::TotalAreaLength => (total, area(t), length(t)),
            Rank::TotalLengthArea => (total, length(t), area(t)),
        };
        (core::cmp::Reverse(key), t)
    });
}

/// The height of a plan: the highest end of any tensor.
pub(super) fn height(lifetimes: &[Lifetime], offsets: &[usize]) -> usize {
    (lifetimes.iter().zip(offsets))
        .map(|(l, &o)| o + l.size)
        .max()
        .unwrap_or(0)
}
