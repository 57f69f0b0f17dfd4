//! Time cut into sections: the stretches of steps over which the set of live tensors does not
//! change (MiniMalloc's "cross sections").
//!
//! Every tensor live in a section is live with every other one there, so in any plan they are
//! stacked: a section's tensors need at least the sum of their sizes above the lowest of them.
//! That is what the exact search infers from (`exact.rs`), and why it needs, per section, its
//! tensors, and per tensor, the run of sections it spans. Where no tensor is live across the
//! boundary between two sections, the tensors before it and after it never meet: the problem
//! falls apart into independent parts there (the sweep's partitions, and later the search's
//! dynamic decomposition).
//!
//! The search needs each section's *waiting* tensors (not yet placed) again and again, so each
//! section's list keeps them first: placing a tensor swaps it behind the waiting ones of each of
//! its sections, and taking it back (always in the reverse order) only moves the boundary back.

use super::Lifetime;

/// The sections of a set of lifetimes.
#[derive(Debug)]
pub(super) struct Sections {
    /// Each tensor's sections, `first..end` (empty for zero-size tensors).
    spans: Vec<(u32, u32)>,
    /// The tensors live in each section, one run per section (`first[s]..first[s + 1]`), the
    /// waiting ones first (`first[s]..first[s] + waiting[s]`).
    first: Vec<usize>,
    members: Vec<u32>,
    waiting: Vec<u32>,
    /// Where each tensor sits in the run of each of its sections: `at[base[t] + k]` for the
    /// `k`-th section of its span.
    base: Vec<usize>,
    at: Vec<u32>,
}

impl Sections {
    /// Cuts time at every step where a tensor of nonzero size starts or has just ended.
    ///
    /// The members take one entry per (tensor, section) pair; a tensor spans at most about twice
    /// as many sections as it has conflicts, so they are of the conflict graph's size.
    pub(super) fn new(lifetimes: &[Lifetime]) -> Self {
        let live = || lifetimes.iter().filter(|l| l.size > 0);
        // Lifetimes are inclusive: a tensor ending at step `end` is gone from `end + 1`.
        let mut cuts: Vec<usize> = live()
            .flat_map(|l| [l.start, l.end.saturating_add(1)])
            .collect();
        cuts.sort_unstable();
        cuts.dedup();
        let index = |step: usize| cuts.partition_point(|&c| c < step) as u32;
        let sections = cuts.len().saturating_sub(1);
        let spans: Vec<(u32, u32)> = lifetimes
            .iter()
            .map(|l| {
                if l.size == 0 {
                    (0, 0)
                } else {
                    (index(l.start), index(l.end.saturating_add(1)))
                }
            })
            .collect();
        let mut first = vec![0usize; sections + 1];
        for &(a, b) in &spans {
            for s in a..b {
                first[s as usize + 1] += 1;
            }
        }
        for s in 0..sections {
            first[s + 1] += first[s];
        }
        let mut cursor = first.clone();
        let mut members = vec![0u32; first[sections]];
        for (t, &(a, b)) in spans.iter().enumerate() {
            for s in a..b {
                members[cursor[s as usize]] = t as u32;
                cursor[s as usize] += 1;
            }
        }
        let mut base = Vec::with_capacity(spans.len());
        let mut entries = 0;
        for &(a, b) in &spans {
            base.push(entries);
            entries += (b - a) as usize;
        }
        let mut at = vec![0u32; entries];
        for s in 0..sections {
            for (i, &t) in members[first[s]..first[s + 1]].iter().enumerate() {
                let k = s - spans[t as usize].0 as usize;
                at[base[t as usize] + k] = i as u32;
            }
        }
        let waiting = (0..sections)
            .map(|s| (first[s + 1] - first[s]) as u32)
            .collect();
        Self {
            spans,
            first,
            members,
            waiting,
            base,
            at,
        }
    }

    /// The tensors of section `s` not placed yet.
    #[inline]
    pub(super) fn waiting(&self, s: usize) -> &[u32] {
        &self.members[self.first[s]..self.first[s] + self.waiting[s] as usize]
    }

    /// `tensor` is placed: it leaves the waiting tensors of each of its sections.
    pub(super) fn leave(&mut self, tensor: u32) {
        let (a, b) = self.spans[tensor as usize];
        for s in a as usize..b as usize {
            let run = self.first[s];
            let last = self.waiting[s] - 1;
            let k = self.base[tensor as usize] + s - a as usize;
            let here = self.at[k];
            let other = self.members[run + last as usize];
            self.members.swap(run + here as usize, run + last as usize);
            let ko = self.base[other as usize] + s - self.spans[other as usize].0 as usize;
            self.at[ko] = here;
            self.at[k] = last;
            self.waiting[s] = last;
        }
    }

    /// Takes back the last [`Sections::leave`] not taken back yet, which was `tensor`'s: it
    /// sits just behind the waiting tensors of each of its sections.
    pub(super) fn rejoin(&mut self, tensor: u32) {
        let (a, b) = self.spans[tensor as usize];
        for s in a as usize..b as usize {
            self.waiting[s] += 1;
        }
    }

    /// The number of sections.
    pub(super) fn len(&self) -> usize {
        self.first.len() - 1
    }

    /// The sections `tensor` is live in, as a range of section indices.
    #[inline]
    pub(super) fn span(&self, tensor: u32) -> core::ops::Range<usize> {
        let (a, b) = self.spans[tensor as usize];
        a as usize..b as usize
    }

    /// The size of the section index: one entry per (tensor, section) pair.
    pub(super) fn entries(&self) -> usize {
        self.members.len()
    }
}
