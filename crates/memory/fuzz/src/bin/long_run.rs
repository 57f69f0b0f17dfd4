//! The stable-toolchain stand-in for the fuzzer: random inputs from a seeded generator, fed to
//! the same interpreters (the allocators' operations and the planner) for a fixed time.
//! `cargo run --release --bin long-run -- SECONDS [SEED]`. Prints the number of inputs,
//! operations and planned tensors; any violated invariant panics.

use std::time::{Duration, Instant};

fn main() {
    let mut args = std::env::args().skip(1);
    let seconds: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(60);
    let mut state: u64 = args
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x9E37_79B9_7F4A_7C15);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let (mut inputs, mut operations, mut tensors) = (0u64, 0u64, 0u64);
    let mut data = Vec::new();
    while Instant::now() < deadline {
        // xorshift64*: fast, seeded, no dependency.
        let mut next = || {
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            state.wrapping_mul(0x2545_F491_4F6C_DD1D)
        };
        let len = (next() % 4096) as usize;
        data.clear();
        data.extend((0..len).map(|_| next() as u8));
        operations += lightwatch_memory_fuzz::run(&data);
        tensors += lightwatch_memory_fuzz::plan::run(&data);
        inputs += 1;
    }
    println!(
        "long-run: {inputs} inputs, {operations} operations, {tensors} tensors planned in {seconds} s, \
         no invariant violated"
    );
}
