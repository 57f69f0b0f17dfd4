//! The placement orders the greedy candidates start from. Each is a published heuristic or a
//! simple variation of one; none wins everywhere, which is why the planner tries them all.

use std::cmp::Reverse;

use super::conflicts::Conflicts;
use super::{Lifetime, Order};

/// The tensors of nonzero size in `kind`'s order; ties always end on the input index, so the
/// order is a function of the input alone.
pub(super) fn order(lifetimes: &[Lifetime], conflicts: &Conflicts, kind: Order) -> Vec<u32> {
    let mut order: Vec<u32> = (0..lifetimes.len() as u32)
        .filter(|&t| lifetimes[t as usize].size > 0)
        .collect();
    let l = |t: u32| &lifetimes[t as usize];
    let length = |t: u32| l(t).end - l(t).start;
    match kind {
        // TensorFlow Lite's arena planner: size descending, then first use.
        Order::Size => order.sort_by_key(|&t| (Reverse(l(t).size), l(t).start, t)),
        Order::SizeThenLength => {
            order.sort_by_key(|&t| (Reverse(l(t).size), Reverse(length(t)), l(t).start, t));
        }
        // Long-lived tensors first: they end up at the bottom, in one stack, instead of cutting
        // every later gap in two.
        Order::Length => order.sort_by_key(|&t| (Reverse(length(t)), Reverse(l(t).size), t)),
        Order::Area => order.sort_by_key(|&t| {
            let area = l(t).size as u128 * (length(t) as u128 + 1);
            (Reverse(area), Reverse(l(t).size), t)
        }),
        // TVM's greedy by conflicts: the most constrained tensors first.
        Order::Conflicts => {
            order.sort_by_key(|&t| (Reverse(conflicts.degree(t)), Reverse(l(t).size), t));
        }
        // Pisarchyk & Lee's greedy by breadth: the tensors of the busiest step first (stacked,
        // they use exactly the lower bound there), then those of the next busiest, and so on.
        Order::Breadth => {
            let breadth = busiest_step_loads(lifetimes);
            order.sort_by_key(|&t| (Reverse(breadth[t as usize]), Reverse(l(t).size), t));
        }
    }
    order
}

/// For each tensor, the largest sum of sizes live at one step of its lifetime (0 for zero-size
/// tensors).
///
/// The live sum only rises when a tensor starts, so its maximum over a lifetime is reached at
/// one of the start steps inside it: the sums are computed at the distinct start steps and each
/// lifetime asks a segment tree for the maximum over the range of starts it covers.
fn busiest_step_loads(lifetimes: &[Lifetime]) -> Vec<usize> {
    let live = || lifetimes.iter().filter(|l| l.size > 0);
    let mut points: Vec<usize> = live().map(|l| l.start).collect();
    points.sort_unstable();
    points.dedup();
    let range = |l: &Lifetime| {
        let first = points.partition_point(|&p| p < l.start);
        let last = points.partition_point(|&p| p <= l.end) - 1;
        (first, last)
    };
    let (mut rise, mut fall) = (vec![0usize; points.len()], vec![0usize; points.len()]);
    for l in live() {
        let (first, last) = range(l);
        rise[first] += l.size;
        fall[last] += l.size;
    }
    // `tree[m + i]` holds the live sum at `points[i]`; `tree[i]` the larger of its children.
    let m = points.len();
    let mut tree = vec![0usize; 2 * m];
    let mut running = 0usize;
    for i in 0..m {
        running += rise[i];
        tree[m + i] = running;
        running -= fall[i];
    }
    for i in (1..m).rev() {
        tree[i] = tree[2 * i].max(tree[2 * i + 1]);
    }
    lifetimes
        .iter()
        .map(|l| {
            if l.size == 0 {
                return 0;
            }
            let (first, last) = range(l);
            let (mut lo, mut hi, mut best) = (first + m, last + m + 1, 0);
            while lo < hi {
                if lo & 1 == 1 {
                    best = best.max(tree[lo]);
                    lo += 1;
                }
                if hi & 1 == 1 {
                    hi -= 1;
                    best = best.max(tree[hi]);
                }
                lo /= 2;
                hi /= 2;
            }
            best
        })
        .collect()
}
