//! MiniMalloc's challenging set (instances A-K, from `google/minimalloc`'s
//! `benchmarks/challenging/`), planned with a time limit: for each instance the height reached,
//! the time to reach it, and whether it is proven optimal.
//!
//! `cargo run --release -p lightwatch-memory --example challenging -- [DIR] [--time-limit MS]
//! [--off TECHNIQUE]...`
//!
//! `--off` turns one of the exact search's techniques off (`canonical`, `dominance`,
//! `section_inference`, `waiting_floor`, `monotonic_floor`, `hatless_pruning`, `decomposition`,
//! `dynamic_ordering`), to measure what it brings.
//!
//! DIR holds the instances' CSV files (`id,lower,upper,size`, lifetimes half-open); see
//! `benches/support/challenging.rs` for where it is looked for by default.

use std::time::{Duration, Instant};

use lightwatch_memory::{Plan, PlanOptions, Techniques};

#[path = "../benches/support/challenging.rs"]
mod challenging;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let limit = args
        .iter()
        .position(|a| a == "--time-limit")
        .and_then(|i| args.get(i + 1))
        .map_or(1000, |ms| {
            ms.parse().expect("--time-limit takes milliseconds")
        });
    let mut techniques = Techniques::ALL;
    for (i, arg) in args.iter().enumerate() {
        if arg != "--off" {
            continue;
        }
        let name = args.get(i + 1).map_or("", String::as_str);
        let flag = match name {
            "canonical" => &mut techniques.canonical,
            "dominance" => &mut techniques.dominance,
            "section_inference" => &mut techniques.section_inference,
            "waiting_floor" => &mut techniques.waiting_floor,
            "monotonic_floor" => &mut techniques.monotonic_floor,
            "hatless_pruning" => &mut techniques.hatless_pruning,
            "decomposition" => &mut techniques.decomposition,
            "dynamic_ordering" => &mut techniques.dynamic_ordering,
            _ => panic!("--off takes a technique's name; received {name:?}"),
        };
        *flag = false;
    }
    let dir = args.first().filter(|a| !a.starts_with("--")).cloned();
    let Some(instances) = challenging::load(dir.as_deref()) else {
        eprintln!("no instances found: {}", challenging::WHERE);
        std::process::exit(2);
    };
    println!("| instance | tensors | lower bound | height | / bound | time | optimal |");
    println!("| --- | ---: | ---: | ---: | ---: | ---: | --- |");
    for instance in &instances {
        let options = PlanOptions {
            exact_passes: u32::MAX,
            techniques,
            time_limit: Some(Duration::from_millis(limit)),
            ..PlanOptions::default()
        };
        let start = Instant::now();
        let plan = Plan::with_options(&instance.lifetimes, &options).expect("plan");
        let time = start.elapsed();
        println!(
            "| {} | {} | {} | {} | {:.3} | {:.1} ms | {} |",
            instance.name,
            instance.lifetimes.len(),
            plan.lower_bound(),
            plan.bytes(),
            plan.bytes() as f64 / plan.lower_bound() as f64,
            time.as_secs_f64() * 1e3,
            if plan.optimal() { "proven" } else { "no" },
        );
    }
}
