//! The planner's clock: what its time limits (`PlanOptions::time_limit`) are measured with.
//!
//! `std::time::Instant` everywhere it works. On `wasm32-unknown-unknown` std has no clock
//! (`Instant::now` panics there), so with the `host-clock` feature the planner reads its host's:
//! a function imported as `lightwatch.now`, milliseconds on a monotonic clock (the package's
//! browser backend hands it `performance.now`). Without the feature that target keeps std's
//! behaviour: plans without a time limit never read a clock, plans with one panic.

#[cfg(not(all(feature = "host-clock", target_arch = "wasm32", target_os = "unknown")))]
pub(super) use std::time::Instant;

#[cfg(all(feature = "host-clock", target_arch = "wasm32", target_os = "unknown"))]
pub(super) use host::Instant;

#[cfg(all(feature = "host-clock", target_arch = "wasm32", target_os = "unknown"))]
mod host {
    use std::ops::Add;
    use std::time::Duration;

    #[link(wasm_import_module = "lightwatch")]
    extern "C" {
        /// Milliseconds on the host's monotonic clock.
        fn now() -> f64;
    }

    /// A point on the host's clock, in milliseconds.
    #[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
    pub(in crate::plan) struct Instant(f64);

    impl Instant {
        pub(in crate::plan) fn now() -> Self {
            // SAFETY: the import takes nothing and returns a number; the host provides it when
            // it instantiates the module (a module without it does not instantiate).
            Self(unsafe { now() })
        }
    }

    impl Add<Duration> for Instant {
        type Output = Self;

        fn add(self, limit: Duration) -> Self {
            Self(self.0 + limit.as_secs_f64() * 1000.0)
        }
    }
}
