//! The probes only the package's tests call: the live native regions, a deliberate panic, and
//! the simulated cage's refusals. Built with the `test-exports` feature alone (`npm run
//! build:test`), so the release addon and its `binding.d.ts` never have them; the core's rules
//! the differential test drives are the other test-only exports (`rules`).

use napi::bindgen_prelude::Float64Array;
use napi_derive::napi;

use crate::{cage, regions};

/// The memory every live native block holds now, across all threads, in address order, as
/// `[start, end, start, end, ...]` (addresses fit a double exactly: 48 bits): what the tamper
/// tests check that no attached view reaches past.
#[napi(catch_unwind, js_name = "__liveRegionsForTests")]
pub fn live_regions_for_tests() -> Float64Array {
    let regions = regions::snapshot();
    let mut pairs = Vec::with_capacity(2 * regions.len());
    for region in regions {
        pairs.push(region.address as f64);
        pairs.push((region.address + region.len) as f64);
    }
    Float64Array::new(pairs)
}

/// Panics on purpose, so the test suite can prove that a panic in the binding becomes a
/// JavaScript exception (`catch_unwind`) instead of aborting the process.
///
/// # Panics
/// Always, with `message`.
#[napi(catch_unwind, js_name = "__panicForTests")]
pub fn panic_for_tests(message: String) {
    panic!("{message}");
}

/// How many external buffers the simulated cage refused in this process (0 when the simulation
/// is off): one means the switch happened at the first block and nothing asked for an external
/// buffer after it.
#[napi(catch_unwind, js_name = "__simulatedCageRefusals")]
pub fn simulated_cage_refusals() -> u32 {
    cage::refusals()
}
