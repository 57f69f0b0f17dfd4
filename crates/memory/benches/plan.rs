//! Planning time: the planner with its default options ([`Plan::new`]), and greedy by size alone
//! (the baseline it starts from), on the sets of `benchmark/networks/lifetimes.json`: seeded
//! random sets of 1,000 and 10,000 tensors with long skips (the planning-time goals: 10 ms and
//! 0.5 s) and the real networks.
//!
//! `cargo bench -p lightwatch-memory --bench plan -- --warm-up-time 1 --measurement-time 5`

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use lightwatch_memory::Plan;

#[path = "support/fixture.rs"]
mod fixture;

fn planning(c: &mut Criterion) {
    let sets = fixture::load();
    let mut group = c.benchmark_group("plan");
    group.sample_size(20);
    for set in &sets {
        if set.kind == "random" && !set.name.ends_with('k') {
            continue;
        }
        let name = format!("{} ({} tensors)", set.name, set.lifetimes.len());
        group.bench_function(format!("Plan::new {name}"), |b| {
            b.iter(|| black_box(Plan::new(black_box(&set.lifetimes)).expect("plan")));
        });
        group.bench_function(format!("Plan::greedy_by_size {name}"), |b| {
            b.iter(|| black_box(Plan::greedy_by_size(black_box(&set.lifetimes)).expect("plan")));
        });
    }
    group.finish();
}

criterion_group!(benches, planning);
criterion_main!(benches);
