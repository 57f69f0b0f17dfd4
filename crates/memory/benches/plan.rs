//! Planning time: the planner with its default options ([`Plan::new`]), and greedy by size alone
//! (the baseline it starts from), on the sets of `benchmark/networks/lifetimes.json`: seeded
//! random sets of 1,000 and 10,000 tensors with long skips (the planning-time goals: 10 ms and
//! 0.5 s) and the real networks.
//!
//! The `challenging` group plans MiniMalloc's challenging set (instances A-K, read as
//! `support/challenging.rs` says; skipped when the files are not there) with a time limit of
//! 1 s and no other budget: the time to reach each instance's height, and the height reached
//! (printed once per instance).
//!
//! `cargo bench -p lightwatch-memory --bench plan -- --warm-up-time 1 --measurement-time 5`

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use std::time::{Duration, Instant};

use lightwatch_memory::{Plan, PlanOptions};

#[path = "support/challenging.rs"]
mod challenging;
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

fn challenging_set(c: &mut Criterion) {
    let Some(instances) = challenging::load(None) else {
        eprintln!("plan/challenging skipped: {}", challenging::WHERE);
        return;
    };
    let options = PlanOptions {
        exact_passes: u32::MAX,
        time_limit: Some(Duration::from_secs(1)),
        ..PlanOptions::default()
    };
    let mut group = c.benchmark_group("challenging");
    group.sample_size(10);
    for instance in &instances {
        let start = Instant::now();
        let plan = Plan::with_options(&instance.lifetimes, &options).expect("plan");
        eprintln!(
            "challenging {}: {} tensors, height {} (lower bound {}, {}) in {:.0} ms",
            instance.name,
            instance.lifetimes.len(),
            plan.bytes(),
            plan.lower_bound(),
            if plan.optimal() {
                "proven optimal"
            } else {
                "not proven"
            },
            start.elapsed().as_secs_f64() * 1e3,
        );
        group.bench_function(
            format!("Plan::with_options timeLimit 1 s {}", instance.name),
            |b| {
                b.iter(|| black_box(Plan::with_options(black_box(&instance.lifetimes), &options)));
            },
        );
    }
    group.finish();
}

criterion_group!(benches, planning, challenging_set);
criterion_main!(benches);
