//! MiniMalloc's challenging set (instances A-K, from `google/minimalloc`'s
//! `benchmarks/challenging/`), planned with a time limit: for each instance the height reached,
//! the time to reach MiniMalloc's height, and whether the plan is proven optimal, beside
//! MiniMalloc's own figures.
//!
//! `cargo run --release -p lightwatch-memory --example challenging -- [DIR] [--time-limit MS]
//! [--off TECHNIQUE]...`
//!
//! DIR holds the instances' CSV files (`id,lower,upper,size`, lifetimes half-open); see
//! `benches/support/challenging.rs` for where they are looked for by default. `--off` turns one
//! of the exact search's techniques off (`canonical`, `dominance`, `section_inference`,
//! `waiting_floor`, `monotonic_floor`, `hatless_pruning`, `decomposition`, `dynamic_ordering`),
//! to measure what it brings.
//!
//! "Time to reach" is the smallest time limit, to the millisecond, whose plan is at most
//! MiniMalloc's height: with a time limit the planner does the same work in the same order and
//! stops earlier or later, so the height reached only falls as the limit grows. A plan proven
//! optimal returns at once, and its time is the call's.

use std::time::{Duration, Instant};

use lightwatch_memory::{Plan, PlanOptions, Techniques};

#[path = "../benches/support/challenging.rs"]
mod challenging;

/// MiniMalloc's height and time on each instance at capacity 1,048,576 (Release, one thread),
/// as measured on the project's machine for issue 18.
const MINIMALLOC: [(&str, usize, f64); 11] = [
    ("A", 1_048_576, 4.96),
    ("B", 1_048_576, 4.52),
    ("C", 1_039_360, 0.12),
    ("D", 1_048_576, 2.65),
    ("E", 1_048_576, 3.65),
    ("F", 1_048_576, 6.89),
    ("G", 1_048_576, 2.33),
    ("H", 1_048_576, 2.56),
    ("I", 1_048_576, 4.29),
    ("J", 1_048_576, 0.85),
    ("K", 1_048_576, 0.56),
];

fn techniques(args: &[String]) -> Techniques {
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
    techniques
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let limit: u64 = args
        .iter()
        .position(|a| a == "--time-limit")
        .and_then(|i| args.get(i + 1))
        .map_or(1000, |ms| {
            ms.parse().expect("--time-limit takes milliseconds")
        });
    let techniques = techniques(&args);
    let dir = args.first().filter(|a| !a.starts_with("--")).cloned();
    let Some(instances) = challenging::load(dir.as_deref()) else {
        eprintln!("no instances found: {}", challenging::WHERE);
        std::process::exit(2);
    };
    let options = |ms: u64| PlanOptions {
        exact_passes: u32::MAX,
        techniques,
        time_limit: Some(Duration::from_millis(ms)),
        ..PlanOptions::default()
    };
    println!(
        "| instance | tensors | lower bound | height, {limit} ms | proven optimal | time to reach MiniMalloc's height | MiniMalloc | ours vs MiniMalloc |"
    );
    println!("| --- | ---: | ---: | ---: | --- | ---: | --- | ---: |");
    for instance in &instances {
        let lifetimes = &instance.lifetimes;
        let start = Instant::now();
        let plan = Plan::with_options(lifetimes, &options(limit)).expect("plan");
        let time = start.elapsed().as_secs_f64();
        let &(_, target, theirs) = MINIMALLOC
            .iter()
            .find(|(name, ..)| *name == instance.name)
            .expect("one of A-K");
        let reach = if plan.bytes() > target {
            None
        } else if plan.optimal() {
            Some(time)
        } else {
            // The smallest limit that reaches the target, by bisection.
            let (mut lo, mut hi) = (0, limit);
            while lo < hi {
                let mid = (lo + hi) / 2;
                let planned = Plan::with_options(lifetimes, &options(mid)).expect("plan");
                if planned.bytes() <= target {
                    hi = mid;
                } else {
                    lo = mid + 1;
                }
            }
            Some(hi as f64 / 1e3)
        };
        println!(
            "| {} | {} | {} | {} ({:.3}x) | {} | {} | {target} in {theirs:.2} s | {} |",
            instance.name,
            lifetimes.len(),
            plan.lower_bound(),
            plan.bytes(),
            plan.bytes() as f64 / plan.lower_bound() as f64,
            if plan.optimal() {
                format!("yes, in {:.0} ms", time * 1e3)
            } else {
                "no".to_owned()
            },
            reach.map_or("not reached".to_owned(), |t| format!("{:.0} ms", t * 1e3)),
            reach.map_or("not reached".to_owned(), |t| if theirs >= t {
                format!("{:.1}x faster", theirs / t)
            } else {
                format!("{:.2}x slower", t / theirs)
            }),
        );
    }
}
