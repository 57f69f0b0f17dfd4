//! The memory planner's quality table: for every set of `benchmark/networks/lifetimes.json`, the
//! naive bytes (a bump arena), greedy by size (TensorFlow Lite's planner), our plan, the lower
//! bound, their ratios and the planning time (median of several runs, default options).
//!
//! `cargo run --release -p lightwatch-memory --example plan_quality [-- --offsets PATH]`
//!
//! With `--offsets`, also writes each set's lifetimes, offsets (ours and greedy by size) and
//! figures as JSON, which `benchmark/plan-svg.ts` turns into pictures.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use lightwatch_memory::{Plan, PlanOptions};

#[path = "../benches/support/fixture.rs"]
mod fixture;

const MIB: f64 = 1024.0 * 1024.0;
const RUNS: usize = 7;

struct Row {
    name: String,
    kind: String,
    tensors: usize,
    naive: usize,
    greedy: usize,
    ours: usize,
    bound: usize,
    time: Duration,
    planner: String,
}

fn median_time(f: impl Fn()) -> Duration {
    let mut times: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    times.sort();
    times[RUNS / 2]
}

fn main() {
    let offsets_path = std::env::args().skip_while(|a| a != "--offsets").nth(1);
    let sets = fixture::load();
    let options = PlanOptions::default();
    let mut rows = Vec::new();
    let mut pictures = Vec::new();
    for set in &sets {
        let plan = Plan::with_options(&set.lifetimes, &options).expect("plan");
        let greedy = Plan::greedy_by_size(&set.lifetimes).expect("greedy by size");
        let time = median_time(|| {
            std::hint::black_box(Plan::with_options(&set.lifetimes, &options).expect("plan"));
        });
        rows.push(Row {
            name: set.name.clone(),
            kind: set.kind.clone(),
            tensors: set.lifetimes.len(),
            naive: plan.naive_bytes(),
            greedy: greedy.bytes(),
            ours: plan.bytes(),
            bound: plan.lower_bound(),
            time,
            planner: format!("{:?}", plan.planner()),
        });
        pictures.push(picture(&set.name, &set.lifetimes, &plan, &greedy));
    }
    print_table(&rows);
    if let Some(path) = offsets_path {
        let json = format!("{{\"sets\": [\n{}\n]}}\n", pictures.join(",\n"));
        std::fs::write(&path, json).expect("write the offsets");
        println!("\nWrote {path}");
    }
}

fn print_table(rows: &[Row]) {
    println!(
        "| set | tensors | naive MiB | greedy by size MiB | ours MiB | lower bound MiB | greedy / bound | ours / bound | ours / greedy | time (ms) | planner |"
    );
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
    for r in rows {
        println!(
            "| {} | {} | {:.2} | {:.2} | {:.2} | {:.2} | {:.4} | {:.4} | {:.4} | {:.2} | {} |",
            r.name,
            r.tensors,
            r.naive as f64 / MIB,
            r.greedy as f64 / MIB,
            r.ours as f64 / MIB,
            r.bound as f64 / MIB,
            r.greedy as f64 / r.bound as f64,
            r.ours as f64 / r.bound as f64,
            r.ours as f64 / r.greedy as f64,
            r.time.as_secs_f64() * 1e3,
            r.planner,
        );
    }
    for kind in ["network", "random"] {
        let ratios: Vec<f64> = rows
            .iter()
            .filter(|r| r.kind == kind)
            .map(|r| r.ours as f64 / r.greedy as f64)
            .collect();
        let worst = rows
            .iter()
            .filter(|r| r.kind == kind)
            .map(|r| r.ours as f64 / r.bound as f64)
            .fold(0.0, f64::max);
        let geomean = (ratios.iter().map(|r| r.ln()).sum::<f64>() / ratios.len() as f64).exp();
        println!(
            "\n{kind} sets: ours / greedy by size, geometric mean {geomean:.4}; worst ours / bound {worst:.4}"
        );
    }
}

fn picture(
    name: &str,
    lifetimes: &[lightwatch_memory::Lifetime],
    plan: &Plan,
    greedy: &Plan,
) -> String {
    let list = |values: &mut dyn Iterator<Item = usize>| {
        let mut s = String::from("[");
        for (i, v) in values.enumerate() {
            if i > 0 {
                s.push(',');
            }
            write!(s, "{v}").expect("write to a String");
        }
        s.push(']');
        s
    };
    format!(
        "{{\"name\": \"{name}\", \"lowerBound\": {}, \"bytes\": {}, \"greedyBytes\": {}, \"sizes\": {}, \"starts\": {}, \"ends\": {}, \"offsets\": {}, \"greedyOffsets\": {}}}",
        plan.lower_bound(),
        plan.bytes(),
        greedy.bytes(),
        list(&mut lifetimes.iter().map(|l| l.size)),
        list(&mut lifetimes.iter().map(|l| l.start)),
        list(&mut lifetimes.iter().map(|l| l.end)),
        list(&mut plan.offsets().iter().copied()),
        list(&mut greedy.offsets().iter().copied()),
    )
}
