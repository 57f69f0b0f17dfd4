#![no_main]
//! `cargo +nightly fuzz run operations`: libFuzzer drives `lightwatch_memory_fuzz::run`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    lightwatch_memory_fuzz::run(data);
});
