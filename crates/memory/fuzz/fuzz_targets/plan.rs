#![no_main]
//! `cargo +nightly fuzz run plan`: libFuzzer drives `lightwatch_memory_fuzz::plan::run`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    lightwatch_memory_fuzz::plan::run(data);
});
